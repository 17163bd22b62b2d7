// The numbers of the progress panel: a rate that settles, an ETA that appears only once it can
// be trusted and then does not jump, and a history that stays small over a 10-hour job.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BoundedSeries,
  EtaEstimator,
  expectedArchiveBytes,
  percentDone,
  ProgressTracker,
  RateEstimator,
  type ProgressPoint,
} from '../../src/core/backup/progressMath';

const MiB = 1024 * 1024;

/** A deterministic "random" so a failure reproduces. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Samples once a second of an archive growing at `rateAt(t)` bytes/s, each second ±noise. */
function samples(count: number, rateAt: (sec: number) => number, noise = 0, seed = 1): ProgressPoint[] {
  const rnd = lcg(seed);
  const out: ProgressPoint[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    out.push({ t: 1_700_000_000_000 + i * 1000, bytes: Math.round(bytes) });
    bytes += rateAt(i) * (1 + noise * (2 * rnd() - 1));
  }
  return out;
}

test('the smoothed rate converges to the true rate despite ±40% noise per sample', () => {
  const r = new RateEstimator();
  let rate: number | undefined;
  for (const p of samples(180, () => 50 * MiB, 0.4)) rate = r.push(p);
  assert.ok(rate !== undefined);
  assert.ok(Math.abs(rate / (50 * MiB) - 1) < 0.08, `rate ${rate / MiB} MiB/s`);
});

test('the smoothed rate follows a change of pace within a few time constants', () => {
  const r = new RateEstimator(20_000);
  let rate = 0;
  for (const p of samples(300, (s) => (s < 120 ? 100 * MiB : 20 * MiB))) rate = r.push(p) ?? rate;
  assert.ok(Math.abs(rate / (20 * MiB) - 1) < 0.02, `rate ${rate / MiB} MiB/s`);
});

test('irregular sampling weighs by time, so a long gap is not averaged away', () => {
  const r = new RateEstimator(20_000);
  r.push({ t: 0, bytes: 0 });
  r.push({ t: 1000, bytes: 10 * MiB });
  // One sample after ten minutes (a reload): what happened in between dominates.
  const rate = r.push({ t: 601_000, bytes: 10 * MiB + 600 * MiB }) ?? 0;
  assert.ok(Math.abs(rate / MiB - 1) < 0.01, `rate ${rate / MiB} MiB/s`);
});

test('a shrinking archive (a restarted job) starts the rate over', () => {
  const r = new RateEstimator();
  r.push({ t: 0, bytes: 100 });
  r.push({ t: 1000, bytes: 200 });
  assert.equal(r.push({ t: 2000, bytes: 50 }), undefined);
});

test('the ETA is hidden for the first samples, then shown once the estimates agree', () => {
  const tracker = new ProgressTracker();
  tracker.target = 3600 * 10 * MiB;
  const pts = samples(30, () => 10 * MiB);
  const firstShown = pts.findIndex((p) => (tracker.push(p), tracker.view().finishAt !== undefined));
  assert.ok(firstShown >= 10, `shown after only ${firstShown + 1} samples`);
  assert.ok(firstShown <= 15, `still hidden after ${firstShown + 1} samples of a steady rate`);
  const view = tracker.view();
  const trueFinish = pts[0].t + 3600 * 1000;
  assert.ok(Math.abs(view.finishAt! - trueFinish) < 60_000, `finish off by ${(view.finishAt! - trueFinish) / 1000} s`);
});

test('the ETA stays hidden while the rate is still settling (a slow start)', () => {
  const eta = new EtaEstimator();
  const r = new RateEstimator();
  const target = 2000 * MiB;
  // Ramp: 1 MiB/s growing by 2 MiB/s every second, so every estimate disagrees with the last.
  for (const p of samples(25, (s) => (1 + 2 * s) * MiB)) {
    assert.equal(eta.update(p.t, p.bytes, r.push(p), target), undefined, `shown at ${p.t}`);
  }
});

test('once shown, the ETA neither flickers nor jumps on noisy samples', () => {
  const tracker = new ProgressTracker();
  const total = 40 * 60 * 30 * MiB; // 40 minutes at 30 MiB/s
  tracker.target = total;
  let prev: number | undefined;
  let hides = 0;
  let shownOnce = false;
  for (const p of samples(40 * 60 - 60, () => 30 * MiB, 0.4, 7)) {
    tracker.push(p);
    const f = tracker.view().finishAt;
    if (f === undefined) {
      if (shownOnce) hides++;
      prev = undefined;
      continue;
    }
    shownOnce = true;
    if (prev !== undefined) {
      const left = f - p.t;
      // Between two samples the predicted end moves by a few seconds, never by minutes.
      assert.ok(Math.abs(f - prev) <= Math.max(0.02 * left, 2_000), `jumped ${(f - prev) / 1000} s with ${left / 1000} s left`);
    }
    prev = f;
  }
  assert.ok(shownOnce);
  assert.equal(hides, 0, 'the ETA disappeared again');
});

