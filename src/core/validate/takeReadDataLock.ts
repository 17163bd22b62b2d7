// Taking and letting go of a `--read-data-subset` run's lock on the archive's node (the record and
// its guard are readDataLock.ts). Taken by an exclusive create (NodeConnection.createExclusive:
// of two runs at once exactly one gets it) before the run reads where the last one stopped;
// let go when the run ends, whatever the ending, and only while the lock is still this run's.
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import { isFileError, isNotFound, type NodeConnection } from '../node/nodeConnection';
import {
  MAX_READ_DATA_LOCK_BYTES,
  READ_DATA_LOCK_VERSION,
  ReadDataLockHeld,
  holderIsGone,
  parseReadDataLock,
  readDataLockPathOf,
  serializeReadDataLock,
  UNPRINTABLE,
  heldByText,
  type LockOwner,
  type ReadDataLock,
} from './readDataLock';

const UNSHOWN = new RegExp(UNPRINTABLE.source, 'g');
const shown = (s: string, max: number) => s.replace(UNSHOWN, '?').slice(0, max);

/** This process as a lock names it: host, pid, user, and where its pid means it (Linux). */
export function thisProcess(): LockOwner {
  let user: string | undefined;
  try {
    user = os.userInfo().username || undefined;
  } catch {
    // No entry for this uid (a container started with --user): the lock goes without a user.
  }
  let pidScope: string | undefined;
  try {
    // The boot and the pid namespace: a container with the same host name, or this machine
    // after a reboot, is not where that pid was.
    pidScope = shown(`${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`, 200);
  } catch {
    pidScope = undefined;
  }
  return { host: shown(os.hostname() || 'unknown-host', 255), pid: process.pid, ...(user ? { user: shown(user, 256) } : {}), ...(pidScope ? { pidScope } : {}) };
}

/** Whether a process of that pid is there now; a pid that cannot be asked about counts as there. */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1 || pid > 0x7fffffff) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: there, and another user's.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** What is at the lock's path now. */
export type FoundLock = { gone: true } | { lock: ReadDataLock } | { unreadable: string };

