// How a job ended, decided from what was read of it on its node. Pure: jobs.ts does the reading
// and the writing, so that every outcome is a unit test, not a fake node.
import { CANCELLED_BEFORE_TAR, CANCELLED_EXIT, CANCELLED_UNPUBLISHED, KEPT_EXIT, PUBLISHED_AS, PUBLISHED_UNSYNCED } from './jobScript';
import { KEPT_PARTIAL, publishKeptCommandText } from './keptPartial';
import { JOB_LINE_PREFIX, countEvents, parseTarLine, type TarEvent } from './tarWarnings';
import type { JobRecord, JobState } from './types';

/** Exit 0 or 1 leave an archive; the state says which. */
export function stateOfExit(code: number, cancelled: boolean): JobState {
  if (cancelled) return 'cancelled';
  if (code === 0) return 'completed';
  if (code === 1) return 'completedWithWarnings';
  return 'failed';
}

export function tarEventsOf(log: string): TarEvent[] {
  return log.split('\n').map(parseTarLine).filter((e): e is TarEvent => e !== undefined);
}

/** What the job script itself said in the log (why it did not run tar, or kept no archive), in order. */
export function jobLinesOf(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith(JOB_LINE_PREFIX))
    .map((l) => l.slice(JOB_LINE_PREFIX.length).replace(/\r$/, ''));
}

/**
 * The most of one line of the node's (tar's message, the script's line) a reason carries. A
 * reason goes into the job file, whose guard refuses one over 8192 characters: a tar line naming
 * a long escaped path made a record this client wrote and could never read again.
 */
export const MAX_REASON_WORDS = 1024;

/** `words` whole when short, else its start and end around a note of how much was left out. */
export function clipWords(words: string, max = MAX_REASON_WORDS): string {
  if (words.length <= max) return words;
  const keep = Math.floor((max - 40) / 2);
  return `${words.slice(0, keep)}…[${words.length - 2 * keep} characters left out]…${words.slice(-keep)}`;
}

/** Below this many free bytes the backups directory counts as full: tar's own message may not have reached the log. */
const FULL_BELOW = 1024 * 1024;

/** Whether `free` (bytes free in the backups directory, when they could be read) says it is full. */
export function isFull(free: number | undefined): free is number {
  return free !== undefined && free < FULL_BELOW;
}

/** Kinds of message that leave a usable archive (tar's exit 1): never why tar exited 2. */
const EXIT_ONE_KINDS: ReadonlySet<TarEvent['kind']> = new Set(['changed', 'removed', 'shrank', 'socketIgnored']);

/**
 * The operator's sentence for a failed tar, a backup's or a restore's: the script's own word or
 * tar's last error, or the exit code. One order for both; where they differ is said below.
 */
export function failureReason(kind: JobRecord['kind'], events: TarEvent[], code: number, said: string[]): string {
  // A restore writes into the target, not the backups directory: its tar's lines say so.
  const noSpace = kind === 'backup' ? events.find((e) => e.kind === 'noSpace') : undefined;
  if (noSpace) return `the backups directory ran out of space (${clipWords(noSpace.message)})`;
  if (code > 128) return `tar was killed by signal ${code - 128}`;
  // The script failed the job itself (tar not started, its pid or exit not recorded): tar's
  // lines, if any, do not say why.
  if (said.length) return clipWords(said[said.length - 1]);
  const last = [...events].reverse();
  // tar's exit 2 for a file or directory it could not open, stat or read comes with a line that
  // tarWarnings.ts classes as a warning, not an error: that line names the file, where "tar
  // exited with status 2" named nothing. A backup takes the last such line; a restore, tar's
  // first line.
  const err =
    last.find((e) => e.severity === 'error' && e.kind !== 'fatal') ??
    (kind === 'backup' ? (last.find((e) => e.kind !== 'fatal' && !EXIT_ONE_KINDS.has(e.kind)) ?? last.find((e) => e.kind !== 'fatal')) : events.find((e) => e.kind !== 'fatal'));
  if (!err) return `tar exited with status ${code}`;
  return kind === 'backup' ? `tar failed: ${clipWords(err.message)}` : `tar: ${clipWords(err.message)}`;
}

/**
 * A failed backup's reason: failureReason's, or, when tar's log has no line saying the backups
 * directory filled up but `free` says it did, that first: with the disk full, tar's own message
 * often cannot be written to the log either.
 */
