// The catalog: every archive of a backups directory on every node, with what its files say of
// it (the job that wrote it, the last validation, the checksum sidecar, the restores made from
// it). One directory listing per node over SFTP (names, sizes, mtimes in one readdir), then only
// the small JSON records that listing shows, read in parallel on the same connection: no docker
// exec, so the catalog reads the same whether the gluster container runs or not (it is stopped
// between backups). Nodes are read in parallel; one that cannot be read is reported, not fatal.
import { JobFileError, MAX_JOB_FILE_BYTES, parseJobFile, type JobRecord, type JobState } from '../backup/jobFile';
import type { TarEventCounts } from '../backup/tarWarnings';
import { isFileError, isNotFound, type DirEntry, type NodeConnection } from '../node/nodeConnection';
import { tidyDir } from '../config';
import { groupDir, type ArchiveFiles } from './dirFiles';
import { keptPartialOf, partialCandidates, type CatalogKeptPartial } from './keptPartials';
import { MAX_READ_DATA_LOCK_BYTES, ReadDataLockError, parseReadDataLock, type ReadDataLock } from '../validate/readDataLock';
import { checksumState, MAX_VALIDATION_BYTES, parseValidationRecord, validatedClean, ValidationRecordError, type ChecksumState, type ValidationSummary } from './validationRecord';

export interface CatalogRestore {
  id: string;
  /** The restore's job state; absent when it has no job record, or one that cannot be read (see error). */
  state?: JobState;
  startedAt?: string;
  endedAt?: string;
  /** verified: every member as archived; differences: some missing or different; not-verified: no verification recorded. */
  verification: 'verified' | 'differences' | 'not-verified';
  differences?: number;
  error?: string;
}

export interface CatalogArchive {
  node: string;
  name: string;
  path: string;
  bytes: number;
  /** When it was made: its job's end (or start), else the file's mtime; never its name. */
  made: string;
  madeFrom: 'job' | 'mtime';
  compressed: boolean;
  /** The backup job that wrote it, from its job record. */
  job?: { id: string; state: JobState; exitCode?: number; warnings: number; warningKinds?: TarEventCounts; startedAt: string; endedAt?: string };
  /** Its job record is there but cannot be used (damaged, planted, newer version). */
  jobError?: string;
  validation?: ValidationSummary;
  validationError?: string;
  /** Validated with nothing missing, nothing damaged, no checksum mismatch. */
  clean: boolean;
  checksum: ChecksumState;
  restores: CatalogRestore[];
  /** Ids of jobs still running on it (its backup finishing, restores reading it). */
  running: string[];
  /**
   * The lock of a --read-data-subset run of it (`<archive>.read-data.lock`): who holds it, or
   * why the lock cannot be read (`file`: its name). Either way prune keeps the archive.
   */
  readDataLock?: { file: string; holder?: ReadDataLock; error?: string };
  /**
   * Member lists of --read-data runs of it (`<archive>.read-data-<8 hex>.names`) and when each
   * was written (its mtime, ISO): a killed run's leftover, or one a run starting now is about to
   * hand tar (readDataNames.ts).
   * Among its files: prune removes them with the archive, never while it stays.
   */
  readDataNames?: { file: string; written: string }[];
  /** Names of its files in the directory (the archive first), for prune. */
  files: string[];
}

export interface CatalogNode {
  node: string;
  dir: string;
  /** Why the node or its directory could not be read. */
  error?: string;
  /** The directory does not exist there: no archives, not an error. */
  noDir?: boolean;
  archives: CatalogArchive[];
  /** Names in the directory that are neither our archives nor their files. */
  foreign: string[];
  /**
   * Finished archives their backup job kept as its partial, with that job's files: never any
   * archive's files, never removed by prune (keptPartials.ts).
   */
  keptPartials: CatalogKeptPartial[];
}

export interface Catalog {
  dir: string;
  nodes: CatalogNode[];
}

/** `2026-12-04 06:00:00 UTC`: every time the catalog shows is UTC, as retention counts it. */
export function catalogTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** Reads in flight per node: enough to hide the round trips, few enough for any sftp-server. */
const PARALLEL_READS = 16;

/** What the catalog needs of a cluster (not the Cluster itself: node statuses carry catalogs). */
export interface CatalogSource {
  nodes(): { name: string }[];
  connection(name: string): NodeConnection;
}

