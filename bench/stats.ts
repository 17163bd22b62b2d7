// Small statistics shared by the benchmarks.
import { readFileSync } from 'node:fs';
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export async function sample(n: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; runs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const s = [...runs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), runs };
}

export const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

/**
 * Runs each side `runs` times, each run starting the rotation one side later: whichever runs
 * after another otherwise finds the volume's metadata cached, or the disk's writeback of the
 * other's output, in its favour or against it, and every side should get each place in turn.
 */
export async function inRotation(runs: number, sides: readonly (() => unknown)[]): Promise<void> {
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < sides.length; k++) await sides[(i + k) % sides.length]();
  }
}

/** Two sides taking turns at going first (the reference first in the first run). */
export function inTurns(runs: number, ours: () => unknown, ref: () => unknown): Promise<void> {
  return inRotation(runs, [ref, ours]);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The machine's CPU time in core-seconds, busy and idle (iowait counts as idle), from /proc/stat. */
export interface CpuTimes {
  busy: number;
  idle: number;
}

export function cpuTimes(): CpuTimes {
  // The first line sums every core: user nice system idle iowait irq softirq steal ...
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const f = first.trim().split(/\s+/).slice(1).map(Number);
  const hz = 100; // USER_HZ, fixed at 100 on Linux for /proc/stat
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { busy: (total - idle) / hz, idle: idle / hz };
}

/** CPU spent by the whole machine while fn ran. */
export function cpuDuring(fn: () => void): CpuTimes {
  const a = cpuTimes();
  fn();
  const b = cpuTimes();
  return { busy: b.busy - a.busy, idle: b.idle - a.idle };
}
