// validate-backup: an archive on a node against the live gluster filesystem. The archive is read
// where it lies (its headers over SFTP, a local file in a Remote-SSH window, or GNU tar's listing
// inside the container for a remote .tar.gz) and the filesystem is listed from the volume's
// bricks on their own nodes (brickPlan.ts says when that gives what FUSE shows) or else by find
// through the FUSE mount, streamed into the comparison: neither side is ever copied whole.
import type Docker from 'dockerode';
import type { Cluster } from '../cluster';
import { execInContainer } from '../docker/exec';
import { mountAt, parseMountinfo } from '../gluster/mounts';
import { execStreaming } from '../docker/execStream';
import { indexArchive, type TarIndexResult } from '../archive/tarIndex';
import { TarListingFormatError, TarListingParser, tarListArgv, TAR_LIST_ENV } from '../archive/tarListing';
import { ArchiveComparer, type ValidationReport } from '../archive/compare';
import { FsListParser, fsListArgv } from '../archive/fsList';
import { EntryLimitError, type EntryLimits } from '../archive/entryTable';
import { nodeClock, readJobFile } from '../backup/jobs';
import { tarEventsOf } from '../backup/jobEnd';
import { jobPaths, pruneMarkerOf } from '../backup/jobFile';
import type { JobRecord } from '../backup/types';
import { countEvents, type TarEventCounts } from '../backup/tarWarnings';
import { LocalConnection, type NodeConnection } from '../node/nodeConnection';
import { inspectContainer } from '../node/probe';
import { archivesOnNodes } from '../archivesOnNodes';
import { readOneVolume } from '../gluster/volumeProbe';
import { planBrickListing } from '../bricks/brickPlan';
import { listBricks } from '../bricks/brickListing';
import { checkArchiveChecksum, type ChecksumCheck, type ChecksumState } from './checksum';
import { ReadDataError, exitOfReadData, readArchiveData, type ReadDataProgress, type ReadDataResult } from './readData';
import { writeBesideArchive } from '../catalog/sidecar';
import { ReadDataLockHeld } from './readDataLock';
import { takeReadDataLock, type HeldReadDataLock } from './takeReadDataLock';
import { partialRefusal } from '../backup/keptPartial';

/** `member-list`: a restore's dry run read the member list its backup job wrote, not the archive. */
export type ReadMethod = 'local-file' | 'sftp-headers' | 'container-tar' | 'member-list';

export type ListFrom = 'auto' | 'bricks' | 'mount';

/** Where the filesystem side came from, and why not the bricks when it was the mount. */
export interface ListingSource {
  from: 'bricks' | 'mount';
  /** `host:/path` of each brick listed. */
  bricks?: string[];
  /** DHT link files on the bricks that were left out (they are pointers, not files). */
  linkFiles?: number;
  /** Why the mount was listed (asked for, or what the volume's state did not allow). */
  why?: string;
}

export class ValidateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidateError';
  }
}

export interface ValidateOptions {
  /** Node holding the archive; found by looking on every node when absent. */
  node?: string;
  /** Archive path on the node's host; the newest archive of `backupDir` when absent. */
  archive?: string;
  /** Where to look for the newest archive (default: the backupDir setting). */
  backupDir?: string;
  /** How to read the archive; `auto` picks by where it lies and whether it is compressed. */
  via?: 'auto' | 'sftp' | 'container';
  maxListed?: number;
  mtimeToleranceSec?: number;
  /** Hash the archive in the container against its `.sha256` file (default true). */
  checksum?: boolean;
  /**
   * Also compare every regular-file member's data with the live file, in the container
   * (`subset`: basis points of the members per run, continuing where the last run stopped,
   * under the archive's read-data lock; `breakLock`: remove a lock that is there first, any
   * or the one of that token, the operator saying no run holds it; `client`: the program
   * named in the lock).
   */
  readData?: { subset?: number; breakLock?: true | { token: string }; client?: string; onProgress?: (p: ReadDataProgress) => void };
  /** Save the report as JSON beside the archive (default true). */
  save?: boolean;
  /**
   * Where the filesystem is listed from: `bricks` (each brick on its node, refused with the
   * reason when the volume does not allow it), `mount` (find through FUSE), `auto` (bricks when
   * the volume allows, else the mount; the default).
   */
  listFrom?: ListFrom;
  /** Silence longer than this from find or tar ends the run (default 120 s). */
  idleMs?: number;
  /** How much of the archive's member list is held in memory (default DEFAULT_ENTRY_LIMITS). */
  indexLimits?: Partial<EntryLimits>;
  signal?: AbortSignal;
  onPhase?: (phase: 'locating' | 'indexing' | 'listing' | 'reading data' | 'saving', detail: string) => void;
}

