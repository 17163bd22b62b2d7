// Partials that are archives. A backup job that could not publish its finished archive (its
// name taken meanwhile by another archive, sync failing, no rename) keeps it as its partial
// (KEPT_EXIT) and its record says so (keptArchive): that partial is the archive's only copy, not
// a leftover. The catalog shows it as a row of its own; prune never removes it, nor the job's
// record and log that say what it is, and never counts them among the files of an archive that
// has the name it was to take (that one is another archive). Pure: the catalog reads the records.
import { publishKeptCommandText } from '../backup/keptPartial';
import { jobStem } from '../backup/naming';
import { JOB_SUFFIX, keptArchive, type JobRecord, type JobState } from '../backup/jobFile';
import { partialFilesOf } from '../backup/jobScript';
import type { DirEntry } from '../node/nodeConnection';
import { roleOf } from './dirFiles';

export interface CatalogKeptPartial {
  node: string;
  /** The partial's name in the directory, and its path. */
  name: string;
  path: string;
  bytes: number;
  /** The partial's mtime: when its job kept it. */
  mtime: string;
  /** The job that kept it, from its record. */
  job: { id: string; state: JobState; startedAt: string; endedAt?: string; reason?: string };
  /** The name it was to be published under. */
  archive: string;
  /** A file has that name now: another archive, so the kept one needs a name of its own. */
  nameTaken: boolean;
  /** Its files in the directory, the partial first, then its job's (record, log, status, cancel): none of them prune's. */
  files: string[];
}

/** A partial in the listing, with the name of the job file whose record can say it was kept. */
export interface PartialCandidate {
  entry: DirEntry;
  /** The archive name it is the partial of. */
  archive: string;
  jobFile: string;
}

/** Regular files of the listing named `<archive>.partial` whose stem's job file is listed too. */
export function partialCandidates(entries: readonly DirEntry[]): PartialCandidate[] {
  const listed = new Set(entries.filter((e) => e.isFile).map((e) => e.name));
  const out: PartialCandidate[] = [];
  for (const e of entries) {
    const r = e.isFile ? roleOf(e.name) : undefined;
    if (!r || r.temp || r.role.role !== 'partial') continue;
    const jobFile = `${jobStem(r.role.archive)}${JOB_SUFFIX}`;
    if (listed.has(jobFile)) out.push({ entry: e, archive: r.role.archive, jobFile });
  }
  return out;
}

/**
 * The candidate as a kept partial when `record` (its stem's, read through the guard from the
 * tidy directory `dir`) is its job's and says it kept it; undefined otherwise (no record, one
 * that names another archive, one whose job kept nothing or is still running).
 */
export function keptPartialOf(node: string, dir: string, c: PartialCandidate, record: JobRecord | undefined, entries: readonly DirEntry[]): CatalogKeptPartial | undefined {
  const path = `${dir}/${c.entry.name}`;
  if (!record || record.partial !== path || record.archive !== `${dir}/${c.archive}` || !keptArchive(record)) return undefined;
  const listed = new Set(entries.filter((e) => e.isFile).map((e) => e.name));
  const stem = jobStem(c.archive);
  const ofJob = [`${stem}${JOB_SUFFIX}`, `${stem}.log`, `${stem}.status`, `${stem}.cancel`].filter((n) => listed.has(n));
  const beside = partialFilesOf(c.archive).filter((n) => n !== c.entry.name && listed.has(n));
  return {
    node,
    name: c.entry.name,
    path,
    bytes: c.entry.size,
    mtime: new Date(c.entry.mtimeMs).toISOString(),
    job: { id: record.id, state: record.state, startedAt: record.startedAt, ...(record.endedAt ? { endedAt: record.endedAt } : {}), ...(record.reason ? { reason: record.reason } : {}) },
    archive: c.archive,
    nameTaken: listed.has(c.archive),
    files: [c.entry.name, ...beside, ...ofJob],
  };
}

/** What the operator reads of it, in list and in prune's plan, and how to keep it (publishKept.ts). */
export function keptPartialText(k: CatalogKeptPartial): string {
  const publish = `${publishKeptCommandText(k.node, k.name)}, or Publish Kept Archive in the explorer`;
  const what = k.nameTaken
    ? `never published (${k.archive} is another archive); to keep it, move that archive away or prune it and publish this one (${publish}), or rename it by hand to a name no file in the backups directory has (the next -N of its day)`
    : `never published as ${k.archive}; publish it to keep it (${publish})`;
  return `kept partial of job ${k.job.id}: the finished archive, ${what}; it has no checksum file. prune never removes it`;
}
