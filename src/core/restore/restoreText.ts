// A restore's plan and verification in words, as the CLI prints them and the extension shows them.
import { bytesText } from '../bytes';
import { type ChangedItem } from '../archive/compare';
import type { PreflightOverride } from '../backup/jobFile';
import { blockingRefusals, refusalText, type Refusal } from './refusal';
import type { RestoreVerification } from './restoreJob';
import type { RestorePlanResult } from './restorePlan';
import { shownName } from '../archive/paths';
import { deviceText } from '../archive/entryTable';

export function planText(r: RestorePlanResult, refusals: readonly Refusal[] = r.plan.refusals, overrides: readonly PreflightOverride[] = []): string {
  const p = r.plan;
  const out: string[] = [];
  const read =
    r.method === 'member-list'
      ? `from the member list its backup wrote, ${bytesText(p.archive.bytesRead)} read; the archive itself is not read in a dry run, so damage to it shows only when the restore reads it`
      : p.archive.compressed
        ? `listed by tar in the container`
        : `${bytesText(p.archive.bytesRead)} of headers read`;
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
    for (const c of p.conflicts.items) out.push(`    ${shownName(c.path)}  (${c.target} in the target, ${c.archive} in the archive${c.typeClash ? ': type clash' : ''})`);
  }
  out.push(`  the restore writes ${bytesText(p.bytesToWrite)}; ${p.targetOnly} entries of the target are not in the archive and stay as they are`);
  for (const w of p.warnings) out.push(`warning: ${w}`);
  out.push('');
  const stop = blockingRefusals(refusals, overrides);
  if (stop.length) out.push('the restore would be REFUSED:');
  else if (refusals.length) out.push('the restore can go ahead with the overrides given (nothing was written: this was a dry run):');
  for (const x of refusals) out.push(`  - ${refusalText(x, overrides)}`);
  if (!refusals.length) out.push('the restore can go ahead as asked (nothing was written: this was a dry run)');
  return out.join('\n') + '\n';
}

/** Each reason with the archive's value and the target's: "mode 0640 in the archive, 0600 restored". */
export function changeText(c: ChangedItem): string {
  const a = c.archive;
  const f = c.filesystem;
  // A device node or fifo by its kind ("character device 1,3"), not as the type "other".
  const kindOf = (x: ChangedItem['archive']) => (x.device !== undefined ? deviceText(x.device) : `a ${x.type}`);
  const owner = (x: ChangedItem['archive']) => `${x.uid ?? '?'}:${x.gid ?? '?'}`;
  // An archive's mtime can be outside what a Date holds.
  const when = (t: number) => (Number.isFinite(new Date(t * 1000).getTime()) ? new Date(t * 1000).toISOString() : `${t} s`);
  return c.reasons
    .map((r) => {
      switch (r) {
        case 'type':
          return `${kindOf(a)} in the archive, ${kindOf(f)} restored`;
        case 'size':
          return `size ${a.size} in the archive, ${f.size} restored`;
        case 'mtime':
          return `mtime ${when(a.mtime)} in the archive, ${when(f.mtime)} restored`;
        case 'linkname':
          return `link to ${a.linkname === undefined ? '?' : shownName(a.linkname)} in the archive, to ${f.linkname === undefined ? '?' : shownName(f.linkname)} restored`;
        case 'mode':
          return `mode ${a.mode ?? '?'} in the archive, ${f.mode ?? '?'} restored`;
        case 'owner':
          return `owner ${owner(a)} in the archive, ${owner(f)} restored`;
        case 'device':
          return `${deviceText(a.device)} in the archive, ${deviceText(f.device)} restored`;
      }
    })
    .join('; ');
}

/** The verification, for people: the headline first, then what is missing and what differs. */
export function verificationText(v: RestoreVerification): string {
  const out: string[] = [];
  out.push(
    v.verdict === 'verified'
      ? `verified: all ${v.members} archive members are in ${v.targetDir} as archived (${v.compared})`
      : `DIFFERENCES: ${v.differences} of ${v.members} archive members are not in ${v.targetDir} as archived (${v.missing.count} missing, ${v.changed.count} different${v.unlinked?.count ? `, ${v.unlinked.count} not linked` : ''})`,
  );
  for (const m of v.missing.items.slice(0, 20)) out.push(`  missing   ${shownName(m.path)}`);
  for (const c of v.changed.items.slice(0, 20)) out.push(`  different ${shownName(c.path)} (${changeText(c)})`);
  for (const u of v.unlinked?.items.slice(0, 20) ?? []) out.push(`  not linked ${shownName(u.path)} (archived as a hard link of ${shownName(u.linkTarget)}, restored as a file of its own)`);
  if (v.missing.count + v.changed.count > 40) out.push(`  … the report lists up to ${v.missing.items.length + v.changed.items.length}`);
  if (v.targetOnly.files + v.targetOnly.dirs) out.push(`information: ${v.targetOnly.files} files and ${v.targetOnly.dirs} directories in the target are not in the archive (left as they are)`);
  return out.join('\n') + '\n';
}
