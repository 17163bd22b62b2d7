// A volume's size and its newest change, read from its bricks: what preflight's `du --time`
// through the FUSE mount answers, without a network round trip per file. On a million small
// files du through FUSE takes minutes; the bricks' own disks answer in seconds.
import type Docker from 'dockerode';
import type { Cluster } from '../cluster';
import { execStreaming } from '../docker/execStream';
import type { BrickPlan } from './brickPlan';
import type { BrickSummary } from './brickLister';
import { listBricks } from './brickListing';

/**
 * The size FUSE shows for every directory, whatever its bricks hold: distribute sets it (its
 * own constant), and a replica volume shows the same. du's apparent size counts it once per
 * directory, the listed root included.
 */
export const FUSE_DIR_BYTES = 4096;

export interface VolumeSum {
  /** du --apparent-size of the listed root, as through the mount. */
  bytes: number;
  /** The newest modification time below the root, and the entry (relative to the root) that has it. */
  newest?: { s: number; ns: number; path: string };
  /** Bricks that were read. */
  bricks: number;
}

/** The volume's sum from its bricks' summaries (in the plan's order), or undefined when one lacks its sum. */
export function sumOfSummaries(summaries: BrickSummary[]): VolumeSum | undefined {
  if (summaries.length === 0 || summaries.some((s) => s.bytes === undefined)) return undefined;
  // Every brick holds every directory (the listing's check proved it): the first one's count.
  let bytes = (summaries[0].dirs + 1) * FUSE_DIR_BYTES;
  let newest: VolumeSum['newest'];
  for (const s of summaries) {
    bytes += s.bytes!;
    const n = s.newest;
    if (n && (!newest || n.s > newest.s || (n.s === newest.s && n.ns > newest.ns))) newest = n;
  }
  if (!Number.isSafeInteger(bytes)) return undefined;
  return { bytes, ...(newest ? { newest } : {}), bricks: summaries.length };
}

/**
 * Runs the listers in sum mode on every node. They print nothing until each brick is done, so
 * silence is bounded by the walk's own deadline, not by an idle timer.
 */
export async function sumBricks(
  cluster: Pick<Cluster, 'nodes' | 'connection'>,
  plan: Extract<BrickPlan, { kind: 'bricks' }>,
  container: string,
  deadlineMs: number,
  cancel?: AbortSignal,
): Promise<{ ok: true; sum: VolumeSum } | { ok: false; why: string }> {
  const stream = (docker: Docker, argv: string[], signal: AbortSignal) => execStreaming(docker, container, argv, { idleMs: deadlineMs, onStdout: () => undefined, signal });
  const r = await listBricks(cluster, plan, stream, cancel, { sum: true });
  if (!r.ok) return r;
  const sum = sumOfSummaries(r.summaries);
  if (!sum) return { ok: false, why: 'a brick lister did not print its sum' };
  // Files a lister could not read are not in the sum: du through the mount would say why.
  if (r.problems.length) return { ok: false, why: r.problems[0] };
  return { ok: true, sum };
}
