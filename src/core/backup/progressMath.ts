// The numbers of the progress panel, kept free of vscode and the DOM so the host (history it
// keeps for a reopened panel) and the webview (rate, ETA) agree, and so they can be unit tested.
import type { Compression } from './naming';

export interface ProgressPoint {
  /** Milliseconds since the epoch. */
  t: number;
  /** Archive size in bytes. */
  bytes: number;
}

/**
 * gzip of a gluster filesystem (mostly already-compressed data) typically lands near 80% of
 * the apparent size: a guess, but a stable one, which is all a progress bar needs.
 */
export const GZIP_EXPECTED_RATIO = 0.8;

export function expectedArchiveBytes(sourceBytes: number, compression: Compression): number {
  return Math.round(compression === 'gzip' ? sourceBytes * GZIP_EXPECTED_RATIO : sourceBytes);
}

/**
 * Percent done, 0..100. While running it stops at 99: the gzip target is only a guess and tar
 * writes its end-of-archive blocks last, so "100%" is kept for a job that has really ended.
 */
export function percentDone(bytes: number, target: number | undefined, finished: boolean): number | undefined {
  if (finished) return 100;
  if (!target || target <= 0) return undefined;
  return Math.max(0, Math.min(99, Math.floor((bytes / target) * 100)));
}

/**
 * Bytes per second, smoothed by an EWMA whose weight depends on the time between samples
 * (alpha = 1 - e^(-dt/tau)), so irregular sampling, or a gap after a reload, weighs by time
 * and not by sample count. The average is divided by the weight gathered so far: the first
 * intervals count for their own time only. Seeded at full weight, one early interval that
 * saw no progress (a position not yet read again) held the rate near zero for tens of
 * seconds, and the ETA with it.
 */
export class RateEstimator {
  private last: ProgressPoint | undefined;
  private sum = 0;
  private weight = 0;

  constructor(private readonly tauMs = 30_000) {}

  push(p: ProgressPoint): number | undefined {
    const last = this.last;
    if (!last || p.bytes < last.bytes) {
      // A shrinking archive means a restarted job: what was learnt no longer applies.
      this.last = p;
      this.sum = 0;
      this.weight = 0;
      return undefined;
    }
    const dt = p.t - last.t;
    if (dt <= 0) return this.rate;
    const instant = ((p.bytes - last.bytes) / dt) * 1000;
    const alpha = 1 - Math.exp(-dt / this.tauMs);
    this.sum += alpha * (instant - this.sum);
    this.weight += alpha * (1 - this.weight);
    this.last = p;
    return this.rate;
  }

  get rate(): number | undefined {
    return this.weight > 0 ? this.sum / this.weight : undefined;
  }
}

export interface EtaOptions {
  /** How many consecutive estimates must agree before the ETA is shown. */
  window: number;
  /** Agreement: the spread of the predicted finish times, as a fraction of the time left. */
  tolerance: number;
  /** A shown ETA is hidden again only past this wider spread, so it does not flicker. */
  hideTolerance: number;
  /** Spreads under this many ms always agree: near the end the time left is tiny. */
  floorMs: number;
  /** Once shown, the finish time moves by at most this fraction of the time left per sample. */
  maxStep: number;
}

export const DEFAULT_ETA: EtaOptions = { window: 10, tolerance: 0.1, hideTolerance: 0.25, floorMs: 10_000, maxStep: 0.01 };

/**
 * Predicted finish times (absolute, so a steady job gives the same number at every sample and
 * the countdown follows the clock between samples). Shown once the last `window` predictions
 * agree, as their median, which one noisy sample cannot move; after that the shown time glides
 * toward the median (`maxStep`) instead of jumping, unless the predictions fall apart (hidden).
 */
export class EtaEstimator {
  private finishes: number[] = [];
  private shown: number | undefined;
  private readonly o: EtaOptions;

  constructor(options: Partial<EtaOptions> = {}) {
    this.o = { ...DEFAULT_ETA, ...options };
  }

