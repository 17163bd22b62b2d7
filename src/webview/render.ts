// Writes the model into the page. Text only (textContent, never HTML): tar messages and paths
// come from the node and are shown literally.
import { GZIP_EXPECTED_RATIO } from '../core/backup/progressMath';
import type { JobRecord, JobState } from '../core/backup/types';
import { SizeChart } from './chart';
import { formatBytes, formatClock, formatElapsed, formatRate, formatRemaining } from './format';
import type { ProgressModel } from './model';
import { jobKindOf, type WebviewMessage } from './protocol';

const BADGE: Record<JobState, string> = {
  running: 'Running',
  completed: 'Completed',
  completedWithWarnings: 'Completed with warnings',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Node unreachable',
};

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

function banner(model: ProgressModel, job: JobRecord): string | undefined {
  const exit = job.exitCode !== undefined ? ` (tar exit ${job.exitCode})` : '';
  const why = job.reason ? `: ${job.reason}` : '';
  if (jobKindOf(job) === 'restore' && job.state !== 'running' && job.state !== 'unknown') {
    switch (job.state) {
      case 'completed':
        return `Completed: tar restored ${job.restore?.members.length ? 'the chosen paths' : 'the archive'} into ${job.restore?.target ?? '?'}. The verification follows in its own report.`;
      case 'failed':
        // The job's reason already says that what tar wrote stays.
        return `Failed${exit}${why}.`;
      default:
        return `Cancelled${why}.`;
    }
  }
  switch (job.state) {
    case 'completed':
      return `Completed: ${job.archive} is an exact copy. tar exit ${job.exitCode ?? 0}: not yet validated.`;
    case 'completedWithWarnings':
      return `Completed with ${model.warnings.count} warning${model.warnings.count === 1 ? '' : 's'}${exit}: the archive is usable, but some files changed or could not be read while tar ran. Not yet validated.`;
    case 'failed':
      return `Failed${exit}${why}. No archive was left behind.`;
    case 'cancelled':
      return `Cancelled${why}.`;
    case 'unknown':
      return 'The node cannot be reached: the outcome will be shown once it is back.';
    case 'running':
      return model.live ? undefined : 'Not connected to this job since the window reloaded: the figures below are the last ones received.';
  }
}

function restoreOptions(job: JobRecord): [string, string][] {
  const r = job.restore;
  const rows: [string, string][] = [
    ['Node', job.node],
    ['Archive', `${job.archive}${job.compression === 'gzip' ? ' (gzip)' : ''}`],
    ['Target', `${r?.target ?? '?'} (container ${job.container})`],
    ['Existing entries', r?.policy ?? '?'],
    ['Paths', r?.members.length ? r.members.join(', ') : 'everything in the archive'],
    ['To write', r ? formatBytes(r.bytesToWrite) : '?'],
    ['Log', job.log],
    ['Started', formatClock(Date.parse(job.startedAt))],
  ];
  if (r?.report) rows.push(['Verification', `${r.report}${r.differences !== undefined ? ` (${r.differences} differences)` : ''}`]);
  return rows;
}

function options(job: JobRecord): [string, string][] {
  if (jobKindOf(job) === 'restore') return restoreOptions(job);
  const rows: [string, string][] = [
    ['Node', job.node],
    ['Source', `${job.source} (container ${job.container})`],
    ['Compression', job.compression === 'gzip' ? `gzip${job.compressor ? ` (${job.compressor})` : ''}` : 'none'],
    ['Archive', job.archive],
    ['Log', job.log],
    ['Started', formatClock(Date.parse(job.startedAt))],
  ];
  for (const o of job.overrides) rows.push([`Override ${o.check}`, o.by ? `${o.reason} (${o.by})` : o.reason]);
  return rows;
}

/** The chart in words, for screen readers: where the line starts, where it is, where it heads. */
export function chartSummary(points: ReadonlyArray<{ t: number; bytes: number }>, target: number | undefined, finishAt: number | undefined, restore: boolean, clock: (ms: number) => string): string {
  const what = restore ? 'Archive bytes read' : 'Archive size';
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return `${what}: no sample yet.`;
  const parts = [`${what} over time: ${formatBytes(first.bytes)} at ${clock(first.t)}, ${formatBytes(last.bytes)} at ${clock(last.t)}`];
  if (target !== undefined) parts.push(`the target is ${formatBytes(target)}`);
  if (finishAt !== undefined) parts.push(`projected to reach it at ${clock(finishAt)}`);
  return `${parts.join('; ')}.`;
}

export class ProgressPage {
  private readonly chart = new SizeChart($('chart'));
  private optionsKey = '';

  constructor(post: (m: WebviewMessage) => void) {
    $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
    $('openLog').addEventListener('click', () => post({ type: 'openLog' }));
    $('reveal').addEventListener('click', () => post({ type: 'revealArchive' }));
    $('validate').addEventListener('click', () => post({ type: 'validate' }));
  }

  retheme(): void {
    this.chart.retheme();
  }