export interface JobSummary {
  id: string;
  state: JobRecord['state'];
  exitCode?: number;
  reason?: string;
  warnings?: TarEventCounts;
  /** The last tar warnings of that job (its log beside the archive). */
  lastWarnings: string[];
}

export interface ValidationResult {
  node: string;
  archive: string;
  archiveBytes: number;
  /** The filesystem root that was listed (as the gluster container sees it). */
  root: string;
  method: ReadMethod;
  report: ValidationReport;
  /** The backup job that wrote the archive, when its record is beside it. */
  job?: JobSummary;
  /** The archive against its `.sha256` file: mismatch means the archive is damaged. */
  checksum: ChecksumState;
  /** What the checksum state means here (absent, why not checked, which file differs). */
  checksumDetail?: string;
  /** --read-data: the members' data against the live files. */
  readData?: ReadDataResult;
  /** Things that limit what the report can say (offline bricks, find errors). */
  cautions: string[];
  startedAt: string;
  timings: { indexMs: number; listMs: number; totalMs: number };
  /** Bytes of the filesystem listing that came over the link. */
  listingBytes: number;
  listing: ListingSource;
  savedTo?: string;
  saveError?: string;
}

/** Where the JSON report goes: beside the archive, named for it. */
export function reportPathOf(archive: string): string {
  return `${archive}.validation.json`;
}

function archiveName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** The newest finished archive of `dir` over the nodes (all, or the one given). */
export async function newestArchive(cluster: Cluster, dir: string, node?: string): Promise<{ node: string; path: string }> {
  const { names, found, errors } = await archivesOnNodes(cluster, dir, node);
  found.sort((a, b) => b.mtime.localeCompare(a.mtime));
  if (found.length === 0) {
    throw new ValidateError(`no backup archive (datarobot-gluster-backup-*.tar[.gz]) in ${dir} on ${names.join(', ')}${errors.length ? ` (${errors.join('; ')})` : ''}`);
  }
  return found[0];
}

/** The archive `o` names (or the newest of its directory) and the one node that holds it. */
export async function locateArchive(cluster: Cluster, o: Pick<ValidateOptions, 'archive' | 'backupDir' | 'node'>): Promise<{ node: string; path: string }> {
  if (!o.archive) return newestArchive(cluster, o.backupDir ?? cluster.settings.backupDir, o.node);
  if (!o.archive.startsWith('/')) throw new ValidateError(`--archive ${o.archive}: give the archive's absolute path on the node`);
  if (/\.partial$/.test(o.archive)) throw new ValidateError(partialRefusal(o.archive));
  const names = o.node ? [o.node] : cluster.nodes().map((n) => n.name);
  const hits: string[] = [];
  const notFiles: string[] = [];
  const errors = new Map<string, string>();
  await Promise.all(
    names.map(async (n) => {
      try {
        const st = await cluster.connection(n).stat(o.archive!);
        if (st) (st.isFile ? hits : notFiles).push(n);
      } catch (e) {
        errors.set(n, nodeError(n, e));
      }
    }),
  );
  if (hits.length === 1) return { node: hits[0], path: o.archive };
  if (hits.length > 1) throw new ValidateError(`${o.archive} exists on ${hits.sort().join(' and ')}: say which with --node`);
  if (notFiles.length) throw new ValidateError(`${o.archive} on ${notFiles.sort().join(' and ')} is not a file (a directory, or a device): give the path of an archive`);
  return notFoundOn(o.archive, names, errors);
}

