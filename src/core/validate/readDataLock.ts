// The lock of `--read-data-subset` (`<archive>.read-data.lock`, beside the archive on its node):
// two runs at once would both read the same position, check the same slice and write the same
// next position, so a slice is checked twice and two runs count as one. A subset run creates the
// lock exclusively before it reads the position and removes it when it ends, whatever the
// ending; a second run refuses, naming the holder, since when, the lock's path and what to do.
// Pure: the record, its guard, the judgement of a lock found there, and the sentences. Taking
// and letting go of it on the node is takeReadDataLock.ts.
//
// The lock comes back from a node, where anything may have changed it: read bounded, every field
// checked. A lock that cannot be read is still a lock (whether a run holds it is unknown), never
// one this run takes over; only a holder that is provably gone is: the same host, the same pid
// namespace on the same boot (a container with the same host name is another machine), and no
// process of that pid. A pid reused since only keeps the lock held: the safe side.
import { isRecord } from '../guards';

export const READ_DATA_LOCK_VERSION = 1;
export const READ_DATA_LOCK_SUFFIX = '.read-data.lock';
/** A real one is ~300 bytes. */
export const MAX_READ_DATA_LOCK_BYTES = 4096;

export interface ReadDataLock {
  version: typeof READ_DATA_LOCK_VERSION;
  /** This run's own mark: a run removes the lock only while it still holds this token. */
  token: string;
  /** The client's host name (os.hostname()). */
  host: string;
  /** The client's process. */
  pid: number;
  /** The client's user, when the system says it. */
  user?: string;
  /**
   * Where that pid means that process (Linux: the boot id and the pid namespace): a pid is
   * looked up only where this is the same. Absent where the system does not tell it.
   */
  pidScope?: string;
  /** The program that holds it: the CLI, VS Code. */
  client?: string;
  /** When it was taken, ISO. */
  since: string;
  /** Whose clock `since` is: the node's (its dockerd's time), or the client's when the node did not say. */
  clock: 'node' | 'client';
}

export function readDataLockPathOf(archive: string): string {
  return `${archive}${READ_DATA_LOCK_SUFFIX}`;
}

export class ReadDataLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadDataLockError';
  }
}

/** What a lock's text may not hold: the guard refuses it, and the writer puts '?' in its place. */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** Printable text of at most `max` characters: it is shown to the operator and written into reports. */
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max && !UNPRINTABLE.test(v);

const FIELDS = new Set(['version', 'token', 'host', 'pid', 'user', 'pidScope', 'client', 'since', 'clock']);

/** The lock file's bytes through its guard. */
export function parseReadDataLock(buf: Buffer): ReadDataLock {
  if (buf.length > MAX_READ_DATA_LOCK_BYTES) throw new ReadDataLockError(`${buf.length} bytes, larger than any read-data lock (${MAX_READ_DATA_LOCK_BYTES})`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new ReadDataLockError(`not JSON (${(e as Error).message.slice(0, 100)})`);
  }
  if (!isRecord(raw)) throw new ReadDataLockError('not a JSON object');
  const o = raw;
  if (!isInt(o.version, 0, Number.MAX_SAFE_INTEGER)) throw new ReadDataLockError('no version');
  if (o.version > READ_DATA_LOCK_VERSION) throw new ReadDataLockError(`version ${o.version}, written by a newer gluster-backup`);
  if (o.version !== READ_DATA_LOCK_VERSION) throw new ReadDataLockError(`version ${o.version} is not one this gluster-backup wrote`);
  if (typeof o.token !== 'string' || !/^[0-9a-f]{16,64}$/.test(o.token)) throw new ReadDataLockError('token is not a run token');
  if (!isText(o.host, 255)) throw new ReadDataLockError('host is not a host name');
  if (!isInt(o.pid, 1, 0xffffffff)) throw new ReadDataLockError('pid is not a process id');
  if (o.user !== undefined && !isText(o.user, 256)) throw new ReadDataLockError('user is not a user name');
  if (o.pidScope !== undefined && !isText(o.pidScope, 200)) throw new ReadDataLockError('pidScope is not a pid scope');
  if (o.client !== undefined && !isText(o.client, 100)) throw new ReadDataLockError('client is not a program name');
  if (typeof o.since !== 'string' || o.since.length > 40 || Number.isNaN(Date.parse(o.since))) throw new ReadDataLockError('since is not a time');
  if (o.clock !== 'node' && o.clock !== 'client') throw new ReadDataLockError('clock is neither node nor client');
  const extra = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (extra.length) throw new ReadDataLockError(`unknown field ${JSON.stringify(extra[0].slice(0, 40))}`);
  return {
    version: READ_DATA_LOCK_VERSION,
    token: o.token,
    host: o.host,
    pid: o.pid,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.pidScope !== undefined ? { pidScope: o.pidScope } : {}),
    ...(o.client !== undefined ? { client: o.client } : {}),
    since: new Date(o.since).toISOString(),
    clock: o.clock,
  };
}

