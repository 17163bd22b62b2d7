// The job file on the node (`<stem>.job.json`, beside the archive): the one record of a job that
// every client reads, this version and later ones, on this machine and others. It is written by
// us but read back from a node, where anything may have changed it, so it crosses here only:
// versioned on the way out, and on the way in a guard that checks every field, bounds every
// string and refuses any path other than the ones its own location implies (a job file is
// the reason a client removes a partial archive and signals a process: a planted one must not
// steer either anywhere else).
import { isRecord } from '../guards';
import { KEPT_PARTIAL } from './keptPartial';
import type { Compression } from './naming';
import type { TarEventCounts, TarEventKind } from './tarWarnings';

/**
 * The newest job file version this client reads. Bumped when a field, or a file of the job the
 * record stands for, changes meaning; a client refuses a job file newer than it knows ("update
 * to read it"), and that refusal is all an older client does with it: it neither observes nor
 * ends the job, and its prune keeps the archive whose record it cannot read.
 *
 * 1: the first versioned job file, and every earlier one (no version: a version 1 backup).
 * 2: a backup whose script may end with exit 3 (KEPT_EXIT): it kept the finished archive as its
 *    partial, the only copy, because it could not publish it. A client that reads only 1 takes
 *    that exit for a failed tar and removes the partial: always, if it predates kept archives,
 *    and otherwise whenever the log lacks the line saying it was kept (a full backups directory
 *    cannot take it, which is why the exit exists). Refusing the file, it leaves the partial.
 *    (A build from before the job file had a version reads any file, and is not covered.)
 *    Its end is written as 1 unless it kept its archive (fileVersion): only a running job, or
 *    one that kept its partial, is hidden from older clients.
 *    Exit 4 (CANCELLED_EXIT: it saw its cancel and published nothing) came later with no bump:
 *    a version 2 client that predates it takes it for tar's exit 4, so cancelled or failed,
 *    removes only the job's own partial, and never counts the archive the job's.
 *
 * Restores are still claimed as 1 (claimVersion): nothing of a restore changed meaning (its
 * script never exits 3, it has no partial, an observer removes none of its files), and as 1 an
 * older client still lists, follows and cancels it, and counts it as running. Its script's exit
 * 4 (cancelled before tar, nothing written) needs no bump either: an older client records it
 * as tar's exit 4, cancelled (failed, with the script's line, when the request is gone),
 * removes nothing (a restore has no file an observer removes), and this client's resume knows
 * that record for one that wrote nothing (restoreWroteNothing).
 */
export const JOB_FILE_VERSION = 2;
export type JobFileVersion = 1 | 2;

/**
 * The version a new job's file is claimed with. A rewrite never raises it: a job claimed as 1
 * was started by an older client, whose script never exits 3, and that client may still be
 * following it; as 2 its end would be hidden from that client, which would then end the job
 * again by its own reading of the files. A backup's end may lower it (fileVersion).
 */
export function claimVersion(kind: JobKind): JobFileVersion {
  return kind === 'backup' ? 2 : 1;
}

export function isFinal(s: JobState): boolean {
  return s === 'completed' || s === 'completedWithWarnings' || s === 'failed' || s === 'cancelled';
}

/**
 * The version the job file of `record` is written with. Version 2 hides the job from every
 * older client, which then lists it as an error, refuses to restore while it is on the node,
 * and keeps its archive from prune; only a backup that may yet end with exit 3 (running: its
 * state before its end is recorded) or that ended with it (kept its archive as the partial,
 * which an older client would remove) needs that. Any other end of a backup claimed as 2 is
 * written as 1, which every client since versioned job files reads: their guard drops the
 * fields it does not know, and a final record is all they act on (listed, and its archive
 * pruned with its files, as by this client when the job kept nothing). Never above the
 * version the record has (claimVersion says why).
 */