/**
 * Where an archive is not: only the nodes that answered can say so. A node that could not be
 * asked (unreachable, its connections closed) is named with its reason, never as "not found".
 */
export function notFoundOn(archive: string, names: readonly string[], errors: ReadonlyMap<string, string>): never {
  const failed = names.filter((n) => errors.has(n)).map((n) => errors.get(n)!);
  const asked = names.filter((n) => !errors.has(n));
  if (asked.length === 0) throw new ValidateError(`${archive} could not be looked for: ${failed.join('; ')}`);
  throw new ValidateError(`${archive} not found on ${asked.join(', ')}${failed.length ? `; not looked for on ${failed.join('; ')}` : ''}`);
}

/** A node's error as "<node>: <why>": what is thrown there does not name the node (nodeErrors.ts). */
function nodeError(node: string, e: unknown): string {
  return `${node}: ${e instanceof Error ? e.message : String(e)}`;
}

async function readJob(conn: NodeConnection, node: string, archive: string): Promise<JobSummary | undefined> {
  const p = jobPaths(archive.slice(0, archive.lastIndexOf('/')), archiveName(archive));
  const tail = async (file: string, max: number) => {
    try {
      const st = await conn.stat(file);
      if (!st) return undefined;
      const start = Math.max(0, st.size - max);
      return (await conn.read(file, start, st.size - start)).toString('utf8');
    } catch {
      return undefined;
    }
  };
  // The log is read beside the job file, not after it: one round trip less. A job file that is
  // missing or fails its guard leaves the archive to be judged on its own.
  const [rec, log] = await Promise.all([readJobFile(conn, p.job, node).catch(() => undefined), tail(p.log, 1024 * 1024)]);
  if (!rec) return undefined;
  const events = tarEventsOf(log ?? '');
  return {
    id: rec.id,
    state: rec.state,
    ...(rec.exitCode !== undefined ? { exitCode: rec.exitCode } : {}),
    ...(rec.reason ? { reason: rec.reason } : {}),
    warnings: rec.warnings ?? countEvents(events),
    lastWarnings: events.slice(-20).map((e) => e.message),
  };
}

