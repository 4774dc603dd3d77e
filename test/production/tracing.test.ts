// Tracing with @temporalio/interceptors-opentelemetry through the real processes: an API process
// (api/main.ts) and a worker process (workers/main.ts, loading a pre-built tracing bundle) with
// OTEL_EXPORTER_OTLP_ENDPOINT pointed at an OTLP/HTTP receiver in this file. A provision then
// arrives as one trace: the API's signal-with-start span, the entity's and the provision child's
// workflow spans and its activity spans. With HOSTFLOW_TRACING=off the same processes load none of
// OpenTelemetry's SDK and export nothing. A probe preloaded into each process (NODE_OPTIONS)
// writes the modules it has loaded, which is how "nothing loaded" is seen from outside.
import { bundleWorkflowCode } from '@temporalio/worker';
import express from 'express';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tracingBundlePath, workflowInterceptorModules } from '../../workers/tracing-bundle';
import { WORKFLOWS_PATH } from '../../workers/worker';
import { createInstance, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { startProcessPair } from './process-pair';

jest.setTimeout(180_000);

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/** An OTLP/HTTP receiver (JSON, as the exporter sends it): every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; requests: () => number; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  let requests = 0;
  const app = express().use(express.json({ limit: '20mb' }));
  app.post('/v1/traces', (req, res) => {
    requests++;
    for (const rs of req.body.resourceSpans ?? []) {
      const service = (rs.resource?.attributes ?? []).find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '';
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: String(s.traceId), spanId: String(s.spanId), parentSpanId: String(s.parentSpanId ?? '') });
      }
    }
    res.status(200).json({});
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// NODE_OPTIONS' --require runs in every thread too (the worker's workflow thread, pino's): only the
// main thread writes, or two threads would share one file (a torn read, or a rename of a file the
// other thread had just renamed, which threw and killed the process).
const PROBE = `
const { isMainThread } = require('node:worker_threads');
if (isMainThread) {
  const { writeFileSync, renameSync } = require('node:fs');
  const out = require('node:path').join(process.env.HOSTFLOW_TEST_MODULE_PROBE_DIR, process.pid + '.json');
  // Written whole, then renamed: a reader never sees half a file.
  setInterval(() => { writeFileSync(out + '.tmp', JSON.stringify({ main: process.argv[1], modules: Object.keys(require.cache) })); renameSync(out + '.tmp', out); }, 200).unref();
}
`;

/** What the probed processes have loaded, by entry point (api/main.ts, workers/main.ts). */
function loadedModules(dir: string): Map<string, string[]> {
  const byMain = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const { main, modules } = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { main?: string; modules: string[] };
    // A helper process without a script (node -e, a worker's child) inherits NODE_OPTIONS too: not one of ours.
    if (!main) continue;
    byMain.set(path.relative(path.resolve(__dirname, '..', '..'), main), modules);
  }
  return byMain;
}

const isOtelSdk = (file: string) => /node_modules\/(@opentelemetry\/(sdk-trace-base|exporter-trace-otlp-http|context-async-hooks)|@temporalio\/interceptors-opentelemetry)\//.test(file);

