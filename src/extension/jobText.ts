// Words and numbers about backup and restore jobs shared by the tree, the progress panel, the
// status bar and the notifications (hence here, above their folders). Free of `vscode` so they
// can be unit tested without an extension host.
import { expectedArchiveBytes, percentDone } from '../core/backup/progressMath';
import type { TarEventCounts } from '../core/backup/tarWarnings';
import type { JobRecord } from '../core/backup/types';
import { keptArchive } from '../core/backup/jobFile';
import type { VolumeHealth } from '../core/model';
import { humanSize, plural } from './format';

/**
 * What a job's progress bytes are measured against. A backup: the archive expected at the end
 * (source × 0.8 when gzip, a guess). A restore: the archive's own size, since its progress is
 * tar's read position in it (exact, compressed or not).
 */
export function progressTarget(job: JobRecord): { bytes: number; estimated: boolean } | undefined {
  if (job.kind === 'restore') return job.restore ? { bytes: job.restore.archiveBytes, estimated: false } : undefined;
  if (job.sourceBytes === undefined) return undefined;
  return { bytes: expectedArchiveBytes(job.sourceBytes, job.compression), estimated: job.compression === 'gzip' };
}

/** Progress bytes / progressTarget; undefined while either is unknown. */
export function jobPercent(job: JobRecord, bytes = job.archiveBytes): number | undefined {
  const target = progressTarget(job);
  if (!target || bytes === undefined) return undefined;
  return percentDone(bytes, target.bytes, job.state !== 'running' && job.state !== 'unknown');
}

/** "Backup" or "Restore", as a sentence starts. */
export function kindWord(job: Pick<JobRecord, 'kind'>): 'Backup' | 'Restore' {
  return job.kind === 'restore' ? 'Restore' : 'Backup';
}

/** What the progress bytes are, after the number: "written" (the archive) or "read" (from it). */
export function bytesVerb(job: Pick<JobRecord, 'kind'>): string {
  return job.kind === 'restore' ? 'read of the archive' : 'written';
}

export function countTotal(counts: TarEventCounts | undefined): number {
  return Object.values(counts ?? {}).reduce<number>((a, n) => a + (n ?? 0), 0);
}

const KIND_WORDS: Record<string, string> = {
  changed: 'changed as read',
  removed: 'removed before read',
  shrank: 'shrank',
  cannotOpen: 'could not be opened',
  cannotStat: 'could not be stat-ed',
  cannotRead: 'could not be read',
  socketIgnored: 'sockets ignored',
  noSpace: 'out of space',
  writeError: 'write errors',
  fatal: 'fatal',
  other: 'other messages',
};

