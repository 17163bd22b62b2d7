// Retention as restic's `forget` applies it: archives walked newest first, each rule keeping the
// newest of each distinct period until its count is spent, and the oldest archive while a rule
// still has counts left. Every expectation below is worked out by hand from those rules, on
// pinned UTC dates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRetention, checkPolicy, dayOf, isoWeekOf, monthOf, RetentionError, type RetentionPolicy } from '../../src/core/catalog/retention';

const at = (iso: string) => ({ made: new Date(iso), name: iso });

/** Kept archives (their names) with their rules, newest first. */
function kept(isos: string[], p: RetentionPolicy): [string, string][] {
  return applyRetention(isos.map(at), p).keep.map((k) => [k.item.name, k.rules.join('+')]);
}

const FIVE_DAYS = ['2026-03-06T02:00:00Z', '2026-03-07T02:00:00Z', '2026-03-08T02:00:00Z', '2026-03-09T02:00:00Z', '2026-03-10T02:00:00Z'];

test('keep-last N keeps the N newest, whatever the input order', () => {
  const shuffled = [FIVE_DAYS[2], FIVE_DAYS[4], FIVE_DAYS[0], FIVE_DAYS[3], FIVE_DAYS[1]];
  assert.deepEqual(kept(shuffled, { last: 3 }), [
    ['2026-03-10T02:00:00Z', 'last'],
    ['2026-03-09T02:00:00Z', 'last'],
    ['2026-03-08T02:00:00Z', 'last'],
  ]);
  const r = applyRetention(shuffled.map(at), { last: 3 });
  assert.deepEqual(
    r.remove.map((x) => x.name),
    ['2026-03-07T02:00:00Z', '2026-03-06T02:00:00Z'],
  );
});

test('keep-last larger than the list keeps every archive, each by "last" (every archive is its own period)', () => {
  assert.deepEqual(
    kept(FIVE_DAYS, { last: 10 }).map(([, r]) => r),
    ['last', 'last', 'last', 'last', 'last'],
  );
});

test('keep-daily: two archives on one day keep only the newer of the two', () => {
  const isos = ['2026-03-10T20:00:00Z', '2026-03-10T08:00:00Z', '2026-03-09T12:00:00Z', '2026-03-08T12:00:00Z'];
  assert.deepEqual(kept(isos, { daily: 2 }), [
    ['2026-03-10T20:00:00Z', 'daily'],
    ['2026-03-09T12:00:00Z', 'daily'],
  ]);
});

test('keep-daily with counts left at the oldest archive keeps it too, as "oldest daily"', () => {
  // 10T20 spends one count on 2026-03-10; 10T08 is the same day but the oldest archive, and
  // four counts are left: restic keeps it so the history reaches as far back as it can.
  assert.deepEqual(kept(['2026-03-10T20:00:00Z', '2026-03-10T08:00:00Z'], { daily: 5 }), [
    ['2026-03-10T20:00:00Z', 'daily'],
    ['2026-03-10T08:00:00Z', 'oldest daily'],
  ]);
  // With the counts spent before the oldest, it goes.
  assert.deepEqual(kept(['2026-03-10T20:00:00Z', '2026-03-10T08:00:00Z'], { daily: 1 }), [['2026-03-10T20:00:00Z', 'daily']]);
});

test('ISO weeks across a year boundary: 2020-12-28 and 2021-01-03 are one week (2020-W53)', () => {
  assert.equal(isoWeekOf(new Date('2020-12-31T12:00:00Z')), 202053);
  assert.equal(isoWeekOf(new Date('2021-01-03T23:59:59Z')), 202053);
  assert.equal(isoWeekOf(new Date('2021-01-04T00:00:00Z')), 202101);
  // 2024-12-30, a Monday, starts 2025-W01.
  assert.equal(isoWeekOf(new Date('2024-12-30T00:00:00Z')), 202501);
  assert.equal(isoWeekOf(new Date('2024-12-29T23:59:59Z')), 202452);
  const isos = ['2021-01-04T10:00:00Z', '2021-01-03T10:00:00Z', '2020-12-28T10:00:00Z', '2020-12-27T10:00:00Z'];
  assert.deepEqual(kept(isos, { weekly: 2 }), [
    ['2021-01-04T10:00:00Z', 'weekly'],
    ['2021-01-03T10:00:00Z', 'weekly'],
  ]);
  // A third week: 12-28 shares 2020-W53 with 01-03, so the next one kept is 12-27 (W52).
  assert.deepEqual(kept(isos, { weekly: 3 }), [
    ['2021-01-04T10:00:00Z', 'weekly'],
    ['2021-01-03T10:00:00Z', 'weekly'],
    ['2020-12-27T10:00:00Z', 'weekly'],
  ]);
});