export function fileVersion(record: Pick<JobRecord, 'version' | 'kind' | 'state' | 'partial' | 'reason' | 'kept'>): JobFileVersion {
  if (record.version === 1 || record.kind !== 'backup') return record.version;
  return isFinal(record.state) && !keptArchive(record) ? 1 : record.version;
}

export const JOB_SUFFIX = '.job.json';
/** A real job file is ~1 KiB; one larger than this was not written by a client. */
export const MAX_JOB_FILE_BYTES = 64 * 1024;

export type JobKind = 'backup' | 'restore';

/** What a restore job restores, and where: fixed when it starts. */
export interface RestoreSpec {
  /** The directory tar extracts into, as the gluster container sees it. */
  target: string;
  /** Archive members taken (their names as stored), empty for all. */
  members: string[];
  policy: 'refuse' | 'skip' | 'overwrite';
  /** Bytes of regular files the plan said it writes. */
  bytesToWrite: number;
  /** Bytes of the archive file tar reads: the progress target. */
  archiveBytes: number;
  /** The verification report beside the archive, once written. */
  report?: string;
  /** Archive members missing or different in the target, by the verification. */
  differences?: number;
  /**
   * Resuming an interrupted restore (policy skip): the one file that restore was writing when
   * it stopped (relative to target, as a byte key in latin1), removed before tar so it is
   * written whole, and the id of that restore; `dirs`, the directories set again after tar;
   * `redo`, when there are any, the other entries removed before tar (the plan's resumeRedo).
   */
  resume?: { from: string; rewrite?: string; dirs: number; redo?: number };
}

export type JobState =
  | 'running'
  | 'completed' // tar exit 0: the archive is an exact copy
  | 'completedWithWarnings' // tar exit 1: usable, but files changed while read
  | 'failed' // tar exit 2, or the job died; no archive left behind (a finished one the job could not publish stays as its partial: the reason names it)
  | 'cancelled'
  | 'unknown'; // the node cannot be reached: the real outcome is read when it is back

const STATES: readonly JobState[] = ['running', 'completed', 'completedWithWarnings', 'failed', 'cancelled', 'unknown'];

export interface PreflightOverride {
  check: string;
  reason: string;
  by?: string;
}

export interface JobRecord {
  /** The version of its job file: claimed with claimVersion, read, or written with fileVersion (never raised). */
  version: JobFileVersion;
  kind: JobKind;
  /** Same as the archive stem: datarobot-gluster-backup-YYYY-DD-MM[-N]. */
  id: string;
  /** Where the job file was found; not trusted from the file. */
  node: string;
  state: JobState;
  /** Final archive path on the node's host. */
  archive: string;
  /**
   * Backup: where tar writes until it ends (renamed to `archive` on exit 0 or 1). Restore: none
   * (it reads the archive and never removes anything beside it).
   */
  partial?: string;
  /** tar's stderr, on the node's host. */
  log: string;
  compression: Compression;
  /** The program that compressed (pigz or gzip), when compressed. */
  compressor?: string;
  source: string;
  container: string;
  /** When the container last started, as the job began: a later start means it restarted. */
  containerStartedAt?: string;
  /** Docker exec id of the job's shell, as earlier versions wrote it: after docker started it. */
  execId?: string;
  /**
   * Docker exec id of the job's shell, written as the job file is claimed, before docker
   * starts it. Not `execId`: an earlier version reads an exec id as one that was started, and
   * would take this one, while it waits for its start, for a shell that ended.
   */
  createdExecId?: string;
  startedAt: string;
  /**
   * A restore: the node's time (its docker daemon's) as the job was claimed, before tar. The
   * files tar writes are stamped by the node, and startedAt by the client, whose clock may be
   * off: a resume compares those files with this (restorePlan.ts, restoreStartOnNode).
   */
  nodeStartedAt?: string;
  endedAt?: string;
  exitCode?: number;
  /** Apparent size of the source in bytes (the progress target), once measured. */
  sourceBytes?: number;
  archiveBytes?: number;
  warnings?: TarEventCounts;
  overrides: PreflightOverride[];
  /** Why it failed or was cancelled, in the operator's words. */
  reason?: string;
  /**
   * A backup whose script kept the finished archive as its partial (KEPT_EXIT; keptEnd in
   * jobEnd.ts): that partial is the archive's only copy, never removed (keptArchive). Only on a
   * failed job. Records written before this field say it in their reason alone.
   */
  kept?: true;
  /** Restore jobs only. */
  restore?: RestoreSpec;
}

