// Every recorded history (test/histories/, made by `npm run histories:record`) must replay on
// today's workflow code: a change that would break running workflows fails here, before it ships.
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const HISTORIES = path.join(__dirname, '..', 'histories');
const quiet = new DefaultLogger('ERROR');

beforeAll(() => {
  // Replay workers log every start and stop at INFO; only problems are news here. The runtime is
  // process-wide, so another test file in this jest worker may have installed it already.
  if (!Runtime._instance) Runtime.install({ logger: quiet });
});

function recorded() {
  return readdirSync(HISTORIES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'))) }));
}

async function replayAll(workflowBundle: { codePath: string } | { code: string }) {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, recorded())) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message.split('\n')[0]}`);
  }
  return failures;
}

describe('replaying recorded histories', () => {
  it('has histories of every operation type to replay', () => {
    const files = recorded().map((r) => r.workflowId).join('\n');
    for (const type of ['instance--', 'provision-', 'suspend-', 'unsuspend-', 'resize-', 'reboot-', 'terminate-', 'rebuild-', 'reset_password-', 'snapshot-', 'delete_snapshot-']) {
      expect(files).toContain(type);
    }
  });

  it('holds every generation: before the operation-revision-2 patch, children at revisions 2 and 3 behind it, at revision 4 behind operation-revision-4, at 5 behind operation-revision-5', () => {
    // Entities live for months: every code path behind workflows/instance-workflow.ts's patches must
    // replay, and children of every revision (workflows/revisions.ts) an entity may still start.
    const histories = recorded();
    const generation = (r: (typeof histories)[number]) =>
      r.workflowId.startsWith('before-operation-revision-2--')
        ? 'before-patch'
        : r.workflowId.startsWith('before-revision-3--')
          ? 'revision-2'
          : r.workflowId.startsWith('before-revision-4--')
            ? 'revision-3'
            : r.workflowId.startsWith('before-revision-5--')
              ? 'revision-4'
              : 'current';
    const entities = histories.filter((r) => /--instance--[0-9a-f]+\.json$/.test(r.workflowId));
    const operationPatches = (r: (typeof entities)[number]) =>
      (r.history.events ?? []).flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.markerName === 'core_patch' ? e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data : undefined;
        const id = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id : undefined;
        return id?.startsWith('operation-revision-') ? [id] : [];
      });
    const revisionOf = (r: (typeof entities)[number]) => {
      const data = r.history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      return (JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { revision?: number }).revision ?? 1;
    };
    // Operation children (`…--instance--<op>-<n>--…`); the sweeps and alerts take no revision.
    const children = histories.filter((r) => /--instance--[a-z_]+-\d+--[0-9a-f]+\.json$/.test(r.workflowId));
    const expected = {
      'before-patch': { patches: [], revision: 1 },
      'revision-2': { patches: ['operation-revision-2'], revision: 2 },
      'revision-3': { patches: ['operation-revision-2'], revision: 3 },
      // Each later patch implies the earlier ones, so a run that starts on today's code records only the newest.
      'revision-4': { patches: ['operation-revision-4'], revision: 4 },
      current: { patches: ['operation-revision-5'], revision: 5 },
    };
    for (const [name, { patches, revision }] of Object.entries(expected)) {
      const ofGeneration = entities.filter((r) => generation(r) === name);
      expect(ofGeneration.length).toBeGreaterThanOrEqual(3);
      for (const entity of ofGeneration) expect([name, operationPatches(entity)]).toEqual([name, patches]);
      expect(new Set(children.filter((r) => generation(r) === name).map(revisionOf))).toEqual(new Set([revision]));
    }
  });

  it('holds day two: health changes, a drift notice ending in attention and a skip, the alerts they raised, one sweep of each kind', () => {
    const histories = recorded();
    const typeOf = (r: (typeof histories)[number]) => r.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    const signals = (r: (typeof histories)[number]) => (r.history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    const patches = (r: (typeof histories)[number]) =>
      (r.history.events ?? []).flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.markerName === 'core_patch' ? e.markerRecordedEventAttributes.details?.['patch-data']?.payloads?.[0]?.data : undefined;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      });
    const alertChildren = (r: (typeof histories)[number]) =>
      (r.history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === 'alertWorkflow').length;
    const entities = histories.filter((r) => typeOf(r) === 'instanceWorkflow');

    const health = entities.filter((r) => r.workflowId.startsWith('health-changes--'));
    expect(health).toHaveLength(1);
    expect(signals(health[0]!).filter((name) => name === 'healthChanged').length).toBeGreaterThanOrEqual(3);
    expect(alertChildren(health[0]!)).toBeGreaterThanOrEqual(3);
    expect(histories.some((r) => /^health-changes--instance--reboot-\d+--/.test(r.workflowId))).toBe(true);

    const drift = entities.filter((r) => r.workflowId.startsWith('drift-attention-skip--'));
    expect(drift).toHaveLength(1);
    expect(signals(drift[0]!)).toEqual(expect.arrayContaining(['driftFound', 'skip']));
    expect(patches(drift[0]!)).toContain('operator-alerts');
    expect(alertChildren(drift[0]!)).toBeGreaterThanOrEqual(2);

    for (const type of ['healthSweepWorkflow', 'driftSweepWorkflow', 'alertWorkflow']) expect(histories.filter((r) => typeOf(r) === type).length).toBeGreaterThanOrEqual(1);
  });

  it('replays every recorded history on the current workflow code', async () => {
    const codePath = process.env.HOSTFLOW_TEST_WORKFLOW_BUNDLE;
    if (!codePath) throw new Error('HOSTFLOW_TEST_WORKFLOW_BUNDLE is not set: run through jest');
    expect(await replayAll({ codePath })).toEqual([]);
  });

  it('fails with a determinism error when a workflow changes incompatibly', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/altered-workflows'), logger: quiet });
    const failures = await replayAll({ code });
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.includes('--suspend-'))).toBe(true);
    expect(failures.join('\n')).toMatch(/DeterminismViolationError|[Nn]ondeterminism/);
  });
});