/** The lock at `file`, read bounded and through its guard. */
export async function lookAtLock(conn: NodeConnection, file: string): Promise<FoundLock> {
  let buf: Buffer;
  try {
    const st = await conn.stat(file);
    if (!st) return { gone: true };
    if (!st.isFile) return { unreadable: 'it is not a regular file' };
    if (st.size > MAX_READ_DATA_LOCK_BYTES) return { unreadable: `${st.size} bytes, larger than any read-data lock (${MAX_READ_DATA_LOCK_BYTES})` };
    buf = await conn.read(file, 0, st.size);
  } catch (e) {
    if (isNotFound(e)) return { gone: true };
    if (isFileError(e)) return { unreadable: (e as Error).message.slice(0, 200) };
    throw e;
  }
  try {
    return { lock: parseReadDataLock(buf) };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

export interface HeldReadDataLock {
  readonly path: string;
  readonly lock: ReadDataLock;
  /** What taking it had to say: a lock taken over from a run that is gone, or one broken. */
  readonly cautions: readonly string[];
  /** Undefined while the lock there is still this run's; else what became of it. */
  check(): Promise<string | undefined>;
  /** Removes it while it is still this run's (once; later calls do nothing); what became of it otherwise. */
  release(): Promise<string | undefined>;
}

export interface TakeLockOptions {
  node: string;
  archive: string;
  /**
   * Remove the lock that is there first (the operator says no run holds it): whoever holds it
   * (`true`), or only the lock of that token (the one the operator was shown).
   */
  breakLock?: true | { token: string };
  /** The program taking it (the CLI, VS Code), for the refusal a second run shows. */
  client?: string;
  /** The node's time now, ISO (its dockerd's); undefined when it does not say. */
  nodeNow?: () => Promise<string | undefined>;
  owner?: LockOwner;
  alive?: (pid: number) => boolean;
  now?: () => Date;
}

/**
 * Takes the lock of `archive`'s subset runs, or throws ReadDataLockHeld naming the holder (or
 * why the lock there cannot be read). A lock whose holder is provably gone (holderIsGone) is
 * taken over, and one is broken when asked (`breakLock`, once): both said in `cautions`.
 */
export async function takeReadDataLock(conn: NodeConnection, o: TakeLockOptions): Promise<HeldReadDataLock> {
  const path = readDataLockPathOf(o.archive);
  const owner = o.owner ?? thisProcess();
  const nodeSince = await (o.nodeNow?.() ?? Promise.resolve(undefined)).catch(() => undefined);
  const lock: ReadDataLock = {
    version: READ_DATA_LOCK_VERSION,
    token: randomBytes(16).toString('hex'),
    host: owner.host,
    pid: owner.pid,
    ...(owner.user !== undefined ? { user: owner.user } : {}),
    ...(owner.pidScope !== undefined ? { pidScope: owner.pidScope } : {}),
    ...(o.client !== undefined ? { client: shown(o.client, 100) } : {}),
    since: nodeSince ?? (o.now ?? (() => new Date()))().toISOString(),
    clock: nodeSince !== undefined ? 'node' : 'client',
  };
  const data = serializeReadDataLock(lock);
  const cautions: string[] = [];
  let mayBreak = o.breakLock !== undefined;
  const breakable = (found: { lock: ReadDataLock } | { unreadable: string }) => o.breakLock === true || (o.breakLock !== undefined && 'lock' in found && found.lock.token === o.breakLock.token);
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await conn.createExclusive(path, data)) return heldLock(conn, o.node, path, lock, cautions);
    const found = await lookAtLock(conn, path);
    // Let go between the create and the look: try again.
    if ('gone' in found) continue;
    if (mayBreak && breakable(found)) {
      // Once: a lock there after this one was broken is another run's, taken since.
      mayBreak = false;
      await conn.remove(path);
      const was = 'lock' in found ? `held by ${heldByText(found.lock, o.node)}` : `one that could not be read (${found.unreadable})`;
      cautions.push(`the read-data lock ${path} was removed (--break-lock): it was ${was}. If that run was still going on, it checks the same slice, and where it stops is not saved`);
      continue;
    }
    if ('lock' in found && holderIsGone(found.lock, owner, o.alive ?? processAlive)) {
      // Looked at again just before the remove: two runs of this host that both found it could
      // otherwise remove the lock the first of them took meanwhile. SFTP has no compare-and-
      // remove, so this narrows that window to one round trip; it does not close it.
      const again = await lookAtLock(conn, path);
      if ('lock' in again && again.lock.token === found.lock.token) await conn.remove(path);
      cautions.push(`the read-data lock of ${heldByText(found.lock, o.node)}, was taken over: that run is gone (no process ${found.lock.pid} on this machine)`);
      continue;
    }
    throw new ReadDataLockHeld(o.node, o.archive, path, 'lock' in found ? { holder: found.lock } : { unreadable: found.unreadable });
  }
  throw new ReadDataLockHeld(o.node, o.archive, path, { contended: true });
}

function heldLock(conn: NodeConnection, node: string, path: string, lock: ReadDataLock, cautions: string[]): HeldReadDataLock {
  let released: Promise<string | undefined> | undefined;
  const check = async (): Promise<string | undefined> => {
    let found: FoundLock;
    try {
      found = await lookAtLock(conn, path);
    } catch (e) {
      return `the read-data lock ${path} could not be read (${(e as Error).message})`;
    }
    if ('gone' in found) return `the read-data lock ${path} was removed while this run held it (by hand, or by another run's --break-lock)`;
    if ('unreadable' in found) return `the read-data lock ${path} cannot be read now (${found.unreadable})`;
    if (found.lock.token !== lock.token) return `the read-data lock ${path} was taken by ${heldByText(found.lock, node)}, while this run held it (--break-lock): that run may check the same slice`;
    return undefined;
  };
  return {
    path,
    lock,
    cautions,
    check,
    release() {
      released ??= (async () => {
        const why = await check();
        if (why) return why;
        try {
          await conn.remove(path);
          return undefined;
        } catch (e) {
          return `the read-data lock ${path} could not be removed (${(e as Error).message}): a run from another machine refuses until it is removed (--break-lock)`;
        }
      })();
      return released;
    },
  };
}