let tmp: string;
let stack: Stack;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hostflow-tracing-'));
  writeFileSync(path.join(tmp, 'probe.js'), PROBE);
  // As `npm run build` does: the plain bundle (the run's) and the tracing one beside it.
  copyFileSync(process.env.HOSTFLOW_TEST_WORKFLOW_BUNDLE!, path.join(tmp, 'bundle.js'));
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModules(true), logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never });
  writeFileSync(tracingBundlePath(path.join(tmp, 'bundle.js')), code);
  // A database of its own: without DATABASE_URL, two more processes on the run's shared embedded
  // Postgres queue behind every other file's transactions (a newcomer's npm test timed out here).
  stack = await startStack({ worker: false, ownDatabase: true });
});
afterAll(async () => {
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Provisions through a real API and worker process with `env` added; answers what they loaded.
 * `whileUp` runs before the processes stop: a span still in an exporter's batch is not lost then. */
async function provisionThroughProcesses(env: Record<string, string>, probeDir: string, whileUp: () => Promise<unknown> = async () => undefined) {
  const pair = await startProcessPair(stack, {
    env: { ...env, NODE_OPTIONS: `--require ${path.join(tmp, 'probe.js')}`, HOSTFLOW_TEST_MODULE_PROBE_DIR: probeDir },
    temporal: stack.temporal,
    workflowBundle: path.join(tmp, 'bundle.js'),
  });
  try {
    const created = await createInstance(pair.stack);
    await untilStatus(pair.stack, created.id, 'running');
    await whileUp();
    // Both processes have written what they loaded since (the probe writes every 200 ms).
    return await eventually(async () => {
      const seen = loadedModules(probeDir);
      return seen.get('api/main.ts') && seen.get('workers/main.ts') ? seen : undefined;
    }, { what: 'the module probe of both processes' });
  } finally {
    await pair.close();
  }
}

describe('tracing on (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('exports one trace for a provision: the API call, the workflows and their activities', async () => {
    const receiver = await startReceiver();
    try {
      const probeDir = mkdtempSync(path.join(tmp, 'probe-on-'));
      const untilTrace = () =>
        eventually(async () => {
          const start = receiver.spans.find((s) => s.service === 'hostflow-api' && s.name === 'SignalWithStartWorkflow:instanceWorkflow');
          if (!start) return undefined;
          const inTrace = receiver.spans.filter((s) => s.traceId === start.traceId);
          const names = new Set(inTrace.map((s) => s.name));
          return names.has('RunWorkflow:provisionWorkflow') && inTrace.some((s) => s.name.startsWith('RunActivity:')) ? { start, inTrace } : undefined;
        }, { what: 'the provision trace', timeoutMs: 30_000 });
      let trace!: Awaited<ReturnType<typeof untilTrace>>;
      const modules = await provisionThroughProcesses({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' }, probeDir, async () => {
        trace = await untilTrace();
      });

      const byName = (name: string) => trace.inTrace.filter((s) => s.name === name);
      // The provision child runs under the span of the entity's child start (the entity's own run
      // span ends only when the entity does, so it is not exported yet), each activity attempt
      // under the span of the workflow's activity call.
      const childStart = byName('StartChildWorkflow:provisionWorkflow');
      expect(childStart.map((s) => s.service)).toContain('hostflow-worker');
      const provisionRun = byName('RunWorkflow:provisionWorkflow');
      expect(childStart.map((s) => s.spanId)).toContain(provisionRun[0]!.parentSpanId);
      const activities = trace.inTrace.filter((s) => s.name.startsWith('RunActivity:'));
      expect(activities.length).toBeGreaterThan(2);
      const activityCalls = new Set(trace.inTrace.filter((s) => s.name.startsWith('StartActivity:')).map((s) => s.spanId));
      for (const activity of activities) {
        expect(activity.service).toBe('hostflow-worker');
        expect(activityCalls.has(activity.parentSpanId)).toBe(true);
      }

      // And the probe sees the SDK pieces loaded, so its "not loaded" below means something.
      expect(modules.get('api/main.ts')!.some(isOtelSdk)).toBe(true);
      expect(modules.get('workers/main.ts')!.some(isOtelSdk)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('tracing off', () => {
  it('with HOSTFLOW_TRACING=off, even beside an OTLP endpoint, loads none of the SDK and exports nothing', async () => {
    const receiver = await startReceiver();
    try {
      const probeDir = mkdtempSync(path.join(tmp, 'probe-off-'));
      const modules = await provisionThroughProcesses({ HOSTFLOW_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' }, probeDir);
      expect(modules.get('api/main.ts')!.filter(isOtelSdk)).toEqual([]);
      expect(modules.get('workers/main.ts')!.filter(isOtelSdk)).toEqual([]);
      expect(receiver.requests()).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});
