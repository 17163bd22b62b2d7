// A column store of entries (archive members or filesystem objects). A million plain objects
// with their strings cost several hundred MB; here an entry is its key's bytes plus 29 bytes of
// typed-array columns (37 with an archive's offsets), and sorting works on a Uint32Array of
// row numbers. The keys live in byte chunks outside the JS heap, not as a million strings: V8
// sizes its old generation from what survives there, so a million live strings (about 60 MB)
// let the heap grow to three times that before it collected the garbage of parsing.
import { displayPath, isUtf8Key, keyBytes, namesBuffer } from './paths';

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
  /**
   * A listing's inode change time (seconds), only when asked for (a resume's plan): never
   * stored in a table. A write or a utimensat by tar sets it, whatever mtime tar gave the file.
   */
  ctime?: number;
  /**
   * A listing's device and inode ("dev:ino"), only when asked for (a restore's verification of
   * hard links): never stored in a table.
   */
  inode?: string;
  /**
   * A device node's or fifo's kind and numbers (see DEVICE): "c 1,3", "b 8,0", "p", or "c" / "b"
   * alone when the source gave the kind but not the numbers. Only entries of type "other" have
   * one, and a table keeps it in a sparse map: a regular file pays nothing for it.
   */
  device?: string;
}

/** The forms of EntryMeta.device: anything else is not stored. */
export const DEVICE = /^(?:[cb](?: \d{1,10},\d{1,10})?|p)$/;

