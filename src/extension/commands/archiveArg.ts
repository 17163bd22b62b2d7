// The archive a command was given from its tree row (ArchiveItem: node name and archive), read
// by shape: the arguments of a command come from VS Code, not from our own types.
import type { BackupArchive } from '../../core/model';

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
