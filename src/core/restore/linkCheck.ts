// The hard links of a restore's verification: the target's listing compares each member by its
// own name, type, size and mode, which a copy passes as well as a link does. Members the archive
// stores as hard links of each other must come back as one file: a write to one name is then a
// write to every name, as on the volume the archive was made from.
import { pathFields, type EntryMeta, type EntryType, type FsEntrySink } from '../archive/entryTable';

export interface UnlinkedItem {
  path: string;
  pathBase64?: string;
  /** The name the archive links it to. */
  linkTarget: string;
  linkTargetBase64?: string;
}

/**
 * Passes the listing on to `next` (the comparison) and keeps the device and inode of the
 * members a hard link names or is named by (find's FS_LIST_VERIFY_FORMAT).
 */
export class LinkCheck<S extends FsEntrySink> implements FsEntrySink {
  private readonly wanted = new Set<string>();
  private readonly inodes = new Map<string, string>();

  /** `links`: each hard link member of the archive with the key it links to. */
  constructor(
    readonly next: S,
    private readonly links: readonly { key: string; to: string }[],
  ) {
    for (const l of links) this.wanted.add(l.key).add(l.to);
  }

  entry(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, meta?: EntryMeta): void {
    if (type === 'file' && meta?.inode !== undefined && this.wanted.has(key)) this.inodes.set(key, meta.inode);
    this.next.entry(key, type, size, mtime, linkKey, meta);
  }

  socket(key: string): void {
    this.next.socket(key);
  }

  /**
   * The hard links whose two names are both regular files of the target but not the same one.
   * A name missing, or not a regular file, is not counted here: the comparison reports it.
   */
  finish(maxListed: number): { count: number; items: UnlinkedItem[] } {
    let count = 0;
    const items: UnlinkedItem[] = [];
    for (const l of this.links) {
      const a = this.inodes.get(l.key);
      const b = this.inodes.get(l.to);
      if (a === undefined || b === undefined || a === b) continue;
      count++;
      if (items.length < maxListed) {
        const to = pathFields(l.to);
        items.push({ ...pathFields(l.key), linkTarget: to.path, ...(to.pathBase64 !== undefined ? { linkTargetBase64: to.pathBase64 } : {}) });
      }
    }
    return { count, items };
  }
}