export function backupFailure(events: TarEvent[], code: number, said: string[], free: number | undefined): string {
  const why = failureReason('backup', events, code, said);
  return !events.some((e) => e.kind === 'noSpace') && isFull(free) ? `the backups directory ran out of space (${free} bytes left; ${why})` : why;
}

/**
 * A restore's end: tar's exit says it all (its log holds what it could not write). Nothing is
 * removed: what tar wrote stays, and a resume with --existing skip takes it from there.
 */
export function restoreEnd(record: JobRecord, events: TarEvent[], code: number, cancelled: boolean, said: string[]): JobRecord {
  // Its script's cancel (CANCELLED_EXIT) came before tar: nothing to resume from.
  if (code === CANCELLED_EXIT) return { ...record, state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR };
  const state: JobState = cancelled ? 'cancelled' : code === 0 ? 'completed' : 'failed';
  const done: JobRecord = { ...record, state };
  if (state === 'cancelled') done.reason = 'cancelled by the operator; what tar had written stays (restore again with --existing skip to resume)';
  else if (state === 'failed') done.reason = `${failureReason('restore', events, code, said)}; what it wrote stays`;
  return done;
}

/** A restore's reason when its script saw the cancel before tar: the only restore that ends CANCELLED_EXIT. */
export const RESTORE_CANCELLED_BEFORE_TAR = 'cancelled by the operator before tar started; nothing was written into the target';

/**
 * Whether a restore's record says it wrote nothing into its target because its script saw
 * the cancel before tar (and before it made the target or removed what a resume rewrites):
 * this client's reason, or the exit an older client records (tar never exits 4; that client
 * calls the job cancelled, or failed when the request was withdrawn). Such a restore is no
 * point to resume from, and hides none: the one before it still is (restorePlan.ts).
 */
export function restoreWroteNothing(j: Pick<JobRecord, 'kind' | 'state' | 'exitCode' | 'reason'>): boolean {
  return j.kind === 'restore' && (j.state === 'cancelled' || j.state === 'failed') && (j.exitCode === CANCELLED_EXIT || (j.state === 'cancelled' && j.reason === RESTORE_CANCELLED_BEFORE_TAR));
}

/**
 * A backup whose script said it kept the finished archive as the job's partial (it could not
 * publish it: jobScript.ts): failed, the reason saying where the archive is. That partial is
 * then the only copy of the archive: no observer removes it. Undefined for any other job.
 */
export function keptEnd(record: JobRecord, said: string[], code: number | undefined): string | undefined {
  if (record.kind !== 'backup' || !record.partial) return undefined;
  const name = record.archive.slice(record.archive.lastIndexOf('/') + 1);
  const suffix = `: ${KEPT_PARTIAL}${record.partial}`;
  const line = said.find((l) => l.endsWith(suffix));
  if (line === undefined) {
    // The script's exit says it kept the archive, and the line saying why never reached the
    // log (a backups directory too full to take it).
    if (code !== KEPT_EXIT) return undefined;
    return `tar finished, but the archive could not be published as ${record.archive}, and the job's log does not say why (a full backups directory cannot take the line): ${KEPT_PARTIAL}${record.partial}; publish it as ${name} to use it, once no file has that name (${publishKeptCommandText(record.node, record.partial)}; it has no checksum file)`;
  }
  // Kept because its name was taken: that name is another archive's.
  const what = line.includes(`${record.archive} already exists`)
    ? `to use it, move ${name} (another archive) away or prune it and publish this one (${publishKeptCommandText(record.node, record.partial)}), or rename it by hand to a name no file in the backups directory has (the next -N of its day)`
    : `publish it as ${name} to use it (${publishKeptCommandText(record.node, record.partial)})`;
  // The partial's name stays whole: keptArchive reads a record written before "kept" by it.
  return `${clipWords(line.slice(0, -suffix.length))}${suffix}; ${what}; it has no checksum file`;
}

/**
 * A backup whose script ended with CANCELLED_EXIT: it saw its cancel request and published
 * nothing, whether or not the request is still there. Its reason, by the script's line when
 * the log has it; `archiveThere`, whether a file has the archive's name now: not this job's,
 * whatever made it, and said so (the job neither removes nor records it). Undefined for any
 * other end.
 */
