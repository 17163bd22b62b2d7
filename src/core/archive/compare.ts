// Archive against filesystem, by a merge of both lists in byte order of their canonical paths.
// The headline is what the filesystem has and the archive lacks: that is what a restore from
// this archive would lose.
import { bytesText } from '../bytes';
import { EntryTable, findKey, lastCopies, pathFields, type EntryMeta, type EntryType, type FsEntrySink } from './entryTable';
import { FsListParser } from './fsList';
import type { TarIndexResult, TarProblem } from './tarIndex';

export type Verdict =
  | 'complete' // every file and directory is in the archive, none changed
  | 'incomplete' // files or directories of the filesystem are missing from the archive
  | 'differs' // nothing missing, but extra or changed entries
  | 'truncated' // the archive is cut short: only its beginning could be compared
  | 'corrupt'; // the archive has a broken header: only what precedes it could be compared

export interface ReportItem {
  path: string;
  /** The exact name bytes, when `path` (UTF-8 with \xNN for invalid bytes) is not exact. */
  pathBase64?: string;
  type: EntryType;
  size: number;
  mtime: number;
  linkname?: string;
}

export type ChangeReason = 'type' | 'size' | 'mtime' | 'linkname' | 'mode' | 'owner' | 'device';

/** One side of a changed entry; mode (octal text, as ls and chmod speak) and owner when compared. */
export interface ChangedSide {
  type: EntryType;
  size: number;
  mtime: number;
  linkname?: string;
  mode?: string;
  uid?: number;
  gid?: number;
  /** A device node's or fifo's kind and numbers (EntryMeta.device), when compared. */
  device?: string;
}

export interface ChangedItem {
  path: string;
  pathBase64?: string;
  reasons: ChangeReason[];
  archive: ChangedSide;
  filesystem: ChangedSide;
}

export interface Section<T> {
  count: number;
  /** Regular-file bytes of the section (filesystem sizes, for changed). */
  bytes: number;
  /** Listed items, in byte order of the paths; at most `maxListed`. */
  items: T[];
  /** Items counted but not listed. */
  omitted: number;
}

export interface ValidationReport {
  verdict: Verdict;
  /** One paragraph for people. */
  summary: string;
  archive: {
    entries: number;
    files: number;
    dirs: number;
    symlinks: number;
    hardlinks: number;
    other: number;
    /** Bytes of regular files (hard links share their target's). */
    bytes: number;
    /** Paths stored more than once (the last copy is the one compared, as tar restores it). */
    duplicates: number;
    problem?: TarProblem;
    bytesRead?: number;
    archiveSize?: number;
    compressed?: boolean;
  };
  filesystem: {
    entries: number;
    /** Regular files and symlinks: what "files" counts and percentages refer to. */
    files: number;
    dirs: number;
    symlinks: number;
    other: number;
    bytes: number;
    /** Sockets, which tar cannot archive: not compared. */
    socketsNotArchivable: number;
  };
  /** Files (regular and symlinks) of the filesystem missing from the archive: the headline. */
  missingFiles: Section<ReportItem> & { percentOfFsFiles: number; percentOfFsBytes: number };
  missingDirs: Section<ReportItem> & { percentOfFsDirs: number };
  /** Devices and fifos of the filesystem missing from the archive. */
  missingOther: Section<ReportItem>;
  /** In the archive, no longer in the filesystem. */
  extra: Section<ReportItem> & { files: number; dirs: number; percentOfArchiveEntries: number; percentOfArchiveBytes: number };
  /** In both, with a different type, size, mtime or symlink target. */
  changed: Section<ChangedItem> & { percentOfFsFiles: number; percentOfFsBytes: number };
  options: { mtimeToleranceSec: number; maxListed: number };
}

export interface CompareOptions {
  /** mtimes closer than this are equal (default 1: tar stores whole seconds unless PAX). */
  mtimeToleranceSec?: number;
  /** Items listed per section (default 1000); counts and bytes always cover everything. */
  maxListed?: number;
  /**
   * Also compare permission bits and numeric owners where both sides have them (a listing
   * made with FS_LIST_META_FORMAT): what a restore must give back, not what a live filesystem
   * keeps still (validate leaves it off).
   */
  compareMeta?: boolean;
}

const pct = (n: number, d: number): number => (d > 0 ? Math.round((n / d) * 1e6) / 1e4 : 0);

