// Fleet health's cost (issue 16): real healthSweepWorkflow runs on the dev server with a real
// worker, over N running instances seeded straight into a database of the figure's own.
//
// - Gateways: a tiny local HTTP responder (200 at once for /vm/{ip}/healthz, counting checks per
//   address), not the sandbox. The sandbox finds a server by address with a scan of all its
//   servers (O(N) per check, O(N²) a sweep) and would need 10,000 servers made through its
//   Hetzner API; the figure is about Hostflow's sweep, not the stand-in. A real gateway's
//   latency is not modelled (checks in flight × answer time is the arithmetic).
// - Billable actions per sweep: the history counted as billable-actions.ts counts (workflow
//   start, activity attempts, signals, …), plus the heartbeats the server recorded (its
//   RecordActivityTaskHeartbeat request counter, read before and after each run; heartbeats leave
//   nothing in a history), plus the schedule's own start of the run (Temporal Cloud bills a
//   scheduled start as a Schedule action; the bench starts the runs with the client instead).
//   Per day: 288 health sweeps (every 5 min) + 24 drift sweeps (hourly, one run with no drift).
// - Idle cost: on the main stack, a few instances provisioned through the API, then sweeps with
//   the sandbox's gateways; each entity's history length before and after (no signal unless its
//   health changes).
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { countActions, fetchEvents, type ActionCounts } from './billable-actions';
import { request, untilFinalViaApi } from './drive';
import type { ChildHandle, Harness } from './harness';
import { spread, type Spread } from './servers';
import { nowMs, round } from './stats';
import { runMigrations } from '../schema/migrate';
import { startEmbeddedPostgres } from '../schema/embedded-postgres';
import { createThrowawayDatabase } from '../schema/throwaway-database';
import { instanceWorkflowId } from '../workflows/ids';

export const HEALTH_SWEEPS_PER_DAY = 288;
export const DRIFT_SWEEPS_PER_DAY = 24;
/** "A few thousand a day in total" at 10,000 instances. */
const ACTIONS_PER_DAY_TARGET = 5_000;
/** "Well under the 5-minute interval": a fifth of it. */
const SWEEP_SECONDS_TARGET = 60;

export interface FleetHealthOptions {
  /** Fleet sizes, ascending (the fleet grows from one to the next). */
  sizes: number[];
  /** Sweeps per size: medians and spread. */
  repeats: number;
  /** Instances provisioned for the idle check, and sweeps run over them. */
  idleInstances: number;
  idleSweeps: number;
  log: (line: string) => void;
}

export interface SweepSample {
  instances: number;
  /** Client start → result. */
  wallSeconds: number;
  /** checkFleetHealth's ActivityTaskStarted → Completed. */
  checkSeconds: number;
  actions: ActionCounts;
  /** Recorded by the server during the run; undefined when its metrics cannot be read. */
  heartbeats: number | undefined;
  /** History + heartbeats + the schedule's start. */
  billable: number;
  checked: number;
  healthy: number;
  /** Gateway requests the responder saw during the run (each instance exactly once). */
  gatewayChecks: number;
  /** CPU the sweep's worker process (all threads) and this process (the responder, mostly) used during the run. */
  workerCpuSeconds: number | undefined;
  responderCpuSeconds: number;
}

export interface FleetHealthSize {
  instances: number;
  samples: SweepSample[];
  wallSeconds: Spread;
  checkSeconds: Spread;
  billablePerSweep: Spread;
  /** Median sweep × 288 + one drift run × 24. */
  actionsPerDay: number;
}

export interface FleetHealthResult {
  gateways: string;
  database: string;
  checkConcurrency: number;
  /** The machine's 1-minute load average when the figure started (2 cores shared with other work). */
  loadAverage: number;
  sizes: FleetHealthSize[];
  drift: { instances: number; findings: number; actions: ActionCounts; heartbeats: number | undefined; billable: number; wallSeconds: number };
  idle: { instances: number; sweeps: number; historyBefore: number[]; historyAfter: number[]; changes: number; healthy: number; actionsPerDay: number };
  target: { actionsPerDay: number; sweepSeconds: number; idleActionsPerDay: number };
}

const HEALTH_CHECK_CONCURRENCY = 50; // config/fleet.ts's default, which the workers run with

/** A migrated database of the figure's own: a throwaway one on DATABASE_URL's server, else an embedded Postgres. */
async function figureDatabase(): Promise<{ url: string; description: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const database = await createThrowawayDatabase(process.env.DATABASE_URL, 'bench');
    await runMigrations(database.url);
    return { url: database.url, description: 'a database of its own on DATABASE_URL', stop: () => database.drop() };
  }
  const embedded = await startEmbeddedPostgres();
  await runMigrations(embedded.url);
  return { url: embedded.url, description: 'an embedded PGlite of its own', stop: () => embedded.stop() };
}