export function serializeReadDataLock(l: ReadDataLock): string {
  return JSON.stringify(l) + '\n';
}

/** This client process, as a lock names it. */
export interface LockOwner {
  host: string;
  pid: number;
  user?: string;
  pidScope?: string;
}

/**
 * Whether the run holding `lock` is provably gone: it ran on this host, in this pid namespace of
 * this boot, and its pid is not a process now (`alive`). Anything short of that (another host,
 * a host that does not say its scope, a pid in use) is a run that may still hold it.
 */
export function holderIsGone(lock: ReadDataLock, self: Pick<LockOwner, 'host' | 'pidScope'>, alive: (pid: number) => boolean): boolean {
  return lock.host === self.host && lock.pidScope === self.pidScope && !alive(lock.pid);
}

/** `alice@ws1, pid 4242 (the CLI)`. */
export function holderText(l: Pick<ReadDataLock, 'host' | 'pid' | 'user' | 'client'>): string {
  return `${l.user ? `${l.user}@` : ''}${l.host}, pid ${l.pid}${l.client ? ` (${l.client})` : ''}`;
}

/** `alice@host, pid 4242 (VS Code), since 2026-03-05 12:00:00 UTC by node1's clock`: who holds a lock, and since when. */
export function heldByText(l: ReadDataLock, node: string): string {
  return `${holderText(l)}, ${sinceText(l, node)}`;
}

/** `since 2026-03-05 12:00:00 UTC by node1's clock`. */
function sinceText(l: Pick<ReadDataLock, 'since' | 'clock' | 'host'>, node: string): string {
  const at = l.since.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return `since ${at} by ${l.clock === 'node' ? `${node}'s clock` : `the clock of ${l.host} (${node} did not give its time)`}`;
}

/** What to do about a lock no run holds any more: said by every refusal. */
export function staleLockAdvice(lockPath: string): string {
  return `if no such run is going on (it was killed, or its machine is down), run again with --break-lock (in VS Code: Remove Lock and Read…), or remove ${lockPath}`;
}

/**
 * A subset run refused: another run holds the lock (`holder`), or a lock is there that cannot be
 * read (`unreadable`). Nothing was checked and nothing was written.
 */
export class ReadDataLockHeld extends Error {
  constructor(
    readonly node: string,
    readonly archive: string,
    readonly lockPath: string,
    readonly found: { holder: ReadDataLock } | { unreadable: string } | { contended: true },
  ) {
    super(lockHeldText(node, archive, lockPath, found));
    this.name = 'ReadDataLockHeld';
  }
}

export function lockHeldText(node: string, archive: string, lockPath: string, found: ReadDataLockHeld['found']): string {
  if ('holder' in found) {
    const h = found.holder;
    return (
      `${archive} on ${node} is being read by another --read-data-subset run: ${heldByText(h, node)}. ` +
      `Its lock is ${lockPath}. Nothing was checked: two runs at once would check the same slice. Run again once it has ended; ${staleLockAdvice(lockPath)}`
    );
  }
  if ('unreadable' in found) {
    return (
      `${archive} on ${node} has a read-data lock that cannot be read (${found.unreadable}), so whether another --read-data-subset run holds it is unknown. ` +
      `Its lock is ${lockPath}. Nothing was checked; ${staleLockAdvice(lockPath)}`
    );
  }
  return `${archive} on ${node}: the read-data lock ${lockPath} was taken and let go by other runs each time this one tried. Nothing was checked; run again`;
}
