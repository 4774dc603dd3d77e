// Histories recorded with payload encryption on (`npm run histories:record -- --encrypted`) hold
// only ciphertext; they replay on today's workflow code through the same data converter the
// worker uses, and not at all without the key — proof the replay really read them encrypted.
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hostflowDataConverter } from '../../config/data-converter';
import { metadataText, payloadsOf, TEST_KEY_A } from '../support/encrypted-histories';

const DIR = path.join(__dirname, '..', 'histories', 'encrypted');
const KEY_ID = 'replay-test-key'; // record-histories.ts's REPLAY_KEY_ID

beforeAll(() => {
  if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('ERROR') });
});

function recorded() {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(DIR, file), 'utf8'))) }));
}

async function replay(keys: string | undefined) {
  const codePath = process.env.HOSTFLOW_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('HOSTFLOW_TEST_WORKFLOW_BUNDLE is not set: run through jest');
  const dataConverter = hostflowDataConverter(keys ? { keys: new Map([[KEY_ID, Buffer.from(keys, 'base64')]]), activeKeyId: KEY_ID } : undefined);
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath }, dataConverter }, recorded())) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message.split('\n')[0]}`);
  }
  return failures;
}

describe('replaying histories recorded with payload encryption', () => {
  it('holds a whole lifecycle, every payload encrypted', () => {
    const histories = recorded();
    const files = histories.map((r) => r.workflowId).join('\n');
    for (const type of ['instance--', 'provision-', 'suspend-', 'unsuspend-', 'resize-', 'reboot-', 'terminate-']) expect(files).toContain(type);
    const payloads = histories.flatMap((r) => payloadsOf(r.history));
    expect(payloads.length).toBeGreaterThan(50);
    expect(new Set(payloads.map((p) => `${metadataText(p, 'encoding')} ${metadataText(p, 'encryption-key-id')}`))).toEqual(new Set([`binary/encrypted ${KEY_ID}`]));
  });

  it('replays every one on the current workflow code through the codec', async () => {
    expect(await replay(TEST_KEY_A)).toEqual([]);
  });

  it('cannot replay them without the key', async () => {
    const failures = await replay(undefined);
    expect(failures).toHaveLength(recorded().length);
  });
});
