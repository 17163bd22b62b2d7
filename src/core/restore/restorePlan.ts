// The restore's plan on the real cluster: where the archive is, what it holds (its header walk,
// or tar's listing in the container for a remote .tar.gz), what the target directory of the
// gluster filesystem already has (find in the container), and the space the volume has left.
// It writes nothing anywhere: the dry run is this, and the restore refuses by it.
import { bytesText } from '../bytes';
import type { Cluster } from '../cluster';
import { execInContainer } from '../docker/exec';
import { execStreaming } from '../docker/execStream';
import { EntryLimitError } from '../archive/entryTable';
import { FsListParser, fsListArgv } from '../archive/fsList';
import type { TarIndexResult } from '../archive/tarIndex';
import { ValidateError, glusterRootOf, indexArchiveOnNode, isGzip, locateArchive, type ReadMethod } from '../validate/validateBackup';
import { TarListingFormatError, TarListingParser } from '../archive/tarListing';
import { memberListOf, parseStatus } from '../backup/jobScript';
import type { NodeConnection } from '../node/nodeConnection';
import { RestoreError } from './restoreError';
import { jobsOf } from '../backup/jobs';
import type { JobRecord } from '../backup/types';
import { restorePaths } from '../backup/jobFile';
import { restoreWroteNothing } from '../backup/jobEnd';
import { MEMBERS_TAIL_BYTES, lastStartedMember } from './resumePoint';
import { RestorePlanner, RestorePlanError, hasDotSegment, includeKey, relativeKey, type ExistingPolicy, type PlanEntry, type RestorePlan, type ResumePoint } from './plan';

export { RestoreError };

export interface RestorePlanOptions {
  node?: string;
  /** Archive path on the node's host; the newest archive of `backupDir` when absent. */
  archive?: string;
  backupDir?: string;
  include?: string[];
  /** A directory of the gluster filesystem, relative to its root, to restore under. */
  target?: string;
  policy?: ExistingPolicy;
  via?: 'auto' | 'sftp' | 'container';
  idleMs?: number;
  signal?: AbortSignal;
  /** Keep every entry with its action (the dry run's --json); otherwise only counts. */
  entries?: boolean;
  onPhase?: (phase: 'locating' | 'indexing' | 'listing', detail: string) => void;
  /** The node the archive was found on, as soon as it is known (before the plan's reads). */
  onLocated?: (node: string) => void;
  /**
   * A dry run: a compressed archive's member list, written by its backup job, stands in for
   * decompressing the whole archive to list it. Never for a restore itself, whose refusals and
   * verification must come from the archive.
   */
  memberList?: boolean;
  /** The cluster's jobs when the caller lists them anyway (planAndCheck); else listed here if needed. */
  jobs?: Promise<JobRecord[]>;
}

export interface RestorePlanResult {
  node: string;
  archive: string;
  archiveBytes: number;
  method: ReadMethod;
  /** The gluster filesystem's root in the container (glusterPath). */
  root: string;
  /** Where the archive's members go: root, or root/target. */
  targetDir: string;
  targetExists: boolean;
  volume: string;
  /** Bytes the volume has free for this user, from the mount. */
  freeBytes: number;
  plan: RestorePlan;
  /**
   * Every selected member with its action, made as it is read: a million members held as
   * objects at once would be hundreds of MB. Iterable more than once.
   */
  entries?: Iterable<PlanEntry>;
  /** Resuming: the selected directories' keys (their modes and times are set again after tar). */
  resumeDirs?: string[];
  /** Resuming: the keys of what the interrupted restores left unfinished, removed before tar (RestorePlanner.resumeRedo). */
  resumeRedo?: string[];
  timings: { indexMs: number; listMs: number; totalMs: number };
  /**
   * The archive's index with the size and mtime the archive had when it was read: the
   * verification after the job reuses it when the archive is still that file. Not enumerable,
   * so a dry run's JSON does not carry every member twice.
   */
  readonly indexed?: IndexedArchive;
}

/** An archive's index, and what identified the file it was read from. */
export interface IndexedArchive {
  index: TarIndexResult;
  size: number;
  mtimeMs: number;
}

/** The target directory's canonical relative form, or a RestoreError. */
export function targetSubdir(target: string): string {
  const key = relativeKey(target);
  if (key === '') return '';
  if (hasDotSegment(key) || key.includes('\0')) {
    throw new RestoreError(`--target "${target}": give a directory relative to the gluster filesystem's root, without "." or ".." segments`);
  }
  return Buffer.from(key, 'latin1').toString('utf8');
}

/**
 * Looks at the target in the container: "dir", "none" or "other" for the target itself, where
 * it leads once every symlink on the way is resolved (it must stay inside the root: a link
 * could take the restore's writes anywhere in the container), and the free bytes at the root.
 */
