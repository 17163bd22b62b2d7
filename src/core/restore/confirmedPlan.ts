// What the operator confirmed of a restore's plan. The restore plans again right before tar
// starts, and starts only if that plan has the same archive, target, policy and resume, and
// replaces no entry the confirmed one did not: a file that appeared in the target while the
// confirmation waited would otherwise be overwritten without anyone having agreed to it.
import { overwriteSetOf, type ExistingPolicy } from './plan';
import type { RestorePlanResult } from './restorePlan';

export interface ConfirmedPlan {
  archiveBytes: number;
  /** Known when the plan read the archive itself (see RestorePlanResult.indexed). */
  archiveMtimeMs?: number;
  targetDir: string;
  policy: ExistingPolicy;
  overwrites: number;
  /** The interrupted restore this one resumes, if any. */
  resumeFrom?: string;
  /** What it overwrites, as sorted key hashes (see overwriteSetOf): only entries among them may be replaced. */
  overwriteSet?: Float64Array;
}

export function confirmedPlan(r: RestorePlanResult): ConfirmedPlan {
  return {
    archiveBytes: r.archiveBytes,
    ...(r.indexed ? { archiveMtimeMs: r.indexed.mtimeMs } : {}),
    targetDir: r.targetDir,
    policy: r.plan.policy,
    overwrites: r.plan.overwrite.count,
    ...(r.plan.resume ? { resumeFrom: r.plan.resume.from } : {}),
    ...(overwriteSetOf(r.plan) ? { overwriteSet: overwriteSetOf(r.plan) } : {}),
  };
}

/** How many of `now` (sorted) are not in `then` (sorted). */
function gained(then: Float64Array, now: Float64Array): number {
  let n = 0;
  let i = 0;
  for (const h of now) {
    while (i < then.length && then[i] < h) i++;
    if (i >= then.length || then[i] !== h) n++;
  }
  return n;
}

const entries = (n: number, what: string) => `${n} ${what} ${n === 1 ? 'entry' : 'entries'}`;

/** What differs between the confirmed plan and a fresh one, in words; empty when nothing does. */
export function planChanges(confirmed: ConfirmedPlan, now: RestorePlanResult): string[] {
  const fresh = confirmedPlan(now);
  const out: string[] = [];
  if (fresh.archiveBytes !== confirmed.archiveBytes) out.push(`the archive is now ${fresh.archiveBytes} bytes (was ${confirmed.archiveBytes})`);
  // Only when both plans read the archive itself: a member list carries no mtime of the archive.
  else if (fresh.archiveMtimeMs !== undefined && confirmed.archiveMtimeMs !== undefined && fresh.archiveMtimeMs !== confirmed.archiveMtimeMs) {
    out.push(`the archive was modified (at ${new Date(fresh.archiveMtimeMs).toISOString()}, was ${new Date(confirmed.archiveMtimeMs).toISOString()})`);
  }
  if (fresh.targetDir !== confirmed.targetDir) out.push(`the target is now ${fresh.targetDir} (was ${confirmed.targetDir})`);
  if (fresh.policy !== confirmed.policy) out.push(`existing entries: now ${fresh.policy} (was ${confirmed.policy})`);
  // Only what replaces more than was agreed to: an entry that appeared under skip (one write
  // fewer), or one that went under overwrite (written rather than replaced), harms nothing the
  // operator did not accept, and on a live volume such shifts would keep a restore from starting.
  const more = confirmed.overwriteSet && fresh.overwriteSet ? gained(confirmed.overwriteSet, fresh.overwriteSet) : Math.max(0, fresh.overwrites - confirmed.overwrites);
  if (more > 0) out.push(`overwrites ${entries(more, 'existing')} the confirmation did not list (${fresh.overwrites} in all, was ${confirmed.overwrites})`);
  if (fresh.resumeFrom !== confirmed.resumeFrom) {
    out.push(fresh.resumeFrom === undefined ? `no longer resumes ${confirmed.resumeFrom}` : confirmed.resumeFrom === undefined ? `now resumes ${fresh.resumeFrom}` : `now resumes ${fresh.resumeFrom} (was ${confirmed.resumeFrom})`);
  }
  return out;
}