  update(t: number, bytes: number, rate: number | undefined, target: number | undefined): number | undefined {
    if (!rate || rate <= 0 || !target || bytes >= target) {
      // Stalled, target unknown or passed (gzip guessed low): no honest ETA.
      this.finishes = [];
      this.shown = undefined;
      return undefined;
    }
    this.finishes.push(t + ((target - bytes) / rate) * 1000);
    if (this.finishes.length > this.o.window) this.finishes.shift();
    if (this.finishes.length < this.o.window) return undefined;
    const sorted = [...this.finishes].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const spread = sorted[sorted.length - 1] - sorted[0];
    const left = Math.max(0, median - t);
    const allowed = (this.shown === undefined ? this.o.tolerance : this.o.hideTolerance) * left;
    if (spread > Math.max(allowed, this.o.floorMs)) {
      this.shown = undefined;
    } else if (this.shown === undefined) {
      this.shown = median;
    } else {
      const step = Math.max(this.o.maxStep * left, 1000);
      this.shown += Math.max(-step, Math.min(step, median - this.shown));
    }
    return this.shown;
  }
}

/**
 * A series that never holds more than `max` points however long the job runs: when full,
 * every other point goes and later pushes are kept at the doubled stride, so the spacing
 * stays even along the whole chart. The first point and the latest are always kept.
 */
export class BoundedSeries {
  private kept: ProgressPoint[] = [];
  private tail: ProgressPoint | undefined;
  private stride = 1;
  private count = 0;

  constructor(private readonly max = 600) {
    if (max < 4) throw new Error('BoundedSeries needs room for at least 4 points');
  }

  push(p: ProgressPoint): void {
    if (this.count++ % this.stride === 0) {
      this.kept.push(p);
      this.tail = undefined;
      // The tail is counted as a slot, so points() never exceeds max.
      if (this.kept.length >= this.max) this.halve();
    } else {
      this.tail = p;
    }
  }

  points(): ProgressPoint[] {
    return this.tail ? [...this.kept, this.tail] : [...this.kept];
  }

  get length(): number {
    return this.kept.length + (this.tail ? 1 : 0);
  }

  private halve(): void {
    // `count` numbers pushes from 0 and the kept ones are its multiples of the stride, so the
    // even positions are exactly the multiples of the doubled stride: spacing stays even.
    const latest = this.kept[this.kept.length - 1];
    this.kept = this.kept.filter((_, i) => i % 2 === 0);
    this.stride *= 2;
    if (this.kept[this.kept.length - 1] !== latest) this.tail = latest;
  }
}

/** What the panel shows, derived from the samples seen so far. */
export interface ProgressView {
  bytes: number;
  percent: number | undefined;
  rate: number | undefined;
  /** Predicted finish time (ms since the epoch), only once stable. */
  finishAt: number | undefined;
}

/** Everything above, fed one sample at a time. */
export class ProgressTracker {
  readonly series: BoundedSeries;
  private readonly rates: RateEstimator;
  private readonly eta: EtaEstimator;
  private last: ProgressPoint | undefined;
  private finishAt: number | undefined;
  target: number | undefined;

  constructor(options: { maxPoints?: number; tauMs?: number; eta?: Partial<EtaOptions> } = {}) {
    this.series = new BoundedSeries(options.maxPoints);
    this.rates = new RateEstimator(options.tauMs);
    this.eta = new EtaEstimator(options.eta);
  }

  push(p: ProgressPoint): void {
    if (this.last && p.t < this.last.t) return;
    this.last = p;
    this.series.push(p);
    const rate = this.rates.push(p);
    this.finishAt = this.eta.update(p.t, p.bytes, rate, this.target);
  }

  view(finished = false): ProgressView {
    const bytes = this.last?.bytes ?? 0;
    return {
      bytes,
      percent: percentDone(bytes, this.target, finished),
      rate: finished ? undefined : this.rates.rate,
      finishAt: finished ? undefined : this.finishAt,
    };
  }
}
