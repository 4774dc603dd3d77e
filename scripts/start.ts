// `npm start`: the whole stack on one machine, in one command, with embedded defaults.
//   Temporal dev server + Web UI (unless TEMPORAL_ADDRESS is set)
//   embedded Postgres (PGlite, served on a local port) unless DATABASE_URL is set
//   sandbox Hetzner/Cloudflare/SMTP + VM simulator unless real provider tokens are set
//   migrations, then the worker and the API as their own processes (as in production); the worker
//   keeps the fleet sweeps' schedules (health every 5m, drift hourly) unless FLEET_SCHEDULES=off.
//   With payload encryption on, the codec server first, and the dev Web UI pointed at it.
// Ctrl-C stops everything it started, in reverse order.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { withoutWorkerSecrets } from '../config/api-config';
import { DEFAULT_CODEC_SERVER_PORT } from '../config/codec-server';
import { loadPayloadEncryption } from '../config/payload-encryption';
import { startEmbeddedPostgres } from '../schema/embedded-postgres';
import { runMigrations } from '../schema/migrate';
import { sandboxProviderEnv, startSandbox } from '../sandbox';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { decideStartMode } from './start-mode';
import { loadDevServerConfig, startTemporalDevServer } from './lib/temporal-dev-server';
import { withWorkerProcessEnv } from '../workers/process-env';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, '.data');
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const stack: Stoppable[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    for (const part of stack.reverse()) {
      await part.stop().catch((error: unknown) => say(`  ${part.name}: ${String(error)}`));
      say(`  stopped ${part.name}`);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const mode = decideStartMode(process.env);
  if (mode.kind === 'refused') {
    say(`Hostflow will not start: a real provider token is set, so nothing falls back to the sandbox or dev values.\n${mode.problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    const apiPort = Number(env.API_PORT ?? 2222);
    if (mode.kind === 'sandbox') env.API_URL ??= `http://127.0.0.1:${apiPort}`;

    // Checked before anything starts: wrong keys must stop the stack, never let it store plaintext.
    const encryption = loadPayloadEncryption(env);
    let codecServerUrl: string | undefined;
    if (encryption) {
      const devUi = loadDevServerConfig();
      env.CODEC_SERVER_CORS_ORIGINS ??= `http://${devUi.ip}:${devUi.ports.ui},http://localhost:${devUi.ports.ui}`;
      codecServerUrl = `http://${env.CODEC_SERVER_HOST ?? '127.0.0.1'}:${env.CODEC_SERVER_PORT ?? DEFAULT_CODEC_SERVER_PORT}`;
      stack.push(spawnService('codec server', path.join(ROOT, 'codec-server', 'main.ts'), env));
      await waitForCodecServer(codecServerUrl);
    }

    if (!env.TEMPORAL_ADDRESS) {
      say('Starting the Temporal dev server (temporal-dev.yaml)…');
      const temporal = await startTemporalDevServer({ log: (line) => say(`  temporal: ${line}`), uiCodecEndpoint: codecServerUrl });
      stack.push({ name: 'Temporal dev server', stop: temporal.stop });
      env.TEMPORAL_ADDRESS = temporal.address;
      env.TEMPORAL_NAMESPACE = temporal.namespace;
      env.HOSTFLOW_WEB_UI = temporal.uiUrl;
    }

    if (!env.DATABASE_URL) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA, 'pglite') });
      stack.push({ name: 'embedded Postgres', stop: pg.stop });
      env.DATABASE_URL = pg.url;
    }
    await runMigrations(env.DATABASE_URL);

    let sandboxUrl: string | undefined;
    if (mode.kind === 'sandbox') {
      const sandbox = await startSandbox({ httpPort: Number(env.SANDBOX_HTTP_PORT ?? 4010), smtpPort: Number(env.SANDBOX_SMTP_PORT ?? 2525) });
      stack.push({ name: 'sandbox', stop: () => sandbox.close() });
      sandboxUrl = sandbox.httpUrl;
      // A real SMTP_URL, if set, still wins: e-mail can go out while the providers are sandboxed.
      Object.assign(env, { ...sandboxProviderEnv(sandbox), ...(env.SMTP_URL ? { SMTP_URL: env.SMTP_URL } : {}) });
      // The health sweep checks the sandbox's VMs; alerts land in its receiver unless a real webhook is set.
      env.HEALTH_URL_TEMPLATE ??= sandbox.healthUrlTemplate;
      env.ALERT_WEBHOOK_URL ??= sandbox.alertWebhookUrl;
    }
    env.EMAIL_FROM ??= 'Hostflow <noreply@hostflow.test>';
    // Dev secrets only with sandbox providers: with a real one, decideStartMode demanded the operator's own.
    let devSigningSecret: string | undefined;
    if (mode.kind === 'sandbox') {
      const dev = loadOrCreateDevSecrets(DATA);
      env.CALLBACK_SECRET ??= dev.callbackSecret;
      if (!env.WHMCS_API_KEY && !env.WHMCS_API_KEYS) {
        env.WHMCS_API_KEY = dev.apiKey;
        env.WHMCS_HMAC_SECRET = devSigningSecret = dev.hmacSecret;
      }
    }

    stack.push(spawnService('worker', path.join(ROOT, 'workers', 'main.ts'), withWorkerProcessEnv(env)));
    // The API starts without the provider tokens: it reads none (config/api-config.ts).
    stack.push(spawnService('api', path.join(ROOT, 'api', 'main.ts'), withoutWorkerSecrets(env)));
    await waitForHealth(`http://127.0.0.1:${apiPort}/api/health`);

    say('');
    say('Hostflow is running.');
    say(`  API            ${env.API_URL}/api`);
    say(`  API docs       ${env.API_URL}/api/docs`);
    say(`  Health         ${env.API_URL}/api/health`);
    say(`  Temporal UI    ${env.HOSTFLOW_WEB_UI || `(your cluster at ${env.TEMPORAL_ADDRESS})`}`);
    say(`  Temporal gRPC  ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE ?? 'default'})`);
    say(`  Payloads       ${encryption ? `encrypted (active key ${encryption.activeKeyId}); codec server ${codecServerUrl}, which the Web UI decodes through` : 'not encrypted (set PAYLOAD_ENCRYPTION_KEYS, see README)'}`);
    say(`  Postgres       ${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded PGlite at ${env.DATABASE_URL} (data in .data/pglite)`}`);
    if (sandboxUrl) {
      say('');
      say('  *** SANDBOX PROVIDERS: no real server, DNS record or e-mail is created. ***');
      say('  *** Set HETZNER_API_TOKEN and CLOUDFLARE_API_TOKEN (see README) for real ones. ***');
      say(`  Sandbox state  ${sandboxUrl}/__sandbox/state   (servers, DNS records, e-mails, alerts)`);
      say(`  Sandbox SMTP   ${env.SMTP_URL}`);
    }
    // The one secret ever printed: generated for this sandbox (.data/dev-secrets.json), worthless
    // against real providers, and needed to sign the README's first requests. An operator's own is never shown.
    if (devSigningSecret) {
      say('');
      say('  Dev signing key (X-API-Key):     dev-whmcs             (sandbox only)');
      say(`  Dev signing secret (HMAC):       ${devSigningSecret}   (DEV ONLY: generated for the sandbox)`);
      say('  Sign a request:  npm run -s sign -- POST /api/instances \'{"whmcs_service_id":1,"whmcs_client_id":1,"email":"a@example.com","plan":"starter","region":"eu-frankfurt"}\'');
    }
    say('');
    say('Ctrl-C stops everything.');
  } catch (error) {
    say(`\nCould not start: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
  }
}

/** The worker and the API run as their own processes, exactly as they would in production. */
function spawnService(name: string, entry: string, env: NodeJS.ProcessEnv): Stoppable {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`${name} exited with code ${code}\n`);
  });
  return {
    name,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Any HTTP answer (401 with a token set) means it listens; a port in use shows up here, not in the UI. */
async function waitForCodecServer(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the codec server did not answer at ${url} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not become healthy at ${url} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

void main();