test('keep-monthly at month ends: the last second of January and the first of February are two months', () => {
  const isos = ['2026-03-01T00:30:00Z', '2026-02-28T12:00:00Z', '2026-02-01T00:00:00Z', '2026-01-31T23:59:59Z'];
  assert.deepEqual(kept(isos, { monthly: 2 }), [
    ['2026-03-01T00:30:00Z', 'monthly'],
    ['2026-02-28T12:00:00Z', 'monthly'],
  ]);
  assert.deepEqual(kept(isos, { monthly: 3 }), [
    ['2026-03-01T00:30:00Z', 'monthly'],
    ['2026-02-28T12:00:00Z', 'monthly'],
    ['2026-01-31T23:59:59Z', 'monthly'],
  ]);
  assert.equal(monthOf(new Date('2024-02-29T23:59:59Z')), 202402);
});

test('periods are taken in UTC, whatever zone a time was written in', () => {
  // 00:30 on 1 February at UTC+1 is 23:30 on 31 January in UTC.
  assert.equal(dayOf(new Date('2026-02-01T00:30:00+01:00')), 20260131);
  assert.equal(monthOf(new Date('2026-02-01T00:30:00+01:00')), 202601);
  assert.equal(dayOf(new Date('2026-01-31T20:00:00-05:00')), 20260201);
});

test('rules combine: an archive kept by any rule stays, with every rule that keeps it', () => {
  // Newest first: 03-10 (W11, March), 03-09 (W11), 03-02 (W10), 02-20 (W08, Feb), 01-15 (W03, Jan).
  // last 1: 03-10. daily 2: 03-10, 03-09. weekly 2: 03-10 (W11), 03-02 (W10). monthly 2: 03-10
  // (March), 02-20 (Feb). 01-15 is kept by no rule with a count left: every count is spent.
  const isos = ['2026-03-10T01:00:00Z', '2026-03-09T01:00:00Z', '2026-03-02T01:00:00Z', '2026-02-20T01:00:00Z', '2026-01-15T01:00:00Z'];
  assert.deepEqual(kept(isos, { last: 1, daily: 2, weekly: 2, monthly: 2 }), [
    ['2026-03-10T01:00:00Z', 'last+daily+weekly+monthly'],
    ['2026-03-09T01:00:00Z', 'daily'],
    ['2026-03-02T01:00:00Z', 'weekly'],
    ['2026-02-20T01:00:00Z', 'monthly'],
  ]);
  // monthly 4: still one count at the oldest (Jan), a new month: "monthly".
  assert.deepEqual(kept(isos, { monthly: 4 }).map(([n, r]) => `${n} ${r}`), ['2026-03-10T01:00:00Z monthly', '2026-02-20T01:00:00Z monthly', '2026-01-15T01:00:00Z monthly']);
});

test('a rule of 0 is no rule; the others apply', () => {
  assert.deepEqual(kept(FIVE_DAYS, { last: 0, daily: 2, weekly: 0 }), kept(FIVE_DAYS, { daily: 2 }));
  assert.equal(kept(FIVE_DAYS, { daily: 2 }).length, 2);
});

test('archives made at the same instant are ordered by name, so the result never depends on the input order', () => {
  const same = [
    { made: new Date('2026-03-10T02:00:00Z'), name: 'b' },
    { made: new Date('2026-03-10T02:00:00Z'), name: 'a' },
  ];
  assert.equal(applyRetention(same, { last: 1 }).keep[0].item.name, 'b');
  assert.equal(applyRetention([...same].reverse(), { last: 1 }).keep[0].item.name, 'b');
});

test('no rule, or every rule at 0, is refused with the reason instead of removing everything', () => {
  for (const p of [{}, { last: 0, daily: 0, weekly: 0, monthly: 0 }]) {
    assert.throws(() => applyRetention(FIVE_DAYS.map(at), p), (e: unknown) => e instanceof RetentionError && /would remove every archive, so nothing is removed/.test(e.message));
  }
});

test('counts that are not whole numbers from 0 up are refused, naming the option', () => {
  for (const [p, opt] of [
    [{ daily: -1 }, '--keep-daily -1'],
    [{ weekly: 1.5 }, '--keep-weekly 1.5'],
    [{ monthly: Number.NaN }, '--keep-monthly NaN'],
    [{ last: 10 ** 9 }, '--keep-last 1000000000'],
  ] as [RetentionPolicy, string][]) {
    assert.throws(() => checkPolicy(p), (e: unknown) => e instanceof RetentionError && e.message.startsWith(`${opt}: give a whole number`));
  }
});

test('an empty list keeps and removes nothing', () => {
  assert.deepEqual(applyRetention([], { last: 3 }), { keep: [], remove: [] });
});
