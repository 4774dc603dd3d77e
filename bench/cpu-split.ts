// Where a figure's CPU went: every process's CPU time (utime + stime in /proc/<pid>/stat, all its
// threads) over a measuring window, summed by the role it plays. All of the stack shares one
// machine here, including the sandbox, which stands in for Hetzner, Cloudflare, the SMTP server
// and the VMs themselves (remote in production) and runs inside the bench process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const CPU_ROLES = ['worker', 'twin worker', 'API', 'Postgres', 'Temporal server', 'sandbox + load driver', 'other'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];
export type CpuSplit = Record<CpuRole, number>;

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

function roleOf(pid: number, comm: string): CpuRole {
  if (pid === process.pid) return 'sandbox + load driver';
  if (comm === 'postgres') return 'Postgres';
  if (comm === 'temporal' || comm.startsWith('temporal-')) return 'Temporal server';
  const cmdline = read(`/proc/${pid}/cmdline`) ?? '';
  if (cmdline.includes('processes/api.ts') || cmdline.includes('processes/http-front.ts') || cmdline.includes('api/main')) return 'API';
  if (cmdline.includes('processes/worker.ts') || cmdline.includes('workers/main')) {
    return (read(`/proc/${pid}/environ`) ?? '').includes('BENCH_WORKER_KIND=baseline') ? 'twin worker' : 'worker';
  }
  return 'other';
}

/** CPU ticks used so far by each process alive now, with its role. */
export function cpuSnapshot(): Map<number, { role: CpuRole; ticks: number }> {
  const snapshot = new Map<number, { role: CpuRole; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
    const pid = Number(name);
    snapshot.set(pid, { role: roleOf(pid, comm), ticks });
  }
  return snapshot;
}

/** CPU seconds by role between two snapshots (a process born in between counts from zero). */
export function cpuBetween(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): CpuSplit {
  const split = Object.fromEntries(CPU_ROLES.map((role) => [role, 0])) as CpuSplit;
  for (const [pid, now] of after) split[now.role] += (now.ticks - (before.get(pid)?.ticks ?? 0)) / clockTicks();
  return split;
}

/** The split over [start + warmupMs, start + warmupMs + measureMs], taken by timers from now on. */
export function cpuWindow(warmupMs: number, measureMs: number): Promise<CpuSplit> {
  return new Promise((resolve) => {
    setTimeout(() => {
      const before = cpuSnapshot();
      setTimeout(() => resolve(cpuBetween(before, cpuSnapshot())), measureMs);
    }, warmupMs);
  });
}

/** Each role's CPU seconds divided by `count` (e.g. per completed provision), in milliseconds. */
export function perItemMs(split: CpuSplit, count: number): CpuSplit {
  return Object.fromEntries(CPU_ROLES.map((role) => [role, count > 0 ? (split[role] * 1000) / count : 0])) as CpuSplit;
}
