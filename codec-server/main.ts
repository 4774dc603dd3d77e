// The codec server process: `npm run codec-server` (npm start runs one when encryption is on).
// It holds the payload keys, so run it where operators reach it and nothing else does: on
// loopback or behind the same access control as the Web UI.
import pino from 'pino';
import { serve } from '../api/server';
import { parseCodecServerSettings } from '../config/codec-server';
import { EncryptionCodec } from '../config/encryption-codec';
import { parsePayloadEncryption } from '../config/payload-encryption';
import { createCodecServerApp } from './app';

async function main(): Promise<void> {
  const encryption = parsePayloadEncryption(process.env);
  const { settings, problems } = parseCodecServerSettings(process.env);
  const all = [...encryption.problems, ...problems];
  if (!encryption.keys && all.length === 0) all.push('PAYLOAD_ENCRYPTION_KEYS: not set; with payload encryption off there is nothing to decode');
  if (all.length > 0 || !settings || !encryption.keys) {
    console.error(`The codec server cannot start; fix these settings:\n${all.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'hostflow-codec-server' } });
  const app = createCodecServerApp({ codec: new EncryptionCodec(encryption.keys), corsOrigins: settings.corsOrigins, token: settings.token, logger });
  const running = await serve(app, { port: settings.port, host: settings.host, logger });
  logger.info(
    { url: `http://${settings.host}:${running.port}`, cors_origins: settings.corsOrigins, auth: settings.token ? 'bearer token' : 'none', keys: [...encryption.keys.keys.keys()], active_key: encryption.keys.activeKeyId },
    'codec server listening',
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
