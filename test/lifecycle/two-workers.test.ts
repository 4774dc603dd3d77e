// DESIGN.md: the worker is stateless and N copies share the task queue. Two worker processes on
// one queue must provision a batch of instances exactly as one does.
import { createInstance, untilStatus } from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';
import { serversOf } from '../support/world';

let stack: Stack;
let workers: WorkerProcesses;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  workers = workerProcesses(stack);
  await Promise.all([workers.start(), workers.start()]);
}, 120_000);
afterAll(async () => {
  await workers?.killAll();
  await stack?.close();
});

it('provisions a batch with two worker processes sharing the task queue', async () => {
  const created = await Promise.all(Array.from({ length: 8 }, () => createInstance(stack)));
  for (const instance of created) await untilStatus(stack, instance.id, 'running', 60_000);
  for (const instance of created) expect(serversOf(stack.sandbox, instance.id)).toHaveLength(1);
}, 120_000);
