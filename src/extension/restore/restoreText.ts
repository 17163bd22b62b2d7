// The words of "Restore…": the operator's include list, the plan as rows, the confirmation and
// the verdict. Free of `vscode` so they can be unit tested without an extension host.
import { blockingRefusals, type Refusal } from '../../core/restore/refusal';
import type { PreflightOverride } from '../../core/backup/jobFile';
import type { ExistingPolicy } from '../../core/restore/plan';
import { includeKey, RestorePlanError } from '../../core/restore/plan';
import type { RestorePlanResult } from '../../core/restore/restorePlan';
import type { RestoreVerification } from '../../core/restore/restoreJob';
import type { JobRecord } from '../../core/backup/types';
import { humanSize, plural } from '../format';

/**
 * The include paths typed in one box, separated by commas or new lines; blanks dropped and
 * duplicates once. A path with a comma in its name cannot be given here (the CLI's --include can).
 */
export function parseIncludes(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean))];
}

/** Why the include box's text cannot be used, or undefined when it can (empty is everything). */
export function includeProblem(text: string): string | undefined {
  for (const p of parseIncludes(text)) {
    try {
      includeKey(p);
    } catch (e) {
      if (e instanceof RestorePlanError) return e.message.replace(/^--include /, '');
      throw e;
    }
  }
  return undefined;
}

export const POLICY_TEXT: Record<ExistingPolicy, { label: string; detail: string }> = {
  refuse: { label: 'Refuse', detail: 'Nothing is replaced: if a file or link the archive holds exists in the target, the restore does not start.' },
  skip: { label: 'Skip existing', detail: 'Existing files and links are kept as they are; only what is missing is written.' },
  overwrite: { label: 'Overwrite existing', detail: 'Existing files and links are replaced by the archived ones.' },
};

/** One row of the plan, as a quick pick shows it (the command adds the QuickPickItem parts). */
export interface PlanRow {
  label: string;
  description?: string;
  detail?: string;
}

export function archiveName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** write / merge / skip / overwrite, the entries in the way, warnings: counts and bytes, as the CLI's plan text has them. */
export function planRows(r: RestorePlanResult): PlanRow[] {
  const p = r.plan;
  const rows: PlanRow[] = [
    { label: `$(new-file) write ${plural(p.write.count, 'entry', 'entries')}`, description: humanSize(p.write.bytes), detail: 'not in the target yet' },
  ];
  if (p.merge) rows.push({ label: `$(folder) merge ${plural(p.merge, 'directory', 'directories')}`, description: 'that exist', detail: 'merged into, never replaced' });
  if (p.skip.count) rows.push({ label: `$(debug-step-over) skip ${plural(p.skip.count, 'entry', 'entries')}`, description: humanSize(p.skip.bytes), detail: 'they exist and are kept as they are' });
  if (p.overwrite.count) rows.push({ label: `$(replace-all) overwrite ${plural(p.overwrite.count, 'entry', 'entries')}`, description: humanSize(p.overwrite.bytes), detail: 'they exist and are replaced' });
  for (const c of p.conflicts.items) {
    rows.push({ label: `$(circle-slash) in the way: ${c.path}`, description: `${c.target} in the target, ${c.archive} in the archive${c.typeClash ? ': type clash' : ''}` });
  }
  if (p.conflicts.omitted) rows.push({ label: `$(circle-slash) … ${p.conflicts.count - p.conflicts.items.length} more in the way`, description: 'all of them in the log' });
  rows.push({
    label: `$(info) ${humanSize(p.bytesToWrite)} to write, ${humanSize(r.freeBytes)} free on ${r.volume}`,
    detail: `${plural(p.targetOnly, 'entry', 'entries')} of the target ${p.targetOnly === 1 ? 'is' : 'are'} not in the archive and stay as they are`,
  });
  for (const w of p.warnings) rows.push({ label: `$(warning) ${w}` });
  return rows;
}

/** The quick pick's title: where from, where to, and whether it can go. */
export function planTitle(r: RestorePlanResult, refusals: readonly Refusal[], overrides: readonly PreflightOverride[] = []): string {
  const what = `Restore ${archiveName(r.archive)} into ${r.targetDir} on ${r.node}`;
  const stop = blockingRefusals(refusals, overrides).length;
  if (stop) return `${what}: refused (${plural(stop, 'reason')}), nothing was written`;
  return refusals.length ? `${what}: can go ahead with ${plural(refusals.length, 'check')} overridden` : `${what}: can go ahead`;
}


/**
 * The modal confirmation before anything is written: the node, the target, the volume, and what
 * is replaced (count and first names), so no one overwrites a volume by a wrong click.
 */
export function confirmText(r: RestorePlanResult, overwriteNames: readonly string[]): { message: string; detail: string } {
  const p = r.plan;
  const lines = [
    `Node ${r.node}: tar extracts in its gluster container into ${r.targetDir}${r.targetExists ? '' : ' (created)'}, on volume ${r.volume} (${humanSize(r.freeBytes)} free).`,
    `From ${r.archive}${p.include.length ? `, only ${p.include.join(', ')}` : ''}.`,
    `Writes ${plural(p.write.count, 'new entry', 'new entries')} (${humanSize(p.write.bytes)})${p.merge ? `, merges into ${plural(p.merge, 'existing directory', 'existing directories')}` : ''}${p.skip.count ? `, keeps ${plural(p.skip.count, 'existing entry', 'existing entries')}` : ''}.`,
  ];
  if (p.overwrite.count) {
    const more = p.overwrite.count - overwriteNames.length;
    lines.push(
      `OVERWRITES ${plural(p.overwrite.count, 'existing entry', 'existing entries')} (${humanSize(p.overwrite.bytes)})${overwriteNames.length ? `: ${overwriteNames.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : ''}.`,
    );
  } else lines.push('Overwrites nothing.');
  lines.push('A cancel stops tar and leaves what it has written.');
  return { message: `Restore ${archiveName(r.archive)} into ${r.targetDir} on ${r.node}?`, detail: lines.join('\n') };
}

export interface VerdictMessage {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

function where(job: JobRecord): string {
  return `Restore into ${job.restore?.target ?? '?'} on ${job.node}`;
}

/** The notification after a completed restore's verification (or its failure). */
export function verdictMessage(job: JobRecord, outcome: { verification: RestoreVerification } | { error: string } | { recorded: number }): VerdictMessage {
  if ('error' in outcome) return { severity: 'error', text: `${where(job)}: tar finished, but the verification failed: ${outcome.error}` };
  if ('recorded' in outcome) {
    const n = outcome.recorded;
    return n === 0
      ? { severity: 'info', text: `${where(job)}: verified (by the client that verified it first).` }
      : { severity: 'warning', text: `${where(job)}: ${plural(n, 'difference')} from the archive (found by the client that verified it first).` };
  }
  const v = outcome.verification;
  if (v.verdict === 'verified') return { severity: 'info', text: `${where(job)}: verified, all ${v.members} archive members are there as archived.` };
  return {
    severity: 'warning',
    text: `${where(job)}: ${plural(v.differences, 'difference')} from the archive (${v.missing.count} missing, ${v.changed.count} different) among ${v.members} members.`,
  };
}
