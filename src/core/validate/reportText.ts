// The validation report for people: Markdown, read in an editor tab or printed by the CLI. The
// JSON beside the archive stays the complete record; this is the readable face of it.
import type { ChangedItem, ReportItem, Section } from '../archive/compare';
import { bytesText } from '../bytes';
import type { ValidationResult } from './validateBackup';
import { shownName, shownText } from '../archive/paths';
import { plural } from '../words';

const size = bytesText;

const VERDICT: Record<ValidationResult['report']['verdict'], string> = {
  complete: 'Complete: every file of the filesystem is in the archive, unchanged',
  incomplete: 'INCOMPLETE: files of the filesystem are missing from the archive',
  differs: 'Nothing missing; some entries were removed or changed since the backup',
  truncated: 'TRUNCATED ARCHIVE: it ends early and cannot restore everything',
  corrupt: 'CORRUPT ARCHIVE: a header is broken; a restore stops there',
};

const CHECKSUM: Record<ValidationResult['checksum'], string> = {
  ok: 'sha256 of the archive matches its .sha256 file',
  mismatch: 'MISMATCH: the archive is not what the backup wrote',
  absent: 'none',
  'not-checked': 'not checked',
};

/**
 * Paths go in code spans; a name can hold backticks or newlines, so those are shown escaped
 * (the JSON report has the exact bytes).
 */
function code(p: string): string {
  const shown = shownName(p);
  const ticks = shown.includes('`') ? '`` ' : '`';
  return `${ticks}${shown}${ticks === '`' ? '`' : ' ``'}`;
}

function list<T>(title: string, s: Section<T>, line: (x: T) => string): string[] {
  if (s.count === 0) return [];
  const out = [`## ${title} (${s.count})`, ''];
  for (const x of s.items) out.push(`- ${line(x)}`);
  if (s.omitted > 0) out.push(`- … and ${s.omitted} more (all counted above; the list stops at ${s.items.length})`);
  out.push('');
  return out;
}

