// The filesystem side of a validation: one `find` run inside the gluster container lists every
// object under the root with its type, size, mtime and symlink target. Records are NUL
// terminated and the name and link target are the last fields of their records, so names with
// spaces, newlines or any byte but NUL (which no name can hold) come through exactly.
import { EntryTable, type EntryMeta, type EntryType, type FsEntrySink } from './entryTable';
import { NulRecords } from '../lineSplitter';

/**
 * `%y %s %T@ %P\0%l\0`: type letter, size, mtime with fraction, path relative to the root,
 * then the symlink target (empty for other types) as its own NUL-terminated field.
 */
export const FS_LIST_FORMAT = '%y %s %T@ %P\\0%l\\0';

/** The same with the permission bits (octal) and numeric owner before the path: restore verification. */
export const FS_LIST_META_FORMAT = '%y %s %T@ %m %U %G %P\\0%l\\0';

/**
 * The same with the inode change time last before the path: a resume's plan tells by it what
 * the interrupted restore itself wrote (see RestorePlanner).
 */
export const FS_LIST_RESUME_FORMAT = '%y %s %T@ %m %U %G %C@ %P\\0%l\\0';

/**
 * The meta format with the device and inode last before the path: a restore's verification
 * tells by them whether the archive's hard links came back as one file.
 */
export const FS_LIST_VERIFY_FORMAT = '%y %s %T@ %m %U %G %D:%i %P\\0%l\\0';

/** The format a listing asks find for: the meta one with, at most, one of ctime and inode. */
function formatOf(o: { meta?: boolean; ctime?: boolean; inode?: boolean }): string {
  if (o.ctime && o.inode) throw new Error('fsList: ctime or inode, not both');
  return o.ctime ? FS_LIST_RESUME_FORMAT : o.inode ? FS_LIST_VERIFY_FORMAT : o.meta ? FS_LIST_META_FORMAT : FS_LIST_FORMAT;
}

const SIZE = /^\d{1,16}$/;
/** Seconds with find's ten fraction digits; before 1970 a minus sign. */
const MTIME = /^-?\d{1,16}(?:\.\d{1,10})?$/;

/**
 * find's %T@ before 1970 (and the brick lister's, printed the same way): the whole seconds
 * below the time, then the fraction counted forward from them, so -1.5 s prints as -2.5.
 */
function findSeconds(t: string): number {
  const dot = t.indexOf('.');
  if (t.charCodeAt(0) !== 0x2d || dot < 0) return Number(t);
  return Number(t.slice(0, dot)) + Number(`0${t.slice(dot)}`);
}

/**
 * argv (no shell) of the listing. `-P` never follows symlinks, so a link is listed as a link,
 * as tar stores it; `-mindepth 1` leaves the root out (tar's `./` is not compared either).
 */