  render(model: ProgressModel): void {
    const job = model.job;
    if (!job) return;
    const v = model.view();
    const restore = jobKindOf(job) === 'restore';
    $('heading').textContent = restore ? 'Restore on' : 'Backup of';
    document.title = restore ? 'Restore Progress' : 'Backup Progress';
    $('node').textContent = job.node;
    const badge = $('badge');
    badge.textContent = BADGE[job.state];
    badge.dataset.state = job.state;
    document.body.dataset.state = job.state;

    const text = banner(model, job);
    const b = $('banner');
    b.hidden = !text;
    b.textContent = text ?? '';
    b.dataset.state = model.live ? job.state : 'stale';

    $('cancel').hidden = !(job.state === 'running' && model.live);
    $('cancelLabel').textContent = restore ? 'Cancel Restore' : 'Cancel Backup';
    // A restore reads an archive that was already there: there is no new one to reveal.
    $('reveal').hidden = restore || !(job.state === 'completed' || job.state === 'completedWithWarnings');
    $('validate').hidden = $('reveal').hidden;
    $('sizeLabel').textContent = restore ? 'Archive read' : 'Archive size';
    $('chartBox').setAttribute('aria-label', restore ? 'Archive bytes read over time' : 'Archive size over time');

    $('size').textContent = formatBytes(v.bytes);
    const t = model.target;
    const targetEl = $('target');
    targetEl.textContent = !t ? 'of estimating…' : t.estimated ? `of ≈ ${formatBytes(t.bytes)} (gzip)` : `of ${formatBytes(t.bytes)}`;
    targetEl.title = restore
      ? `The size of ${job.archive}: tar reads it once, from start to end`
      : !t
      ? 'Measuring the apparent size of the gluster filesystem'
      : t.estimated
        ? `gzip: about ${Math.round(GZIP_EXPECTED_RATIO * 100)}% of ${formatBytes(t.sourceBytes)}, the apparent size of ${job.source}`
        : `The apparent size of ${job.source}`;
    $('percent').textContent = v.percent === undefined ? '—' : `${v.percent}%`;
    $('meter').style.width = `${v.percent ?? 0}%`;
    const bar = $('meterBar');
    if (v.percent === undefined) {
      bar.removeAttribute('aria-valuenow');
      bar.setAttribute('aria-valuetext', 'not known yet');
    } else {
      bar.setAttribute('aria-valuenow', String(v.percent));
      bar.setAttribute('aria-valuetext', `${v.percent}%, ${formatBytes(v.bytes)}${t ? ` of ${formatBytes(t.bytes)}` : ''}`);
    }

    if (v.rate !== undefined) {
      $('rate').textContent = formatRate(v.rate);
      $('rateNote').textContent = 'smoothed';
    } else {
      const avg = this.averageRate(model);
      $('rate').textContent = avg === undefined ? '—' : formatRate(avg);
      $('rateNote').textContent = avg === undefined ? 'measuring…' : 'average';
    }

    const warnings = model.warnings;
    $('warnCount').textContent = String(warnings.count);
    $('warnNote').textContent = warnings.count === 0 ? 'none so far' : 'latest below';
    const list = $('warnings');
    list.replaceChildren(
      ...(warnings.last.length ? warnings.last : ['No warnings.']).map((w) => {
        const li = document.createElement('li');
        li.textContent = w;
        if (!warnings.last.length) li.className = 'empty';
        return li;
      }),
    );

    const rows = options(job);
    const key = JSON.stringify(rows);
    if (key !== this.optionsKey) {
      this.optionsKey = key;
      $('options').replaceChildren(
        ...rows.flatMap(([k, val]) => {
          const dt = document.createElement('dt');
          dt.textContent = k;
          const dd = document.createElement('dd');
          dd.textContent = val;
          return [dt, dd];
        }),
      );
    }

    this.chart.update({ points: model.points(), target: t?.bytes, finishAt: v.finishAt });
    $('chartSummary').textContent = chartSummary(model.points(), t?.bytes, v.finishAt, restore, (ms) => formatClock(model.toLocal(ms)));
    this.tick(model);
  }

  /** The parts that move with the clock alone, redrawn every second between messages. */
  tick(model: ProgressModel): void {
    const job = model.job;
    if (!job) return;
    const started = Date.parse(job.startedAt);
    const end = job.state === 'running' || job.state === 'unknown' ? model.hostNow() : Date.parse(job.endedAt ?? '') || model.hostNow();
    $('elapsed').textContent = formatElapsed(end - started);
    $('started').textContent = `since ${formatClock(model.toLocal(started))}`;

    const v = model.view();
    const eta = $('eta');
    const note = $('etaNote');
    if (job.state !== 'running') {
      eta.textContent = '—';
      note.textContent = job.endedAt ? `ended ${formatClock(model.toLocal(Date.parse(job.endedAt)))}` : '';
    } else if (v.finishAt === undefined) {
      eta.textContent = '—';
      note.textContent = !model.live ? 'not connected' : model.target ? 'estimating…' : 'waiting for the target size';
    } else {
      const left = v.finishAt - model.hostNow();
      eta.textContent = left > 0 ? formatRemaining(left) : 'any moment';
      note.textContent = `≈ ${formatClock(model.toLocal(v.finishAt))}`;
    }
  }

  private averageRate(model: ProgressModel): number | undefined {
    const job = model.job;
    const pts = model.points();
    if (!job || pts.length < 2) return undefined;
    const first = pts[0];
    const last = pts[pts.length - 1];
    const secs = (last.t - first.t) / 1000;
    return secs > 0 ? (last.bytes - first.bytes) / secs : undefined;
  }
}