/** Every file of one job, all in the backups directory on the node's host. */
export interface JobPaths {
  /** Backup only. */
  partial?: string;
  archive: string;
  log: string;
  status: string;
  cancel: string;
  job: string;
}

/** A backup's files: its partial archive is always there to name. */
export type BackupPaths = JobPaths & { partial: string };

/**
 * A backup's partial archive, by the archive's path or name: what tar writes, published under
 * the archive's name once whole. What the job writes beside it: besidePartial (jobScript.ts).
 */
export function partialOf(archive: string): string {
  return `${archive}.partial`;
}

export function jobPaths(backupDir: string, archiveName: string): BackupPaths {
  const stem = archiveName.replace(/\.tar(\.gz)?$/, '');
  const dir = backupDir.replace(/\/+$/, '');
  return {
    archive: `${dir}/${archiveName}`,
    partial: partialOf(`${dir}/${archiveName}`),
    log: `${dir}/${stem}.log`,
    status: `${dir}/${stem}.status`,
    cancel: `${dir}/${stem}.cancel`,
    job: `${dir}/${stem}${JOB_SUFFIX}`,
  };
}

/**
 * A restore's files: named for the archive and the time it started
 * (`<archive>.restore-<YYYYMMDDTHHMMSSZ>`), beside the archive; `report` is its verification.
 */
export function restorePaths(backupDir: string, id: string): JobPaths & { report: string; members: string; dirs: string; redo: string } {
  const dir = backupDir.replace(/\/+$/, '');
  const m = RESTORE_ID.exec(id);
  const archive = `${dir}/${m ? m[1] : id}`;
  return {
    archive,
    log: `${dir}/${id}.log`,
    status: `${dir}/${id}.status`,
    cancel: `${dir}/${id}.cancel`,
    job: `${dir}/${id}${JOB_SUFFIX}`,
    report: `${dir}/${id}.json`,
    // tar's verbose list, one member a line as it starts on it: where an interrupted restore stopped.
    members: `${dir}/${id}.members`,
    // A resume's directories (NUL-separated names as stored), set again once tar is done.
    dirs: `${dir}/${id}.dirs`,
    // What a resume removes before tar writes it whole (NUL-separated paths under the target).
    redo: `${dir}/${id}.redo`,
  };
}

export const RESTORE_ID = /^([A-Za-z0-9][A-Za-z0-9._-]{0,150}\.tar(?:\.gz)?)\.restore-(\d{8}T\d{6}Z)$/;

/** The restore id of `archiveName` started at `at`. */
export function restoreId(archiveName: string, at: Date): string {
  return `${archiveName}.restore-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** The paths of a record that passed the guard (its archive and id fix all the others). */
export function pathsOf(record: Pick<JobRecord, 'archive' | 'kind' | 'id'>): JobPaths {
  const cut = record.archive.lastIndexOf('/');
  if (record.kind === 'restore') return restorePaths(record.archive.slice(0, cut), record.id);
  return jobPaths(record.archive.slice(0, cut), record.archive.slice(cut + 1));
}

/**
 * The job file of `record`, under the version fileVersion gives it: every writer of a job file
 * (the claim, an end recorded, a restore's verification) goes through here.
 */
export function serializeJobFile(record: JobRecord): string {
  const v: unknown = record.version;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > JOB_FILE_VERSION) throw new Error(`job ${record.id}: version ${String(v)} is not one this client writes`);
  return JSON.stringify({ ...record, version: fileVersion(record) }, null, 2) + '\n';
}

export class JobFileError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file} is not a job file this version can use: ${why}`);
    this.name = 'JobFileError';
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const COMPRESSOR = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const EXEC_ID = /^[0-9a-f]{12,64}$/;
const EVENT_KINDS: readonly TarEventKind[] = ['changed', 'removed', 'shrank', 'cannotOpen', 'cannotStat', 'cannotRead', 'socketIgnored', 'noSpace', 'writeError', 'fatal', 'other'];
const MAX_OVERRIDES = 32;