export async function isGzip(conn: NodeConnection, file: string): Promise<boolean> {
  const head = await conn.read(file, 0, 2);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

async function indexInContainer(docker: Docker, container: string, archive: string, size: number, gzip: boolean, o: Pick<ValidateOptions, 'idleMs' | 'signal' | 'indexLimits'>): Promise<TarIndexResult> {
  const parser = new TarListingParser(false, o.indexLimits);
  const r = await execStreaming(docker, container, tarListArgv(archive), { env: TAR_LIST_ENV, idleMs: o.idleMs ?? 120_000, onStdout: (b) => parser.push(b), ...(o.signal ? { signal: o.signal } : {}) }).catch((e: unknown) => {
    // A line no archive of a real filesystem gives (a name of over a megabyte), or a form of
    // listing this version does not know: the archive cannot be judged this way.
    if (e instanceof TarListingFormatError) throw new ValidateError(`tar's listing of ${archive} cannot be read: ${e.message}. Validate with --via sftp to walk its headers instead.`);
    throw e;
  });
  if (/Cannot open: No such file/.test(r.stderr)) {
    throw new ValidateError(`the gluster container does not see ${archive} (its directory is not mounted into the container): use --via sftp, or a backups directory the container mounts`);
  }
  return parser.end(r.exitCode, r.stderr, size, gzip);
}

/**
 * Checks that `root` in the gluster container of `node` is the gluster volume's FUSE mount (the
 * container runs, the mount answers, the mount table says gluster) and says which volume it is.
 */
export async function glusterRootOf(docker: Docker, container: string, node: string, root: string, timeoutMs = 30_000): Promise<Extract<ReturnType<typeof mountAt>, { kind: 'gluster' }>> {
  const [c, fsType] = await Promise.all([
    inspectContainer(docker, container, timeoutMs),
    // The filesystem type proves the mount answers (a dead FUSE client fails here); the mount
    // table says which volume it is. One exec for both.
    execInContainer(docker, container, ['sh', '-c', 'stat -f -c %T "$1" && cat /proc/self/mountinfo', 'validate', root], timeoutMs).catch((e: Error) => e),
  ]);
  if (c.state !== 'running') {
    throw new ValidateError(`the ${container} container on ${node} is ${c.state === 'missing' ? 'missing' : c.state}: the gluster filesystem can only be reached through it. Start it first (Gluster Backup: Start, or gluster-backup start --node ${node}).`);
  }
  if (fsType instanceof Error) throw new ValidateError(`${root} is not readable in the ${container} container on ${node}: ${fsType.message}`);
  if (fsType.exitCode !== 0) throw new ValidateError(`${root} is not readable in the ${container} container on ${node}: ${fsType.stderr.trim()}`);
  const [fsName = '', ...table] = fsType.stdout.split('\n');
  const at = mountAt(parseMountinfo(table.join('\n')), root);
  if (!/fuse/i.test(fsName) || at.kind !== 'gluster') {
    // An unmounted mount point is an empty directory: every archived file would look "extra"
    // and nothing missing, which is the one wrong answer a validation must not give.
    throw new ValidateError(`the gluster volume is not mounted at ${root} in the ${container} container on ${node} (it is ${at.kind === 'other' ? at.fsType : fsName.trim() || 'unknown'}): start gluster on all nodes, then try again`);
  }
  return at;
}

/**
 * The archive's members, read where it lies: its headers over SFTP (or the local file), or GNU
 * tar's listing in the container for a remote .tar.gz (nothing crosses the link but names).
 */
export async function indexArchiveOnNode(
  conn: NodeConnection,
  docker: Docker,
  container: string,
  node: string,
  archive: string,
  o: Pick<ValidateOptions, 'via' | 'idleMs' | 'signal' | 'indexLimits'>,
): Promise<{ index: TarIndexResult; method: ReadMethod; archiveBytes: number }> {
  const reader = await conn.openReader(archive).catch((e) => {
    throw new ValidateError(`cannot open ${archive} on ${node}: ${(e as Error).message}`);
  });
  try {
    const archiveBytes = await reader.size();
    const gzip = await isGzip(conn, archive);
    const via = o.via ?? 'auto';
    const local = conn instanceof LocalConnection;
    if (via === 'container' || (via === 'auto' && gzip && !local)) {
      return { index: await indexInContainer(docker, container, archive, archiveBytes, gzip, o), method: 'container-tar', archiveBytes };
    }
    return { index: await indexArchive(reader, o.indexLimits ? { limits: o.indexLimits } : {}), method: local ? 'local-file' : 'sftp-headers', archiveBytes };
  } catch (e) {
    // A count no real volume reaches here, or one a damaged or hostile archive only claims: the
    // archive is not judged either way, and the client's memory is not spent finding out.
    if (e instanceof EntryLimitError) throw new ValidateError(`${archive} on ${node} was not indexed: it lists ${e.message}, the most this version holds in memory. Nothing was changed`);
    throw e;
  } finally {
    await reader.close?.();
  }
}

/** Runs the whole validation; throws ValidateError with the operator's sentence when it cannot. */
export async function validateBackup(cluster: Cluster, o: ValidateOptions = {}): Promise<ValidationResult> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  o.onPhase?.('locating', o.archive ?? `newest archive in ${o.backupDir ?? cluster.settings.backupDir}`);
  const { node, path: archive } = await locateArchive(cluster, o);
  const conn = cluster.connection(node);
  const docker = await conn.docker();
  // A subset run holds the archive's read-data lock from here to its end, whatever the ending:
  // taken before anything is read, so that a second run refuses at once, and before the look
  // for prune's mark below (prune marks, then looks for the lock: whichever comes second sees
  // the other).
  let lock: HeldReadDataLock | undefined;
  if (o.readData?.subset !== undefined) {
    try {
      lock = await takeReadDataLock(conn, {
        node,
        archive,
        ...(o.readData.breakLock !== undefined ? { breakLock: o.readData.breakLock } : {}),
        ...(o.readData.client !== undefined ? { client: o.readData.client } : {}),
        nodeNow: () => nodeClock(docker, cluster.settings.timeouts.dockerMs),
      });
    } catch (e) {
      if (e instanceof ReadDataLockHeld) throw e;
      throw new ValidateError(`${archive} on ${node}: its read-data lock could not be taken (${(e as Error).message}): nothing was checked`);
    }
  }
  try {
    return await validateLocated(cluster, o, { node, archive, docker, t0, startedAt }, lock);
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

async function validateLocated(cluster: Cluster, o: ValidateOptions, l: { node: string; archive: string; docker: Docker; t0: number; startedAt: string }, lock: HeldReadDataLock | undefined): Promise<ValidationResult> {
  const { node, archive, docker, t0, startedAt } = l;
  const conn = cluster.connection(node);
  const settings = cluster.settings;
  const container = settings.containerName;

  // The root to list must be the one the backup job archived: glusterPath as the container sees it.
  const root = settings.glusterPath;
  // Independent looks, asked at once: each is a round trip or a docker exec.
  const [job, at, pruning] = await Promise.all([readJob(conn, node, archive), glusterRootOf(docker, container, node, root, settings.timeouts.dockerMs), conn.stat(pruneMarkerOf(archive))]);
  if (pruning) throw new ValidateError(`${archive} is being removed by prune (${pruneMarkerOf(archive)} is there since ${new Date(pruning.mtimeMs).toISOString()}): nothing was validated. If no prune is running, remove that file and validate again`);
  const cautions: string[] = [...(lock?.cautions ?? [])];
  const volume = at.mount.volume;
  // The volume as gluster sees it now: whether its bricks can be listed, and what a listing
  // may lack (offline bricks, pending heal). Asked beside the index.
  const stateP = readOneVolume(docker, settings, volume).catch((): { info?: undefined; health?: undefined } => ({}));

  // The archive is hashed where it lies, beside the index and the listing (its own core).
  const checksumP: Promise<ChecksumCheck> = (
    o.checksum === false
      ? Promise.resolve<ChecksumCheck>({ state: 'not-checked', detail: 'not asked for' })
      : conn.stat(archive).then((st) => checkArchiveChecksum(conn, docker, container, archive, hashDeadlineMs(settings.timeouts.dockerMs, st?.size ?? 0)))
  ).catch((e: unknown): ChecksumCheck => ({ state: 'not-checked', detail: `the archive could not be hashed in the container: ${(e as Error).message}` }));

  o.onPhase?.('indexing', archive);
  const tIndex = Date.now();
  let indexMs = 0;
  let method: ReadMethod = 'sftp-headers';
  let archiveBytes = 0;
  const indexP = indexArchiveOnNode(conn, docker, container, node, archive, o).then(
    (r) => {
      method = r.method;
      archiveBytes = r.archiveBytes;
      indexMs = Date.now() - tIndex;
      return r.index;
    },
    (e: unknown) => {
      indexMs = Date.now() - tIndex;
      throw e;
    },
  );

  // The filesystem walk (on a big volume the longer of the two) runs beside the archive's
  // index; its output waits, bounded, until the index it is compared against is ready.
  const compareOptions = { ...(o.maxListed !== undefined ? { maxListed: o.maxListed } : {}), ...(o.mtimeToleranceSec !== undefined ? { mtimeToleranceSec: o.mtimeToleranceSec } : {}) };
  let comparer: ArchiveComparer | undefined;
  const ready = indexP.then((index) => {
    o.onPhase?.('listing', root);
    comparer = new ArchiveComparer(index, compareOptions);
  });
  // The index's failure is told through indexP below; the listing may not have reached the
  // point of waiting on `ready` when it fails (an archive refused at once), and a rejection
  // nobody waits on ends the process.
  ready.catch(() => undefined);
  const tList = Date.now();
  const stream = (d: Docker, argv: string[], hold: Promise<unknown>, signal?: AbortSignal) => {
    let parser: FsListParser<ArchiveComparer> | undefined;
    const stopOn = signal ?? o.signal;
    return execStreaming(d, container, argv, {
      env: ['LC_ALL=C'],
      idleMs: o.idleMs ?? 120_000,
      onStdout: (b) => (parser ??= new FsListParser(comparer!)).push(b),
      holdUntil: hold,
      ...(stopOn ? { signal: stopOn } : {}),
    }).then((r) => (parser?.end(), r));
  };
  const listMount = async (hold: Promise<unknown>): Promise<{ bytes: number; problems: string[] }> => {
    const listed = await stream(docker, fsListArgv(root), hold);
    if (listed.exitCode === 0) return { bytes: listed.stdoutBytes, problems: [] };
    const lines = listed.stderr.split('\n').filter(Boolean);
    if (listed.stdoutBytes === 0) throw new ValidateError(`find could not list ${root} on ${node}: ${lines.slice(0, 3).join('; ')}`);
    return { bytes: listed.stdoutBytes, problems: [`find reported ${lines.length} problem(s) while listing ${root} (files it could not read are not compared): ${lines.slice(0, 3).join('; ')}`] };
  };
  const listFrom = o.listFrom ?? 'auto';
  const listing = (async (): Promise<{ bytes: number; problems: string[]; source: ListingSource }> => {
    if (listFrom === 'mount') return { ...(await listMount(ready)), source: { from: 'mount', why: 'asked for' } };
    const st = await stateP;
    const plan = planBrickListing(st.info, st.health, at.mount, root);
    if (plan.kind === 'mount') {
      if (listFrom === 'bricks') throw new ValidateError(`the bricks of volume ${volume} cannot be listed: ${plan.why}. Validate with --list-from auto (or mount) to list it through the mount.`);
      return { ...(await listMount(ready)), source: { from: 'mount', why: plan.why } };
    }
    const b = await listBricks(cluster, plan, (d, argv, signal) => stream(d, argv, ready, signal), o.signal);
    if (o.signal?.aborted) throw new ValidateError('cancelled while the bricks were listed');
    if (b.ok) return { bytes: b.bytes, problems: b.problems, source: { from: 'bricks', bricks: plan.bricks.map((x) => x.name), linkFiles: b.linkfiles } };
    if (listFrom === 'bricks') throw new ValidateError(`the bricks of volume ${volume} could not be listed as the mount shows them: ${b.why}`);
    // What the bricks gave is dropped whole: the mount's listing starts on a fresh comparison.
    comparer = new ArchiveComparer(await indexP, compareOptions);
    return { ...(await listMount(Promise.resolve())), source: { from: 'mount', why: b.why } };
  })();
  // --read-data starts once the index is there, beside the listing and the hash: tar --compare
  // reads the live files through FUSE while the hash reads the archive from the page cache.
  // A cut or broken archive is already the verdict; its data is not read past the damage.
  const readDataP: Promise<ReadDataResult | undefined> = !o.readData
    ? Promise.resolve(undefined)
    : indexP.then((index) => {
        if (index.problem) return undefined;
        o.onPhase?.('reading data', `${archive} against ${root}`);
        return readArchiveData({
          conn,
          docker,
          container,
          node,
          archive,
          archiveBytes,
          root,
          index,
          checksum: checksumP,
          ...(o.readData!.subset !== undefined ? { subset: o.readData!.subset, ...(lock ? { lock } : {}) } : {}),
          ...(o.maxListed !== undefined ? { maxListed: o.maxListed } : {}),
          ...(o.idleMs !== undefined ? { idleMs: o.idleMs } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
          ...(o.readData!.onProgress ? { onProgress: o.readData!.onProgress } : {}),
        }).catch((e: unknown) => {
          if (e instanceof ReadDataError) throw new ValidateError(e.message);
          throw e;
        });
      });
  const [indexed, listedR, checkedR, readDataR] = await Promise.allSettled([indexP, listing, checksumP, readDataP]);
  // The archive's failure is the one to tell: the listing was stopped because of it.
  if (indexed.status === 'rejected') throw indexed.reason;
  if (listedR.status === 'rejected') throw listedR.reason;
  const listed = listedR.value;
  cautions.push(...listed.problems);
  const report = comparer!.finish();
  const listMs = Date.now() - tList;
  // Only the volume behind the root decides what the listing may lack.
  const v = (await stateP).health;
  if (!v) cautions.push(`the state of volume ${volume} could not be read, so files on a brick that is offline could not be ruled out of the listing`);
  else {
    if (v.brickStatusUnknown) cautions.push(`volume ${v.name}: its brick status could not be read, so files on a brick that is offline could not be ruled out of the listing`);
    else if (v.bricksOnline < v.bricks) cautions.push(`volume ${v.name}: ${v.bricks - v.bricksOnline} of ${v.bricks} bricks offline; their files are not in the listing, so they cannot be reported missing`);
    if (v.healEntries) cautions.push(`volume ${v.name}: ${v.healEntries} ${v.healEntries === 1 ? 'entry' : 'entries'} pending heal: its replicas differ, and both the archive and the listing hold the copies this node reads`);
  }

  const checked = checkedR.status === 'fulfilled' ? checkedR.value : { state: 'not-checked' as const };
  if (readDataR.status === 'rejected') throw readDataR.reason;
  const readData = readDataR.value;
  // The position is written: the lock goes before the report is saved, so that the report says
  // what became of a lock that was not this run's any more.
  const lockEnd = await lock?.release();
  if (lockEnd) cautions.push(lockEnd);

  const result: ValidationResult = {
    node,
    archive,
    archiveBytes,
    root,
    method,
    report,
    ...(job ? { job } : {}),
    checksum: checked.state,
    ...(checked.detail ? { checksumDetail: checked.detail } : {}),
    ...(readData ? { readData } : {}),
    cautions,
    startedAt,
    timings: { indexMs, listMs, totalMs: Date.now() - t0 },
    listingBytes: listed.bytes,
    listing: listed.source,
  };
  if (o.save ?? true) {
    o.onPhase?.('saving', reportPathOf(archive));
    try {
      const notKept = await writeBesideArchive(conn, archive, reportPathOf(archive), JSON.stringify(result, null, 2) + '\n');
      if (notKept) result.saveError = `the report could not be saved beside the archive: ${notKept}`;
      else result.savedTo = reportPathOf(archive);
    } catch (e) {
      result.saveError = `the report could not be saved beside the archive: ${(e as Error).message}`;
    }
  }
  return result;
}

/**
 * How long hashing an archive in the container may take: a whole read of it, at a pace no
 * disk of a data node is slower than (10 MB/s), on top of the docker deadline.
 */
export function hashDeadlineMs(dockerMs: number, bytes: number): number {
  return dockerMs + 60_000 + Math.ceil(bytes / 10_000);
}

/** CLI and notification contract: 0 nothing missing, 1 files missing, 2 the archive is damaged. */
export function exitOfValidation(r: Pick<ValidationResult, 'report' | 'checksum' | 'readData'>): number {
  const v = r.report.verdict;
  if (v === 'truncated' || v === 'corrupt' || r.checksum === 'mismatch') return 2;
  return Math.max(v === 'incomplete' ? 1 : 0, exitOfReadData(r.readData));
}
