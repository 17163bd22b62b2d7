// Why a restore would not start, by check: the operator can override some with a recorded
// reason (as a backup's preflight allows), never the ones where tar would fail or write outside
// what was asked.
import type { PreflightOverride } from '../backup/jobFile';

export type RestoreCheck =
  | 'archive' // truncated: what precedes where it ends can still be wanted
  | 'corrupt' // a bad header inside: tar would go on past it with members no plan has seen
  | 'names' // member names with "." or ".." segments: tar writes them elsewhere than planned
  | 'archive-types' // members or hard link targets under a path the archive stores as a non-directory, or a path stored as two types
  | 'duplicates' // a path stored more than once, under --existing refuse or skip
  | 'include' // an include that is not in the archive, or a hard link to a file outside the included paths
  | 'type-clash' // a directory on one side, not on the other; a non-directory of the target above a member or a hard link's target
  | 'in-the-way' // entries exist and the policy is refuse
  | 'free-space'
  | 'nodes' // a node cannot be reached
  | 'gluster' // gluster not running on a node
  | 'bricks' // bricks offline, or their state not known
  | 'peers'
  | 'jobs'; // another backup or restore running, or jobs not listable

export interface Refusal {
  check: RestoreCheck;
  message: string;
}

/** What stays a refusal whatever the reason given, and why (the operator's next step instead). */
const NOT_OVERRIDABLE: Partial<Record<RestoreCheck, string>> = {
  corrupt: 'past a bad header tar goes on with members the plan has not seen (into paths no check has looked at): restore another archive, or extract it by hand',
  names: 'tar would write those members elsewhere than the plan compared: extract this archive by hand',
  'archive-types': "a symlink or file the archive stores above a member takes tar's writes elsewhere than the plan compared (above a hard link's target, its link too; a hard link to a path it does not store before it links to whatever the target holds there), and of a path stored as different types tar may keep either: extract this archive by hand",
  duplicates: 'tar fails at the second copy (refuse) or keeps the first (skip): choose --existing overwrite',
  include: 'fix the --include path',
  'type-clash': 'tar cannot put a file where a directory is: move them aside or restore under --target',
  'in-the-way': 'choose --existing skip or --existing overwrite',
  jobs: 'two jobs writing and reading the volume at once give neither a consistent result: wait for the other job or cancel it',
};

export const RESTORE_CHECKS: readonly RestoreCheck[] = ['archive', 'corrupt', 'names', 'archive-types', 'duplicates', 'include', 'type-clash', 'in-the-way', 'free-space', 'nodes', 'gluster', 'bricks', 'peers', 'jobs'];

export function overridable(check: RestoreCheck): boolean {
  return NOT_OVERRIDABLE[check] === undefined;
}

export function isRestoreCheck(s: string): s is RestoreCheck {
  return (RESTORE_CHECKS as readonly string[]).includes(s);
}

/**
 * The overrides that make sense for restore: every check known and overridable, else a message
 * for the operator (the override was probably meant for a backup, or mistyped).
 */
export function overrideProblems(overrides: readonly PreflightOverride[]): string[] {
  const out: string[] = [];
  for (const o of overrides) {
    if (!isRestoreCheck(o.check)) out.push(`--override ${o.check}: no such restore check (checks: ${RESTORE_CHECKS.join(', ')})`);
    else if (!overridable(o.check)) out.push(`--override ${o.check}: cannot be overridden: ${NOT_OVERRIDABLE[o.check]}`);
  }
  return out;
}

/** Refusals no override lifts. */
export function blockingRefusals(refusals: readonly Refusal[], overrides: readonly PreflightOverride[]): Refusal[] {
  const over = new Set(overrides.map((o) => o.check));
  return refusals.filter((r) => !(overridable(r.check) && over.has(r.check)));
}

/** One line: the reason, then how to get past it. */
export function refusalText(r: Refusal, overrides: readonly PreflightOverride[] = []): string {
  const o = overrides.find((x) => x.check === r.check);
  if (o && overridable(r.check)) return `${r.message} [${r.check}: overridden: ${o.reason}]`;
  return `${r.message} [${r.check}${overridable(r.check) ? `; --override ${r.check}:"reason" to go ahead anyway` : ''}]`;
}
