// A column store of entries (archive members or filesystem objects). A million plain objects
// with their strings cost several hundred MB; here an entry is its path string plus 25 bytes
// of typed-array columns, and sorting works on a Uint32Array of row numbers.
import { displayPath, isUtf8Key, keyBytes } from './paths';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'other'];
const TYPE_CODE: Record<EntryType, number> = { file: 0, dir: 1, symlink: 2, hardlink: 3, other: 4 };

export interface Entry {
  /** Canonical path for display (UTF-8; invalid bytes as \xNN). */
  path: string;
  /** Canonical path as a byte key (latin1, one char per byte): exact, use it for matching. */
  key: string;
  type: EntryType;
  /** Bytes; for a hard link in an archive, 0 (the data is stored with its target). */
  size: number;
  /** Seconds since the epoch, fractional when the source has it (PAX, find %T@). */
  mtime: number;
  /** Symlink target or hard link target, as a byte key (hard link targets are canonical). */
  linkKey?: string;
  /** Display form of linkKey. */
  linkname?: string;
  /** Archive only: byte offset of the member's first header (with its L/K/x headers). */
  offset?: number;
  /** Permission bits and numeric owner, when the source gave them (see EntryMeta). */
  meta?: EntryMeta;
}

/**
 * Permission bits (07777) and numeric owner. Archives always carry them; a filesystem listing
 * only when asked (restore verification): validate compares names, sizes and times.
 */
export interface EntryMeta {
  /** Absent when not known (a field that did not decode). */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Stored for "not known": a field the source did not give or that did not decode. */
const UNKNOWN = 0xffffffff;

export interface EntryInput {
  key: string;
  type: EntryType;
  size: number;
  mtime: number;
  linkKey?: string;
  offset?: number;
  meta?: EntryMeta;
}

/** Receives filesystem entries as a listing is parsed: a table, or a comparison in progress. */
export interface FsEntrySink {
  entry(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, meta?: EntryMeta): void;
  /** A socket: tar cannot archive one, so it is counted, not compared. */
  socket(key: string): void;
}

export class EntryTable implements Iterable<Entry>, FsEntrySink {
  private keys: string[] = [];
  private types = new Uint8Array(1024);
  private sizes = new Float64Array(1024);
  private mtimes = new Float64Array(1024);
  private offsets: Float64Array | undefined;
  // Allocated with the first entry that has them: 10 bytes a row, a listing without them pays nothing.
  private modes: Uint16Array | undefined;
  private uids: Uint32Array | undefined;
  private gids: Uint32Array | undefined;
  // Few entries have a link, so a sparse map beats a column.
  private links = new Map<number, string>();
  /** Filesystem listings only: sockets seen and left out (tar cannot archive a socket). */
  skippedSockets = 0;

  static from(entries: Iterable<EntryInput>): EntryTable {
    const t = new EntryTable();
    for (const e of entries) t.push(e.key, e.type, e.size, e.mtime, e.linkKey, e.offset, e.meta);
    return t;
  }

  get length(): number {
    return this.keys.length;
  }

  push(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, offset?: number, meta?: EntryMeta): void {
    const i = this.keys.length;
    if (i === this.types.length) this.grow();
    this.keys.push(key);
    this.types[i] = TYPE_CODE[type];
    this.sizes[i] = size;
    this.mtimes[i] = mtime;
    if (linkKey !== undefined) this.links.set(i, linkKey);
    if (offset !== undefined) {
      this.offsets ??= new Float64Array(this.types.length);
      this.offsets[i] = offset;
    }
    if (meta !== undefined || this.modes) this.setMeta(i, meta);
  }

  private setMeta(i: number, meta: EntryMeta | undefined): void {
    if (!this.modes) {
      this.modes = new Uint16Array(this.types.length);
      this.uids = new Uint32Array(this.types.length).fill(UNKNOWN);
      this.gids = new Uint32Array(this.types.length).fill(UNKNOWN);
      // Rows before the first with meta have none: 0xffff is no mode (07777 is the largest).
      this.modes.fill(0xffff, 0, i);
    }
    const id = (n: number | undefined) => (n !== undefined && Number.isInteger(n) && n >= 0 && n < UNKNOWN ? n : UNKNOWN);
    const mode = meta?.mode;
    this.modes[i] = mode !== undefined && Number.isInteger(mode) && mode >= 0 && mode <= 0o7777 ? mode : 0xffff;
    this.uids![i] = id(meta?.uid);
    this.gids![i] = id(meta?.gid);
  }

