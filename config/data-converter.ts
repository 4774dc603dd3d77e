// The one data converter every Hostflow client and worker uses (API, worker, bench, scripts,
// tests): the SDK's default JSON conversion, plus the encryption codec when keys are configured.
// Client and worker must agree, so nothing builds its own.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { loadPayloadEncryption, type PayloadEncryptionEnv, type PayloadEncryptionKeys } from './payload-encryption';

/**
 * Failure messages and stack traces are not encoded (no `encodeCommonAttributes`): operators read
 * them in the Web UI and CLI without a codec server, and activities keep them free of customer
 * data (they name instances by id). Search attributes and headers are never encoded by the SDK.
 */
export function hostflowDataConverter(encryption: PayloadEncryptionKeys | undefined): DataConverter {
  return encryption ? { payloadCodecs: [new EncryptionCodec(encryption)] } : {};
}

/** For processes that read nothing else from the environment; refuses bad keys like config/env.ts. */
export function dataConverterFromEnv(env: PayloadEncryptionEnv = process.env): DataConverter {
  return hostflowDataConverter(loadPayloadEncryption(env));
}