export function scriptCancelEnd(record: JobRecord, said: string[], code: number | undefined, archiveThere: boolean): string | undefined {
  if (record.kind !== 'backup' || code !== CANCELLED_EXIT) return undefined;
  const late = said.map((l) => /^tar exit ([01]), but (.*)$/.exec(l)).find((m) => m?.[2] === CANCELLED_UNPUBLISHED);
  // Without its line (a backups directory too full to take it) the exit alone says enough.
  const what = said.includes(CANCELLED_BEFORE_TAR)
    ? ' before tar started; nothing was written'
    : late
      ? ` after tar ended (exit ${late[1]}), before the archive was published; the partial archive was removed`
      : '; the job published no archive (its partial archive was removed)';
  return `cancelled by the operator${what}${archiveThere ? `; ${record.archive} is another job's archive, not this one's, and was left untouched` : ''}`;
}

/**
 * The script's line for an archive it published and sync then reported not flushed (see
 * PUBLISHED_UNSYNCED), or undefined: a completed backup's reason, the archive kept. Without the
 * line, `unflushed` (its exit status's mark, STATUS_UNFLUSHED) says the same without sync's
 * words: a backups directory too full to take the line still leaves that mark.
 */
export function publishedUnsynced(record: JobRecord, said: string[], unflushed = false): string | undefined {
  if (record.kind !== 'backup') return undefined;
  const head = `${PUBLISHED_UNSYNCED}${record.archive}, but `;
  const line = said.find((l) => l.startsWith(head));
  if (line !== undefined) return `${head}${clipWords(line.slice(head.length))}`;
  if (!unflushed) return undefined;
  return (
    `${PUBLISHED_UNSYNCED}${record.archive}, but sync could not flush its name or its checksum file to disk, so it is not known to be on disk ` +
    `(the job's status says so; its log does not say sync's words: a full backups directory cannot take the line): the host going down before its own flush could lose them; validate the archive before relying on it`
  );
}

/**
 * tar's exit as the script's line says it when it published the archive under the record's own
 * name (PUBLISHED_AS), or undefined: no such line (a script from before it, a log that could not
 * take it, a shell that died before it), or one naming another file or another exit. The script
 * publishes only after tar's 0 or 1, so no other exit is its line.
 */
export function publishedExit(record: JobRecord, said: string[]): 0 | 1 | undefined {
  if (record.kind !== 'backup') return undefined;
  for (const l of said) {
    const m = /^tar exit ([01]): (.*)$/.exec(l);
    if (m && m[2] === `${PUBLISHED_AS}${record.archive}`) return m[1] === '0' ? 0 : 1;
  }
  return undefined;
}

/**
 * The archive the script's line says it published (publishedExit) when it is there: its bytes,
 * tar's exit by the line, and whether the partial is still there as its second name. The
 * script says the line once the hard link is made and before the partial's name goes
 * (jobScript.ts), so a partial there then is the same file: never one of another size, which
 * is then no word. Undefined without the line or the archive.
 */
export function publishedArchive(record: JobRecord, said: string[], f: { archive?: number; partial?: number }): { exit: 0 | 1; bytes: number; secondName: boolean } | undefined {
  if (f.archive === undefined || (f.partial !== undefined && f.partial !== f.archive)) return undefined;
  const exit = publishedExit(record, said);
  return exit === undefined ? undefined : { exit, bytes: f.archive, secondName: f.partial !== undefined };
}

/**
 * Said of a published archive's job whose cancel request is there: the script looks for one
 * last before it publishes, and a request made after that look stops nothing.
 */
const CANCEL_TOO_LATE = 'the cancel request came after the job had made its last check for one and published the archive, so it took no effect';

/** What docker says of the job's shell: still there (or still being started), or gone and how. */
export type Shell =
  | 'alive'
  | { gone: 'containerStopped'; containerState: string }
  | { gone: 'containerRestarted' }
  | { gone: 'exited'; code: number }
  | { gone: 'vanished' }
  | { gone: 'neverStarted' };

/** Why a job counts as ended when its shell is gone without a status. */
export function goneWhy(record: Pick<JobRecord, 'kind' | 'container'>, shell: Exclude<Shell, 'alive'>): string {
  switch (shell.gone) {
    case 'containerStopped':
      return `the ${record.container} container is ${shell.containerState} (stopped during the ${record.kind})`;
    case 'containerRestarted':
      return `the ${record.container} container was restarted during the ${record.kind}`;
    case 'exited':
      return `the ${record.kind} shell ended with status ${shell.code} without reporting tar's exit`;
    case 'vanished':
      return `the ${record.kind} process is gone from the container`;
    case 'neverStarted':
      return 'tar was never started';
  }
}

