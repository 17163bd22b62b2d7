// Small statistics shared by the benchmarks.
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
 * Runs each side `runs` times, taking turns at going first: whichever runs second otherwise
 * finds the volume's metadata cached, or the disk's writeback of the other's archive, in its
 * favour or against it.
 */
export async function inTurns(runs: number, ours: () => unknown, ref: () => unknown): Promise<void> {
  for (let i = 0; i < runs; i++) {
    for (const side of i % 2 ? [ours, ref] : [ref, ours]) await side();
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