export async function measureFleetHealth(h: Harness, options: FleetHealthOptions): Promise<FleetHealthResult> {
  const { log } = options;
  const loadAverage = round(os.loadavg()[0]!, 1);
  const responder = await startResponder();
  // The sweep reads every running instance: seeded ones only, never the other figures'.
  const database = await figureDatabase();
  const databaseUrl = database.url;
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const workers: ChildHandle[] = [];
  try {
    const fleetQueue = `bench-fleet-${randomUUID()}`;
    const fleetWorker = await h.startWorker('hostflow', { taskQueue: fleetQueue, env: { DATABASE_URL: databaseUrl, HEALTH_URL_TEMPLATE: `${responder.url}/vm/{ip}/healthz` } });
    workers.push(fleetWorker);
    const sizes: FleetHealthSize[] = [];
    let seeded = 0;
    for (const size of options.sizes) {
      await seedRunning(sql, seeded, size);
      seeded = size;
      const samples: SweepSample[] = [];
      for (let i = 0; i < options.repeats; i++) {
        const sample = await runSweep(h, fleetQueue, { responder, worker: fleetWorker });
        if (sample.gatewayChecks !== sample.checked) throw new Error(`sweep checked ${sample.checked} instances but the gateways saw ${sample.gatewayChecks} requests`);
        samples.push({ ...sample, instances: size });
        log(`fleet health: ${size} instances, sweep ${i + 1}: ${sample.wallSeconds} s (worker CPU ${sample.workerCpuSeconds ?? '?'} s, responder ${sample.responderCpuSeconds} s), ${sample.billable} actions (${sample.heartbeats ?? '?'} heartbeats)`);
      }
      sizes.push({ instances: size, samples, wallSeconds: spread(samples.map((s) => s.wallSeconds)), checkSeconds: spread(samples.map((s) => s.checkSeconds)), billablePerSweep: spread(samples.map((s) => s.billable)), actionsPerDay: 0 });
    }

    const idle = await measureIdleUnderSweeps(h, options, workers);
    const drift = await runDrift(h, idle.queue);
    log(`fleet health: drift run over ${drift.instances} instances: ${drift.findings} findings, ${drift.billable} actions`);
    for (const s of sizes) s.actionsPerDay = Math.round(s.billablePerSweep.median * HEALTH_SWEEPS_PER_DAY + drift.billable * DRIFT_SWEEPS_PER_DAY);
    return {
      gateways: `local responder (200 at once, ${responder.url})`,
      database: database.description,
      checkConcurrency: HEALTH_CHECK_CONCURRENCY,
      loadAverage,
      sizes,
      drift,
      idle: idle.result,
      target: { actionsPerDay: ACTIONS_PER_DAY_TARGET, sweepSeconds: SWEEP_SECONDS_TARGET, idleActionsPerDay: 0 },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await sql.end({ timeout: 5 });
    await database.stop();
    await responder.close();
  }
}

/** Instances `from`…`to - 1`: running, no operation, a server and a distinct address each. */
async function seedRunning(sql: postgres.Sql, from: number, to: number): Promise<void> {
  const BATCH = 1_000;
  for (let start = from; start < to; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => {
      const i = start + k;
      return {
        id: randomUUID(),
        email: `fleet-${i}@example.com`,
        plan: 'starter',
        region: 'eu-frankfurt',
        subdomain: `fleet-${i}`,
        status: 'running',
        server_id: 1_000_000 + i,
        ip_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      };
    });
    await sql`insert into instances ${sql(rows)}`;
  }
}

async function runSweep(h: Harness, taskQueue: string, watch: { responder?: Responder; worker?: ChildHandle } = {}): Promise<Omit<SweepSample, 'instances'>> {
  const { responder, worker } = watch;
  const heartbeatsBefore = await heartbeatsRecorded(h);
  const checksBefore = responder?.checks() ?? 0;
  const workerCpuBefore = processCpuSeconds(worker?.process.pid);
  const cpuBefore = process.cpuUsage();
  const began = nowMs();
  const handle = await h.client.workflow.start('healthSweepWorkflow', { taskQueue, workflowId: `health-sweep-bench-${randomUUID()}`, args: [] });
  const report = (await handle.result()) as { checked: number; healthy: number; changes: number };
  const wallSeconds = round((nowMs() - began) / 1000, 2);
  const cpu = process.cpuUsage(cpuBefore);
  const workerCpuAfter = processCpuSeconds(worker?.process.pid);
  const events = await fetchEvents(h.client, handle.workflowId);
  const heartbeats = await heartbeatDelta(h, heartbeatsBefore);
  const actions = countActions(events);
  return {
    wallSeconds,
    checkSeconds: activitySeconds(events, 'checkFleetHealth'),
    actions,
    heartbeats,
    billable: actions.total + (heartbeats ?? 0) + 1,
    checked: report.checked,
    healthy: report.healthy,
    gatewayChecks: (responder?.checks() ?? 0) - checksBefore,
    workerCpuSeconds: workerCpuBefore === undefined || workerCpuAfter === undefined ? undefined : round(workerCpuAfter - workerCpuBefore, 2),
    responderCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
  };
}

