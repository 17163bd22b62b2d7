// Where `--read-data-subset` stopped: a small file beside the archive (`<archive>.read-data.json`),
// so that successive runs each check the next slice of the archive's regular-file members and
// ten runs at 10% check every member exactly once. The position is kept as a share of the cycle
// (basis points, 0 to 10000), not a member count: slices are cut at floor(members × share), so
// they tile the members whatever their number (with 5 members, some runs at 10% check none).
// The file comes back from a node: read bounded, every field checked; one written for another
// archive (its size or member count differ) starts the cycle over. Only the run holding the
// archive's read-data lock (readDataLock.ts) reads and writes it: two runs at once would check
// the same slice and count as one.
import { isRecord } from '../guards';

export const READ_DATA_STATE_VERSION = 1;
export const READ_DATA_STATE_SUFFIX = '.read-data.json';
/** A real one is ~200 bytes. */
export const MAX_READ_DATA_STATE_BYTES = 4096;
const FULL = 10_000;

export interface ReadDataState {
  version: typeof READ_DATA_STATE_VERSION;
  /** The archive it was written for: a different size means a different archive. */
  archiveBytes: number;
  /** Regular-file members of that archive. */
  members: number;
  /** Share of the cycle already checked, in basis points: the next run starts here. */
  position: number;
  /** Runs since the cycle began at 0. */
  runs: number;
  updatedAt: string;
}

export function readDataStatePathOf(archive: string): string {
  return `${archive}${READ_DATA_STATE_SUFFIX}`;
}

export class ReadDataStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadDataStateError';
  }
}

/** `10%`, `2.5%` or `10`: a share of the members in basis points (1 to 10000). */
export function parseSubsetPercent(text: string): number {
  const m = /^(\d{1,3}(?:\.\d{1,2})?)%?$/.exec(text.trim());
  const bp = m ? Math.round(Number(m[1]) * 100) : NaN;
  if (!(bp >= 1 && bp <= FULL)) throw new ReadDataStateError(`--read-data-subset ${text}: give a share of the members between 0.01% and 100%, like 10%`);
  return bp;
}

const isInt = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** The state file's text through its guard. */
export function parseReadDataState(buf: Buffer): ReadDataState {
  if (buf.length > MAX_READ_DATA_STATE_BYTES) throw new ReadDataStateError(`${buf.length} bytes, larger than any read-data state (${MAX_READ_DATA_STATE_BYTES})`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ReadDataStateError(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) throw new ReadDataStateError('not a JSON object');
  const o = raw;
  if (!isInt(o.version)) throw new ReadDataStateError('no version');
  if (o.version > READ_DATA_STATE_VERSION) throw new ReadDataStateError(`version ${o.version}, written by a newer gluster-backup: update it to read it, or remove the file to start the cycle over`);
  if (o.version !== READ_DATA_STATE_VERSION) throw new ReadDataStateError(`version ${o.version} is not one this gluster-backup wrote`);
  if (!isInt(o.archiveBytes)) throw new ReadDataStateError('archiveBytes is not a byte count');
  if (!isInt(o.members)) throw new ReadDataStateError('members is not a count');
  if (!isInt(o.position, FULL - 1)) throw new ReadDataStateError(`position is not a share below ${FULL} basis points`);
  if (!isInt(o.runs, 1_000_000)) throw new ReadDataStateError('runs is not a count');
  if (typeof o.updatedAt !== 'string' || o.updatedAt.length > 40 || Number.isNaN(Date.parse(o.updatedAt))) throw new ReadDataStateError('updatedAt is not a time');
  const known = new Set(['version', 'archiveBytes', 'members', 'position', 'runs', 'updatedAt']);
  const extra = Object.keys(o).filter((k) => !known.has(k));
  if (extra.length) throw new ReadDataStateError(`unknown field ${JSON.stringify(extra[0].slice(0, 40))}`);
  return { version: READ_DATA_STATE_VERSION, archiveBytes: o.archiveBytes, members: o.members, position: o.position, runs: o.runs, updatedAt: o.updatedAt };
}

export function serializeReadDataState(s: ReadDataState): string {
  return JSON.stringify(s) + '\n';
}

export interface Slice {
  /** Members [from, to) in archive order. */
  from: number;
  to: number;
  /** Where the cycle stands after this slice (0: it is complete and starts over). */
  nextPosition: number;
  /** Runs in the cycle including this one. */
  run: number;
  /** True when the saved state was for another archive (or absent): the cycle starts at 0. */
  restarted: boolean;
}

/** The slice of `members` the next run checks, at `share` basis points, after `prev`. */
export function nextSlice(prev: ReadDataState | undefined, archiveBytes: number, members: number, share: number): Slice {
  const same = prev !== undefined && prev.archiveBytes === archiveBytes && prev.members === members;
  const start = same ? prev.position : 0;
  const end = Math.min(FULL, start + share);
  const at = (bp: number) => Math.floor((members * bp) / FULL);
  return { from: at(start), to: at(end), nextPosition: end >= FULL ? 0 : end, run: (same ? prev.runs : 0) + 1, restarted: !same };
}

export function stateAfter(slice: Slice, archiveBytes: number, members: number, now: Date): ReadDataState {
  return { version: READ_DATA_STATE_VERSION, archiveBytes, members, position: slice.nextPosition, runs: slice.nextPosition === 0 ? 0 : slice.run, updatedAt: now.toISOString() };
}