function when(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

const item = (x: ReportItem) => `${code(x.path)} (${x.type}${x.type === 'file' ? `, ${size(x.size)}` : ''}${x.linkname !== undefined ? ` → ${code(x.linkname)}` : ''})`;
const linkText = (l: string | undefined) => (l === undefined ? '?' : code(l));
const changed = (x: ChangedItem) =>
  `${code(x.path)}: ${x.reasons
    .map((r) =>
      r === 'size' ? `size ${size(x.archive.size)} → ${size(x.filesystem.size)}` : r === 'mtime' ? `mtime ${when(x.archive.mtime)} → ${when(x.filesystem.mtime)}` : r === 'type' ? `type ${x.archive.type} → ${x.filesystem.type}` : `link ${linkText(x.archive.linkname)} → ${linkText(x.filesystem.linkname)}`,
    )
    .join(', ')}`;

export function reportTitle(r: ValidationResult): string {
  return `Validation of ${r.archive.slice(r.archive.lastIndexOf('/') + 1)}`;
}

export function reportMarkdown(r: ValidationResult): string {
  const rep = r.report;
  const a = rep.archive;
  const f = rep.filesystem;
  const out: string[] = [`# ${reportTitle(r)}`, ''];
  // A damaged archive says so before anything its listing found.
  if (r.checksum === 'mismatch') out.push(`**ARCHIVE DAMAGED**: ${r.checksumDetail ?? 'its sha256 differs from its checksum file'}.`, '');
  out.push(`**${VERDICT[rep.verdict]}.**`, '', rep.summary, '');
  for (const c of r.cautions) out.push(`> **Caution:** ${c}`, '');
  out.push(
    '| | |',
    '|---|---|',
    `| Archive | ${code(r.archive)} on ${r.node} (${size(r.archiveBytes)}${a.compressed ? ', gzip' : ''}) |`,
    `| Filesystem | ${code(r.root)} ${listingText(r)} |`,
    `| Archive entries | ${a.entries}: ${plural(a.files, 'file')}, ${plural(a.dirs, 'directory', 'directories')}, ${plural(a.symlinks, 'symlink')}, ${plural(a.hardlinks, 'hard link')}${a.other ? `, ${a.other} other` : ''} (${size(a.bytes)}) |`,
    `| Filesystem entries | ${f.entries}: ${plural(f.files - f.symlinks, 'file')}, ${plural(f.dirs, 'directory', 'directories')}, ${plural(f.symlinks, 'symlink')}${f.other ? `, ${f.other} other` : ''} (${size(f.bytes)}) |`,
    `| Missing files | ${rep.missingFiles.count} (${rep.missingFiles.percentOfFsFiles}% of files, ${size(rep.missingFiles.bytes)}, ${rep.missingFiles.percentOfFsBytes}% of bytes) |`,
    `| Missing directories | ${rep.missingDirs.count} |`,
    `| Changed since the backup | ${rep.changed.count} (${rep.changed.percentOfFsFiles}% of files) |`,
    `| No longer in the filesystem | ${rep.extra.count} (${rep.extra.percentOfArchiveEntries}% of archive entries) |`,
    `| Checksum | ${CHECKSUM[r.checksum]}${r.checksum !== 'ok' && r.checksum !== 'mismatch' && r.checksumDetail ? `: ${r.checksumDetail}` : ''} |`,
    `| Read | ${methodText(r)} in ${(r.timings.totalMs / 1000).toFixed(1)} s |`,
    '',
  );
  if (a.problem) out.push(`## Archive problem`, '', `${a.problem.kind} at byte ${a.problem.offset}: ${a.problem.message}${a.problem.member ? ` (member ${code(a.problem.member)})` : ''}`, '');
  if (r.job) {
    const w = r.job.warnings;
    out.push(`## Backup job ${r.job.id}`, '', `State: ${r.job.state}${r.job.exitCode !== undefined ? ` (tar exit ${r.job.exitCode})` : ''}${r.job.reason ? `: ${shownText(r.job.reason)}` : ''}.`);
    const total = Object.values(w ?? {}).reduce((x, y) => x + (y ?? 0), 0);
    if (w && total > 0) {
      out.push(`tar warned ${plural(total, 'time')} while it read the filesystem: ${Object.entries(w).map(([k, n]) => `${k} ${n}`).join(', ')}.`, '');
      for (const m of r.job.lastWarnings) out.push(`- ${code(m)}`);
    }
    out.push('');
  }
  if (r.readData) out.push(...readDataSection(r));
  out.push(...list('Missing from the archive', rep.missingFiles, item));
  out.push(...list('Directories missing from the archive', rep.missingDirs, item));
  out.push(...list('Devices and fifos missing from the archive', rep.missingOther, item));
  out.push(...list('Changed since the backup', rep.changed, changed));
  out.push(...list('In the archive, no longer in the filesystem', rep.extra, item));
  out.push(r.savedTo ? `The full report (exact names included) is saved as ${code(r.savedTo)} on ${r.node}.` : r.saveError ? `**${r.saveError}**` : '');
  return out.join('\n') + '\n';
}

function readDataSection(r: ValidationResult): string[] {
  const d = r.readData!;
  const which = d.subset ? `members ${d.from + 1} to ${d.to} of ${d.members} (${d.subset.percent}% slice, run ${d.subset.run} of the cycle${d.subset.restarted ? ', started over' : ''}${d.subset.cycleComplete ? '; the cycle is complete: the next run starts over' : ''})` : `all ${d.members} regular-file members`;
  const out = ['## Data read', '', `Compared ${d.checked} of ${which} with the live files (${size(d.bytesChecked)}) in ${(d.ms / 1000).toFixed(1)} s.`];
  if (d.damage) out.push('', `**ARCHIVE DAMAGED: ${d.damage.message}${d.damage.offset !== undefined ? ` (byte ${d.damage.offset})` : ''}${d.damage.member ? `; member ${code(d.damage.member.path)}` : ''}.**`);
  if (d.contentDiffers.count) {
    out.push('', `${d.contentDiffers.count} member(s) whose data differs from the live file although size and mtime agree${d.verdict === 'damaged' ? ' (the archive\'s side is at fault where it is damaged)' : r.checksum === 'ok' ? ' (the archive matches its checksum: the live files changed)' : ''}:`, '');
    for (const x of d.contentDiffers.items) out.push(`- ${code(x.path)}`);
    if (d.contentDiffers.omitted) out.push(`- … and ${d.contentDiffers.omitted} more`);
  } else if (!d.damage) out.push('', 'Every member compared holds the same data as its live file.');
  if (d.changedCount || d.goneCount) out.push('', `${d.changedCount} changed the ordinary way (size or mtime), ${d.goneCount} no longer in the filesystem: listed above by the names-only comparison.`);
  for (const c of d.cautions) out.push('', `> **Caution:** ${c}`);
  if (d.subset?.saveError) out.push('', `**${d.subset.saveError}**`);
  out.push('');
  return out;
}

/** Where the filesystem side was listed from; a report saved by an older version does not say. */
function listingText(r: ValidationResult): string {
  const l = r.listing as ValidationResult['listing'] | undefined;
  if (l?.from === 'bricks') return `listed from its bricks: ${(l.bricks ?? []).map(code).join(', ')}${l.linkFiles ? ` (${l.linkFiles} DHT link file(s) left out)` : ''}`;
  return `listed through the mount in the gluster container on ${r.node}${l?.why ? ` (not from the bricks: ${l.why})` : ''}`;
}

function methodText(r: ValidationResult): string {
  const a = r.report.archive;
  if (r.method === 'container-tar') return `archive listed by tar inside the gluster container (${size(r.listingBytes)} of filesystem listing sent)`;
  const what = r.method === 'local-file' ? 'local file' : 'SFTP';
  return `archive headers over ${what}: ${size(a.bytesRead ?? 0)} read of ${size(r.archiveBytes)}`;
}

/** The one line for the output channel and notifications. */
export function reportLine(r: ValidationResult): string {
  const rep = r.report;
  const name = r.archive.slice(r.archive.lastIndexOf('/') + 1);
  const d = r.readData;
  const data = !d ? '' : d.verdict === 'damaged' ? `; data: damaged at ${d.damage!.offset !== undefined ? `byte ${d.damage!.offset}` : 'its data'}${d.damage!.member ? `, member ${shownName(d.damage!.member.path)}` : ''}` : `; data: ${d.contentDiffers.count} of ${d.checked} members differ behind the same size and mtime`;
  if (r.checksum === 'mismatch') return `validate ${name} on ${r.node}: ${r.checksumDetail ?? 'archive damaged'}${data}; ${rep.verdict}; ${rep.missingFiles.count} missing`;
  const sum = r.checksum === 'ok' ? '; sha256 ok' : r.checksum === 'absent' ? '; no checksum beside the archive' : '';
  return `validate ${name} on ${r.node}: ${rep.verdict}${sum}${data}; ${rep.missingFiles.count} missing, ${rep.changed.count} changed, ${rep.extra.count} no longer in the filesystem (of ${rep.filesystem.files} files)${rep.archive.problem ? `; ${rep.archive.problem.message}` : ''}`;
}