  entry(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, meta?: EntryMeta): void {
    this.push(key, type, size, mtime, linkKey, undefined, meta);
  }

  socket(): void {
    this.skippedSockets++;
  }

  key(i: number): string {
    return this.keys[i];
  }
  type(i: number): EntryType {
    return TYPES[this.types[i]];
  }
  size(i: number): number {
    return this.sizes[i];
  }
  mtime(i: number): number {
    return this.mtimes[i];
  }
  linkKey(i: number): string | undefined {
    return this.links.get(i);
  }
  offset(i: number): number | undefined {
    return this.offsets?.[i];
  }
  /** Mode and owner of the row, undefined when the source gave none. */
  meta(i: number): EntryMeta | undefined {
    if (!this.modes || (this.modes[i] === 0xffff && this.uids![i] === UNKNOWN && this.gids![i] === UNKNOWN)) return undefined;
    const m: EntryMeta = {};
    if (this.modes[i] !== 0xffff) m.mode = this.modes[i];
    if (this.uids![i] !== UNKNOWN) m.uid = this.uids![i];
    if (this.gids![i] !== UNKNOWN) m.gid = this.gids![i];
    return m;
  }

  at(i: number): Entry {
    const e: Entry = { path: displayPath(this.keys[i]), key: this.keys[i], type: this.type(i), size: this.sizes[i], mtime: this.mtimes[i] };
    const l = this.links.get(i);
    if (l !== undefined) (e.linkKey = l), (e.linkname = displayPath(l));
    if (this.offsets) e.offset = this.offsets[i];
    const m = this.meta(i);
    if (m) e.meta = m;
    return e;
  }

  *[Symbol.iterator](): Iterator<Entry> {
    for (let i = 0; i < this.keys.length; i++) yield this.at(i);
  }

  toArray(): Entry[] {
    return [...this];
  }

  /**
   * Row numbers in byte order of the keys; equal keys keep their row order, so the last of
   * duplicates (the one tar extracts last, so the one that wins) comes last.
   */
  sortedOrder(): Uint32Array {
    const order = new Uint32Array(this.keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const k = this.keys;
    order.sort((a, b) => (k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : a - b));
    return order;
  }

  private grow(): void {
    const n = this.types.length * 2;
    const t = new Uint8Array(n);
    t.set(this.types);
    this.types = t;
    const s = new Float64Array(n);
    s.set(this.sizes);
    this.sizes = s;
    const m = new Float64Array(n);
    m.set(this.mtimes);
    this.mtimes = m;
    if (this.offsets) {
      const o = new Float64Array(n);
      o.set(this.offsets);
      this.offsets = o;
    }
    if (this.modes) {
      const md = new Uint16Array(n);
      md.set(this.modes);
      this.modes = md;
      const u = new Uint32Array(n).fill(UNKNOWN);
      u.set(this.uids!);
      this.uids = u;
      const g = new Uint32Array(n).fill(UNKNOWN);
      g.set(this.gids!);
      this.gids = g;
    }
  }
}

/**
 * The rows of an archive's table in byte order of their keys, the last copy of each path only
 * (the one tar leaves on disk), and how many earlier copies were dropped.
 */
export function lastCopies(table: EntryTable): { rows: Uint32Array; duplicates: number } {
  const ao = table.sortedOrder();
  let w = 0;
  for (let i = 0; i < ao.length; i++) {
    if (i + 1 < ao.length && table.key(ao[i + 1]) === table.key(ao[i])) continue;
    ao[w++] = ao[i];
  }
  return { rows: ao.subarray(0, w), duplicates: ao.length - w };
}

/** The first position in `rows` (sorted by key) whose key is not below `key`. */
export function lowerBound(table: EntryTable, rows: Uint32Array, key: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.key(rows[mid]) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `key` in `rows` (sorted by key, as lastCopies gives them), or -1. */
export function findKey(table: EntryTable, rows: Uint32Array, key: string): number {
  const p = lowerBound(table, rows, key);
  return p < rows.length && table.key(rows[p]) === key ? p : -1;
}

/** Path fields of a report item: the display path, plus the exact bytes when display is lossy. */
export function pathFields(key: string): { path: string; pathBase64?: string } {
  return isUtf8Key(key) ? { path: displayPath(key) } : { path: displayPath(key), pathBase64: keyBytes(key).toString('base64') };
}