/**
 * Counts everything, keeps the `max` smallest keys. A million missing files (an empty
 * archive) must not mean a million report items in memory.
 */
export class Smallest<T> {
  count = 0;
  bytes = 0;
  private rows: { key: string; make: () => T }[] = [];
  private limit: string | undefined;

  constructor(private readonly max: number) {}

  add(key: string, bytes: number, make: () => T): void {
    this.count++;
    this.bytes += bytes;
    if (this.max === 0 || (this.limit !== undefined && key >= this.limit)) return;
    this.rows.push({ key, make });
    if (this.rows.length >= 2 * this.max) this.trim();
  }

  section(): Section<T> {
    this.trim();
    const items = this.rows.map((r) => r.make());
    return { count: this.count, bytes: this.bytes, items, omitted: this.count - items.length };
  }

  private trim(): void {
    this.rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (this.rows.length > this.max) {
      this.rows.length = this.max;
      this.limit = this.rows[this.max - 1].key;
    }
  }
}

function item(t: EntryTable, i: number, size = t.size(i)): ReportItem {
  const r: ReportItem = { ...pathFields(t.key(i)), type: t.type(i), size, mtime: t.mtime(i) };
  const l = t.linkKey(i);
  if (l !== undefined) r.linkname = pathFields(l).path;
  return r;
}

/** Which entries count as the same kind of object on both sides. */
function kind(t: EntryType): 'file' | 'dir' | 'symlink' | 'other' {
  return t === 'hardlink' ? 'file' : t;
}

function isTable(x: TarIndexResult | EntryTable): x is EntryTable {
  return x instanceof EntryTable;
}

/**
 * The comparison, fed the filesystem one entry at a time (it is an FsEntrySink, so an
 * FsListParser can feed it straight from find's output). Only the archive side is held, sorted
 * once; each filesystem entry is looked up in it by binary search, and a bitmap marks the
 * archive entries seen, which leaves the extra ones at the end.
 */
export class ArchiveComparer implements FsEntrySink {
  private readonly A: EntryTable;
  private readonly idx: TarIndexResult | undefined;
  private readonly tol: number;
  private readonly max: number;
  private readonly meta: boolean;
  /** Archive rows in byte order of their keys, the last copy of each path only. */
  private readonly au: Uint32Array;
  private readonly seen: Uint8Array;
  private readonly duplicates: number;
  private readonly fsc = { entries: 0, files: 0, dirs: 0, symlinks: 0, other: 0, bytes: 0, socketsNotArchivable: 0 };
  private readonly missingFiles: Smallest<ReportItem>;
  private readonly missingDirs: Smallest<ReportItem>;
  private readonly missingOther: Smallest<ReportItem>;
  private readonly changed: Smallest<ChangedItem>;

  constructor(archive: TarIndexResult | EntryTable, opts: CompareOptions = {}) {
    this.tol = opts.mtimeToleranceSec ?? 1;
    this.max = opts.maxListed ?? 1000;
    this.meta = opts.compareMeta ?? false;
    this.A = isTable(archive) ? archive : archive.entries;
    this.idx = isTable(archive) ? undefined : archive;
    const { rows, duplicates } = lastCopies(this.A);
    this.duplicates = duplicates;
    this.au = rows;
    this.seen = new Uint8Array(rows.length);
    this.missingFiles = new Smallest(this.max);
    this.missingDirs = new Smallest(this.max);
    this.missingOther = new Smallest(this.max);
    this.changed = new Smallest(this.max);
  }

  /** Position of `key` in the sorted archive rows, or -1. */
  private find(key: string): number {
    return findKey(this.A, this.au, key);
  }

  /** A hard link's size is its target's; the header itself carries 0. */
  private archiveSize(row: number): number | undefined {
    const A = this.A;
    if (A.type(row) !== 'hardlink') return A.size(row);
    const p = this.find(A.linkKey(row) ?? '');
    return p < 0 || A.type(this.au[p]) !== 'file' ? undefined : A.size(this.au[p]);
  }

  socket(): void {
    this.fsc.socketsNotArchivable++;
  }