test('a real slowdown still reaches the ETA, gliding rather than jumping', () => {
  const tracker = new ProgressTracker();
  const target = 30 * MiB * 600 + 10 * MiB * 3000;
  tracker.target = target;
  const pts = samples(1800, (s) => (s < 600 ? 30 * MiB : 10 * MiB), 0.1, 5);
  for (const p of pts) tracker.push(p);
  const last = pts.at(-1)!;
  const trueFinish = last.t + ((target - last.bytes) / (10 * MiB)) * 1000;
  const f = tracker.view().finishAt;
  assert.ok(f !== undefined, 'ETA hidden long after the pace settled');
  assert.ok(Math.abs(f - trueFinish) < 0.05 * (trueFinish - last.t), `off by ${(f - trueFinish) / 1000} s`);
});

test('no ETA without a target, with a stalled archive, or past a guessed target', () => {
  const at = (rate: number | undefined, target: number | undefined, bytes = 0) => {
    const eta = new EtaEstimator({ window: 1 });
    return eta.update(1000, bytes, rate, target);
  };
  assert.notEqual(at(MiB, 100 * MiB), undefined);
  assert.equal(at(MiB, undefined), undefined);
  assert.equal(at(0, 100 * MiB), undefined);
  assert.equal(at(MiB, 100 * MiB, 120 * MiB), undefined);
});

test('a stall hides the ETA', () => {
  const tracker = new ProgressTracker({ tauMs: 1000 });
  tracker.target = 1000 * MiB;
  for (const p of samples(20, () => 10 * MiB)) tracker.push(p);
  assert.notEqual(tracker.view().finishAt, undefined);
  const last = samples(20, () => 10 * MiB).at(-1)!;
  // Several seconds without growth: the rate decays to 0 only asymptotically, but the estimates
  // spread far apart, so the ETA goes.
  for (let i = 1; i <= 30; i++) tracker.push({ t: last.t + i * 1000, bytes: last.bytes });
  assert.equal(tracker.view().finishAt, undefined);
});

test('36 000 samples (10 hours at 1/s) keep at most 600 points, first and last included', () => {
  const s = new BoundedSeries(600);
  const pts = samples(36_000, (sec) => (sec < 12_000 ? 80 * MiB : sec < 18_000 ? 0 : 40 * MiB), 0.2, 3);
  let maxLen = 0;
  for (const p of pts) {
    s.push(p);
    maxLen = Math.max(maxLen, s.length);
  }
  const kept = s.points();
  assert.ok(maxLen <= 600, `grew to ${maxLen}`);
  assert.ok(kept.length >= 300, `only ${kept.length} points left`);
  assert.deepEqual(kept[0], pts[0]);
  assert.deepEqual(kept.at(-1), pts.at(-1));
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i].t > kept[i - 1].t, 'out of order');

  // Even spacing: all gaps but the tail's are the same.
  const gaps = kept.slice(1, -1).map((p, i) => p.t - kept[i].t);
  assert.equal(new Set(gaps).size, 1, `uneven gaps ${[...new Set(gaps)].join(', ')}`);

  // Shape: the kept curve, interpolated, stays within 0.5% of the full one everywhere.
  const range = pts.at(-1)!.bytes;
  let j = 0;
  for (const p of pts) {
    while (j < kept.length - 2 && kept[j + 1].t <= p.t) j++;
    const a = kept[j];
    const b = kept[j + 1];
    const y = a.bytes + ((b.bytes - a.bytes) * (p.t - a.t)) / (b.t - a.t);
    assert.ok(Math.abs(y - p.bytes) <= 0.005 * range, `off by ${(Math.abs(y - p.bytes) / range) * 100}% at ${p.t}`);
  }
});

test('a short series is kept whole', () => {
  const s = new BoundedSeries(600);
  const pts = samples(100, () => MiB);
  for (const p of pts) s.push(p);
  assert.deepEqual(s.points(), pts);
});

test('percent stops at 99 while running and needs a target', () => {
  assert.equal(percentDone(50, 100, false), 50);
  assert.equal(percentDone(130, 100, false), 99);
  assert.equal(percentDone(100, 100, false), 99);
  assert.equal(percentDone(130, 100, true), 100);
  assert.equal(percentDone(10, undefined, false), undefined);
});

test('the gzip target is 80% of the apparent size; uncompressed it is all of it', () => {
  assert.equal(expectedArchiveBytes(1000, 'gzip'), 800);
  assert.equal(expectedArchiveBytes(1000, 'none'), 1000);
});

test('a first interval without progress (a position not yet read again) does not hold the rate down: the ETA comes as soon as for a steady start', () => {
  // A 40 s restore sampled each second, its position learnt every 2 s: every other sample
  // repeats the last position, and the very first interval saw nothing move.
  const rate = 2.5 * MiB;
  const target = 40 * rate;
  const pts: { t: number; bytes: number }[] = [];
  for (let s = 0; s <= 38; s++) pts.push({ t: 1_000_000 + s * 1000, bytes: Math.floor((s <= 1 ? 0 : s - (s % 2)) * rate) });
  const tracker = new ProgressTracker();
  tracker.target = target;
  const firstShown = pts.findIndex((p) => (tracker.push(p), tracker.view().finishAt !== undefined));
  assert.ok(firstShown >= 0 && firstShown <= 20, `the ETA first shown at sample ${firstShown} of ${pts.length}`);
  const r = new RateEstimator();
  let est: number | undefined;
  for (const p of pts.slice(0, 11)) est = r.push(p);
  assert.ok(Math.abs(est! / rate - 1) < 0.15, `after 10 s the rate is ${(est! / MiB).toFixed(2)} MiB/s of ${rate / MiB}`);
});
