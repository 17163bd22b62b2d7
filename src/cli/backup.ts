// gluster-backup backup | jobs | attach | cancel: the backup job from a terminal.
import { bytesText } from '../core/bytes';
import { catalogTime } from '../core/catalog/catalog';
import { ProgressTracker } from '../core/backup/progressMath';
import { Cluster } from '../core/cluster';
import { followJob } from '../core/backup/follow';
import { jobsOf, isFinal, type BackupJobs } from '../core/backup/jobs';
import { blocking, preflight, type Check } from '../core/backup/preflight';
import type { BackupOptions, JobRecord, PreflightOverride } from '../core/backup/types';
import type { TarEvent } from '../core/backup/tarWarnings';
import { FollowInterrupted, jobCommand, validateCommand } from './interrupt';
import { statusFigures } from './ndjson';
import type { CliIo } from './io';
import { outputFor, shown } from './terminalText';

/** 0 completed, 1 completed with warnings, 2 anything else (the issue's contract). */
export function exitOf(job: JobRecord): number {
  return job.state === 'completed' ? 0 : job.state === 'completedWithWarnings' ? 1 : 2;
}

const MARK: Record<Check['verdict'], string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export function parseOverrides(values: string[] | undefined): PreflightOverride[] {
  return (values ?? []).map((v) => {
    const i = v.indexOf(':');
    const check = i < 0 ? v : v.slice(0, i);
    const reason = i < 0 ? '' : v.slice(i + 1).trim();
    if (!reason) throw new Error(`--override ${check} needs a reason: --override ${check}:"why it is safe"`);
    return { check, reason };
  });
}

export async function runBackup(
  cluster: Cluster,
  io: CliIo,
  o: { node?: string; backupDir?: string; gzip: boolean; detach: boolean; json: boolean; overrides: PreflightOverride[]; cli: string },
): Promise<number> {
  const jobs = jobsOf(cluster);
  const opts: BackupOptions = { compression: o.gzip ? 'gzip' : 'none', overrides: o.overrides, ...(o.node ? { node: o.node } : {}), ...(o.backupDir ? { backupDir: o.backupDir } : {}) };
  const pre = await preflight(cluster, jobs, { compression: opts.compression, ...(o.node ? { node: o.node } : {}), ...(o.backupDir ? { backupDir: o.backupDir } : {}) });
  const out = o.json ? io.stderr : io.stdout;
  const say = outputFor(o.json);
  out.write(`preflight${pre.node ? ` (tar will run on ${pre.node})` : ''}:\n`);
  for (const c of pre.checks) {
    out.write(say.line`  ${MARK[c.verdict]} ${c.title}: ${c.reason}\n`);
    for (const n of c.notes ?? []) out.write(say.line`       note: ${n}\n`);
  }
  const stop = blocking(pre, o.overrides);
  if (stop.length || !pre.node) {
    io.stderr.write(`backup not started: ${stop.map((c) => c.id).join(', ') || 'no node to run on'} failed` + (pre.stoppedNodes.length ? `; start gluster first: ${o.cli} start --node ${pre.stoppedNodes.join(' --node ')}` : '') + `; override a check with --override CHECK:"reason"\n`);
    if (o.json) io.stdout.write(JSON.stringify({ started: false, preflight: pre }, null, 2) + '\n');
    return 2;
  }
  for (const ov of o.overrides) out.write(`  override ${ov.check}: ${ov.reason} (recorded in the job)\n`);
  const job = await jobs.start(pre.node, { ...opts, sourceBytes: pre.sourceBytes });
  out.write(say.line`started ${job.id} on ${job.node}: ${job.partial} (tar of ${job.source}${job.compressor ? `, ${job.compressor}` : ''})\n`);
  if (o.detach) {
    if (o.json) io.stdout.write(JSON.stringify(job, null, 2) + '\n');
    out.write(`follow it with: ${jobCommand(o.cli, 'attach', job)}\n`);
    return 0;
  }
  return follow(jobs, job, io, o.json, pre.expectedBytes ?? job.sourceBytes, o.cli);
}

export async function follow(jobs: BackupJobs, job: JobRecord, io: CliIo, json: boolean, target?: number, cli?: string): Promise<number> {
  const final = await followToEnd(jobs, job, io, json, target);
  const next = cli !== undefined ? validateHint(final, cli) : undefined;
  if (next !== undefined) (json ? io.stderr : io.stdout).write(outputFor(json).line`${next}\n`);
  if (json) io.stdout.write(JSON.stringify(final, null, 2) + '\n');
  return exitOf(final);
}

/** What to run next once a backup has made its archive: nothing has checked it yet. */
export function validateHint(final: JobRecord, cli: string): string | undefined {
  if (final.kind !== 'backup' || (final.state !== 'completed' && final.state !== 'completedWithWarnings')) return undefined;
  return `tar exit ${final.exitCode ?? (final.state === 'completed' ? 0 : 1)}: not yet validated: ${validateCommand(cli, final)}`;
}