  entry(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, meta?: EntryMeta): void {
    const fsc = this.fsc;
    fsc.entries++;
    if (type === 'file') (fsc.files++, (fsc.bytes += size));
    else if (type === 'dir') fsc.dirs++;
    else if (type === 'symlink') (fsc.files++, fsc.symlinks++);
    else fsc.other++;
    const fsItem = (): ReportItem => ({ ...pathFields(key), type, size, mtime, ...(linkKey !== undefined ? { linkname: pathFields(linkKey).path } : {}) });

    const p = this.find(key);
    if (p < 0) {
      const s = type === 'dir' ? this.missingDirs : type === 'other' ? this.missingOther : this.missingFiles;
      s.add(key, type === 'file' ? size : 0, fsItem);
      return;
    }
    // find lists a path once; should a listing repeat one, it is the same object again.
    if (this.seen[p]) return;
    this.seen[p] = 1;
    const A = this.A;
    const ai = this.au[p];
    const at = A.type(ai);
    const reasons: ChangeReason[] = [];
    const aSize = this.archiveSize(ai);
    if (kind(at) !== kind(type)) reasons.push('type');
    else if (type === 'file') {
      if (aSize !== undefined && aSize !== size) reasons.push('size');
      if (Math.abs(A.mtime(ai) - mtime) >= this.tol) reasons.push('mtime');
    } else if (type === 'symlink') {
      // A symlink's "size" is its target's length and its mtime is when it was made: the
      // target is what a restore must get right.
      if (A.linkKey(ai) !== linkKey) reasons.push('linkname');
    } else if (type === 'other' && this.meta) {
      // "other" is any of three kinds: a fifo restored where the archive has a disk's block
      // device is not the same object. The numbers count only when both sides have them.
      const ad = A.device(ai);
      const fd = meta?.device;
      if (ad !== undefined && fd !== undefined && (ad[0] !== fd[0] || (ad.length > 1 && fd.length > 1 && ad !== fd))) reasons.push('device');
    }
    // Directories: presence only; their mtime moves whenever an entry is added or removed.
    const am = this.meta && !reasons.includes('type') ? A.meta(ai) : undefined;
    if (am && meta) {
      // A symlink's mode is always 0777 on Linux: nothing a restore sets.
      if (type !== 'symlink' && am.mode !== undefined && meta.mode !== undefined && am.mode !== meta.mode) reasons.push('mode');
      if ((am.uid !== undefined && meta.uid !== undefined && am.uid !== meta.uid) || (am.gid !== undefined && meta.gid !== undefined && am.gid !== meta.gid)) reasons.push('owner');
    }
    if (reasons.length === 0) return;
    this.changed.add(key, type === 'file' ? size : 0, () => {
      const ar = item(A, ai, aSize ?? A.size(ai));
      const fr = fsItem();
      const side = (r: ReportItem, m: EntryMeta | undefined): ChangedSide => ({
        type: r.type,
        size: r.size,
        mtime: r.mtime,
        ...(r.linkname !== undefined ? { linkname: r.linkname } : {}),
        ...(this.meta && m?.mode !== undefined ? { mode: m.mode.toString(8).padStart(4, '0') } : {}),
        ...(this.meta && m?.uid !== undefined ? { uid: m.uid } : {}),
        ...(this.meta && m?.gid !== undefined ? { gid: m.gid } : {}),
        ...(this.meta && m?.device !== undefined ? { device: m.device } : {}),
      });
      return { ...pathFields(key), reasons, archive: side(ar, A.meta(ai)), filesystem: side(fr, meta) };
    });
  }

