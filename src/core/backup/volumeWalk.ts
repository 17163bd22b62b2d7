// Preflight's walk of the whole filesystem: its apparent size (for the free-space check and the
// progress total) and whether anything changed lately (the activity check). `du` through the
// FUSE mount asks the network for every file, minutes on a million of them; the bricks' own
// disks answer the same in seconds (bricks/brickSum.ts). Both start: du at once, the bricks as
// soon as the volume's state says they can be read. The first sound answer wins and the other
// is stopped, so a small volume is never slower than du alone and a big one is not held by it.
import * as path from 'path';
import type { Cluster } from '../cluster';
import { withDeadline } from '../node/deadline';
import { execInContainer } from '../docker/exec';
import { stopTagged, tagged } from '../docker/tagged';
import type { BrickPlan } from '../bricks/brickPlan';
import { sumBricks, type VolumeSum } from '../bricks/brickSum';
import { settle, type Settled } from '../settled';

/** A walk of the whole filesystem: minutes on millions of files, but never forever. */
export const WALK_DEADLINE_MS = 15 * 60_000;

export interface Walks {
  /** Apparent size of the filesystem in bytes. */
  size: Promise<Settled<number>>;
  /** A file changed after `since` ('' when none), by its path in the container. */
  recent: Promise<Settled<string>>;
  /** Where the answer came from, when the operator should know: the bricks, or why not them. */
  note: Promise<string | undefined>;
}

type DuTotal = { bytes: number; newestS?: number };
/** What the bricks said: their sum, why they could not be used, or nothing (not asked). */
export type BrickAnswer = { ok: true; sum: VolumeSum; volume: string } | { ok: false; why: string } | undefined;
/** Which walk answered, with its answer. */
export type WalkOutcome<D> = { from: 'bricks'; sum: VolumeSum; volume: string } | { from: 'mount'; du: Settled<D>; why?: string };

/** Which walk sizes the volume: the race (auto), or one side pinned (tests and benchmarks). */
export type WalkFrom = 'auto' | 'bricks' | 'mount';

/**
 * Starts the walks of `glusterPath` on `node`. `plan` says whether the bricks may be read; it
 * must settle (undefined when unknown), since du's failure waits for it. With `from` 'bricks'
 * du runs only when the bricks cannot answer; with 'mount' the bricks are not asked.
 */
export function startWalks(cluster: Cluster, node: string, since: number, plan: Promise<BrickPlan | undefined>, from: WalkFrom = 'auto'): Walks {
  const s = cluster.settings;
  const dockerP = cluster.connection(node).docker();
  const du = tagged(duArgv(s.glusterPath));
  let duDone = false;
  let duP: Promise<Settled<DuTotal>> | undefined;
  const runDu = () =>
    (duP ??= settle(
      dockerP.then((d) => withDeadline(`du -s ${s.glusterPath}`, WALK_DEADLINE_MS, () => execInContainer(d, s.containerName, du.argv, WALK_DEADLINE_MS)).then(parseDuTotal)),
    ).then((r) => ((duDone = true), r)));
  if (from !== 'bricks') runDu();
  const stopBricks = new AbortController();
  const bricksP =
    from === 'mount'
      ? Promise.resolve(undefined)
      : plan.then(async (p): Promise<BrickAnswer> => {
          if (!p) return from === 'bricks' ? { ok: false, why: 'the state of the volume could not be read' } : undefined;
          if (p.kind === 'mount') return { ok: false, why: p.why };
          if (duDone) return undefined;
          const r = await settle(sumBricks(cluster, p, s.containerName, WALK_DEADLINE_MS, stopBricks.signal));
          if (!r.ok) return { ok: false, why: r.error.message };
          return r.value.ok ? { ok: true, sum: r.value.sum, volume: p.volume } : r.value;
        });
  // Pinned to the bricks, du starts only once they could not answer.
  const duSide = from === 'bricks' ? bricksP.then((b) => (b?.ok ? new Promise<never>(() => undefined) : runDu())) : runDu();
  const outcome = firstSound(duSide, bricksP).then(async (o) => {
    if (o.from === 'bricks') {
      // du lost: it would read on through FUSE beside the backup's tar.
      if (duP && !duDone) await dockerP.then((d) => stopTagged(d, s.containerName, du.tag, s.timeouts.dockerMs)).catch(() => undefined);
    } else stopBricks.abort();
    return o;
  });
  const size = outcome.then((o): Settled<number> => (o.from === 'bricks' ? { ok: true, value: o.sum.bytes } : o.du.ok ? { ok: true, value: o.du.value.bytes } : o.du));
  const recent = outcome.then((o) => settle(recentFrom(o)));
  const note = outcome.then((o) =>
    o.from === 'bricks'
      ? `size and recent changes read from the ${o.sum.bricks === 1 ? 'brick' : `${o.sum.bricks} bricks`} of volume ${o.volume}, not through the mount`
      : o.why
        ? `size read through the mount (not from the bricks: ${o.why})`
        : undefined,
  );
  return { size, recent, note };

  async function recentFrom(o: WalkOutcome<DuTotal>): Promise<string> {
    if (o.from === 'bricks') {
      const n = o.sum.newest;
      // find's -newermt @since: strictly newer than the second `since`.
      return n && (n.s > since || (n.s === since && n.ns > 0)) ? path.posix.join(s.glusterPath, n.path) : '';
    }
    if (!o.du.ok) throw o.du.error;
    if (o.du.value.newestS !== undefined && o.du.value.newestS < since) return '';
    // Only when something changed lately does find look for an example to name; it stops at the first.
    const d = await dockerP;
    const r = await execInContainer(
      d,
      s.containerName,
      ['sh', '-c', 'find "$1" -xdev -mindepth 1 -newermt "@$2" -print -quit 2>/dev/null', 'preflight', s.glusterPath, String(since)],
      WALK_DEADLINE_MS,
    );
    return r.stdout.split('\n')[0].trim();
  }
}

/**
 * The first answer of the two: du's when it settles first, even failed (a mount du cannot read
 * is one tar cannot read either: that must be said, not hidden behind the bricks' answer); the
 * bricks' when they succeed first. Failed or refused bricks wait for du, whose answer then
 * carries why the bricks were not used.
 */
export function firstSound<D>(du: Promise<Settled<D>>, bricks: Promise<BrickAnswer>): Promise<WalkOutcome<D>> {
  return new Promise((resolve) => {
    let why: string | undefined;
    void bricks.then((b) => {
      if (b?.ok) resolve({ from: 'bricks', sum: b.sum, volume: b.volume });
      else if (b) why = b.why;
    });
    void du.then((d) => resolve({ from: 'mount', du: d, ...(why ? { why } : {}) }));
  });
}

function duArgv(dir: string): string[] {
  return ['du', '-s', '--apparent-size', '--block-size=1', '--time', '--time-style=+%s', dir];
}

/** du's one line, SIZE TAB NEWEST TAB DIR; exit 1 (some entries vanished or unreadable) still gives a total. */
export function parseDuTotal(r: { stdout: string; stderr: string; exitCode: number }): { bytes: number; newestS?: number } {
  const m = /^(\d{1,20})\t(-?\d{1,20})?\t?/.exec(r.stdout);
  const bytes = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(bytes)) throw new Error(r.stderr.trim().slice(0, 500) || `du exited ${r.exitCode}`);
  const newest = m[2] !== undefined ? Number(m[2]) : NaN;
  return { bytes, ...(Number.isSafeInteger(newest) ? { newestS: newest } : {}) };
}
