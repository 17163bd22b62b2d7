// --read-data's progress in words (the extension's log): members and bytes done, rate and ETA, with
// the panel's estimator (ProgressTracker: a smoothed rate, an ETA only once predictions agree).
// Pure: the time is given.
import { ProgressTracker } from '../../core/backup/progressMath';
import type { ReadDataProgress } from '../../core/validate/readData';
import { humanSize } from '../format';

export function durationWords(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Feeds progress reports in; `text` says where the read is. */
export class ReadDataMeter {
  private readonly tracker = new ProgressTracker();

  update(p: ReadDataProgress, now: number): { text: string; percent: number | undefined } {
    this.tracker.target = p.bytesTotal;
    this.tracker.push({ t: now, bytes: p.bytes });
    const v = this.tracker.view();
    const percent = p.bytesTotal > 0 ? Math.min(100, (100 * p.bytes) / p.bytesTotal) : undefined;
    const rate = v.rate !== undefined ? `, ${humanSize(v.rate)}/s` : '';
    const eta = v.finishAt !== undefined ? `, ${durationWords(Math.max(0, v.finishAt - now))} left` : '';
    const pct = percent !== undefined ? ` (${percent.toFixed(1)}%)` : '';
    return { text: `read data: ${p.members}/${p.membersTotal} members, ${humanSize(p.bytes)} of ${humanSize(p.bytesTotal)}${pct}${rate}${eta}`, percent };
  }
}
