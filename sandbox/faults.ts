// Fault injection, decided per request from the rules and a seeded RNG so a failing run replays.
// Counts (errorCount, rateLimitStorm, commitThenDrop.count) are consumed first, in rule order;
// then each rule with a probability draws once from the RNG, in rule order.

import { seededRandom } from './rng';
import type { FaultConfig, FaultRule } from './types';

export type FaultDecision = (
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; latencyMs: number; status: number; code: string | number | undefined; message: string }
  | { kind: 'storm'; latencyMs: number }
  | { kind: 'drop'; latencyMs: number }
) & { answerDelayMs?: number };

interface LiveRule {
  rule: FaultRule;
  errorsLeft: number;
  stormLeft: number;
  dropsLeft: number;
}

export class FaultEngine {
  private rules: LiveRule[] = [];
  private random: () => number;
  private seed: number;

  constructor(defaultSeed: number) {
    this.seed = defaultSeed;
    this.random = seededRandom(defaultSeed);
  }

  /** Replace all rules; the RNG restarts from the seed so the same calls get the same faults. */
  set(rules: FaultRule[], seed: number = this.seed): void {
    for (const r of rules) validateRule(r);
    this.seed = seed;
    this.random = seededRandom(seed);
    this.rules = rules.map((rule) => ({
      rule,
      errorsLeft: rule.errorCount ?? 0,
      stormLeft: rule.rateLimitStorm?.count ?? 0,
      dropsLeft: rule.commitThenDrop?.count ?? 0,
    }));
  }

  config(): FaultConfig {
    return {
      seed: this.seed,
      rules: this.rules.map((l) => ({
        ...l.rule,
        ...(l.rule.errorCount !== undefined ? { errorCount: l.errorsLeft } : {}),
        ...(l.rule.rateLimitStorm ? { rateLimitStorm: { count: l.stormLeft } } : {}),
        ...(l.rule.commitThenDrop ? { commitThenDrop: { ...l.rule.commitThenDrop, ...(l.rule.commitThenDrop.count !== undefined ? { count: l.dropsLeft } : {}) } } : {}),
      })),
    };
  }

  decide(keys: string[]): FaultDecision {
    const matching = this.rules.filter((l) => l.rule.route === '*' || keys.includes(l.rule.route));
    const latencyMs = matching.reduce((sum, l) => sum + (l.rule.latencyMs ?? 0), 0);
    for (const l of matching) {
      if (l.stormLeft > 0) {
        l.stormLeft--;
        return { kind: 'storm', latencyMs };
      }
      if (l.errorsLeft > 0) {
        l.errorsLeft--;
        return errorOf(l.rule, latencyMs);
      }
      if (l.dropsLeft > 0) {
        l.dropsLeft--;
        return { kind: 'drop', latencyMs };
      }
    }
    const answerDelayMs = matching.reduce((sum, l) => sum + (l.rule.answerDelayMs ?? 0), 0);
    let decision: FaultDecision = { kind: 'none', latencyMs, ...(answerDelayMs > 0 ? { answerDelayMs } : {}) };
    for (const l of matching) {
      // Always draw for every probabilistic rule so one rule's outcome never shifts another's.
      if (l.rule.errorRate !== undefined) {
        const hit = this.random() < l.rule.errorRate;
        if (hit && decision.kind === 'none') decision = errorOf(l.rule, latencyMs);
      }
      if (l.rule.commitThenDrop?.rate !== undefined) {
        const hit = this.random() < l.rule.commitThenDrop.rate;
        if (hit && decision.kind === 'none') decision = { kind: 'drop', latencyMs };
      }
    }
    return decision;
  }
}

function errorOf(rule: FaultRule, latencyMs: number): FaultDecision {
  return {
    kind: 'error',
    latencyMs,
    status: rule.status ?? 503,
    code: rule.code,
    message: rule.message ?? 'injected by the sandbox fault rules',
  };
}

export class FaultRuleError extends Error {}

function validateRule(r: FaultRule): void {
  const bad = (m: string) => {
    throw new FaultRuleError(`fault rule for '${String(r.route)}': ${m}`);
  };
  if (typeof r.route !== 'string' || r.route === '') bad('route must be a route key or "*"');
  const prob = (v: unknown) => v === undefined || (typeof v === 'number' && v >= 0 && v <= 1);
  const count = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
  if (!prob(r.errorRate)) bad('errorRate must be between 0 and 1');
  if (!count(r.errorCount)) bad('errorCount must be a non-negative integer');
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 400 || r.status > 599)) bad('status must be 4xx or 5xx');
  if (r.latencyMs !== undefined && !(typeof r.latencyMs === 'number' && r.latencyMs >= 0)) bad('latencyMs must be >= 0');
  if (r.answerDelayMs !== undefined && !(typeof r.answerDelayMs === 'number' && r.answerDelayMs >= 0)) bad('answerDelayMs must be >= 0');
  if (r.rateLimitStorm !== undefined && !count(r.rateLimitStorm.count)) bad('rateLimitStorm.count must be a non-negative integer');
  if (r.commitThenDrop !== undefined) {
    if (!prob(r.commitThenDrop.rate)) bad('commitThenDrop.rate must be between 0 and 1');
    if (!count(r.commitThenDrop.count)) bad('commitThenDrop.count must be a non-negative integer');
  }
}
