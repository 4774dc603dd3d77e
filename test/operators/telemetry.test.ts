// Metrics and logs as production runs them: the real worker process (workers/main.ts) on the
// test stack writes JSON lines carrying workflow id, run id, instance id and operation, and
// serves the SDK's Temporal metrics to Prometheus; the API serves its own at GET /metrics on a
// listener of its own (API_METRICS_ADDRESS), never on its public port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { serveMetrics } from '../../api/metrics-server';
import { eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
let worker: ChildProcess;
const lines: Record<string, unknown>[] = [];
let metricsAddress: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  // In-process API: the last test reads its metrics registry (stack.apiMetrics), even with HOSTFLOW_TEST_REPLICAS.
  stack = await startStack({ worker: false, api: 'in-process' });
  metricsAddress = `127.0.0.1:${await freePort()}`;
  const root = path.resolve(__dirname, '..', '..');
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...stack.env,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      WORKER_METRICS_ADDRESS: metricsAddress,
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  worker.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (buffer + chunk).split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  await eventually(async () => (lines.some((l) => l.msg === 'worker polling') ? true : undefined), { what: 'the worker to poll', timeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await stack?.close();
});

describe('worker and API telemetry', () => {
  it('logs JSON with workflow id, run id, instance id and operation, and serves Temporal metrics', async () => {
    const created = await stack.call('POST', '/api/instances', {
      whmcs_service_id: 9801,
      whmcs_client_id: 8,
      email: 'metrics@example.com',
      plan: 'starter',
      region: 'eu-helsinki',
      hostname: 'metrics-1',
    });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    await eventually(async () => ((await stack.call('GET', `/api/instances/${id}`)).body?.status === 'running' ? true : undefined), { what: 'running', timeoutMs: 30_000 });

    const activity = await eventually(async () => lines.find((l) => l.activityType === 'createServer' && l.instanceId === id));
    expect(activity).toMatchObject({ service: 'hostflow-worker', workflowId: `instance-${id}/provision-1`, runId: expect.any(String), operation: 'provision', operationSeq: 1 });
    expect(activity).not.toHaveProperty('taskToken');
    const workflow = await eventually(async () => lines.find((l) => l.workflowId === `instance-${id}` && l.workflowType === 'instanceWorkflow'));
    expect(workflow).toMatchObject({ instanceId: id, runId: expect.any(String) });
    expect(JSON.stringify(lines)).not.toContain('test-secret');

    // `running` comes from the provision's last activity, a moment before the child workflow completes.
    const metrics = await eventually(async () => {
      const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      return /temporal_workflow_completed_total\{[^}]*workflow_type="provisionWorkflow"/.test(text) ? text : undefined;
    }, { what: 'the worker metrics of a completed provision' });
    expect(metrics).toContain('service="hostflow-worker"');
    expect(metrics).toMatch(/temporal_activity_execution_latency/);
  });

  it('counts API requests, errors and latency by route pattern at GET /metrics', async () => {
    await stack.call('GET', '/api/instances/00000000-0000-4000-8000-000000000000');
    await fetch(`${stack.apiUrl}/no/such/path`);
    const listener = await serveMetrics(stack.apiMetrics, { host: '127.0.0.1', port: 0 });
    const answer = await fetch(listener.url).finally(() => listener.close());
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).toMatch(/hostflow_api_requests_total\{method="POST",route="\/api\/instances",status="202"\} [1-9]/);
    expect(text).toMatch(/hostflow_api_request_errors_total\{method="GET",route="\/api\/instances\/:id",status="404"\} 1/);
    expect(text).toMatch(/hostflow_api_request_errors_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).toMatch(/hostflow_api_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/api\/instances\/:id",status="200"\} [1-9]/);
    expect(text).toContain('hostflow_api_process_cpu_user_seconds_total');
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect((await fetch(`${stack.apiUrl}/metrics`)).status).toBe(404);
  });
});