export async function readCatalog(cluster: CatalogSource, dir: string, nodes?: string[]): Promise<Catalog> {
  const names = nodes ?? cluster.nodes().map((n) => n.name);
  const out = await Promise.all(
    names.map(async (node): Promise<CatalogNode> => {
      try {
        return await readNodeCatalog(cluster.connection(node), node, dir);
      } catch (e) {
        return { node, dir, error: (e as Error).message, archives: [], foreign: [], keptPartials: [] };
      }
    }),
  );
  return { dir, nodes: out };
}

export async function readNodeCatalog(conn: NodeConnection, node: string, dir: string): Promise<CatalogNode> {
  let entries;
  try {
    entries = await conn.listDir(dir);
  } catch (e) {
    if (isNotFound(e)) return { node, dir, noDir: true, archives: [], foreign: [], keptPartials: [] };
    throw e;
  }
  return catalogOfListing(conn, node, dir, entries);
}

/**
 * What the catalog took from each record file at the last refresh, for the explorer: every probe
 * builds the catalog, and without this each one read every job record and validation report
 * over SFTP and parsed it again, reports of megabytes included. Only the parse's outcome is kept
 * (its value, or the guard's error: a summary, not the text), one per name the listing still
 * shows (keepOnly), and it stands only for the same text and the same question: the listing
 * shows the same size and mtime (SFTP gives whole seconds: a rewrite within the same second to
 * the same size waits for the next change) and the parse is given the same arguments. A read
 * that fails is not kept: it may well succeed at the next refresh.
 * list and prune keep nothing from one call to the next: they act on what the records say now.
 */
export class KeptRecords<T> {
  private kept = new Map<string, { size: number; mtimeMs: number; args: string; outcome: { value: T } | { error: unknown } }>();

