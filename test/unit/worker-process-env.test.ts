import { withWorkerProcessEnv, WORKER_NODE_OPTIONS } from '../../workers/process-env';

describe('the worker process settings (workers/process-env.ts)', () => {
  it('adds the glibc settings and the V8 flag to an environment that has none', () => {
    const env = withWorkerProcessEnv({ DATABASE_URL: 'postgres://x' });
    expect(env).toMatchObject({ DATABASE_URL: 'postgres://x', MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072', NODE_OPTIONS: WORKER_NODE_OPTIONS });
  });

  it("keeps the operator's own values and NODE_OPTIONS, adding the flag beside them", () => {
    const env = withWorkerProcessEnv({ MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--require ./probe.js' });
    expect(env.MALLOC_ARENA_MAX).toBe('4');
    expect(env.NODE_OPTIONS).toBe(`${WORKER_NODE_OPTIONS} --require ./probe.js`);
  });

  it('leaves a semi-space size the operator chose alone', () => {
    expect(withWorkerProcessEnv({ NODE_OPTIONS: '--max-semi-space-size=8' }).NODE_OPTIONS).toBe('--max-semi-space-size=8');
  });
});
