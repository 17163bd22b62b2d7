// How an archive row of the explorer looks: its description, icon, contextValue and tooltip,
// from the listing's entry and what the catalog says of it. Pure (no `vscode`): ArchiveItem
// turns it into a TreeItem, and the unit tests read it with the time given.
import type { CatalogArchive } from '../../core/catalog/catalog';
import { keptPartialText, type CatalogKeptPartial } from '../../core/catalog/keptPartials';
import type { BackupArchive } from '../../core/model';
import { archiveTrust } from '../archiveTrust';
import { ago, humanSize, md, shortDate } from '../format';
import { ARCHIVE_CONTEXT } from './contextValues';

export interface ArchiveRowLook {
  description: string;
  /** A codicon id, and the theme colour it takes, if any. */
  icon: { id: string; color?: 'green' | 'warn' | 'err' };
  contextValue: string;
  /** Markdown; whatever came from the node in it is escaped. */
  tooltip: string;
}

/** What the catalog says of one archive row; absent when the catalog was not read at all. */
export interface ArchiveRowCatalog {
  /** Its catalog entry; none when its records could not be read. */
  entry?: CatalogArchive;
  /** The catalog's row of this partial when its backup job kept it as the finished archive. */
  kept?: CatalogKeptPartial;
}

export function archiveRow(a: BackupArchive, now: number, catalog?: ArchiveRowCatalog): ArchiveRowLook {
  const head = `**${md(a.name)}**\n\n${md(humanSize(a.size))} (${a.size} bytes), ${md(shortDate(a.mtime))} (${md(ago(a.mtime, now))})  \n\`${a.path.replace(/`/g, '')}\``;
  const facts = [humanSize(a.size), shortDate(a.mtime)];
  // Only a partial can be kept, and only the catalog's row says it was: the name alone never does.
  const kept = a.partial && catalog?.kept?.name === a.name ? catalog.kept : undefined;
  if (kept) {
    return {
      description: [...facts, 'kept partial: a complete archive, publish it'].join(' · '),
      icon: { id: 'file-zip', color: 'warn' },
      contextValue: ARCHIVE_CONTEXT.kept,
      tooltip: `${head}\n\n${keptTip(kept)}`,
    };
  }
  if (a.partial) {
    return {
      description: [...facts, 'partial'].join(' · '),
      icon: { id: 'warning', color: 'warn' },
      contextValue: ARCHIVE_CONTEXT.partial,
      tooltip: `${head}\n\n**Partial**: a backup still being written, or one that never finished. Do not restore from it.`,
    };
  }
  if (!catalog) return { description: facts.join(' · '), icon: { id: 'file-zip' }, contextValue: ARCHIVE_CONTEXT.archive, tooltip: head };
  const t = archiveTrust(catalog.entry, now);
  return {
    description: [...facts, t.short].join(' · '),
    icon: { id: t.mark === 'check' ? 'pass' : 'error', color: t.severity === 'ok' ? 'green' : t.severity === 'warn' ? 'warn' : 'err' },
    contextValue: ARCHIVE_CONTEXT.archive,
    tooltip: `${head}\n\n${t.reasons.map(md).join('  \n')}`,
  };
}

/** Which job kept it, why, and what to do: the words list and prune say (keptPartialText), not others. */
function keptTip(k: CatalogKeptPartial): string {
  // Not its state: a job that kept its archive is `failed` in its record, which reads here as if the archive were bad.
  const ended = k.job.endedAt ? ` (ended ${shortDate(k.job.endedAt)})` : '';
  const why = k.nameTaken ? `its name ${k.archive} was taken meanwhile by another archive` : `it could not be published as ${k.archive}`;
  return [
    `**Kept partial**: a complete archive, not the leftover of a failed backup. Backup job ${md(k.job.id)}${md(ended)} finished it and kept it as its partial: ${md(why)}.`,
    ...(k.job.reason ? [`The job said: ${md(k.job.reason)}`] : []),
    `${md(keptPartialText(k))}.`,
    'Validate and Restore take it once it has a name of its own.',
  ].join('\n\n');
}