/** User + system CPU of a process, all threads (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Provisions through the API, sweeps with the sandbox's gateways, compares the entities' histories. */
async function measureIdleUnderSweeps(h: Harness, options: FleetHealthOptions, workers: ChildHandle[]) {
  const ids: string[] = [];
  for (let i = 0; i < options.idleInstances; i++) {
    const r = await request(h, 'provision');
    if ((await untilFinalViaApi(h, r)) !== 'succeeded') throw new Error(`fleet health: provision of ${r.instanceId} did not succeed`);
    ids.push(r.instanceId);
  }
  const queue = `bench-fleet-main-${randomUUID()}`;
  workers.push(await h.startWorker('hostflow', { taskQueue: queue, env: { HEALTH_URL_TEMPLATE: h.sandbox.healthUrlTemplate } }));
  const histories = () => Promise.all(ids.map((id) => fetchEvents(h.client, instanceWorkflowId(id))));
  const before = await histories();
  let changes = 0;
  for (let i = 0; i < options.idleSweeps; i++) changes += (await runSweep(h, queue)).actions.signals;
  const reports = await Promise.all(ids.map(async (id) => (await h.sql<{ status: string }[]>`select status from instance_health where instance_id = ${id}`)[0]?.status));
  const after = await histories();
  // Actions the entities gained during the sweeps, per instance and day at one sweep every 5 minutes.
  const gained = after.reduce((n, events, i) => n + countActions(events).total - countActions(before[i]!).total, 0);
  return {
    queue,
    result: {
      instances: ids.length,
      sweeps: options.idleSweeps,
      historyBefore: before.map((e) => e.length),
      historyAfter: after.map((e) => e.length),
      changes,
      healthy: reports.filter((s) => s === 'healthy').length,
      actionsPerDay: round((gained / ids.length / options.idleSweeps) * HEALTH_SWEEPS_PER_DAY, 1),
    },
  };
}

/** One drift run on the main stack (its instances were provisioned for real, so nothing differs). */
async function runDrift(h: Harness, taskQueue: string): Promise<FleetHealthResult['drift']> {
  const heartbeatsBefore = await heartbeatsRecorded(h);
  const began = nowMs();
  const handle = await h.client.workflow.start('driftSweepWorkflow', { taskQueue, workflowId: `drift-sweep-bench-${randomUUID()}`, args: [] });
  const report = (await handle.result()) as { acted: number; counts: { instances: number } };
  const wallSeconds = round((nowMs() - began) / 1000, 2);
  const actions = countActions(await fetchEvents(h.client, handle.workflowId));
  const heartbeats = await heartbeatDelta(h, heartbeatsBefore);
  return { instances: report.counts.instances, findings: report.acted, actions, heartbeats, billable: actions.total + (heartbeats ?? 0) + 1, wallSeconds };
}

function activitySeconds(events: Awaited<ReturnType<typeof fetchEvents>>, activityType: string): number {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
  const completed = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
  const ms = (e: typeof started) => Number(e?.eventTime?.seconds ?? 0) * 1000 + (e?.eventTime?.nanos ?? 0) / 1e6;
  return started && completed ? round((ms(completed) - ms(started)) / 1000, 2) : Number.NaN;
}

/** The server's count of RecordActivityTaskHeartbeat(ById) requests so far; undefined without metrics. */
async function heartbeatsRecorded(h: Pick<Harness, 'temporal'>): Promise<number | undefined> {
  if (!h.temporal.metricsUrl) return undefined;
  try {
    const text = await (await fetch(h.temporal.metricsUrl)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('service_requests{') && /operation="RecordActivityTaskHeartbeat(ById)?"/.test(line) && /service_name="frontend"/.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  } catch {
    return undefined;
  }
}

async function heartbeatDelta(h: Pick<Harness, 'temporal'>, before: number | undefined): Promise<number | undefined> {
  const after = await heartbeatsRecorded(h);
  return before === undefined || after === undefined ? undefined : after - before;
}

interface Responder {
  url: string;
  checks(): number;
  close(): Promise<void>;
}

/** Every gateway at once: 200 for GET /vm/{ip}/healthz, counted. */
async function startResponder(): Promise<Responder> {
  let checks = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && /^\/vm\/[^/]+\/healthz$/.test(req.url ?? '')) {
      checks += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else res.writeHead(404).end();
  });
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    checks: () => checks,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering (bench/report.ts calls these)

