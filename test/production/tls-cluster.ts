// The real Temporal server (the one `npm run temporal:cluster` builds and caches) started with mutual
// TLS on its frontend, for test/production/temporal-tls.test.ts: a test CA, a server certificate
// for localhost / 127.0.0.1 and a client certificate, all made here with the openssl CLI; two
// databases and ports of its own, so it never meets the run's cluster or dev server. The
// namespace is registered and the search attributes added with infra/search-attributes.sh, both
// over mTLS (the script through the CLI's TEMPORAL_TLS_* variables, as a deploy would run it).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { stringify as stringifyYaml } from 'yaml';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';
import {
  defaultClusterDatabases,
  dropClusterDatabases,
  findOrBuildTemporalServer,
  freePorts,
  registerNamespaceOn,
  renderClusterConfig,
  setupClusterDatabases,
  untilFrontendAnswers,
} from '../../scripts/lib/temporal-cluster';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface TlsCluster {
  address: string;
  namespace: string;
  /** The name in the server's certificate (the client checks it; the address is an IP). */
  serverName: string;
  certs: TestCertificates;
  /** The TEMPORAL_* variables of @temporalio/envconfig (and the CLI) for a client with the client cert. */
  clientEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** A CA, a server certificate (serverAuth and clientAuth: the server's own worker service dials the
 * frontend with it) and a client certificate signed by it; P-256 keys, valid for a day. */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Hostflow test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = async (name: string, subject: string, extensions: string) => {
    await fs.writeFile(file(`${name}.ext`), extensions);
    await openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
  };
  await leaf('server', '/CN=localhost', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await leaf('client', '/CN=hostflow', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  return { dir, caCert: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), clientCert: file('client.pem'), clientKey: file('client.key') };
}

/** infra/temporal-cluster.yaml's server, its frontend requiring a client certificate from the test CA. */
export async function startTlsCluster(log: (line: string) => void = () => {}): Promise<TlsCluster> {
  const bin = await findOrBuildTemporalServer({ log, ui: false });
  const cli = await findOrInstallTemporalCli({ log });
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hostflow-temporal-tls-'));
  const certs = await makeTestCertificates(runDir);
  const suffix = randomBytes(4).toString('hex');
  const databases = { ...defaultClusterDatabases(), persistence: `hostflow_tls_${suffix}`, visibility: `hostflow_tls_${suffix}_visibility` };
  await setupClusterDatabases(bin, databases, log);

  const ports = await freePorts();
  // Small pools: the run's other servers and processes share Postgres's 100 connections.
  const doc = renderClusterConfig(databases, ports, undefined, { persistence: 5, visibility: 3 });
  const serverName = 'localhost';
  const clientSide = { serverName, rootCaFiles: [certs.caCert] };
  doc.global.tls = {
    frontend: {
      server: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFiles: [certs.caCert], requireClientAuth: true },
      client: clientSide,
    },
    // The server's own worker service dials the frontend too: it needs the client side to trust it.
    systemWorker: { certFile: certs.serverCert, keyFile: certs.serverKey, client: clientSide },
  };
  await fs.mkdir(path.join(runDir, 'config'));
  await fs.writeFile(path.join(runDir, 'config', 'tls.yaml'), stringifyYaml(doc));

  const logFile = path.join(runDir, 'server.log');
  const out = createWriteStream(logFile);
  const server: ChildProcess = spawn(bin.server, ['--root', runDir, '--config', 'config', '--env', 'tls', '--allow-no-auth', 'start'], { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.pipe(out);
  server.stderr!.pipe(out);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${ports.frontend}`;
  const namespace = 'default';
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    process.removeListener('exit', killOnExit);
    await dropClusterDatabases(databases);
    await fs.rm(runDir, { recursive: true, force: true });
  };
  const clientEnv = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_SERVER_NAME: serverName,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  };
  try {
    const tls = { serverNameOverride: serverName, serverRootCACertificate: readFileSync(certs.caCert), clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } };
    const connection = await untilFrontendAnswers(() => Connection.connect({ address, tls, connectTimeout: '1s' }), server, logFile, `${address} (TLS)`);
    try {
      await registerNamespaceOn(connection, namespace, '1 day');
    } finally {
      await connection.close();
    }
    const { stdout } = await run('bash', [path.join(ROOT, 'infra', 'search-attributes.sh')], { env: { ...process.env, ...clientEnv, TEMPORAL_CLI: cli } });
    stdout.trim().split('\n').forEach(log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, serverName, certs, clientEnv, stop };
}
