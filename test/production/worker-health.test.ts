// The worker's probes and identity (workers/health.ts), against a stand-in worker state and
// connection: the endpoints' logic, not the SDK (cluster.test.ts sees real identities).
import os from 'node:os';
import pkg from '../../package.json';
import { serveWorkerHealth, workerHealthAddress, workerIdentity, type HealthListener } from '../../workers/health';

describe('worker health endpoints', () => {
  let state = 'INITIALIZED';
  let temporalUp = true;
  let listener: HealthListener;
  beforeAll(async () => {
    const worker = { getState: () => state } as never;
    const connection = { workflowService: { getSystemInfo: () => (temporalUp ? Promise.resolve({}) : Promise.reject(new Error('down'))) } } as never;
    listener = await serveWorkerHealth(worker, connection, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => listener.close());
  const status = async (p: string) => (await fetch(`${listener.url}${p}`)).status;

  it('is live but not ready until the worker runs; ready while it runs and Temporal answers', async () => {
    expect([await status('/livez'), await status('/readyz')]).toEqual([200, 503]);
    state = 'RUNNING';
    expect([await status('/livez'), await status('/readyz')]).toEqual([200, 200]);
    temporalUp = false;
    expect([await status('/livez'), await status('/readyz')]).toEqual([200, 503]);
    temporalUp = true;
    state = 'DRAINING';
    expect([await status('/livez'), await status('/readyz')]).toEqual([200, 503]);
    state = 'FAILED';
    expect([await status('/livez'), await status('/readyz')]).toEqual([503, 503]);
    expect(await status('/other')).toBe(404);
  });

  it('is off unless WORKER_HEALTH_ADDRESS is set, and refuses a malformed one', () => {
    expect(workerHealthAddress({})).toBeUndefined();
    expect(workerHealthAddress({ WORKER_HEALTH_ADDRESS: '0.0.0.0:8081' })).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(() => workerHealthAddress({ WORKER_HEALTH_ADDRESS: '8081' })).toThrow(/WORKER_HEALTH_ADDRESS/);
  });

  it('puts the package version and the build id into the identity', () => {
    const { version } = pkg;
    expect(workerIdentity({})).toBe(`${process.pid}@${os.hostname()} hostflow/${version}`);
    expect(workerIdentity({ HOSTFLOW_BUILD_ID: 'abc123' })).toMatch(new RegExp(`hostflow/${version.replace(/\./g, '\\.')}\\+abc123$`));
  });
});