/** Whether the shell was killed, not ended by its script: with its container, or by a signal (128+N). */
function killedShell(shell: Exclude<Shell, 'alive'>): boolean {
  return shell.gone === 'containerStopped' || shell.gone === 'containerRestarted' || shell.gone === 'vanished' || (shell.gone === 'exited' && shell.code > 128);
}

/** What was read on the node of a job whose status file holds no exit and whose shell is gone. */
export interface ShellGone {
  shell: Exclude<Shell, 'alive'>;
  /** Whether the job's cancel mark is there. */
  cancelAsked: boolean;
  /**
   * A backup's files (a restore has none to read): the archive's and the partial's
   * sizes when they are there, the log, whether the checksum file is there, and the bytes free
   * in the backups directory (undefined when they could not be read).
   */
  files?: { archive?: number; partial?: number; log: string; checksum: boolean; free?: number };
}

/** How such a job ends: what its record becomes, and what goes from the node with it. */
export interface ShellEnd {
  /** Over the record (endedAt aside, the caller's clock). */
  patch: Pick<JobRecord, 'state' | 'reason'> & Partial<Pick<JobRecord, 'exitCode' | 'warnings' | 'archiveBytes' | 'kept'>>;
  /** Whether the partial archive is removed: not when it is the archive. */
  removePartial: boolean;
  /** Whether the status file and the cancel mark are removed after the record is written. */
  clearMarks: boolean;
}

/** The end of a job that ended without writing its final status (see ShellGone). */
export function endWithoutStatus(record: JobRecord, seen: ShellGone): ShellEnd {
  // Every backup has a partial archive to name (jobPaths); a restore has none.
  const backup = record.kind === 'backup';
  // A restore's script that saw its cancel before tar and could not write its status (a full
  // backups directory) ends with its own exit: it wrote nothing, whether or not the request is
  // still there.
  if (!backup && seen.shell.gone === 'exited' && seen.shell.code === CANCELLED_EXIT) return { patch: { state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR }, removePartial: false, clearMarks: false };
  const f = backup ? seen.files : undefined;
  if (f) {
    const code = seen.shell.gone === 'exited' ? seen.shell.code : undefined;
    const said = jobLinesOf(f.log);
    // The archive's bytes when it is there and the partial gone, as a script that ran on after
    // publishing leaves them.
    const whole = f.partial === undefined ? f.archive : undefined;
    const noSum = f.checksum ? '' : '; no checksum file was written beside it, so validation finds none';
    const unsynced = publishedUnsynced(record, said);
    // The script's own word that it published this archive, with the archive there: a cancel
    // request there now came too late to stop it.
    const published = publishedArchive(record, said, f);
    const late = published !== undefined && seen.cancelAsked ? `; ${CANCEL_TOO_LATE}` : '';
    // The script publishes the archive (tar's exit 0 or 1, no cancel seen) before its final
    // status, and ends with tar's code when it cannot write that status (a directory full
    // after the rename): a shell that ended 0 or 1 leaving the archive and no partial made a
    // whole archive, which is not a failed job.
    // Either way below the archive is whole and the job's: it stands as tar ended, and what the
    // reason adds after `why` is the same. Nothing is removed but the partial's name when it is
    // the archive's second one.
    const secondName = published?.secondName === true;
    const wholeEnd = (exit: 0 | 1, archiveBytes: number, why: string): ShellEnd => ({
      patch: {
        state: stateOfExit(exit, false),
        exitCode: exit,
        warnings: countEvents(tarEventsOf(f.log)),
        archiveBytes,
        reason: `${why}${secondName ? "; the partial archive's name, a second name of the archive's file, was removed" : ''}${noSum}${unsynced ? `; ${unsynced}` : ''}${late}`,
      },
      removePartial: secondName,
      clearMarks: true,
    });
    // A partial left beside the archive by a failed removal is its second name too, on the
    // script's word.
    const bytes = whole ?? published?.bytes;
    if ((code === 0 || code === 1) && bytes !== undefined) {
      const full = isFull(f.free) ? ` (the backups directory is full: ${f.free} bytes left)` : '';
      return wholeEnd(code, bytes, `the archive is whole (the job's shell ended with tar's exit ${code} after publishing it), but the job could not write its final status${full}`);
    }
    // A shell killed after the script said it published the archive (its container stopped or
    // restarted, or a signal) left it whole under its final name: the data was flushed before
    // the rename, and only the partial's second name, the checksum file, the flush of the names
    // and the status may be missing. The job stands as tar ended, by the exit the line gives
    // (the one the status would have carried), so the catalog takes the record as the
    // archive's own. An exit of the script's own (2 to 128) is not one it ends with after
    // publishing: the line is then not believed. A script from before the line ends as it
    // always did (below).
    if (published !== undefined && killedShell(seen.shell)) {
      return wholeEnd(published.exit, published.bytes, `the archive is whole: the job published it after tar's exit ${published.exit} (its log says so), then ended without writing its final status: ${goneWhy(record, seen.shell)}`);
    }
    // Whatever became of the status after the script kept the archive as its partial.
    const kept = keptEnd(record, said, code);
    if (kept !== undefined) return { patch: { state: 'failed', reason: kept, kept: true, warnings: countEvents(tarEventsOf(f.log)) }, removePartial: false, clearMarks: false };
    // Or after it saw its cancel request and published nothing: an archive under its name is
    // another's, and the status it could not write would have said cancelled.
    const cancel = scriptCancelEnd(record, said, code, f.archive !== undefined);
    if (cancel !== undefined) return { patch: { state: 'cancelled', reason: cancel }, removePartial: true, clearMarks: false };
  }
  return {
    patch: {
      state: seen.cancelAsked ? 'cancelled' : 'failed',
      reason: seen.cancelAsked ? 'cancelled' : `${goneWhy(record, seen.shell)}${backup ? '; the partial archive was removed' : ''}`,
    },
    removePartial: backup,
    clearMarks: false,
  };
}

