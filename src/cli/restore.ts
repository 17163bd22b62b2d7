// gluster-backup restore: what a restore of an archive would do (--dry-run), from a terminal.
import type { Cluster } from '../core/cluster';
import { bytesText } from '../core/archive/compare';
import { planRestore, RestoreError, type RestorePlanOptions, type RestorePlanResult } from '../core/restore/restorePlan';
import type { CliIo } from './run';

export function planText(r: RestorePlanResult): string {
  const p = r.plan;
  const out: string[] = [];
  const read = p.archive.compressed ? `listed by tar in the container` : `${bytesText(p.archive.bytesRead)} of headers read`;
  out.push(`archive  ${r.archive} on ${r.node} (${bytesText(r.archiveBytes)}, ${p.archive.entries} entries; ${read})`);
  out.push(`target   ${r.targetDir}${r.targetExists ? '' : ' (does not exist yet: created)'} on volume ${r.volume}, ${bytesText(r.freeBytes)} free`);
  out.push(`existing ${p.policy}${p.include.length ? `; only ${p.include.join(', ')}` : ''}`);
  out.push('');
  out.push(`  write      ${p.write.count} entries, ${bytesText(p.write.bytes)}`);
  if (p.merge) out.push(`  merge      ${p.merge} directories that exist (merged into, never replaced)`);
  if (p.skip.count) out.push(`  skip       ${p.skip.count} entries that exist, ${bytesText(p.skip.bytes)} (kept as they are)`);
  if (p.overwrite.count) out.push(`  overwrite  ${p.overwrite.count} entries that exist, ${bytesText(p.overwrite.bytes)} (replaced)`);
  if (p.conflicts.count) {
    out.push(`  in the way ${p.conflicts.count}${p.conflicts.omitted ? ` (the first ${p.conflicts.items.length} by name)` : ''}:`);
    for (const c of p.conflicts.items) out.push(`    ${c.path}  (${c.target} in the target, ${c.archive} in the archive${c.typeClash ? ': type clash' : ''})`);
  }
  out.push(`  the restore writes ${bytesText(p.bytesToWrite)}; ${p.targetOnly} entries of the target are not in the archive and stay as they are`);
  for (const w of p.warnings) out.push(`warning: ${w}`);
  out.push('');
  if (p.refusals.length) {
    out.push('the restore would be REFUSED:');
    for (const x of p.refusals) out.push(`  - ${x}`);
  } else out.push('the restore can go ahead as asked (nothing was written: this was a dry run)');
  return out.join('\n') + '\n';
}

/** Exit 0: the restore could go ahead; 2: it would be refused, or the plan could not be made. */
export async function runRestore(cluster: Cluster, io: CliIo, o: RestorePlanOptions & { json: boolean; dryRun: boolean }): Promise<number> {
  if (!o.dryRun) {
    io.stderr.write('gluster-backup: restore: this version plans a restore (--dry-run) but does not write one yet; run it with --dry-run to see what it would do\n');
    return 2;
  }
  const progress = o.json ? io.stderr : io.stdout;
  try {
    const r = await planRestore(cluster, { ...o, entries: o.json, onPhase: (phase, detail) => progress.write(`${phase} ${detail}\n`) });
    if (o.json) io.stdout.write(JSON.stringify({ dryRun: true, ...r }, null, 2) + '\n');
    else io.stdout.write('\n' + planText(r));
    return r.plan.refusals.length ? 2 : 0;
  } catch (e) {
    if (!(e instanceof RestoreError)) throw e;
    io.stderr.write(`gluster-backup: restore: ${e.message}\n`);
    return 2;
  }
}
