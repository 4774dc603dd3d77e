// The run's record: machine, Temporal CLI, dev-server settings, the exact command, every figure
// with its same-run baseline and target, as JSON and as a markdown table (bench/results/).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findOrInstallTemporalCli } from '../scripts/lib/temporal-cli';
import type { ApiCostResult } from './api-cost';
import type { BillableResult } from './billable-actions';
import type { DunningResult } from './dunning';
import { issue21GoalRows } from './goals';
import { fleetHealthMarkdown, fleetHealthSummaryRows, type FleetHealthResult } from './fleet-health';
import type { Harness } from './harness';
import type { IdleActionsResult, IdleMemoryResult, MemoryPoint } from './idle';
import type { OverheadResult } from './overhead';
import type { OverheadSteps } from './overhead-steps';
import type { RecoveryResult } from './recovery';
import type { ScaleOutResult } from './scale-out';
import { serversMarkdown, serversSummaryRows, type ServersResult } from './servers';
import type { SweepPoint, ThroughputResult } from './throughput';
import { CPU_ROLES, type CpuSplit } from './cpu-split';
import { ratio } from './stats';

export interface Figures {
  billableActions?: BillableResult;
  dunning?: DunningResult;
  overhead?: OverheadResult;
  throughput?: ThroughputResult & { workerAfterSweep?: MemoryPoint };
  scaleOut?: ScaleOutResult;
  idleActions?: IdleActionsResult;
  idleMemory?: IdleMemoryResult;
  /** Health sweeps over seeded fleets: actions per day, sweep duration, an idle instance's cost (issue 16). */
  fleetHealth?: FleetHealthResult;
  apiCost?: ApiCostResult;
  recovery?: RecoveryResult;
  /** Dev server vs the real server on Postgres (runs when the server's binaries are cached). */
  servers?: ServersResult;
}

export type FigureName = keyof Figures;