type Obj = Record<string, unknown>;


/**
 * The record in `text`, read from `file` on `node`, or a JobFileError that says what is wrong.
 * Files of versions before the field existed (no `version`, no `kind`) are version 1 backups.
 * Versions 1 to JOB_FILE_VERSION are read, of either kind, and the record keeps its version.
 * Fields this version does not know are dropped: a later minor addition is not a reason to
 * refuse, and they are not carried into what this client writes back.
 */
export function parseJobFile(text: string, file: string, node: string): JobRecord {
  function bad(why: string): never {
    throw new JobFileError(file, why);
  }
  if (text.length > MAX_JOB_FILE_BYTES) bad(`longer than ${MAX_JOB_FILE_BYTES} characters`);
  if (!file.startsWith('/') || !file.endsWith(JOB_SUFFIX)) bad(`not an absolute path ending in ${JOB_SUFFIX}`);
  const dir = file.slice(0, file.lastIndexOf('/'));
  if (dir.split('/').some((seg) => seg === '.' || seg === '..')) bad('its directory has a "." or ".." segment');
  const stem = file.slice(dir.length + 1, -JOB_SUFFIX.length);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    bad(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) return bad('not a JSON object');
  const o = raw;

  const str = (k: string, max: number, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string') return bad(`"${k}" is ${v === undefined ? 'missing' : 'not a string'}`);
    if (v.length > max) bad(`"${k}" is longer than ${max} characters`);
    return v;
  };
  const count = (k: string, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) return bad(`"${k}" is not a whole number from 0 to ${max}`);
    return v;
  };
  const time = (k: string, required: boolean): string | undefined => {
    const v = str(k, 64, required);
    if (v !== undefined && !Number.isFinite(Date.parse(v))) bad(`"${k}" is not a time`);
    return v;
  };

  const version = o.version ?? 1;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) bad('"version" is not a positive whole number');
  if ((version as number) > JOB_FILE_VERSION) bad(`it was written by a newer gluster-backup (job file version ${version as number}; this one reads up to ${JOB_FILE_VERSION}): update to read it`);
  const kind = o.kind ?? 'backup';
  if (kind !== 'backup' && kind !== 'restore') bad(`its kind ${JSON.stringify(kind).slice(0, 40)} is not one this version knows`);

  const id = str('id', 200, true)!;
  if (!ID.test(id)) bad('"id" is not a job name');
  if (id !== stem) bad(`"id" ${id} is not the name of the file (${stem})`);
  const state = o.state;
  if (typeof state !== 'string' || !STATES.includes(state as JobState)) bad('"state" is not a job state');
  const compression = o.compression;
  if (compression !== 'none' && compression !== 'gzip') bad('"compression" is neither none nor gzip');
  const ext = compression === 'gzip' ? '.tar.gz' : '.tar';
  // Where the archive, its partial and its log are is fixed by where the job file is: the
  // fields must say exactly that, so a client only ever removes or reads files of this job.
  let want: JobPaths;
  if (kind === 'restore') {
    const m = RESTORE_ID.exec(id);
    if (!m) return bad('"id" is not the name of a restore (<archive>.restore-<time>)');
    if (m[1].endsWith('.tar.gz') !== (compression === 'gzip')) bad(`"compression" is not that of ${m[1]}`);
    want = restorePaths(dir, id);
    if (o.partial !== undefined) bad('a restore has no "partial"');
  } else {
    want = jobPaths(dir, `${id}${ext}`);
  }
  for (const k of kind === 'restore' ? (['archive', 'log'] as const) : (['archive', 'partial', 'log'] as const)) {
    const v = str(k, 4096, true);
    if (v !== want[k]) bad(`"${k}" is not ${want[k]}, where this job file puts it`);
  }
  const compressor = str('compressor', 64, false);
  if (compressor !== undefined && !COMPRESSOR.test(compressor)) bad('"compressor" is not a program name');
  const source = str('source', 4096, true)!;
  if (!source.startsWith('/')) bad('"source" is not an absolute path');
  const container = str('container', 128, true)!;
  if (!CONTAINER.test(container)) bad('"container" is not a container name');
  const containerStartedAt = str('containerStartedAt', 64, false);
  const execId = str('execId', 64, false);
  if (execId !== undefined && !EXEC_ID.test(execId)) bad('"execId" is not a docker exec id');
  const createdExecId = str('createdExecId', 64, false);
  if (createdExecId !== undefined && !EXEC_ID.test(createdExecId)) bad('"createdExecId" is not a docker exec id');
  const startedAt = time('startedAt', true)!;
  const nodeStartedAt = time('nodeStartedAt', false);
  const endedAt = time('endedAt', false);
  const exitCode = count('exitCode', 255);
  const sourceBytes = count('sourceBytes');
  const archiveBytes = count('archiveBytes');
  let warnings: TarEventCounts | undefined;
  if (o.warnings !== undefined) {
    if (!isRecord(o.warnings)) bad('"warnings" is not an object');
    warnings = {};
    for (const [k, v] of Object.entries(o.warnings as Obj)) {
      if (!EVENT_KINDS.includes(k as TarEventKind)) continue;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`"warnings.${k}" is not a count`);
      warnings[k as TarEventKind] = v as number;
    }
  }
  const overridesRaw = o.overrides ?? [];
  if (!Array.isArray(overridesRaw) || overridesRaw.length > MAX_OVERRIDES) bad(`"overrides" is not a list of at most ${MAX_OVERRIDES}`);
  const overrides: PreflightOverride[] = (overridesRaw as unknown[]).map((x, i) => {
    if (!isRecord(x) || typeof x.check !== 'string' || typeof x.reason !== 'string' || x.check.length > 200 || x.reason.length > 2000) {
      return bad(`"overrides[${i}]" is not a check with a reason`);
    }
    if (x.by !== undefined && (typeof x.by !== 'string' || x.by.length > 200)) bad(`"overrides[${i}].by" is not a name`);
    return { check: x.check, reason: x.reason, ...(typeof x.by === 'string' ? { by: x.by } : {}) };
  });
  const reason = str('reason', 8192, false);
  const kept = o.kept;
  if (kept !== undefined) {
    if (kept !== true) bad('"kept" is not true');
    if (kind !== 'backup') bad('a restore has no "kept" (it has no partial archive)');
    if (state !== 'failed') bad(`"kept" on a job that is ${state as string}: a job that kept its archive as the partial failed`);
  }
  let restore: RestoreSpec | undefined;
  if (kind === 'restore') {
    const r = o.restore;
    if (!isRecord(r)) return bad('a restore without its "restore" fields');
    const target = r.target;
    if (typeof target !== 'string' || !target.startsWith('/') || target.length > 4096 || target.split('/').some((seg) => seg === '..')) bad('"restore.target" is not an absolute path');
    const members = r.members;
    if (!Array.isArray(members) || members.length > 1000 || !members.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 4096)) bad('"restore.members" is not a list of at most 1000 names');
    if (r.policy !== 'refuse' && r.policy !== 'skip' && r.policy !== 'overwrite') bad('"restore.policy" is not refuse, skip or overwrite');
    const n = (k: string) => {
      const v = r[k];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad(`"restore.${k}" is not a whole number`);
      return v;
    };
    const bytesToWrite = n('bytesToWrite');
    const archiveBytesR = n('archiveBytes');
    const report = r.report;
    if (report !== undefined && report !== (want as ReturnType<typeof restorePaths>).report) bad('"restore.report" is not the report beside this job file');
    const differences = r.differences === undefined ? undefined : n('differences');
    let resume: RestoreSpec['resume'];
    if (r.resume !== undefined) {
      const x = r.resume;
      if (!isRecord(x) || typeof x.from !== 'string' || !RESTORE_ID.test(x.from)) return bad('"restore.resume.from" is not a restore id');
      const w = x.rewrite;
      if (w !== undefined && (typeof w !== 'string' || w === '' || w.length > 4096 || w.includes('\0') || w.startsWith('/') || w.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''))) {
        return bad('"restore.resume.rewrite" is not a path under the target');
      }
      if (typeof x.dirs !== 'number' || !Number.isSafeInteger(x.dirs) || x.dirs < 0) return bad('"restore.resume.dirs" is not a count');
      if (x.redo !== undefined && (typeof x.redo !== 'number' || !Number.isSafeInteger(x.redo) || x.redo < 1)) return bad('"restore.resume.redo" is not a count');
      resume = { from: x.from, ...(w !== undefined ? { rewrite: w as string } : {}), dirs: x.dirs, ...(x.redo !== undefined ? { redo: x.redo as number } : {}) };
    }
    restore = {
      target: target as string,
      members: members as string[],
      policy: r.policy as RestoreSpec['policy'],
      bytesToWrite,
      archiveBytes: archiveBytesR,
      ...(report !== undefined ? { report: report as string } : {}),
      ...(differences !== undefined ? { differences } : {}),
      ...(resume ? { resume } : {}),
    };
  } else if (o.restore !== undefined) bad('a backup with "restore" fields');

  return {
    version: version as JobFileVersion,
    kind: kind as JobKind,
    id,
    node,
    state: state as JobState,
    archive: want.archive,
    ...(want.partial !== undefined ? { partial: want.partial } : {}),
    log: want.log,
    compression,
    ...(compressor !== undefined ? { compressor } : {}),
    source,
    container,
    ...(containerStartedAt !== undefined ? { containerStartedAt } : {}),
    ...(execId !== undefined ? { execId } : {}),
    ...(createdExecId !== undefined ? { createdExecId } : {}),
    startedAt,
    ...(nodeStartedAt !== undefined ? { nodeStartedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(sourceBytes !== undefined ? { sourceBytes } : {}),
    ...(archiveBytes !== undefined ? { archiveBytes } : {}),
    ...(warnings !== undefined ? { warnings } : {}),
    overrides,
    ...(reason !== undefined ? { reason } : {}),
    ...(kept ? { kept } : {}),
    ...(restore ? { restore } : {}),
  };
}

/**
 * Whether the record says its job kept the finished archive as its partial: the partial is
 * then the archive's only copy, and nothing (observer, prune) may remove it. The field, or, in
 * a record written before it (by a client since kept archives, version 1 or 2), the reason
 * keptEnd wrote, which names the partial after KEPT_PARTIAL: that wording is therefore fixed.
 */
export function keptArchive(record: Pick<JobRecord, 'kind' | 'partial' | 'reason' | 'kept'>): boolean {
  if (record.kind !== 'backup' || !record.partial) return false;
  return record.kept === true || (record.reason ?? '').includes(`${KEPT_PARTIAL}${record.partial}`);
}

/**
 * The marker a prune creates (exclusively) beside an archive before removing it. A restore
 * claims its job file, then looks for the marker; a prune creates the marker, then looks for
 * restore files: whichever comes second sees the other, so no restore starts on an archive
 * that is being removed, and no archive is removed under a restore that started.
 */
export function pruneMarkerOf(archivePath: string): string {
  return `${archivePath}.prune`;
}
