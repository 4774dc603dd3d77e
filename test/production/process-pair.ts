// One real API process (api/main.ts) and one real worker process (workers/main.ts) on a test
// stack's settings plus `env`, for tests of what only the real entry points do (their tracing,
// their Temporal connection from TEMPORAL_* / a profile file). The VM's ready callback goes to
// this API process too (API_URL), so a provision touches nothing of the stack's in-process API and
// worker: it works against another Temporal server than the stack's.
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRequest } from '../../config/request-signing';
import { startApiReplicas, startWorkerReplicas, type ApiReplicas, type WorkerReplicas } from '../support/replicas';
import { TEST_API_KEY, TEST_API_SECRET, type Stack } from '../support/stack';

export interface ProcessPair {
  apiUrl: string;
  /** The stack with its signed `call` sent to this API process (for test/support/lifecycle.ts). */
  stack: Stack;
  close(): Promise<void>;
}

export interface ProcessPairOptions {
  env: Record<string, string>;
  temporal: { address: string; namespace: string };
  /** The plain bundle's path (WORKFLOW_BUNDLE); a tracing worker loads the .tracing.js beside it. */
  workflowBundle: string;
}

export async function startProcessPair(stack: Stack, options: ProcessPairOptions): Promise<ProcessPair> {
  let api: ApiReplicas | undefined;
  let worker: WorkerReplicas | undefined;
  let forward: ApiReplicas['proxy'] | undefined;
  // Listening first: the API's URL is part of its own settings (the VM calls it back).
  const server = await new Promise<Server>((resolve) => {
    const s = express()
      .use((req, res) => (forward ? forward(req, res) : res.status(503).end()))
      .listen(0, '127.0.0.1', () => resolve(s));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await worker?.stop();
    await api?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    const env = { ...stack.env, ...options.env, API_URL: apiUrl };
    [worker, api] = await Promise.all([startWorkerReplicas(1, { env, temporal: options.temporal }, options.workflowBundle), startApiReplicas(1, env, options.temporal)]);
    forward = api.proxy;
  } catch (err) {
    await close();
    throw err;
  }
  const call: Stack['call'] = async (method, target, body) => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const answer = await fetch(`${apiUrl}${target}`, {
      method,
      headers: { ...(raw ? { 'Content-Type': 'application/json' } : {}), ...signRequest({ key: TEST_API_KEY, secret: TEST_API_SECRET }, { method, target, body: raw }) },
      body: raw || undefined,
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : undefined, headers: answer.headers };
  };
  return { apiUrl, stack: { ...stack, apiUrl, call }, close };
}
