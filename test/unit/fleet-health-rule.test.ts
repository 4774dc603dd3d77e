// The health monitor's counting rule: thresholds, episodes, the automatic reboot's limit, flapping.
import { nextHealth, type HealthMemory, type HealthRules } from '../../activities/fleet-health-rule';
import type { HealthChange } from '../../workflows/fleet-types';

const RULES: HealthRules = { unhealthyAfter: 3, rebootAfter: 10, maxAutoReboots: 1 };
const at = new Date('2026-01-01T00:00:00Z');

/** Feed a string of outcomes ('x' failure, '.' success) through the rule; every change, in order. */
function run(pattern: string, rules = RULES, start?: HealthMemory): { memory: HealthMemory | undefined; changes: HealthChange[] } {
  let memory = start;
  const changes: HealthChange[] = [];
  for (const c of pattern) {
    const step = nextHealth(memory, { ok: c === '.', reason: c === '.' ? 'HTTP 200' : 'HTTP 503', checkedAt: at }, rules);
    memory = step.next;
    changes.push(...step.changes);
  }
  return { memory, changes };
}

const keys = (changes: HealthChange[]) => changes.map((c) => c.key);

describe('nextHealth', () => {
  it('a first success of a never-checked instance makes it healthy quietly', () => {
    expect(run('.')).toEqual({ memory: { status: 'healthy', consecutiveFailures: 0, episode: 0, rebootsInEpisode: 0 }, changes: [] });
  });

  it('turns unhealthy on the third consecutive failure, opening episode 1', () => {
    const two = run('.xx');
    expect(two.changes).toEqual([]);
    expect(two.memory).toMatchObject({ status: 'healthy', consecutiveFailures: 2 });
    const three = run('.xxx');
    expect(three.changes).toEqual([{ key: 'health:1:unhealthy', kind: 'unhealthy', episode: 1, consecutiveFailures: 3, checkedAt: at.toISOString(), reason: 'HTTP 503' }]);
    expect(three.memory).toEqual({ status: 'unhealthy', consecutiveFailures: 3, episode: 1, rebootsInEpisode: 0 });
  });

  it('a never-checked instance failing three times turns unhealthy too', () => {
    expect(keys(run('xxx').changes)).toEqual(['health:1:unhealthy']);
  });

  it('asks for one reboot at the tenth failure, and no more in the episode however long it fails', () => {
    const { changes, memory } = run('x'.repeat(30));
    expect(keys(changes)).toEqual(['health:1:unhealthy', 'health:1:reboot_due']);
    expect(changes[1]!.consecutiveFailures).toBe(10);
    expect(memory).toMatchObject({ consecutiveFailures: 30, rebootsInEpisode: 1 });
  });

  it('recovers on the first success after unhealthy, and a new episode may reboot again', () => {
    const { changes, memory } = run(`${'x'.repeat(12)}.${'x'.repeat(10)}`);
    expect(keys(changes)).toEqual(['health:1:unhealthy', 'health:1:reboot_due', 'health:1:recovered', 'health:2:unhealthy', 'health:2:reboot_due']);
    expect(changes[2]).toMatchObject({ kind: 'recovered', episode: 1, consecutiveFailures: 12, reason: 'HTTP 200' });
    expect(memory).toMatchObject({ status: 'unhealthy', episode: 2, rebootsInEpisode: 1 });
  });

  it('flapping below the threshold changes nothing; flapping around it never reaches a reboot', () => {
    expect(run('xx.'.repeat(20)).changes).toEqual([]);
    const { changes } = run('xxx.'.repeat(20));
    expect(changes.some((c) => c.kind === 'reboot_due')).toBe(false);
    expect(keys(changes).slice(0, 4)).toEqual(['health:1:unhealthy', 'health:1:recovered', 'health:2:unhealthy', 'health:2:recovered']);
  });

  it('honours maxAutoReboots: 0 never reboots, 2 reboots on the next failure with a key of its own', () => {
    expect(run('x'.repeat(15), { ...RULES, maxAutoReboots: 0 }).changes.map((c) => c.kind)).toEqual(['unhealthy']);
    const two = run('x'.repeat(15), { ...RULES, maxAutoReboots: 2 }).changes;
    expect(keys(two)).toEqual(['health:1:unhealthy', 'health:1:reboot_due', 'health:1:reboot_due:2']);
    expect(two.map((c) => c.consecutiveFailures)).toEqual([3, 10, 11]);
  });

  it('continues from what the table remembers', () => {
    const remembered: HealthMemory = { status: 'unhealthy', consecutiveFailures: 9, episode: 4, rebootsInEpisode: 0 };
    expect(keys(run('x', RULES, remembered).changes)).toEqual(['health:4:reboot_due']);
  });
});
