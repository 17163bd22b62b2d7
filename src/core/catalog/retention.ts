// Which archives a retention policy keeps: restic's `forget` rules (ApplyPolicy in its
// internal/data/snapshot_policy.go), so an operator who knows `--keep-daily 7` there gets the
// same answer here. Pure: the caller says when each archive was made.
//
// The rules, as restic applies them: archives are walked newest first; each rule with a count
// left keeps an archive whose period (the archive itself for keep-last, its day, ISO week or
// month otherwise) differs from the period of the last archive that rule kept, and spends one
// count on it. A rule that still has counts left when it reaches the oldest archive keeps that
// one too ("oldest"), which makes the history as long as the counts allow. An archive kept by
// any rule stays.
//
// Periods are taken in UTC. restic takes them in the time zone recorded with each snapshot (the
// one of the machine that made it); our records hold UTC times (job files) or epoch seconds
// (mtimes), with no zone, so UTC is the one zone every client agrees on whatever its TZ.

export interface RetentionPolicy {
  last?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export type RetentionRule = keyof RetentionPolicy;

/** restic's order: a keep reason lists rules in this order. */
export const RULES: readonly RetentionRule[] = ['last', 'daily', 'weekly', 'monthly'];

export class RetentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionError';
  }
}

/** Counts above this are certainly a typo (a century of daily archives). */
export const MAX_KEEP = 100_000;

/**
 * The policy, checked: every count a whole number from 0 to MAX_KEEP, and at least one of them
 * above 0. No rule at all would remove every archive, which restic refuses as well.
 */
export function checkPolicy(p: RetentionPolicy): Required<RetentionPolicy> {
  const out = { last: 0, daily: 0, weekly: 0, monthly: 0 };
  for (const r of RULES) {
    const v = p[r];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_KEEP) throw new RetentionError(`--keep-${r} ${String(v)}: give a whole number from 0 to ${MAX_KEEP}`);
    out[r] = v;
  }
  if (RULES.every((r) => out[r] === 0)) {
    throw new RetentionError('no keep rule above 0: that would remove every archive, so nothing is removed. Give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly with a count of 1 or more');
  }
  return out;
}

/** YYYYMMDD of `t` in UTC. */
export function dayOf(t: Date): number {
  return t.getUTCFullYear() * 10000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate();
}

/** YYYYWW of `t` in UTC: ISO 8601 week-numbering year and week (Go's ISOWeek). */
export function isoWeekOf(t: Date): number {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const monday0 = (new Date(day).getUTCDay() + 6) % 7;
  // The week belongs to the year of its Thursday.
  const thursday = new Date(day + (3 - monday0) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return year * 100 + week;
}

/** YYYYMM of `t` in UTC. */
export function monthOf(t: Date): number {
  return t.getUTCFullYear() * 100 + t.getUTCMonth() + 1;
}

const PERIOD: Record<RetentionRule, (t: Date, nr: number) => number> = {
  last: (_t, nr) => nr,
  daily: dayOf,
  weekly: isoWeekOf,
  monthly: monthOf,
};

export interface Dated {
  /** When the archive was made. */
  made: Date;
  /** Orders archives made at the same instant (restic keeps its input order there). */
  name: string;
}

export interface RetentionResult<T extends Dated> {
  /** Newest first, with the rules that keep each (e.g. "daily", "oldest monthly"). */
  keep: { item: T; rules: string[] }[];
  /** Newest first. */
  remove: T[];
}

/** Newest first; the same instant by name, descending, so the order never depends on the input's. */
export function newestFirst<T extends Dated>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.made.getTime() - a.made.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
}

export function applyRetention<T extends Dated>(items: readonly T[], policy: RetentionPolicy): RetentionResult<T> {
  const p = checkPolicy(policy);
  const list = newestFirst(items);
  const buckets = RULES.map((rule) => ({ rule, count: p[rule], last: -1 }));
  const keep: RetentionResult<T>['keep'] = [];
  const remove: T[] = [];
  list.forEach((cur, nr) => {
    const rules: string[] = [];
    for (const b of buckets) {
      if (b.count <= 0) continue;
      const val = PERIOD[b.rule](cur.made, nr);
      const oldest = nr === list.length - 1;
      if (val !== b.last || oldest) {
        rules.push(val === b.last ? `oldest ${b.rule}` : b.rule);
        b.last = val;
        b.count--;
      }
    }
    if (rules.length) keep.push({ item: cur, rules });
    else remove.push(cur);
  });
  return { keep, remove };
}