const s2 = (v: Spread, unit = '') => (!Number.isFinite(v.median) ? '—' : v.min === v.max ? `${v.median}${unit}` : `${v.median}${unit} (${v.min}–${v.max})`);
const thousands = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

/** Rows for the summary table (figure | measured | same-run baseline | target | verdict). */
export function fleetHealthSummaryRows(f: FleetHealthResult): string[] {
  const rows: string[] = [];
  const d = f.drift;
  for (const s of f.sizes) {
    rows.push(
      `| billable actions per day, fleet health with ${thousands(s.instances)} running instances (288 health sweeps + 24 drift sweeps) | ${thousands(s.actionsPerDay)} (a sweep: ${s2(s.billablePerSweep)}, median of ${s.samples.length}; a drift run with no drift: ${d.billable}) | counted from histories + heartbeats recorded by the server + 1 per scheduled start | a few thousand a day in total (≤ ${thousands(f.target.actionsPerDay)}) | ${verdict(s.actionsPerDay <= f.target.actionsPerDay)} |`,
    );
  }
  const largest = f.sizes.at(-1);
  if (largest) {
    rows.push(
      `| health sweep duration at ${thousands(largest.instances)} instances (${f.checkConcurrency} checks in flight, gateways answering at once) | ${s2(largest.wallSeconds, ' s')} start → result, median (min–max) of ${largest.samples.length}; the check step ${s2(largest.checkSeconds, ' s')} | ${f.sizes.slice(0, -1).map((s) => `${thousands(s.instances)}: ${s2(s.wallSeconds, ' s')}`).join('; ') || '—'} | well under the 5-min interval (≤ ${f.target.sweepSeconds} s) | ${verdict(largest.wallSeconds.max <= f.target.sweepSeconds)} |`,
    );
  }
  const i = f.idle;
  const gained = i.historyAfter.map((n, k) => n - i.historyBefore[k]!);
  rows.push(
    `| idle cost under health sweeps: actions per day in a healthy instance's own workflow | ${i.actionsPerDay} (${i.instances} provisioned instance${i.instances === 1 ? '' : 's'}, ${i.sweeps} sweep${i.sweeps === 1 ? '' : 's'}: history grew by ${gained.join(', ')} events; ${i.changes} health signals; ${i.healthy} healthy) | — | 0 | ${verdict(i.actionsPerDay === 0 && gained.every((n) => n === 0))} |`,
  );
  return rows;
}

/** The figure's own section: every sweep. */
export function fleetHealthMarkdown(f: FleetHealthResult): string[] {
  const lines = [
    `Fleet health (healthSweepWorkflow started by the client on a worker of its own; instances seeded as \`running\` into ${f.database}; gateways: ${f.gateways.replace(/ \(.*/, '')} — the sandbox looks a server up by address with a scan of all its servers, which at 10,000 would measure the stand-in). ` +
      'Actions per sweep = the history counted as above + heartbeats the dev server recorded (its RecordActivityTaskHeartbeat request counter before and after the run) + 1 for the schedule\'s start. ' +
      `Drift: one driftSweepWorkflow over the main stack's ${f.drift.instances} live instances (provisioned for real): ${f.drift.findings} findings, ${f.drift.actions.total} actions in its history, ${f.drift.heartbeats ?? '?'} heartbeats, ${f.drift.wallSeconds} s.`,
    '',
    `Load average when it started: ${f.loadAverage} on ${os.cpus().length} cores (shared with other work).`,
    '',
    '| instances | sweep | start → result | check step | worker CPU | responder CPU | history actions | heartbeats | billable | checked |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of f.sizes) {
    s.samples.forEach((x, k) => lines.push(`| ${thousands(s.instances)} | ${k + 1} | ${x.wallSeconds} s | ${x.checkSeconds} s | ${x.workerCpuSeconds ?? '—'} s | ${x.responderCpuSeconds} s | ${x.actions.total} | ${x.heartbeats ?? '—'} | ${x.billable} | ${x.checked} |`));
  }
  lines.push('');
  return lines;
}