/** "character device 1,3", "block device 8", "fifo": a device as a difference names it. */
export function deviceText(d: string | undefined): string {
  if (d === undefined || !DEVICE.test(d)) return 'device of unknown kind';
  if (d === 'p') return 'fifo';
  const numbers = d.length > 1 ? ` ${d.slice(2)}` : '';
  return `${d[0] === 'c' ? 'character' : 'block'} device${numbers}`;
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

/**
 * The most one table holds. Every table is filled from what a node sends (an archive's headers,
 * tar's or find's listing), and a few MiB of gzip can announce millions of members or a
 * thousand 1 MiB names each: without a bound a hostile or broken archive takes the client's
 * memory. 16 Mi entries is sixteen times the largest volume measured here (a million files in
 * about 100 MB); at the bound the columns take about 600 MB and the names at most 1 GiB.
 */
export interface EntryLimits {
  maxEntries: number;
  /** Bytes of keys and link targets together. */
  maxNameBytes: number;
}

export const DEFAULT_ENTRY_LIMITS: Readonly<EntryLimits> = { maxEntries: 16 * 1024 * 1024, maxNameBytes: 1024 * 1024 * 1024 };

/** A table refused an entry past its EntryLimits: nothing about the data is judged by it. */
export class EntryLimitError extends Error {
  constructor(
    readonly limit: 'entries' | 'nameBytes',
    readonly max: number,
  ) {
    super(limit === 'entries' ? `more than ${max.toLocaleString('en-US')} entries` : `more than ${Math.floor(max / (1024 * 1024)).toLocaleString('en-US')} MiB of names`);
    this.name = 'EntryLimitError';
  }
}

/** First key chunk's size; each next one doubles, up to KEY_CHUNK_MAX. */
const KEY_CHUNK_MIN = 16 * 1024;
const KEY_CHUNK_MAX = 1024 * 1024;

export class EntryTable implements Iterable<Entry>, FsEntrySink {
  private n = 0;
  private nameBytes = 0;
  private readonly limits: Readonly<EntryLimits>;
  // Key bytes (latin1: one byte per char of a key), in chunks a key never straddles, so a
  // chunk is never copied to grow; a key longer than a chunk gets a chunk of its own.
  private chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private chunkUsed = 0;
  // Row i's key: chunk keyAt[3i], from byte keyAt[3i+1], keyAt[3i+2] bytes long (one column,
  // so a lookup reads one place in it and one in a chunk).
  private keyAt = new Uint32Array(3 * 1024);
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
  // Device nodes and fifos are rarer still: their kind and numbers (EntryMeta.device) by row.
  private devices = new Map<number, string>();
  /** Filesystem listings only: sockets seen and left out (tar cannot archive a socket). */
  skippedSockets = 0;

  constructor(limits: Partial<EntryLimits> = {}) {
    this.limits = { ...DEFAULT_ENTRY_LIMITS, ...limits };
  }

  static from(entries: Iterable<EntryInput>): EntryTable {
    const t = new EntryTable();
    for (const e of entries) t.push(e.key, e.type, e.size, e.mtime, e.linkKey, e.offset, e.meta);
    return t;
  }

  get length(): number {
    return this.n;
  }

  push(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, offset?: number, meta?: EntryMeta): void {
    const i = this.n;
    // Checked before anything is stored: a refused entry leaves the table as it was.
    if (i >= this.limits.maxEntries) throw new EntryLimitError('entries', this.limits.maxEntries);
    const nameBytes = this.nameBytes + key.length + (linkKey?.length ?? 0);
    if (nameBytes > this.limits.maxNameBytes) throw new EntryLimitError('nameBytes', this.limits.maxNameBytes);
    this.nameBytes = nameBytes;
    if (i === this.types.length) this.grow();
    this.storeKey(i, key);
    this.n++;
    this.types[i] = TYPE_CODE[type];
    this.sizes[i] = size;
    this.mtimes[i] = mtime;
    if (linkKey !== undefined) this.links.set(i, linkKey);
    if (offset !== undefined) {
      this.offsets ??= new Float64Array(this.types.length);
      this.offsets[i] = offset;
    }
    if (meta !== undefined || this.modes) this.setMeta(i, meta);
    if (type === 'other' && meta?.device !== undefined && DEVICE.test(meta.device)) this.devices.set(i, meta.device);
  }

  private storeKey(i: number, key: string): void {
    const len = key.length;
    // The first key, even an empty one, needs a chunk to point at.
    if (this.chunkUsed + len > this.chunk.length || this.chunks.length === 0) {
      const next = Math.min(KEY_CHUNK_MAX, Math.max(KEY_CHUNK_MIN, this.chunk.length * 2));
      this.chunk = Buffer.allocUnsafe(Math.max(next, len));
      this.chunks.push(this.chunk);
      this.chunkUsed = 0;
    }
    this.keyAt[3 * i] = this.chunks.length - 1;
    this.keyAt[3 * i + 1] = this.chunkUsed;
    this.keyAt[3 * i + 2] = len;
    this.chunkUsed += this.chunk.write(key, this.chunkUsed, len, 'latin1');
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
    const s = this.keyAt[3 * i + 1];
    return this.chunks[this.keyAt[3 * i]].toString('latin1', s, s + this.keyAt[3 * i + 2]);
  }

  /** Bytes of row i's key. */
  keyLength(i: number): number {
    return this.keyAt[3 * i + 2];
  }

  /** Copies row i's key bytes into `target` at `at`; returns how many. */
  copyKey(i: number, target: Buffer, at: number): number {
    const s = this.keyAt[3 * i + 1];
    return this.chunks[this.keyAt[3 * i]].copy(target, at, s, s + this.keyAt[3 * i + 2]);
  }

  /** Byte order of the keys of rows a and b: negative, 0 or positive. */
  compareRows(a: number, b: number): number {
    const at = this.keyAt;
    const ca = this.chunks[at[3 * a]];
    const cb = this.chunks[at[3 * b]];
    const sa = at[3 * a + 1];
    const sb = at[3 * b + 1];
    const la = at[3 * a + 2];
    const lb = at[3 * b + 2];
    const n = la < lb ? la : lb;
    for (let k = 0; k < n; k++) {
      const d = ca[sa + k] - cb[sb + k];
      if (d !== 0) return d;
    }
    return la - lb;
  }

  /**
   * The first position in `rows` (sorted by key) whose key is not below `key`. Each step
   * starts comparing past the prefix the key shares with both bounds (every row between them
   * shares it too): paths share long prefixes.
   */
  lowerBound(rows: Uint32Array, key: string): number {
    const len = key.length;
    const at = this.keyAt;
    const chunks = this.chunks;
    let lo = 0;
    let hi = rows.length;
    let loCommon = 0;
    let hiCommon = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = rows[mid];
      const c = chunks[at[3 * r]];
      const s = at[3 * r + 1];
      const l = at[3 * r + 2];
      const n = l < len ? l : len;
      let k = loCommon < hiCommon ? loCommon : hiCommon;
      while (k < n && c[s + k] === key.charCodeAt(k)) k++;
      const below = k < n ? c[s + k] < key.charCodeAt(k) : l < len;
      if (below) (lo = mid + 1), (loCommon = k);
      else (hi = mid), (hiCommon = k);
    }
    return lo;
  }

  /** Whether row i's key is exactly `key`. */
  keyIs(i: number, key: string): boolean {
    const l = this.keyAt[3 * i + 2];
    if (l !== key.length) return false;
    const c = this.chunks[this.keyAt[3 * i]];
    const s = this.keyAt[3 * i + 1];
    for (let k = 0; k < l; k++) if (c[s + k] !== key.charCodeAt(k)) return false;
    return true;
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
  /** The row's EntryMeta.device, when it is a device node or fifo whose kind the source gave. */
  device(i: number): string | undefined {
    return this.devices.get(i);
  }
  /** Mode, owner and device of the row, undefined when the source gave none. */
  meta(i: number): EntryMeta | undefined {
    const device = this.devices.get(i);
    if (!this.modes || (this.modes[i] === 0xffff && this.uids![i] === UNKNOWN && this.gids![i] === UNKNOWN)) return device === undefined ? undefined : { device };
    const m: EntryMeta = device === undefined ? {} : { device };
    if (this.modes[i] !== 0xffff) m.mode = this.modes[i];
    if (this.uids![i] !== UNKNOWN) m.uid = this.uids![i];
    if (this.gids![i] !== UNKNOWN) m.gid = this.gids![i];
    return m;
  }

  at(i: number): Entry {
    const key = this.key(i);
    const e: Entry = { path: displayPath(key), key, type: this.type(i), size: this.sizes[i], mtime: this.mtimes[i] };
    const l = this.links.get(i);
    if (l !== undefined) (e.linkKey = l), (e.linkname = displayPath(l));
    if (this.offsets) e.offset = this.offsets[i];
    const m = this.meta(i);
    if (m) e.meta = m;
    return e;
  }

  *[Symbol.iterator](): Iterator<Entry> {
    for (let i = 0; i < this.n; i++) yield this.at(i);
  }

  toArray(): Entry[] {
    return [...this];
  }

  /**
   * Row numbers in byte order of the keys; equal keys keep their row order, so the last of
   * duplicates (the one tar extracts last, so the one that wins) comes last.
   */
  sortedOrder(): Uint32Array {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => this.compareRows(a, b) || a - b);
    return order;
  }

  private grow(): void {
    const n = this.types.length * 2;
    const at = new Uint32Array(3 * n);
    at.set(this.keyAt);
    this.keyAt = at;
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
 * (the one tar leaves on disk), and how many earlier copies were dropped. `sorted`: the table's
 * sortedOrder() when the caller has it (left as it is), so it is not sorted twice.
 */
export function lastCopies(table: EntryTable, sorted?: Uint32Array): { rows: Uint32Array; duplicates: number } {
  const ao = sorted ? sorted.slice() : table.sortedOrder();
  let w = 0;
  for (let i = 0; i < ao.length; i++) {
    if (i + 1 < ao.length && table.compareRows(ao[i + 1], ao[i]) === 0) continue;
    ao[w++] = ao[i];
  }
  return { rows: ao.subarray(0, w), duplicates: ao.length - w };
}

/** The first position in `rows` (sorted by key) whose key is not below `key`. */
export function lowerBound(table: EntryTable, rows: Uint32Array, key: string): number {
  return table.lowerBound(rows, key);
}

/** Position of `key` in `rows` (sorted by key, as lastCopies gives them), or -1. */
export function findKey(table: EntryTable, rows: Uint32Array, key: string): number {
  const p = table.lowerBound(rows, key);
  return p < rows.length && table.keyIs(rows[p], key) ? p : -1;
}

/** namesBuffer's bytes for the keys of `rows`, copied from the table's chunks (no string per name). */
export function storedNamesOf(table: EntryTable, rows: Uint32Array, dotSlashNames: number): Buffer {
  return namesBuffer(rows.length, (i) => table.keyLength(rows[i]), (i, to, at) => table.copyKey(rows[i], to, at), dotSlashNames);
}

/** Path fields of a report item: the display path, plus the exact bytes when display is lossy. */
export function pathFields(key: string): { path: string; pathBase64?: string } {
  return isUtf8Key(key) ? { path: displayPath(key) } : { path: displayPath(key), pathBase64: keyBytes(key).toString('base64') };
}