/** The archive a backup made, its size, and how long the job took and at what rate (by the record's times). */
export function archiveLine(final: JobRecord, bytes: number): string {
  const ms = final.endedAt !== undefined ? Date.parse(final.endedAt) - Date.parse(final.startedAt) : NaN;
  const took = !Number.isFinite(ms) || ms < 0 ? '' : ms < 1000 ? ' in under 1s' : ` in ${durationText(ms)}, ${bytesText(bytes / (ms / 1000))}/s`;
  return `archive: ${final.archive} (${bytesText(bytes)}${took})`;
}

/** 75 s → "1m15s", 3725 s → "1h02m": what a terminal line has room for. */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Progress of a job (backup or restore) until it ends, on stdout; with --json, status lines
 * (NDJSON) on stderr, where stdout keeps the final object. Returns the final record.
 */
export async function followToEnd(jobs: BackupJobs, job: JobRecord, io: CliIo, json: boolean, target?: number): Promise<JobRecord> {
  const out = json ? io.stderr : io.stdout;
  const tty = !json && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const say = outputFor(json);
  const t0 = Date.parse(job.startedAt);
  let warnings = 0;
  let lastPlain = 0;
  // The panel's numbers: the same smoothed rate, and an ETA only once the predictions agree.
  const tracker = new ProgressTracker();
  tracker.target = target;
  const line = (bytes: number, now: number) => {
    const v = tracker.view();
    const pct = target ? ` ${Math.min(100, (100 * bytes) / target).toFixed(1)}% of ${bytesText(target)}` : '';
    const el = Math.round((now - t0) / 1000);
    const eta = v.finishAt !== undefined ? `, ETA ${durationText(Math.max(0, v.finishAt - now))}` : '';
    return `${bytesText(bytes)}${pct}, ${bytesText(v.rate ?? 0)}/s${eta}, ${el} s, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  };
  const f = followJob(jobs, job, {
    sample(t, bytes) {
      tracker.push({ t, bytes });
      if (json) {
        const v = tracker.view();
        io.status?.({ message_type: 'status', kind: job.kind, job: job.id, node: job.node, ...statusFigures({ now: t, since: t0, bytes, total: target, rate: v.rate, finishAt: v.finishAt }), warnings });
      } else if (tty) out.write(`\r\x1b[K${line(bytes, t)}`);
      else if (t - lastPlain >= 10_000) {
        lastPlain = t;
        out.write(`progress: ${line(bytes, t)}\n`);
      }
    },
    event(e: TarEvent) {
      warnings++;
      out.write((tty ? '\r\x1b[K' : '') + say.line`tar: ${e.message}\n`);
    },
    state(j) {
      if (j.state === 'unknown') out.write((tty ? '\r\x1b[K' : '') + say.line`job state unknown: ${j.reason}\n`);
    },
  });
  // Ctrl-C ends the follow at once, even in the middle of a look at a node that is slow to answer.
  let off: (() => void) | undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    off = io.onInterrupt?.(() => resolve('interrupted'));
  });
  const first = await Promise.race([f.done, interrupted]).finally(() => off?.());
  if (first === 'interrupted') {
    f.stop();
    if (tty) out.write('\n');
    throw new FollowInterrupted(job);
  }
  const final = first;
  if (tty) out.write('\n');
  out.write(say.line`${final.id}: ${final.state}${final.exitCode !== undefined ? ` (tar exit ${final.exitCode})` : ''}${final.reason ? `: ${final.reason}` : ''}\n`);
  if (final.state === 'completedWithWarnings') {
    out.write(`the archive is usable but not an exact copy: ${Object.entries(final.warnings ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
  }
  if (final.kind === 'backup' && isFinal(final.state) && final.archiveBytes !== undefined && final.state !== 'failed' && final.state !== 'cancelled') out.write(say.line`${archiveLine(final, final.archiveBytes)}\n`);
  return final;
}

export async function runJobs(cluster: Cluster, io: CliIo, json: boolean): Promise<number> {
  const { jobs, errors } = await jobsOf(cluster).list();
  if (json) io.stdout.write(JSON.stringify({ jobs, errors }, null, 2) + '\n');
  else {
    for (const j of jobs) io.stdout.write(shown`${j.id}  ${j.node}  ${j.state}  ${catalogTime(j.startedAt)}${j.archiveBytes !== undefined ? `  ${bytesText(j.archiveBytes)}` : ''}${j.reason ? `  (${j.reason})` : ''}\n`);
    if (!jobs.length) io.stdout.write('no backup jobs on any node\n');
    for (const e of errors) io.stderr.write(shown`${e.node}: ${e.message}\n`);
  }
  return errors.length ? 1 : 0;
}