/**
 * Whether a job whose tar has not started may still be being started by its client: that
 * client's deadlines (`limitMs`, from the job's claim) have not all passed. Measured on the
 * node's clock where it can be (the job file's mtime, which the node set at the claim, against
 * the time its dockerd gives now): `startedAt` is the starting client's clock, and a client
 * whose clock ran a minute behind had every observer fail its job while it was starting.
 * Without both node times, the observer's clock against startedAt, as before.
 */
export function stillStarting(o: { claimedAtMs?: number; nodeNowMs?: number; startedAt: string; nowMs: number; limitMs: number }): boolean {
  if (o.claimedAtMs !== undefined && o.nodeNowMs !== undefined) return o.nodeNowMs - o.claimedAtMs < o.limitMs;
  return o.nowMs - Date.parse(o.startedAt) < o.limitMs;
}

/**
 * When a job whose shell died without writing its exit ended, for its record's endedAt. A
 * resume reads that end as the last moment the interrupted restore could have written a file,
 * so it must be on the node's clock, as the files' times are: when the container stopped (or
 * started again) as dockerd says, else dockerd's time now, and the observer's own clock only
 * when the node gave neither (a client whose clock ran behind would otherwise close the window
 * before the restore's last writes).
 */
export async function goneAt(o: { containerSince?: string | undefined; nodeNow: () => Promise<number | undefined>; clientNowMs: number }): Promise<number> {
  const since = o.containerSince !== undefined ? nodeTimeOf({ SystemTime: o.containerSince }) : undefined;
  return since ?? (await o.nodeNow()) ?? o.clientNowMs;
}

/** The node's time from dockerd's info (SystemTime, RFC 3339 with nanoseconds), or undefined: it comes from the node. */
export function nodeTimeOf(info: unknown): number | undefined {
  const t = typeof info === 'object' && info !== null ? (info as { SystemTime?: unknown }).SystemTime : undefined;
  if (typeof t !== 'string' || t.length > 64 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A job's end that its job file could not take: shown all the same, saying it is not recorded
 * and why, when the backups directory is full (ENOSPC, or under the full mark free; SFTP says
 * only "Failure" for ENOSPC). Undefined for any other failure, which the look reports as it
 * is. Left unrecorded, every look showed the job "unknown" until space was freed.
 */
export function unrecordedEnd(rec: JobRecord, file: string, error: { message: string; code?: unknown }, free: number | undefined): JobRecord | undefined {
  if (error.code !== 'ENOSPC' && !isFull(free)) return undefined;
  const full = `the backups directory is full${free !== undefined ? ` (${free} bytes left)` : ''}`;
  return { ...rec, reason: `${rec.reason ? `${rec.reason}; ` : ''}not recorded on the node: ${full}, and writing ${file} failed (${error.message}); the first look after space is freed there records it` };
}