/** "3 changed as read, 1 removed before read". */
export function describeCounts(counts: TarEventCounts | undefined): string {
  return Object.entries(counts ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${n} ${KIND_WORDS[k] ?? k}`)
    .join(', ');
}

/** A replica (or disperse) volume: its bricks' clocks can make tar see a file "change". */
export function hasReplicaVolume(volumes: readonly VolumeHealth[]): boolean {
  return volumes.some((v) => /replica|disperse/i.test(v.type));
}

export const REPLICA_NOTE =
  'On replica volumes "file changed as we read it" can be a false positive: the bricks\' copies carry slightly different mtimes, and tar sees the change between two reads.';

export interface FinalMessage {
  severity: 'info' | 'warning' | 'error';
  text: string;
  /** A backup that left an archive: the notification offers Validate Now. */
  validate?: boolean;
}

/** What a finished backup's tar said, and that nothing has checked the archive since. */
export function notValidatedText(job: JobRecord): string {
  return `tar exit ${job.exitCode ?? (job.state === 'completed' ? 0 : '?')}: not yet validated`;
}

/** The buttons of a job's final notification: Validate Now for a new archive, Publish for one its backup kept as its partial. */
export const FINAL_ACTIONS = { validate: 'Validate Now', publish: 'Publish Kept Archive…', log: 'Show Log', progress: 'Show Progress' } as const;

/** What the operator may do next from a job's final notification, the first the likeliest. */
export function finalActions(job: JobRecord, m: Pick<FinalMessage, 'validate'>): string[] {
  const next = m.validate ? [FINAL_ACTIONS.validate] : keptArchive(job) ? [FINAL_ACTIONS.publish] : [];
  return [...next, FINAL_ACTIONS.log, FINAL_ACTIONS.progress];
}

/** The notification shown once when a followed job ends (a completed restore's is its verification's). */
export function finalMessage(job: JobRecord, replica: boolean, liveCounts?: TarEventCounts): FinalMessage {
  if (job.kind === 'restore') return restoreFinalMessage(job);
  const size = job.archiveBytes !== undefined ? ` (${humanSize(job.archiveBytes)})` : '';
  const name = job.archive.slice(job.archive.lastIndexOf('/') + 1);
  switch (job.state) {
    case 'completed':
      // A completed job's reason is something the operator must hear (its archive may not be on disk).
      if (job.reason) return { severity: 'warning', text: `Backup ${job.id} on ${job.node} completed: ${name}${size}. ${job.reason}. ${notValidatedText(job)}.`, validate: true };
      return { severity: 'info', text: `Backup ${job.id} on ${job.node} completed: ${name}${size}. ${notValidatedText(job)}.`, validate: true };
    case 'completedWithWarnings': {
      // The record's counts come from the whole log; the live ones when it could not be read.
      const counts = countTotal(job.warnings) > 0 ? job.warnings : liveCounts;
      const n = countTotal(counts);
      const what = describeCounts(counts);
      const changed = (counts?.changed ?? 0) > 0;
      return {
        severity: 'warning',
        text:
          `Backup ${job.id} on ${job.node} completed with ${plural(n, 'warning')}${what ? ` (${what})` : ''}: ${name}${size} is usable but not an exact copy.` +
          (replica && changed ? ` ${REPLICA_NOTE}` : '') +
          (job.reason ? ` ${job.reason}.` : '') +
          ` ${notValidatedText(job)}.`,
        validate: true,
      };
    }
    case 'failed':
      return { severity: 'error', text: `Backup ${job.id} on ${job.node} failed: ${job.reason ?? 'no reason recorded'}.` };
    case 'cancelled':
      return { severity: 'info', text: `Backup ${job.id} on ${job.node} was cancelled${job.reason ? `: ${job.reason}` : ''}.` };
    default:
      return { severity: 'warning', text: `Backup ${job.id} on ${job.node}: state ${job.state}${job.reason ? ` (${job.reason})` : ''}.` };
  }
}

function restoreFinalMessage(job: JobRecord): FinalMessage {
  const into = job.restore ? ` into ${job.restore.target}` : '';
  const name = job.archive.slice(job.archive.lastIndexOf('/') + 1);
  switch (job.state) {
    case 'completed':
      return { severity: 'info', text: `Restore of ${name}${into} on ${job.node} completed.` };
    case 'failed':
      return { severity: 'error', text: `Restore of ${name}${into} on ${job.node} failed: ${job.reason ?? 'no reason recorded'}.` };
    case 'cancelled':
      return { severity: 'info', text: `Restore of ${name}${into} on ${job.node} was cancelled${job.reason ? `: ${job.reason}` : ''}.` };
    default:
      return { severity: 'warning', text: `Restore of ${name}${into} on ${job.node}: state ${job.state}${job.reason ? ` (${job.reason})` : ''}.` };
  }
}

/** Status bar text: "$(sync~spin) Backup 42% node1", or a count when several run. */
export function statusBarText(running: { job: JobRecord; bytes?: number }[]): string | undefined {
  if (running.length === 0) return undefined;
  if (running.length > 1) {
    const restores = running.filter((r) => r.job.kind === 'restore').length;
    const what = restores === 0 ? 'backups' : restores === running.length ? 'restores' : 'jobs';
    return `$(sync~spin) ${running.length} ${what}`;
  }
  const { job, bytes } = running[0];
  const pct = jobPercent(job, bytes);
  return `$(sync~spin) ${kindWord(job)}${pct === undefined ? '' : ` ${pct}%`} ${job.node}`;
}

/** What a cancel leaves behind, said before the operator confirms it. */
export function cancelDetail(kind: JobRecord['kind']): string {
  return kind === 'restore'
    ? 'tar is stopped on the node; what it has restored so far stays (a restore with "skip existing" resumes it).'
    : 'tar is stopped on the node and the partial archive is deleted.';
}

/** "backup running", "2 restores running", "1 backup and 1 restore running". */
export function runningText(kinds: readonly JobRecord['kind'][]): string {
  if (kinds.length === 1) return `${kinds[0]} running`;
  const parts = (['backup', 'restore'] as const).map((k) => [kinds.filter((x) => x === k).length, k] as const).filter(([n]) => n > 0);
  return `${parts.map(([n, w]) => plural(n, w)).join(' and ')} running`;
}

/**
 * How the window names one job: its id is the archive's name, unique in one node's backups
 * directory only, so two nodes backed up on the same day have jobs with the same id.
 */
export function jobKey(job: { node: string; id: string }): string {
  return `${job.node}/${job.id}`;
}

/** `node/id` back into its parts; a bare id (from the CLI, an old panel) has no node. */
export function parseJobRef(ref: string): { node?: string; id: string } {
  const slash = ref.indexOf('/');
  return slash > 0 ? { node: ref.slice(0, slash), id: ref.slice(slash + 1) } : { id: ref };
}

/**
 * contextValue of a job row (see tree/contextValues.ts): `job:<state>`, e.g. `job:running`;
 * `job:unknown` while the node cannot be reached.
 */
export function jobContextValue(job: JobRecord): string {
  return `job:${job.state}`;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The running job that writes this `.partial` archive, if any (the tree shows it as the job row).
 * By file name: the listing and the job may spell the backups directory differently (a trailing
 * slash), and the name is unique in it. The caller passes only the jobs of the same node.
 */
export function partialOfJob(path: string, jobs: readonly JobRecord[]): JobRecord | undefined {
  const name = baseName(path);
  return jobs.find((j) => j.partial !== undefined && baseName(j.partial) === name);
}
