// Writes the model into the page. Text only (textContent, never HTML): tar messages and paths
// come from the node and are shown literally.
import { KEPT_PARTIAL } from '../core/backup/keptPartial';
import { GZIP_EXPECTED_RATIO } from '../core/backup/progressMath';
import type { JobRecord, JobState } from '../core/backup/types';
import { SizeChart } from './chart';
import { formatBytes, formatClock, formatElapsed, formatRate, formatRemaining } from './format';
import type { ProgressModel } from './model';
import { jobKindOf, readDataVerdict, type PanelJob, type PanelKind, type ReadDataRun, type WebviewMessage } from './protocol';

const BADGE: Record<JobState, string> = {
  running: 'Running',
  completed: 'Completed',
  completedWithWarnings: 'Completed with warnings',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Node unreachable',
};

/** A read-data check's verdict is in its exit code: a failed state with exit 2 is a damaged archive, not a run that broke. */
function readDataBadge(run: ReadDataRun): string {
  const v = readDataVerdict(run);
  return v ? `${v.charAt(0).toUpperCase()}${v.slice(1)}` : BADGE[run.state];
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

function readDataBanner(model: ProgressModel, run: ReadDataRun): string | undefined {
  const why = run.reason ? `: ${run.reason}` : '';
  switch (run.state) {
    case 'running':
      if (!model.live) return 'This window stopped following the check when it reloaded: the figures below are the last ones received. Run Validate with Read Data again for a verdict.';
      return run.phase === 'reading data' ? undefined : `${run.phase.charAt(0).toUpperCase()}${run.phase.slice(1)}…`;
    case 'completed':
    case 'completedWithWarnings':
      return `${run.reason ?? 'Done'}. The report is open in its own tab.`;
    case 'failed':
      return run.exitCode === 2 ? `${run.reason ?? 'The archive is damaged'}. The report is open in its own tab.` : `Failed${why}.`;
    default:
      return `${BADGE[run.state]}${why}.`;
  }
}

function banner(model: ProgressModel, job: PanelJob): string | undefined {
  if (job.kind === 'readData') return readDataBanner(model, job);
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
      return `Completed: ${job.archive} is an exact copy.${job.reason ? ` ${job.reason}.` : ''} tar exit ${job.exitCode ?? 0}: not yet validated.`;
    case 'completedWithWarnings':
      return `Completed with ${model.warnings.count} warning${model.warnings.count === 1 ? '' : 's'}${exit}: the archive is usable, but some files changed or could not be read while tar ran.${job.reason ? ` ${job.reason}.` : ''} Not yet validated.`;
    case 'failed':
      // A finished archive the job kept as its partial (its reason says where) is left behind.
      return `Failed${exit}${why}.${job.reason?.includes(KEPT_PARTIAL) ? '' : ' No archive was left behind.'}`;
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

function readDataOptions(run: ReadDataRun): [string, string][] {
  const rows: [string, string][] = [
    ['Node', run.node],
    ['Archive', run.archive],
    ['Members', run.subset === undefined ? 'every regular file' : `the next ${run.subset / 100}% of them, from where the last slice stopped`],
    ['How', 'tar compares each member with the same live file, in the gluster container'],
    ['Started', formatClock(Date.parse(run.startedAt))],
  ];
  if (run.state !== 'running' && run.reason) rows.push(['Result', run.reason]);
  return rows;
}

function options(job: PanelJob): [string, string][] {
  if (job.kind === 'readData') return readDataOptions(job);
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
export function chartSummary(points: ReadonlyArray<{ t: number; bytes: number }>, target: number | undefined, finishAt: number | undefined, what: string, clock: (ms: number) => string): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return `${what}: no sample yet.`;
  const parts = [`${what} over time: ${formatBytes(first.bytes)} at ${clock(first.t)}, ${formatBytes(last.bytes)} at ${clock(last.t)}`];
  if (target !== undefined) parts.push(`the target is ${formatBytes(target)}`);
  if (finishAt !== undefined) parts.push(`projected to reach it at ${clock(finishAt)}`);
  return `${parts.join('; ')}.`;
}

const WORDS: Record<PanelKind, { heading: string; title: string; cancel: string; size: string; series: string }> = {
  backup: { heading: 'Backup of', title: 'Backup Progress', cancel: 'Cancel Backup', size: 'Archive size', series: 'Archive size' },
  restore: { heading: 'Restore on', title: 'Restore Progress', cancel: 'Cancel Restore', size: 'Archive read', series: 'Archive bytes read' },
  readData: { heading: 'Read data on', title: 'Read Data Progress', cancel: 'Cancel Check', size: 'Data read', series: 'Data read' },
};

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
    const kind = jobKindOf(job);
    const words = WORDS[kind];
    const run = job.kind === 'readData' ? job : undefined;
    $('heading').textContent = words.heading;
    document.title = words.title;
    $('node').textContent = job.node;
    const badge = $('badge');
    badge.textContent = run ? readDataBadge(run) : BADGE[job.state];
    badge.dataset.state = job.state;
    document.body.dataset.state = job.state;

    const text = banner(model, job);
    const b = $('banner');
    b.hidden = !text;
    b.textContent = text ?? '';
    b.dataset.state = model.live ? job.state : 'stale';

    $('cancel').hidden = !(job.state === 'running' && model.live);
    $('cancelLabel').textContent = words.cancel;
    // A restore reads an archive that was already there: there is no new one to reveal.
    $('reveal').hidden = kind !== 'backup' || !(job.state === 'completed' || job.state === 'completedWithWarnings');
    $('validate').hidden = $('reveal').hidden;
    // A read-data check has no tar log on the node: what it did is in the report and the extension's log.
    $('openLog').hidden = !!run;
    $('sizeLabel').textContent = words.size;
    $('chartBox').setAttribute('aria-label', `${words.series} over time`);

    $('size').textContent = formatBytes(v.bytes);
    const t = model.target;
    const targetEl = $('target');
    targetEl.textContent = !t ? (run ? 'of counting…' : 'of estimating…') : t.estimated ? `of ≈ ${formatBytes(t.bytes)} (gzip)` : `of ${formatBytes(t.bytes)}`;
    targetEl.title = job.kind === 'readData'
      ? 'The bytes of the regular-file members this run reads, from the archive’s headers'
      : job.kind === 'restore'
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
    // A read-data check has no tar warnings; its other count, members, takes that place.
    $('warnLabel').textContent = run ? 'Members' : 'Warnings';
    $('warnCount').textContent = run ? `${run.members} / ${run.membersTotal}` : String(warnings.count);
    $('warnNote').textContent = run ? (run.membersTotal === 0 && run.state === 'running' ? 'counting…' : 'read and compared') : warnings.count === 0 ? 'none so far' : 'latest below';
    $('warningsBox').hidden = !!run;
    $('optionsTitle').textContent = run ? 'Check' : 'Job';
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
    $('chartSummary').textContent = chartSummary(model.points(), t?.bytes, v.finishAt, words.series, (ms) => formatClock(model.toLocal(ms)));
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
    if (job.state === 'unknown') {
      // Not reachable is not ended: the job may well go on on the node.
      eta.textContent = '—';
      note.textContent = 'node unreachable';
    } else if (job.state !== 'running') {
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
