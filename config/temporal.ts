// Temporal connection settings come from the standard TEMPORAL_* environment (or a
// temporal.toml profile) through @temporalio/envconfig; unset means the local dev server.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalTarget(): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    address: connectionOptions.address ?? '127.0.0.1:7233',
    namespace: namespace ?? 'default',
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? '127.0.0.1:7233' },
  };
}

/** dataConverter: config/data-converter.ts's, so the client encrypts as the workers do. */
export async function connectClient(target: TemporalTarget = temporalTarget(), dataConverter: DataConverter = {}): Promise<Client> {
  const connection = await Connection.connect(target.connectionOptions as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace: target.namespace, dataConverter });
}
