// What the operator confirmed of a restore's plan. The restore plans again right before tar
// starts, and starts only if that plan still says the same: a file that appeared in the target
// while the confirmation waited would otherwise be overwritten without anyone having agreed to it.
import type { ExistingPolicy } from './plan';
import type { RestorePlanResult } from './restorePlan';

export interface ConfirmedPlan {
  archiveBytes: number;
  /** Known when the plan read the archive itself (see RestorePlanResult.indexed). */
  archiveMtimeMs?: number;
  targetDir: string;
  policy: ExistingPolicy;
  writes: number;
  overwrites: number;
  /** The interrupted restore this one resumes, if any. */
  resumeFrom?: string;
}

export function confirmedPlan(r: RestorePlanResult): ConfirmedPlan {
  return {
    archiveBytes: r.archiveBytes,
    ...(r.indexed ? { archiveMtimeMs: r.indexed.mtimeMs } : {}),
    targetDir: r.targetDir,
    policy: r.plan.policy,
    writes: r.plan.write.count,
    overwrites: r.plan.overwrite.count,
    ...(r.plan.resume ? { resumeFrom: r.plan.resume.from } : {}),
  };
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
  if (fresh.writes !== confirmed.writes) out.push(`writes ${entries(fresh.writes, 'new')} (was ${confirmed.writes})`);
  if (fresh.overwrites !== confirmed.overwrites) out.push(`overwrites ${entries(fresh.overwrites, 'existing')} (was ${confirmed.overwrites})`);
  if (fresh.resumeFrom !== confirmed.resumeFrom) {
    out.push(fresh.resumeFrom === undefined ? `no longer resumes ${confirmed.resumeFrom}` : confirmed.resumeFrom === undefined ? `now resumes ${fresh.resumeFrom}` : `now resumes ${fresh.resumeFrom} (was ${confirmed.resumeFrom})`);
  }
  return out;
}