export function fsListArgv(root: string, o: { meta?: boolean; ctime?: boolean; inode?: boolean } = {}): string[] {
  if (root === '') throw new Error('fsListArgv: empty root');
  // find reads an operand starting with "-" (or "(" / "!") as an expression.
  const operand = /^[-(!]/.test(root) ? `./${root}` : root;
  return ['find', '-P', operand, '-mindepth', '1', '-printf', formatOf(o)];
}

/**
 * argv of a listing of some paths under `root` only (a restore of selected paths is verified
 * against those paths, not the whole volume): each path is an operand, printed whole (`%p`,
 * so a path that is a file is listed too); the parser strips `root/` again (option `prefix`).
 * `keys` are byte keys relative to root.
 */
export function fsListPathsArgv(root: string, keys: readonly string[], o: { meta?: boolean; inode?: boolean } = {}): { argv: string[]; prefix: string } {
  if (root === '' || keys.length === 0) throw new Error('fsListPathsArgv: empty root or no paths');
  const base = root.endsWith('/') ? root : root + '/';
  const operands = keys.map((k) => base + Buffer.from(k, 'latin1').toString('utf8'));
  const format = formatOf(o).replace('%P', '%p');
  return { argv: ['find', '-P', ...operands, '-printf', format], prefix: Buffer.from(base, 'utf8').toString('latin1') };
}

function fsType(letter: number): EntryType {
  switch (letter) {
    case 0x66: // f
      return 'file';
    case 0x64: // d
      return 'dir';
    case 0x6c: // l
      return 'symlink';
    default: // b c p D, and ? when find could not stat
      return 'other';
  }
}

export class FsListFormatError extends Error {}

/**
 * A record is a type, two numbers and two names. find walks trees deeper than PATH_MAX (4096
 * bytes), but a 1 MiB path would take thousands of levels of 255-byte names: output with no
 * record end in this many bytes is not a listing, and is not held.
 */
export const MAX_FS_RECORD = 1 << 20;

/**
 * Incremental parser, so find's output can be fed as it arrives instead of held whole
 * (a million names are ~70 MB of listing). Entries go to the sink: a table by default, or an
 * ArchiveComparer, which then never holds the filesystem side at all.
 */
export class FsListParser<S extends FsEntrySink = EntryTable> {
  private readonly records = new NulRecords(2, MAX_FS_RECORD, (m) => new FsListFormatError(m));

  /** Fields before the path: 3, 6 with mode and owner (FS_LIST_META_FORMAT), 7 with ctime or inode too. */
  private readonly fields: number;

  /** The seventh field, when there is one. */
  private readonly seventh: 'ctime' | 'inode' | undefined;

  /** With fsListPathsArgv: every path starts with this, which is cut off. */
  private readonly prefix: string | undefined;

  /** Where the fields before the path end, reused by every record (this is validate's hot path). */
  private readonly sp = new Int32Array(7);

  /** One function for every push, not a closure each. */
  private readonly onRecord = (b: Buffer, start: number, z1: number, z2: number): void => this.record(b, start, z1, z2);

  constructor(
    readonly sink: S = new EntryTable() as unknown as S,
    o: { meta?: boolean; ctime?: boolean; inode?: boolean; prefix?: string } = {},
  ) {
    if (o.ctime && o.inode) throw new Error('FsListParser: ctime or inode, not both');
    this.seventh = o.ctime ? 'ctime' : o.inode ? 'inode' : undefined;
    this.fields = this.seventh ? 7 : o.meta ? 6 : 3;
    this.prefix = o.prefix;
  }

  push(chunk: Buffer): void {
    this.records.push(chunk, this.onRecord);
  }

  end(): S {
    this.records.end('listing');
    return this.sink;
  }

  private bad(b: Buffer, start: number, z1: number): FsListFormatError {
    return new FsListFormatError(`bad record at byte ${this.records.at(start)}: ${JSON.stringify(b.toString('latin1', start, Math.min(z1, start + 80)))}`);
  }

  /** A whole record (NulRecords has held it to MAX_FS_RECORD): the path ends at z1, the link target at z2. */
  private record(b: Buffer, start: number, z1: number, z2: number): void {
    // The spaces ending each field before the path; the path itself may hold any.
    const sp = this.sp;
    let found = 0;
    for (let at = start; found < this.fields; found++) {
      at = b.indexOf(0x20, at);
      if (at < 0 || at >= z1) break;
      sp[found] = at++;
    }
    if (found < this.fields || sp[0] !== start + 1) throw this.bad(b, start, z1);
    // Only the forms find's %s and %T@ print (and the brick lister copies): Number() alone
    // would take "", "1e3", "0x10" or " 1" from a node as sizes and times.
    const sizeText = b.toString('latin1', sp[0] + 1, sp[1]);
    const mtimeText = b.toString('latin1', sp[1] + 1, sp[2]);
    const size = SIZE.test(sizeText) ? Number(sizeText) : NaN;
    const mtime = MTIME.test(mtimeText) ? findSeconds(mtimeText) : NaN;
    if (!Number.isSafeInteger(size) || !Number.isFinite(mtime)) throw new FsListFormatError(`bad size or mtime at byte ${this.records.at(start)}`);
    let meta: EntryMeta | undefined;
    if (this.fields >= 6) {
      const mode = b.toString('latin1', sp[2] + 1, sp[3]);
      const uid = b.toString('latin1', sp[3] + 1, sp[4]);
      const gid = b.toString('latin1', sp[4] + 1, sp[5]);
      if (!/^[0-7]{1,5}$/.test(mode) || !/^\d{1,10}$/.test(uid) || !/^\d{1,10}$/.test(gid)) throw this.bad(b, start, z1);
      meta = { mode: parseInt(mode, 8) & 0o7777, uid: Number(uid), gid: Number(gid) };
      // find's %y gives the kind of a device node or fifo, not its numbers (DeviceNumbers does).
      const letter = b[start];
      if (letter === 0x63 || letter === 0x62 || letter === 0x70) meta.device = String.fromCharCode(letter);
      if (this.fields === 7) {
        const text = b.toString('latin1', sp[5] + 1, sp[6]);
        if (this.seventh === 'inode') {
          if (!/^\d{1,20}:\d{1,20}$/.test(text)) throw this.bad(b, start, z1);
          meta.inode = text;
        } else {
          if (!MTIME.test(text)) throw this.bad(b, start, z1);
          meta.ctime = findSeconds(text);
        }
      }
    }
    const type = fsType(b[start]);
    let key = b.toString('latin1', sp[this.fields - 1] + 1, z1);
    if (this.prefix !== undefined) {
      // find prints each path as its operand plus what is below it: another start is not ours.
      if (!key.startsWith(this.prefix)) throw this.bad(b, start, z1);
      // Decoded again past the prefix rather than sliced: a slice keeps the whole path alive.
      key = b.toString('latin1', sp[this.fields - 1] + 1 + this.prefix.length, z1);
    }
    if (key === '') return;
    if (b[start] === 0x73 /* s */) this.sink.socket(key);
    else this.sink.entry(key, type, size, mtime, type === 'symlink' ? b.toString('latin1', z1 + 1, z2) : undefined, meta);
  }
}

export function parseFsList(buf: Buffer): EntryTable {
  const p = new FsListParser(new EntryTable());
  p.push(buf);
  return p.end();
}
