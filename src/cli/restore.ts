// gluster-backup restore: what a restore of an archive would do (--dry-run), or the restore
// itself: preflight, the job on the node, progress, and the verification, from a terminal.
import { bytesText } from '../core/bytes';
import type { Cluster } from '../core/cluster';
import { RestoreError, type IndexedArchive, type RestorePlanOptions } from '../core/restore/restorePlan';
import { planAndCheck, startRestore, verifyRestore } from '../core/restore/restoreJob';
import { planText, verificationText } from '../core/restore/restoreText';
import { blockingRefusals, overridable, overrideProblems } from '../core/restore/refusal';
import type { PreflightOverride } from '../core/backup/jobFile';
import { jobsOf } from '../core/backup/jobs';
import type { JobRecord } from '../core/backup/types';
import { followToEnd } from './backup';
import type { CliIo } from './io';
import { writeJsonWithEntries } from './jsonEntries';
import { errorLine, outputFor, shownLines } from './terminalText';
import { jobCommand } from './interrupt';

/** After the job: the verification (once per job), its report, and the exit code. */
export async function finishRestore(cluster: Cluster, io: CliIo, job: JobRecord, json: boolean, indexed?: IndexedArchive): Promise<number> {
  const out = json ? io.stderr : io.stdout;
  const say = outputFor(json);
  if (job.state !== 'completed') {
    if (json) io.stdout.write(JSON.stringify({ job }, null, 2) + '\n');
    return 2;
  }
  out.write(say.line`verifying ${job.restore?.target} against the archive…\n`);
  try {
    const { verification, job: recorded, notSaved } = await verifyRestore(cluster, job, indexed ? { indexed } : {});
    out.write(say.lines(verificationText(verification)));
    out.write(notSaved ? say.line`report: not saved: ${notSaved}\n` : say.line`report: ${recorded.restore?.report}\n`);
    if (json) io.stdout.write(JSON.stringify({ job: recorded, verification }, null, 2) + '\n');
    return verification.verdict === 'verified' ? 0 : 1;
  } catch (e) {
    if (!(e instanceof RestoreError)) throw e;
    io.stderr.write(errorLine(json, `restore: tar ended, but the verification failed: ${e.message}`));
    return 2;
  }
}

/**
 * Dry run: exit 0 the restore could go ahead, 2 it would be refused. Restore: 0 restored and
 * verified, 1 restored with differences (listed), 2 refused, failed or cancelled.
 */
export async function runRestore(cluster: Cluster, io: CliIo, o: RestorePlanOptions & { json: boolean; dryRun: boolean; detach: boolean; overrides: PreflightOverride[]; cli: string }): Promise<number> {
  const progress = o.json ? io.stderr : io.stdout;
  const say = outputFor(o.json);
  const onPhase = (phase: string, detail: string) => progress.write(say.line`${phase} ${detail}\n`);
  try {
    if (o.dryRun) {
      const wrong = overrideProblems(o.overrides);
      if (wrong.length) throw new RestoreError(wrong.join('; '));
      // The cluster's state too: a dry run that says "go" should mean the restore would start.
      const { plan: r, refusals } = await planAndCheck(cluster, { ...o, entries: o.json, onPhase, memberList: true });
      const stop = blockingRefusals(refusals, o.overrides);
      if (o.json) {
        const { entries, ...rest } = r;
        await writeJsonWithEntries(io.stdout, { dryRun: true, ...rest, refusals: refusals.map((x) => ({ ...x, overridable: overridable(x.check), overridden: !stop.includes(x) })) }, entries);
      }
      else io.stdout.write('\n' + shownLines(planText(r, refusals, o.overrides)));
      return stop.length ? 2 : 0;
    }
    const { plan, job } = await startRestore(cluster, { ...o, onPhase });
    for (const ov of job.overrides) progress.write(`override ${ov.check}: ${ov.reason} (recorded in the job)\n`);
    progress.write(say.line`restore ${job.id} started on ${job.node}: ${plan.plan.write.count + plan.plan.overwrite.count} entries, ${bytesText(plan.plan.bytesToWrite)} into ${plan.targetDir}\n`);
    if (o.detach) {
      progress.write(`follow it with: ${jobCommand(o.cli, 'attach', job)}\n`);
      if (o.json) io.stdout.write(JSON.stringify({ job }, null, 2) + '\n');
      return 0;
    }
    const final = await followToEnd(jobsOf(cluster), job, io, o.json, job.restore?.archiveBytes);
    return await finishRestore(cluster, io, final, o.json, plan.indexed);
  } catch (e) {
    if (!(e instanceof RestoreError)) throw e;
    io.stderr.write(errorLine(o.json, `restore: ${e.message}`));
    return 2;
  }
}