export interface Report {
  command: string;
  smoke: boolean;
  startedAt: string;
  durationSeconds: number;
  machine: { cores: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  temporal: { cli: string; cliVersion: string; pinnedVersion: string; dynamicConfig: Record<string, unknown>; sqlitePragmas: Record<string, unknown>; sqlite: string };
  stack: { database: string; sandbox: Record<string, unknown>; activityPollIntervalMs: number };
  figures: Figures;
  errors: Partial<Record<FigureName, string>>;
}

export function machineInfo(): Report['machine'] {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

export async function temporalInfo(h: Harness): Promise<Report['temporal']> {
  const cli = await findOrInstallTemporalCli();
  const { stdout } = await promisify(execFile)(cli, ['--version']).catch((error: unknown) => ({ stdout: `unknown (${String(error)})` }));
  return {
    cli,
    cliVersion: stdout.trim(),
    pinnedVersion: h.devServerConfig.cli.version,
    dynamicConfig: h.devServerConfig.dynamicConfig,
    sqlitePragmas: h.devServerConfig.sqlite.pragmas,
    sqlite: 'a file in a temp folder (the pragmas apply)',
  };
}

const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const num = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'met' : 'not met');

function summaryRows(r: Report): string[] {
  const f = r.figures;
  const rows: string[] = [];
  const row = (figure: string, measured: string, baseline: string, target: string, ok: boolean | undefined) =>
    rows.push(`| ${figure} | ${measured} | ${baseline} | ${target} | ${verdict(ok)} |`);
  const err = (name: FigureName, figure: string) => r.errors[name] && row(figure, `error: ${r.errors[name]!.split('\n')[0]}`, '', '', undefined);

  if (f.overhead) {
    const o = f.overhead;
    row(`orchestration overhead per operation (${o.operations} ops, one at a time)`, `p50 ${ms(o.all.p50)}, p95 ${ms(o.all.p95)}, p99 ${ms(o.all.p99)}`, `no-op twin p50 ${ms(o.baselineAll.p50)}, p99 ${ms(o.baselineAll.p99)}`, 'p50 ≤ 0.3 s, p99 ≤ 1 s', o.all.p50 <= 300 && o.all.p99 <= 1000);
  } else err('overhead', 'orchestration overhead per operation');
  if (f.throughput) {
    const t = f.throughput;
    const best = t.points.reduce((a, b) => (b.hostflowPerSecond > a.hostflowPerSecond ? b : a), t.points[0]!);
    row('sustained throughput (provisions/s)', `best ${num(best.hostflowPerSecond, 2)}/s at N=${best.concurrency}`, `no-op twin best ${num(Math.max(...t.points.map((p) => p.baselinePerSecond)), 2)}/s; ratio ${num(t.bestRatio, 2)}`, 'ratio ≥ 0.8', t.bestRatio >= 0.8);
  } else err('throughput', 'sustained throughput');
  if (f.apiCost) {
    const a = f.apiCost;
    const one = a.sweep?.[0];
    const alone = one ? ` (at ${one.concurrency} concurrent: p50 ${ms(one.api.latency.p50)}, p99 ${ms(one.api.latency.p99)}; bare p50 ${ms(one.bareSignalWithStart.latency.p50)})` : '';
    row(`API cost: POST /api/instances at ${a.concurrency} concurrent`, `p50 ${ms(a.api.latency.p50)}, p99 ${ms(a.api.latency.p99)}; ${num(a.api.perSecond, 0)} req/s${alone}`, `bare signalWithStart p50 ${ms(a.bareSignalWithStart.latency.p50)}, p99 ${ms(a.bareSignalWithStart.latency.p99)}; ${num(a.bareSignalWithStart.perSecond, 0)}/s; ratio ${num(a.throughputRatio, 2)}`, 'p99 ≤ 25 ms; ratio ≥ 0.9', a.api.latency.p99 <= 25 && a.throughputRatio >= 0.9);
  } else err('apiCost', 'API cost');
  if (f.billableActions) {
    const b = f.billableActions;
    row('billable actions, full lifecycle (provision → suspend → unsuspend → resize → reboot → terminate)', `${b.lifecycle.total} (${b.operations.map((o) => `${o.type} ${o.total.total}`).join(', ')})`, 'counted from histories', '≤ 60', b.lifecycle.total <= b.target);
  } else err('billableActions', 'billable actions');
  if (f.dunning) {
    const d = f.dunning;
    const byApi = f.billableActions?.operations.filter((o) => o.type === 'suspend' || o.type === 'unsuspend');
    const children = d.children.map((c) => `${c.type} child ${c.actions.total}`).join(', ');
    row(
      `billable actions, one dunning episode (past due → ${num(d.graceMs / 1000, 0)} s grace timer → suspend → paid → unsuspend)`,
      `${d.episode.total} (entity ${d.entity.total}: ${d.entity.signals} signals, ${d.entity.activityAttempts} activity attempts, ${d.entity.timers} timer, ${d.entity.upserts} upserts, ${d.entity.workflowStarts} child starts; ${children}); grace: ${d.graceTimers} timer, ${d.eventsWhileWaiting} history events while it ran`,
      byApi?.length === 2 ? `suspend + unsuspend through the API: ${byApi.reduce((n, o) => n + o.total.total, 0)}` : '—',
      'grace = 1 timer, nothing while it runs',
      d.graceTimers === d.target.graceTimers && d.eventsWhileWaiting === d.target.eventsWhileWaiting,
    );
  } else err('dunning', 'billable actions, one dunning episode');
  if (f.idleActions) {
    const i = f.idleActions;
    row('idle cost: actions per day of an idle running instance', `${i.actionsPerDay} (${i.actionsInWindow} in ${i.windowSeconds} s; open timers ${i.openTimers}, pending activities ${i.pendingActivities})`, '—', '0', i.actionsPerDay === 0 && i.openTimers === 0 && i.pendingActivities === 0);
  } else err('idleActions', 'idle cost: actions per day');
  if (f.idleMemory) {
    for (const m of [f.idleMemory, f.idleMemory.smallerCache]) {
      if (!m) continue;
      const last = m.points.at(-1)!;
      const atTarget = m.points.find((p) => p.liveWorkflows >= m.target.liveWorkflows);
      row(
        `idle cost: worker memory with live instance workflows, cache ${m.maxCachedWorkflows ?? '?'}${m === f.idleMemory ? ' (default)' : ` (WORKER_MAX_CACHED_WORKFLOWS=${m.maxCachedWorkflows})`}`,
        m.points.filter((p) => p.liveWorkflows > 0).map((p) => `${p.liveWorkflows}: RSS ${num(p.rssMiB, 0)} MiB, heap ${num(p.heapUsedMiB, 0)} MiB`).join('; '),
        `empty worker: RSS ${num(m.points[0]?.rssMiB, 0)} MiB`,
        '≤ 300 MB RSS at 10k',
        atTarget ? atTarget.rssMiB * 1.048576 <= 300 : undefined,
      );
      if (!atTarget) rows.push(`|  | (10k not reached in this run: ${last.liveWorkflows} live at the end of the time budget) | | | |`);
    }
  } else err('idleMemory', 'idle cost: worker memory');
  if (f.fleetHealth) rows.push(...fleetHealthSummaryRows(f.fleetHealth));
  else err('fleetHealth', 'fleet health');
  if (f.recovery) {
    for (const p of f.recovery.points) row(`recovery: ${p.scenario}`, `${num(p.recoverySeconds, 1)} s after restart (worker up in ${num(p.workerStartSeconds, 1)} s; ${num(p.killToDoneSeconds, 1)} s after the kill)`, '—', '≤ 10 s', p.recoverySeconds <= 10);
  } else err('recovery', 'recovery');
  if (f.scaleOut) {
    const s = f.scaleOut;
    const limited = s.points.every((p) => p.serverLimited);
    row('scale-out: 2 worker processes vs 1', `best ${num(s.bestFactor, 2)}× (${s.points.map((p) => `N=${p.concurrency}: ${num(p.oneWorker, 1)} → ${num(p.twoWorkers, 1)}/s`).join('; ')})`, `no-op twin: ${s.points.map((p) => `${num(p.baselineFactor, 2)}×`).join(', ')}${limited ? ` — server/machine-limited on ${s.cores} cores` : ''}`, '≥ 1.5× where the server is not the limit', limited ? undefined : s.bestFactor >= 1.5);
  } else err('scaleOut', 'scale-out');
  if (f.servers) rows.push(...serversSummaryRows(f.servers));
  else err('servers', 'dev server vs real server');
  return rows;
}

export function toMarkdown(r: Report): string {
  const f = r.figures;
  const lines: string[] = [];
  lines.push(`### Benchmark results${r.smoke ? ' (smoke sizes: not figures to quote)' : ''}`, '');
  lines.push(`\`${r.command}\` on ${r.startedAt} (${Math.round(r.durationSeconds)} s): ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${r.machine.platform}.`);
  lines.push(`Temporal CLI ${r.temporal.pinnedVersion} (\`${r.temporal.cliVersion}\`), dev server with temporal-dev.yaml: SQLite file with ${Object.entries(r.temporal.sqlitePragmas).map(([k, v]) => `${k}=${v}`).join(', ')}; ${Object.entries(r.temporal.dynamicConfig).map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  lines.push(`Database: ${r.stack.database}. Sandbox: zero action, boot and shutdown delays, no provider rate limits; activities poll providers every ${r.stack.activityPollIntervalMs} ms. Worker, API and Postgres each in a process of their own, on the same machine as the dev server.`, '');
  lines.push('| figure | measured | same-run baseline | target | |', '|---|---|---|---|---|', ...summaryRows(r), '');
  lines.push(...issue21GoalRows(r));

  if (f.overhead) {
    lines.push('Overhead per operation type (POST → final status read through the API, polled every 10 ms; twin: signal → its last activity):', '');
    lines.push('| operation | n | p50 | p95 | p99 | twin p50 | twin p99 | p50 ÷ twin |', '|---|---|---|---|---|---|---|---|');
    for (const [type, v] of Object.entries(f.overhead.byType)) {
      lines.push(`| ${type} | ${v.hostflow.n} | ${ms(v.hostflow.p50)} | ${ms(v.hostflow.p95)} | ${ms(v.hostflow.p99)} | ${ms(v.baseline.p50)} | ${ms(v.baseline.p99)} | ${num(v.p50Ratio, 2)} |`);
    }
    if (f.overhead.steps) lines.push('', ...overheadStepsMarkdown(f.overhead.steps));
    lines.push('');
  }
  if (f.throughput) {
    lines.push('Throughput sweep, one worker (closed loops of N; provisions `succeeded` in the read model per second):', '');
    lines.push('| N | Hostflow /s | twin /s | ratio | Hostflow p50 | twin p50 |', '|---|---|---|---|---|---|');
    for (const p of f.throughput.points) lines.push(`| ${p.concurrency} | ${num(p.hostflowPerSecond, 2)} | ${num(p.baselinePerSecond, 2)} | ${num(p.ratio, 2)} | ${ms(p.hostflowLatency.p50)} | ${ms(p.baselineLatency.p50)} |`);
    lines.push(...cpuSplitMarkdown(f.throughput.points));
    const w = f.throughput.workerAfterSweep;
    if (w) lines.push('', `The worker that ran the sweep, after it: ${w.liveWorkflows} provisioned instances idle, RSS ${num(w.rssMiB, 0)} MiB, main-thread heap ${num(w.heapUsedMiB, 0)} MiB.`);
    lines.push('');
  }
  if (f.scaleOut) {
    lines.push('Scale-out (same sweep with a second worker process and a second twin worker):', '');
    lines.push('| N | 1 worker /s | 2 workers /s | factor | twin 1 → 2 /s | twin factor |', '|---|---|---|---|---|---|');
    for (const p of f.scaleOut.points) lines.push(`| ${p.concurrency} | ${num(p.oneWorker, 2)} | ${num(p.twoWorkers, 2)} | ${num(p.factor, 2)} | ${num(p.baselineOneWorker, 2)} → ${num(p.baselineTwoWorkers, 2)} | ${num(p.baselineFactor, 2)} |`);
    lines.push('');
  }
  if (f.apiCost) {
    const a = f.apiCost;
    lines.push('API cost by concurrency (POST /api/instances vs bare signalWithStart, same workflow options, task queue without a worker). With a synchronous start, latency at N concurrent is N ÷ the start rate (Little\'s law), so the low-concurrency rows show what the API itself adds:', '');
    lines.push('| concurrent | API p50 | API p99 | API /s | bare p50 | bare p99 | bare /s | API − bare p50 | ratio |', '|---|---|---|---|---|---|---|---|---|');
    for (const p of [...a.sweep, a]) {
      lines.push(`| ${p.concurrency} | ${ms(p.api.latency.p50)} | ${ms(p.api.latency.p99)} | ${num(p.api.perSecond, 0)} | ${ms(p.bareSignalWithStart.latency.p50)} | ${ms(p.bareSignalWithStart.latency.p99)} | ${num(p.bareSignalWithStart.perSecond, 0)} | ${ms(p.api.latency.p50 - p.bareSignalWithStart.latency.p50)} | ${num(p.throughputRatio, 2)} |`);
    }
    const split = [...a.sweep, a].filter((p) => p.httpHop && p.createPath);
    if (split.length) {
      lines.push(
        '',
        "Where the API's share goes: the same signed request, measured between the two sides above, to bench/processes/http-front.ts — Express with a JSON body and the API's own Temporal client and gateway, without the signature check, nonce, rate limit, validation, logging and metrics — once going straight to the start (the HTTP hop any API pays) and once through the API's create path (the read-model statement committed, then the start). Throughput ÷ bare:",
        '',
      );
      lines.push('| concurrent | HTTP hop p50 | HTTP hop ÷ bare | + read-model write p50 | + read-model write ÷ bare | API p50 | API ÷ bare |', '|---|---|---|---|---|---|---|');
      for (const p of split) {
        const bare = p.bareSignalWithStart.perSecond;
        lines.push(`| ${p.concurrency} | ${ms(p.httpHop!.latency.p50)} | ${num(ratio(p.httpHop!.perSecond, bare), 2)} | ${ms(p.createPath!.latency.p50)} | ${num(ratio(p.createPath!.perSecond, bare), 2)} | ${ms(p.api.latency.p50)} | ${num(p.throughputRatio, 2)} |`);
      }
    }
    const withCpu = [...a.sweep, a].filter((p) => p.api.cpuMs && p.bareSignalWithStart.cpuMs);
    if (withCpu.length) {
      const roles = ['API', 'Postgres', 'Temporal server', 'sandbox + load driver'] as const;
      lines.push('', 'CPU per request by process (ms of CPU per completed request over the measuring window, from /proc; the two stand-ins count as the API, so whichever of the three is not being measured, idle, adds to that column too — the bare row shows how little; the load driver signs and sends the API\'s requests and makes the bare calls itself):', '');
      lines.push(`| concurrent | side | ${roles.join(' | ')} |`, `|---|---|${roles.map(() => '---|').join('')}`);
      for (const p of withCpu) {
        const sides: [string, CpuSplit | undefined][] = [['API', p.api.cpuMs], ['+ read-model write', p.createPath?.cpuMs], ['HTTP hop', p.httpHop?.cpuMs], ['bare', p.bareSignalWithStart.cpuMs]];
        for (const [side, split] of sides) {
          if (split) lines.push(`| ${p.concurrency} | ${side} | ${roles.map((role) => num(split[role], 2)).join(' | ')} |`);
        }
      }
    }
    lines.push('');
  }
  if (f.billableActions) {
    lines.push('Billable actions by operation (entity + child histories; Temporal Cloud rules):', '');
    lines.push('| operation | workflow starts | activity attempts | timers | signals | upserts | updates | total |', '|---|---|---|---|---|---|---|---|');
    for (const o of f.billableActions.operations) {
      const t = o.total;
      lines.push(`| ${o.type} | ${t.workflowStarts} | ${t.activityAttempts} | ${t.timers} | ${t.signals} | ${t.upserts} | ${t.updates} | ${t.total} |`);
    }
    const l = f.billableActions.lifecycle;
    lines.push(`| **lifecycle** | ${l.workflowStarts} | ${l.activityAttempts} | ${l.timers} | ${l.signals} | ${l.upserts} | ${l.updates} | **${l.total}** |`, '');
    lines.push('Not in histories, so not counted: activity heartbeats (billable on Temporal Cloud: none for an activity shorter than 2 s, then at most one per 4 s, so with zero provider delays almost none; on real Hetzner about one per 4 s of waiting) and queries (the API sends none).', '');
  }
  if (f.dunning) {
    const d = f.dunning;
    lines.push(`Dunning episode (Stripe webhooks on an API with BILLING_PAST_DUE_GRACE=${d.graceMs}ms; the entity's history from the past-due signal on, plus its children; past due → suspended took ${num(d.pastDueToSuspendedSeconds, 2)} s):`, '');
    lines.push('| part | workflow starts | activity attempts | timers | signals | upserts | updates | total |', '|---|---|---|---|---|---|---|---|');
    for (const [name, t] of [['entity', d.entity], ...d.children.map((c) => [`${c.type} child`, c.actions] as const)] as const) {
      lines.push(`| ${name} | ${t.workflowStarts} | ${t.activityAttempts} | ${t.timers} | ${t.signals} | ${t.upserts} | ${t.updates} | ${t.total} |`);
    }
    const e = d.episode;
    lines.push(`| **episode** | ${e.workflowStarts} | ${e.activityAttempts} | ${e.timers} | ${e.signals} | ${e.upserts} | ${e.updates} | **${e.total}** |`, '');
    lines.push(`Entity activities: ${Object.entries(d.entityActivities).map(([name, n]) => `${name} ${n}`).join(', ')}. Grace timers started: ${d.graceTimers}; history events between TimerStarted and TimerFired: ${d.eventsWhileWaiting}.`, '');
  }
  for (const m of [f.idleMemory, f.idleMemory?.smallerCache]) {
    if (!m) continue;
    lines.push(`Worker memory, SDK cache ${m.maxCachedWorkflows ?? '?'} workflows (fresh worker; instance workflows started as the API starts them, no operation queued, each queried once so the worker has run it; heap is the main thread's after a GC; filled at ${m.fillRatePerSecond}/s):`, '');
    lines.push('| live workflows | RSS MiB | heap MiB |', '|---|---|---|');
    for (const p of m.points) lines.push(`| ${p.liveWorkflows} | ${num(p.rssMiB, 0)} | ${num(p.heapUsedMiB, 0)} |`);
    if (m.notReached.length) lines.push('', `Not reached within the time budget: ${m.notReached.join(', ')}.`);
    lines.push('');
  }
  if (f.fleetHealth) lines.push(...fleetHealthMarkdown(f.fleetHealth));
  if (f.recovery?.points.some((p) => p.timeline?.length)) {
    lines.push('Recovery timelines (the interrupted provision child\'s history after the kill, seconds from the restart; a retried activity\'s start is written when it completes):', '');
    for (const p of f.recovery.points) {
      if (!p.timeline?.length) continue;
      // Workflow-task bookkeeping left out, except a timed-out one (a dead worker's sticky queue).
      const shown = p.timeline.filter((t) => !/^WorkflowTask(Scheduled|Started|Completed)$/.test(t.event));
      lines.push(`- ${p.scenario}: ${shown.map((t) => `${num(t.seconds, 2)} s ${t.event}`).join(' → ')}`);
    }
    lines.push('');
  }
  if (f.servers) lines.push(...serversMarkdown(f.servers));
  for (const [name, message] of Object.entries(r.errors)) lines.push(`**${name} failed:** \`${message.split('\n')[0]}\``, '');
  return lines.join('\n');
}

/** Where a lifecycle's time went, per side, from its histories (bench/overhead-steps.ts). */
function overheadStepsMarkdown(s: OverheadSteps): string[] {
  const rows: [string, (x: OverheadSteps['hostflow']) => number][] = [
    ['whole lifecycle, as measured (sum of its six operations; median of these lifecycles, not of all in the table above)', (x) => x.measuredMs],
    ['activities running (started → completed): provider, database, SMTP and webhook calls in Hostflow; no-ops and the done report in the twin', (x) => x.activityRunningMs],
    ['activities waiting for the worker (scheduled → started)', (x) => x.activityQueuedMs],
    ['workflow tasks in the worker (started → completed)', (x) => x.workflowTaskRunningMs],
    ['workflow tasks waiting for the worker (scheduled → started)', (x) => x.workflowTaskQueuedMs],
  ];
  const lines = [
    `Where a lifecycle's time goes (from the histories' event timestamps of the first lifecycles of each side, Hostflow ${s.hostflow.lifecycles} and twin ${s.twin.lifecycles}; per lifecycle, median over lifecycles; Hostflow ${s.hostflow.workflowTasks} workflow tasks and ${s.hostflow.activities} activities, twin ${s.twin.workflowTasks} and ${s.twin.activities}). The steps do not add up to the measured time: they overlap (an entity's task while its child's activity runs) and include the closing tasks that run after an operation is reported done; the request itself (Hostflow: the signed POST and the read-model poll; the twin: a bare signal) is in the measured time only:`,
    '',
    '| step | Hostflow | twin | Hostflow − twin |',
    '|---|---|---|---|',
  ];
  for (const [label, pick] of rows) lines.push(`| ${label} | ${ms(pick(s.hostflow))} | ${ms(pick(s.twin))} | ${ms(pick(s.hostflow) - pick(s.twin))} |`);
  return lines;
}

/** Where the CPU of one provision went, by process, each side in its own measuring window. */
function cpuSplitMarkdown(points: SweepPoint[]): string[] {
  const measured = points.filter((p) => p.hostflowCpuMs && p.baselineCpuMs && p.concurrency >= 10);
  if (!measured.length) return [];
  const total = (split: CpuSplit) => CPU_ROLES.reduce((sum, role) => sum + split[role], 0);
  const lines = [
    '',
    'CPU per provision by process (ms of CPU per completed provision over the measuring window, from /proc; the sandbox — Hetzner, Cloudflare, SMTP and the VMs, remote in production — runs in the bench process with the load driver):',
    '',
    `| N | side | ${CPU_ROLES.join(' | ')} | total |`,
    `|---|---|${CPU_ROLES.map(() => '---|').join('')}---|`,
  ];
  for (const p of measured) {
    for (const [side, split] of [['Hostflow', p.hostflowCpuMs!], ['twin', p.baselineCpuMs!]] as const) {
      lines.push(`| ${p.concurrency} | ${side} | ${CPU_ROLES.map((role) => num(split[role], 1)).join(' | ')} | ${num(total(split), 1)} |`);
    }
  }
  return lines;
}

export function writeReport(r: Report, name: string): { json: string; markdown: string } {
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${name}.json`);
  const markdown = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(markdown, `${toMarkdown(r)}\n`);
  return { json, markdown };
}
