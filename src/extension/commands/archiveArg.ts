// The archive a command was given from its tree row (ArchiveItem: node name and archive), read
// by shape: the arguments of a command come from VS Code, not from our own types; or the one
// the operator picks among archives on the nodes (Validate and Restore from the palette).
import * as vscode from 'vscode';
import type { JobRecord } from '../../core/backup/types';
import type { BackupArchive } from '../../core/model';
import { humanSize, shortDate } from '../format';

export interface ArchiveTarget {
  node: string;
  archive: BackupArchive;
}

export function archiveTargetOf(arg: unknown): ArchiveTarget | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as { nodeName?: unknown; archive?: BackupArchive };
  if (typeof a.nodeName === 'string' && a.archive && typeof a.archive.path === 'string') return { node: a.nodeName, archive: a.archive };
  return undefined;
}

/** The argument Validate Backup takes for the archive a finished backup job wrote (what its tree row would pass). */
export function archiveArgOf(job: JobRecord): { nodeName: string; archive: BackupArchive } {
  const name = job.archive.slice(job.archive.lastIndexOf('/') + 1);
  return { nodeName: job.node, archive: { name, path: job.archive, size: job.archiveBytes ?? 0, mtime: job.endedAt ?? job.startedAt, partial: false } };
}

interface ArchivePick extends vscode.QuickPickItem {
  target: ArchiveTarget;
}

/** A quick pick of archives, newest first, each with its node, size and time. */
export async function pickAmong(targets: readonly ArchiveTarget[], title: string, ignoreFocusOut = false): Promise<ArchiveTarget | undefined> {
  const picks: ArchivePick[] = targets
    .map((t) => ({ label: t.archive.name, description: `${t.node} · ${humanSize(t.archive.size)} · ${shortDate(t.archive.mtime)}`, detail: t.archive.path, target: t }))
    .sort((x, y) => y.target.archive.mtime.localeCompare(x.target.archive.mtime));
  const picked = await vscode.window.showQuickPick(picks, { title, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut });
  return picked?.target;
}