  /**
   * parse(the text read, ...args) for this listing entry, or what it gave last time (its value,
   * or the same error thrown again); undefined, and nothing kept, when read finds no file.
   */
  async parsed<A extends (string | number)[]>(e: DirEntry, read: () => Promise<string | undefined>, parse: (text: string, ...args: A) => T, ...args: A): Promise<T | undefined> {
    const key = JSON.stringify(args);
    const had = this.kept.get(e.name);
    let outcome = had && had.size === e.size && had.mtimeMs === e.mtimeMs && had.args === key ? had.outcome : undefined;
    if (!outcome) {
      const text = await read();
      if (text === undefined) return undefined;
      try {
        outcome = { value: parse(text, ...args) };
      } catch (error) {
        outcome = { error };
      }
      this.kept.set(e.name, { size: e.size, mtimeMs: e.mtimeMs, args: key, outcome });
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** Forgets every name the listing no longer has. */
  keepOnly(entries: readonly DirEntry[]): void {
    const listed = new Set(entries.map((e) => e.name));
    for (const name of this.kept.keys()) if (!listed.has(name)) this.kept.delete(name);
  }
}

/** What the explorer keeps of one node's backups directory, a kind of record each. */
export interface KeptCatalog {
  jobs: KeptRecords<JobRecord>;
  reports: KeptRecords<ValidationSummary>;
  locks: KeptRecords<ReadDataLock>;
}

export function keptCatalog(): KeptCatalog {
  return { jobs: new KeptRecords(), reports: new KeptRecords(), locks: new KeptRecords() };
}

/** A read-data lock's text through its guard, its errors named by the file. */
function parseLockRecord(text: string, file: string): ReadDataLock {
  try {
    return parseReadDataLock(Buffer.from(text, 'utf8'));
  } catch (e) {
    throw new ReadDataLockError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * The catalog of a directory already listed: the explorer's probe lists the backups directory
 * once per refresh and builds both its archive rows and this from that one listing.
 */
export async function catalogOfListing(conn: NodeConnection, node: string, given: string, entries: readonly DirEntry[], kept: KeptCatalog = keptCatalog()): Promise<CatalogNode> {
  // The records name their archive by its tidy path: "dir/" or "dir//" would match none of them,
  // and prune would then see no clean archive and no running job to keep.
  const dir = tidyDir(given);
  const { archives, foreign } = groupDir(entries);
  const byName = new Map(entries.map((e) => [e.name, e]));
  kept.jobs.keepOnly(entries);
  kept.reports.keepOnly(entries);
  kept.locks.keepOnly(entries);
  const limit = limiter(PARALLEL_READS);
  const record = <T, A extends (string | number)[]>(kept: KeptRecords<T>, name: string, max: number, tooBig: (file: string, size: number) => Error, parse: (text: string, file: string, ...args: A) => T, ...args: A): Promise<T | undefined> =>
    limit(async () => {
      const e = byName.get(name);
      const file = `${dir}/${name}`;
      if (!e) return undefined;
      const read = async (): Promise<string | undefined> => {
        if (e.size > max) throw tooBig(file, e.size);
        try {
          return (await conn.read(file, 0, e.size)).toString('utf8');
        } catch (err) {
          // Removed between the listing and the read: as if it had not been listed.
          if (isNotFound(err)) return undefined;
          // One record this user cannot read (written by root, mode 0600) is that archive's
          // error, which also keeps it from prune; the rest of the node is still listed.
          if (isFileError(err)) throw new RecordReadError(`${file}: cannot be read (${(err as Error).message.slice(0, 200)})`);
          throw err;
        }
      };
      return kept.parsed(e, read, parse, file, ...args);
    });
  // One read of each job record per listing, whoever asks. KeptRecords already spares the
  // repeat of a readable record asked for again later (the kept partials are found before any
  // archive is described); it misses two: the archives of one stem (x.tar beside x.tar.gz) are
  // described at once and would both read the stem's record before either outcome is kept, and
  // a read that fails (a record this user cannot read) is never kept, so the kept-partial pass
  // and each archive of the stem would read it again.
  const jobReads = new Map<string, Promise<JobRecord | undefined>>();
  const records: Records = {
    job: (name) => {
      let r = jobReads.get(name);
      if (!r) jobReads.set(name, (r = record(kept.jobs, name, MAX_JOB_FILE_BYTES, (file, size) => new JobFileError(file, `${size} bytes, larger than any job file (${MAX_JOB_FILE_BYTES})`), parseJobFile, node)));
      return r;
    },
    report: (name, archive, archiveBytes) =>
      record(kept.reports, name, MAX_VALIDATION_BYTES, (file, size) => new ValidationRecordError(file, `${size} bytes, larger than any report (${MAX_VALIDATION_BYTES})`), parseValidationRecord, archive, archiveBytes),
    lock: (name) => record(kept.locks, name, MAX_READ_DATA_LOCK_BYTES, (file, size) => new ReadDataLockError(`${file}: ${size} bytes, larger than any read-data lock (${MAX_READ_DATA_LOCK_BYTES})`), parseLockRecord),
  };
  // A record that cannot be read says nothing kept: the archive of that name is then kept by
  // prune for its unreadable record, and a partial without one is foreign, both never removed.
  const keptPartials = (
    await Promise.all(
      partialCandidates(entries).map(async (c) => {
        const r = await settle(records.job(c.jobFile));
        return keptPartialOf(node, dir, c, 'value' in r ? r.value : undefined, entries);
      }),
    )
  ).filter((k): k is CatalogKeptPartial => k !== undefined);
  const keptPaths = new Set(keptPartials.map((k) => k.path));
  const keptFiles = new Set(keptPartials.flatMap((k) => k.files));
  return {
    node,
    dir,
    archives: await Promise.all(archives.map((a) => describe(a, node, dir, records, keptPaths, keptFiles, byName))),
    foreign: foreign.filter((f) => !keptFiles.has(f)),
    keptPartials,
  };
}

/** The records of the directory listed, by name; undefined for one gone since. */
interface Records {
  job(name: string): Promise<JobRecord | undefined>;
  report(name: string, archive: string, archiveBytes: number): Promise<ValidationSummary | undefined>;
  lock(name: string): Promise<ReadDataLock | undefined>;
}

/**
 * `keptPaths`: the partials their jobs kept (keptPartials.ts), whose records are theirs, not
 * the archive's that has the name they were to take; `keptFiles`: those partials' files.
 */
async function describe(a: ArchiveFiles, node: string, dir: string, records: Records, keptPaths: ReadonlySet<string>, keptFiles: ReadonlySet<string>, listed: ReadonlyMap<string, DirEntry>): Promise<CatalogArchive> {
  const path = `${dir}/${a.name}`;
  const [job, validation, lock, restores] = await Promise.all([
    a.job.job ? settle(records.job(a.job.job)) : undefined,
    a.own.validation ? settle(records.report(a.own.validation, path, a.size)) : undefined,
    a.own.readDataLock ? settle(records.lock(a.own.readDataLock)) : undefined,
    Promise.all(
      [...a.restores].map(async ([id, files]): Promise<CatalogRestore> => {
        const name = files.find((f) => f === `${id}.job.json`);
        // Without its job record (only a log left, say) it is a restore that never started.
        const r = name ? await settle(records.job(name)) : { value: undefined };
        if ('error' in r) return { id, verification: 'not-verified', error: r.error };
        if (!r.value) return { id, verification: 'not-verified' };
        const rec = r.value;
        const differences = rec.restore?.differences;
        return {
          id,
          state: rec.state,
          startedAt: rec.startedAt,
          ...(rec.endedAt ? { endedAt: rec.endedAt } : {}),
          verification: rec.restore?.report === undefined ? 'not-verified' : differences ? 'differences' : 'verified',
          ...(differences !== undefined ? { differences } : {}),
        };
      }),
    ),
  ]);
  const rec = job && 'value' in job ? job.value : undefined;
  // The record of a job that kept its archive as the partial, still there, is that partial's:
  // this archive has the name it could not take, and is another one.
  const keptThere = rec?.partial !== undefined && keptPaths.has(rec.partial);
  // A backup recorded cancelled published nothing that the record can vouch for (jobs.ts
  // records a cancel only when the script published nothing, or when its shell died leaving no
  // word): a file under its archive's name may be another writer's, and neither its date nor
  // its trust ("last good backup" takes completed jobs' archives) is this record's to give.
  const published = !(rec?.kind === 'backup' && rec.state === 'cancelled');
  // With x.tar beside x.tar.gz, the stem's job record belongs to the one it names.
  const own = rec && rec.archive === path && !keptThere && published ? rec : undefined;
  const jobError = job && 'error' in job ? job.error : undefined;
  const v = validation && 'value' in validation ? validation.value : undefined;
  // A record that names another archive of the stem is that one's, even before it exists: a
  // compressed backup still writing x.tar.gz.partial beside a plain x.tar made by hand.
  const others = rec !== undefined && (rec.archive !== path || keptThere);
  const files = [a.name, ...Object.values(a.own), ...a.readDataNames, ...(own || (!a.stemShared && !others) ? Object.values(a.job) : []), ...[...a.restores.values()].flat(), ...a.temps].filter((f) => !keptFiles.has(f));
  const madeAt = own?.endedAt ?? own?.startedAt;
  return {
    node,
    name: a.name,
    path,
    bytes: a.size,
    made: madeAt ? new Date(madeAt).toISOString() : new Date(a.mtimeMs).toISOString(),
    madeFrom: madeAt ? 'job' : 'mtime',
    compressed: a.name.endsWith('.gz'),
    ...(own
      ? {
          job: {
            id: own.id,
            state: own.state,
            ...(own.exitCode !== undefined ? { exitCode: own.exitCode } : {}),
            warnings: Object.values(own.warnings ?? {}).reduce((s, n) => s + (n ?? 0), 0),
            ...(own.warnings ? { warningKinds: own.warnings } : {}),
            startedAt: own.startedAt,
            ...(own.endedAt ? { endedAt: own.endedAt } : {}),
          },
        }
      : {}),
    ...(jobError ? { jobError } : {}),
    ...(v ? { validation: v } : {}),
    ...(validation && 'error' in validation ? { validationError: validation.error } : {}),
    clean: validatedClean(v),
    checksum: checksumState(a.own.checksum !== undefined, v),
    restores,
    running: [...(own?.state === 'running' ? [own.id] : []), ...restores.filter((r) => r.state === 'running').map((r) => r.id)],
    // Removed between the listing and the read: as if it had not been listed.
    ...(lock && 'error' in lock ? { readDataLock: { file: a.own.readDataLock!, error: lock.error } } : lock?.value ? { readDataLock: { file: a.own.readDataLock!, holder: lock.value } } : {}),
    ...(a.readDataNames.length ? { readDataNames: a.readDataNames.map((file) => ({ file, written: new Date(listed.get(file)!.mtimeMs).toISOString() })) } : {}),
    files,
  };
}

/** A guard's refusal becomes the entry's error; anything else (the link failing) fails the node. */
class RecordReadError extends Error {}

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await p };
  } catch (e) {
    if (e instanceof JobFileError || e instanceof ValidationRecordError || e instanceof ReadDataLockError || e instanceof RecordReadError) return { error: e.message };
    throw e;
  }
}

function limiter(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(f: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
