// Temporal connection settings come from the standard TEMPORAL_* environment (or a
// temporal.toml profile) through @temporalio/envconfig; unset means the local dev server.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { Client, type ClientInterceptors, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/** env: the TEMPORAL_* variables to read (TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE too); the process's by default. */
export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: defined });
  return {
    address: connectionOptions.address ?? '127.0.0.1:7233',
    namespace: namespace ?? 'default',
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? '127.0.0.1:7233' },
  };
}

/** dataConverter: config/data-converter.ts's, so the client encrypts as the workers do;
 * interceptors: the API's tracing ones (api/tracing.ts) when tracing is on. */
export async function connectClient(target: TemporalTarget = temporalTarget(), dataConverter: DataConverter = {}, interceptors: ClientInterceptors = {}): Promise<Client> {
  const connection = await Connection.connect(target.connectionOptions as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace: target.namespace, dataConverter, interceptors });
}