  /** The report, once the whole listing went through `entry`. */
  finish(): ValidationReport {
    const { A, au, max, idx, fsc } = this;
    const arc = { entries: au.length, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, other: 0, bytes: 0 };
    const extra = new Smallest<ReportItem>(max);
    let extraFiles = 0;
    let extraDirs = 0;
    for (let p = 0; p < au.length; p++) {
      const i = au[p];
      const t = A.type(i);
      if (t === 'file') (arc.files++, (arc.bytes += A.size(i)));
      else if (t === 'dir') arc.dirs++;
      else if (t === 'symlink') arc.symlinks++;
      else if (t === 'hardlink') arc.hardlinks++;
      else arc.other++;
      if (this.seen[p]) continue;
      extra.add(A.key(i), t === 'file' ? A.size(i) : 0, () => item(A, i, this.archiveSize(i) ?? A.size(i)));
      if (t === 'dir') extraDirs++;
      else if (t !== 'other') extraFiles++;
    }
    const missingFiles = this.missingFiles.section();
    const missingDirs = this.missingDirs.section();
    const missingOther = this.missingOther.section();
    const changed = this.changed.section();
    const extraS = extra.section();

    const problem = idx?.problem;
    const missingAny = missingFiles.count + missingDirs.count + missingOther.count;
    const verdict: Verdict = problem ? problem.kind : missingAny > 0 ? 'incomplete' : extraS.count + changed.count > 0 ? 'differs' : 'complete';
    const fsFiles = fsc.files;
    const report: ValidationReport = {
      verdict,
      summary: '',
      archive: {
        ...arc,
        duplicates: this.duplicates,
        ...(problem ? { problem } : {}),
        ...(idx ? { bytesRead: idx.bytesRead, compressed: idx.compressed } : {}),
        ...(idx?.archiveSize !== undefined ? { archiveSize: idx.archiveSize } : {}),
      },
      filesystem: { ...fsc },
      missingFiles: { ...missingFiles, percentOfFsFiles: pct(missingFiles.count, fsFiles), percentOfFsBytes: pct(missingFiles.bytes, fsc.bytes) },
      missingDirs: { ...missingDirs, percentOfFsDirs: pct(missingDirs.count, fsc.dirs) },
      missingOther,
      extra: { ...extraS, files: extraFiles, dirs: extraDirs, percentOfArchiveEntries: pct(extraS.count, arc.entries), percentOfArchiveBytes: pct(extraS.bytes, arc.bytes) },
      changed: { ...changed, percentOfFsFiles: pct(changed.count, fsFiles), percentOfFsBytes: pct(changed.bytes, fsc.bytes) },
      options: { mtimeToleranceSec: this.tol, maxListed: max },
    };
    report.summary = summarize(report);
    return report;
  }
}

/** Archive index against a filesystem listing held in a table. */
export function compareArchive(archive: TarIndexResult | EntryTable, fs: EntryTable, opts: CompareOptions = {}): ValidationReport {
  const c = new ArchiveComparer(archive, opts);
  for (let j = 0; j < fs.length; j++) c.entry(fs.key(j), fs.type(j), fs.size(j), fs.mtime(j), fs.linkKey(j));
  for (let k = 0; k < fs.skippedSockets; k++) c.socket();
  return c.finish();
}

/**
 * Archive index against find's output as it arrives (e.g. docker exec stdout), without ever
 * holding the filesystem side: the way to validate a million-file volume.
 */
export async function compareArchiveWithListing(archive: TarIndexResult | EntryTable, listing: AsyncIterable<Buffer>, opts: CompareOptions = {}): Promise<ValidationReport> {
  const parser = new FsListParser(new ArchiveComparer(archive, opts));
  for await (const chunk of listing) parser.push(chunk);
  return parser.end().finish();
}


function summarize(r: ValidationReport): string {
  const parts: string[] = [];
  const p = r.archive.problem;
  if (p) parts.push(`The archive is ${p.kind === 'truncated' ? 'TRUNCATED' : 'CORRUPT'}: ${p.message}. Only the members before that point were compared, so the counts below overstate what is missing.`);
  const m = r.missingFiles;
  parts.push(
    m.count === 0
      ? `All ${r.filesystem.files} files of the filesystem are in the archive.`
      : `${m.count} of ${r.filesystem.files} files of the filesystem (${m.percentOfFsFiles}%, ${bytesText(m.bytes)} of ${bytesText(r.filesystem.bytes)}, ${m.percentOfFsBytes}% of the bytes) are missing from the archive.`,
  );
  if (r.missingDirs.count) parts.push(`${r.missingDirs.count} of ${r.filesystem.dirs} directories are missing.`);
  if (r.missingOther.count) parts.push(`${r.missingOther.count} devices or fifos are missing.`);
  if (r.changed.count) parts.push(`${r.changed.count} files differ in type, size, mtime or link target (${r.changed.percentOfFsFiles}% of the files).`);
  if (r.extra.count) parts.push(`${r.extra.count} archive entries (${bytesText(r.extra.bytes)}) are no longer in the filesystem.`);
  if (r.filesystem.socketsNotArchivable) parts.push(`${r.filesystem.socketsNotArchivable} sockets were not compared (tar cannot archive sockets).`);
  return parts.join(' ');
}