const TARGET_SCRIPT = String.raw`
root=$1 t=$2
if [ -L "$t" ]; then echo other
elif [ -d "$t" ]; then echo dir
elif [ -e "$t" ]; then echo other
else echo none
fi
readlink -m -- "$t"
readlink -m -- "$root"
stat -f -c '%a %S' -- "$root"
`;

export function parseTargetLook(stdout: string): { kind: 'dir' | 'none' | 'other'; resolved: string; rootResolved: string; freeBytes: number } | undefined {
  const lines = stdout.split('\n');
  if (lines.length < 4 || lines.length > 5) return undefined;
  const [kind, resolved, rootResolved, df] = lines;
  const m = /^(\d{1,20}) (\d{1,10})$/.exec(df);
  if ((kind !== 'dir' && kind !== 'none' && kind !== 'other') || !resolved.startsWith('/') || !rootResolved.startsWith('/') || !m) return undefined;
  const free = Number(m[1]) * Number(m[2]);
  if (!Number.isFinite(free)) return undefined;
  return { kind, resolved, rootResolved, freeBytes: free };
}

export async function planRestore(cluster: Cluster, o: RestorePlanOptions = {}): Promise<RestorePlanResult> {
  const t0 = Date.now();
  const settings = cluster.settings;
  const container = settings.containerName;
  const sub = targetSubdir(o.target ?? '');
  // Checked before anything is asked of a node: a bad include is the operator's to fix.
  const planOpts = { policy: o.policy ?? 'refuse', include: o.include ?? [] };
  try {
    for (const i of planOpts.include) includeKey(i);
  } catch (e) {
    if (e instanceof RestorePlanError) throw new RestoreError(e.message);
    throw e;
  }
  o.onPhase?.('locating', o.archive ?? `newest archive in ${o.backupDir ?? settings.backupDir}`);
  const { node, path: archive } = await locateArchive(cluster, o).catch(rethrow);
  o.onLocated?.(node);
  const conn = cluster.connection(node);
  const docker = await conn.docker();
  const root = settings.glusterPath.replace(/\/+$/, '') || '/';
  const targetDir = sub ? `${root === '/' ? '' : root}/${sub}` : root;

  const [at, look, before] = await Promise.all([
    glusterRootOf(docker, container, node, root, settings.timeouts.dockerMs).catch(rethrow),
    execInContainer(docker, container, ['sh', '-c', TARGET_SCRIPT, 'restore-target', root, targetDir], settings.timeouts.dockerMs),
    conn.stat(archive).catch(() => undefined),
  ]);
  const t = look.exitCode === 0 ? parseTargetLook(look.stdout.replace(/\n$/, '')) : undefined;
  if (!t) throw new RestoreError(`cannot look at ${targetDir} in the ${container} container on ${node}: ${(look.stderr || look.stdout).trim().slice(0, 300) || `exit ${look.exitCode}`}`);
  if (t.kind === 'other') throw new RestoreError(`the target ${targetDir} exists and is not a directory (a file or a symlink): choose another --target`);
  if (t.resolved !== t.rootResolved && !t.resolved.startsWith(`${t.rootResolved === '/' ? '' : t.rootResolved}/`)) {
    throw new RestoreError(`the target ${targetDir} leads to ${t.resolved}, outside the gluster filesystem at ${root} (a symlink on the way): choose another --target`);
  }

  // Looked for while the archive is indexed: it reads other files.
  const resuming = (o.policy ?? 'refuse') === 'skip' ? interruptedRestore(cluster, node, archive, targetDir, o.jobs) : Promise.resolve(undefined);
  resuming.catch(() => undefined);

  o.onPhase?.('indexing', archive);
  const tIndex = Date.now();
  const listedAtBackup = o.memberList && before ? await readMemberList(conn, archive, node, before.size).catch(rethrow) : undefined;
  const indexed = listedAtBackup ?? (await indexArchiveOnNode(conn, docker, container, node, archive, o).catch(rethrow));
  const indexMs = Date.now() - tIndex;
  const resume = await resuming;
  const planner = new RestorePlanner(indexed.index, { ...planOpts, ...(resume ? { resume } : {}) });

  const tList = Date.now();
  if (t.kind === 'dir') {
    o.onPhase?.('listing', targetDir);
    // A resume tells what the interrupted restores made by the owner, mode and ctime.
    const parser = new FsListParser(planner, resume ? { meta: true, ctime: true } : {});
    const listed = await execStreaming(docker, container, fsListArgv(targetDir, resume ? { ctime: true } : {}), {
      env: ['LC_ALL=C'],
      idleMs: o.idleMs ?? 120_000,
      onStdout: (b) => parser.push(b),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    parser.end();
    // A target that cannot be listed whole could hide what the restore would overwrite.
    if (listed.exitCode !== 0) {
      const lines = listed.stderr.split('\n').filter(Boolean);
      throw new RestoreError(`find could not list all of ${targetDir} on ${node} (${lines.length} problem(s): ${lines.slice(0, 3).join('; ')}): what the restore would overwrite is not known`);
    }
  }
  const listMs = Date.now() - tList;
  const plan = planner.finish();
  if (plan.bytesToWrite > t.freeBytes) {
    plan.refusals.push({ check: 'free-space', message: `not enough space: the volume ${at.mount.volume} has ${bytesText(t.freeBytes)} (${t.freeBytes} bytes) free at ${root}, and the restore writes ${bytesText(plan.bytesToWrite)} (${plan.bytesToWrite} bytes)` });
  }
  const result: RestorePlanResult = {
    node,
    archive,
    archiveBytes: indexed.archiveBytes,
    method: indexed.method,
    root,
    targetDir,
    targetExists: t.kind === 'dir',
    volume: at.mount.volume,
    freeBytes: t.freeBytes,
    plan,
    ...(o.entries ? { entries: { [Symbol.iterator]: () => planner.entries() } } : {}),
    ...(plan.resume ? { resumeDirs: planner.resumeDirs(), resumeRedo: planner.resumeRedo() } : {}),
    timings: { indexMs, listMs, totalMs: Date.now() - t0 },
  };
  // The file as it was before the walk: a change during the walk makes the index worthless later.
  // A member list is not the archive's own word: it never stands in for the archive later.
  if (before && before.size === indexed.archiveBytes && indexed.method !== 'member-list') {
    Object.defineProperty(result, 'indexed', { value: { index: indexed.index, size: before.size, mtimeMs: before.mtimeMs }, enumerable: false });
  }
  return result;
}

/**
 * The newest restore of this archive into this target, when it did not finish (cancelled, or
 * died with its container): the member it was writing when it stopped. A finished or running
 * one leaves nothing to resume (a running one refuses the restore anyway).
 */
export async function interruptedRestore(cluster: Cluster, node: string, archive: string, targetDir: string, known?: Promise<JobRecord[]>): Promise<ResumePoint | undefined> {
  const jobs = known ? await known : (await jobsOf(cluster).list([node])).jobs;
  // One cancelled before its tar started wrote nothing: the restore before it is still where
  // the target stands (taken as the newest, it hid that one, whose half-written file then stayed).
  const same = jobs
    .filter((j) => j.kind === 'restore' && j.node === node && j.archive === archive && j.restore?.target === targetDir && !restoreWroteNothing(j))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const last = same[0];
  const interrupted = (j: JobRecord | undefined) => j !== undefined && (j.state === 'failed' || j.state === 'cancelled');
  if (!interrupted(last)) return undefined;
  const conn = cluster.connection(node);
  const dir = archive.slice(0, archive.lastIndexOf('/'));
  const lastMember = async (id: string) => {
    const file = restorePaths(dir, id).members;
    const st = await conn.stat(file).catch(() => undefined);
    if (!st || st.size === 0) return undefined;
    const from = Math.max(0, st.size - MEMBERS_TAIL_BYTES);
    const key = lastStartedMember(await conn.read(file, from, st.size - from));
    // The file's last write is tar's line for that member: when tar began on it.
    return key === undefined ? undefined : { key, since: Math.floor(st.mtimeMs / 1000) };
  };
  const at = await lastMember(last.id);
  if (!at) return undefined;
  // A resume that was itself interrupted never set the directories of the one it resumed.
  const earlier: string[] = [];
  const seen = new Set([last.id]);
  let start = await restoreStartOnNode(conn, dir, last);
  for (let j = last; earlier.length < MAX_RESUME_CHAIN; ) {
    const from = j.restore?.resume?.from;
    const prev = from === undefined || seen.has(from) ? undefined : same.find((x) => x.id === from);
    if (!prev || !interrupted(prev)) break;
    seen.add(prev.id);
    const m = await lastMember(prev.id);
    if (m) earlier.push(m.key);
    start = Math.min(start, await restoreStartOnNode(conn, dir, prev));
    j = prev;
  }
  return { from: last.id, key: at.key, ...resumeWindow(at.since, last), ...(earlier.length ? { earlier } : {}), ...(Number.isFinite(start) ? { start } : {}) };
}

/** Far more than a status line ("running <pid> <pid> <time>"): a bigger file is not one. */
const MAX_STATUS_BYTES = 256;

/**
 * When an interrupted restore began, in seconds on the node's clock where the node gave one:
 * the ctimes a resume compares with it are the node's, and the record's startedAt is the
 * client's, which may be off by any amount (a minute off is a whole minute of the operator's
 * changes taken for the restore's, or of the restore's own left as they are). In order:
 * - nodeStartedAt, the docker daemon's time as the job was claimed (recorded since it exists);
 * - the status line "running ... <time>" the script wrote as tar began, still there when the
 *   job died with its container (an ended job's line holds its end instead);
 * - for a resume, the mtime of its .dirs or .redo list, written as the job was claimed;
 * - startedAt, when none of these can be read.
 */
export async function restoreStartOnNode(conn: Pick<NodeConnection, 'stat' | 'read'>, dir: string, job: Pick<JobRecord, 'id' | 'startedAt' | 'nodeStartedAt' | 'restore'>): Promise<number> {
  const recorded = job.nodeStartedAt !== undefined ? Date.parse(job.nodeStartedAt) : NaN;
  if (Number.isFinite(recorded)) return recorded / 1000;
  const p = restorePaths(dir, job.id);
  const st = await conn.stat(p.status).catch(() => undefined);
  if (st && st.size <= MAX_STATUS_BYTES) {
    const text = await conn.read(p.status, 0, st.size).then((b) => b.toString('latin1')).catch(() => undefined);
    const status = parseStatus(text);
    if (status.phase === 'running' && status.at !== undefined) return status.at / 1000;
  }
  const lists = [job.restore?.resume?.dirs ? p.dirs : undefined, job.restore?.resume?.redo ? p.redo : undefined].filter((f): f is string => f !== undefined);
  let written = Infinity;
  for (const f of lists) {
    const l = await conn.stat(f).catch(() => undefined);
    if (l && Number.isFinite(l.mtimeMs)) written = Math.min(written, l.mtimeMs);
  }
  if (written !== Infinity) return written / 1000;
  return Date.parse(job.startedAt) / 1000;
}

/**
 * When the file an interrupted restore was writing can have been written by it: from when tar
 * began on it (`since`) to the job's end, when its record has one. That end is the script's
 * own exit time (the node's clock) when tar ended; when the job died with its container, when
 * dockerd says the container stopped, or the node's time when a client found it dead (goneAt):
 * later than the real end, a looser bound but still one, and on the files' clock.
 */
export function resumeWindow(since: number, job: Pick<JobRecord, 'endedAt'>): { since: number; until?: number } {
  const ended = job.endedAt !== undefined ? Date.parse(job.endedAt) / 1000 : NaN;
  return { since, ...(Number.isFinite(ended) ? { until: ended } : {}) };
}

/** Interrupted restores resumed in turn that a resume looks back through: far more than happen. */
const MAX_RESUME_CHAIN = 16;

function rethrow(e: unknown): never {
  if (e instanceof ValidateError) throw new RestoreError(e.message);
  throw e;
}

/** Far more than the list of a million members (about 120 bytes each): a bigger file is not one. */
const MAX_MEMBER_LIST = 512 * 1024 * 1024;
const MEMBER_LIST_CHUNK = 4 * 1024 * 1024;

/**
 * The member list beside a compressed archive (see memberListOf), as its index; undefined when
 * there is none or the archive is not compressed, and the archive is then listed as before.
 * It comes from the node like the archive: read in bounded chunks into the same bounded
 * parser as tar's own listing, and refused whole when it does not parse.
 */
async function readMemberList(conn: NodeConnection, archive: string, node: string, archiveBytes: number): Promise<{ index: TarIndexResult; method: ReadMethod; archiveBytes: number } | undefined> {
  const list = memberListOf(archive);
  const st = await conn.stat(list).catch(() => undefined);
  if (!st || !(await isGzip(conn, archive))) return undefined;
  if (st.size > MAX_MEMBER_LIST) throw new RestoreError(`${list} on ${node} is ${bytesText(st.size)}, more than any member list: not read (move it away to list the archive itself)`);
  const parser = new TarListingParser(true);
  try {
    for (let off = 0; off < st.size; off += MEMBER_LIST_CHUNK) parser.push(await conn.read(list, off, Math.min(MEMBER_LIST_CHUNK, st.size - off)));
  } catch (e) {
    if (e instanceof TarListingFormatError) throw new RestoreError(`${list} on ${node} is not a member list tar wrote (${e.message}): move it away to list the archive itself`);
    if (e instanceof EntryLimitError) throw new RestoreError(`${list} on ${node} was not read: it lists ${e.message}, the most this version holds in memory. Nothing was changed`);
    throw e;
  }
  const index = parser.end(0, '', archiveBytes, true);
  return { index: { ...index, bytesRead: st.size, reads: Math.ceil(st.size / MEMBER_LIST_CHUNK) }, method: 'member-list', archiveBytes };
}
