// The 512-byte tar header, decoded to raw bytes. tar-stream 3 does not export its header codec
// (`tar-stream/headers` is outside its package "exports"), and its decoder turns names into
// UTF-8 text, which loses invalid bytes; this one keeps names as byte keys.

export const BLOCK = 512;

export class TarFormatError extends Error {}

export interface RawHeader {
  /** Type flag character ('0', '5', 'L', 'x', ...); '\0' is reported as '0'. */
  typeflag: string;
  /** name, with the ustar prefix joined on, as a byte key. */
  name: string;
  linkname: string;
  size: number;
  mtime: number;
  /** GNU sparse ('S'): the file's real size, and whether extension blocks follow. */
  realSize?: number;
  sparseExtended?: boolean;
}

/** True when the block is all zeros (half of the end-of-archive marker). */
export function isZeroBlock(b: Buffer, at = 0): boolean {
  for (let i = at; i < at + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('latin1', start, end < 0 || end > start + len ? start + len : end);
}

/** Octal (space/NUL padded) or GNU base-256 numeric field. */
export function decodeNumber(b: Buffer, start: number, len: number, field: string): number {
  const first = b[start];
  // GNU tar marks base-256 with these two lead bytes only, and rejects any other high byte.
  if (first === 0x80 || first === 0xff) {
    // 0x80 positive, 0xff two's-complement negative (pre-1970 mtimes).
    const neg = first === 0xff;
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (neg ? 0xff - b[i] : b[i]);
    return neg ? -(v + 1) : v;
  }
  if (first & 0x80) throw new TarFormatError(`bad ${field} field: lead byte 0x${first.toString(16)}`);
  let i = start;
  const end = start + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`bad ${field} field: ${JSON.stringify(b.toString('latin1', start, end))}`);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  // Anything but padding after the digits is not a number a tar writer produced.
  for (; i < end; i++) if (b[i] !== 0x20 && b[i] !== 0) throw new TarFormatError(`bad ${field} field`);
  return digits ? v : 0;
}

/** Stored checksum matches the block (unsigned, or signed as some old tars computed it). */
export function checksumOk(b: Buffer, at = 0): boolean {
  let stored: number;
  try {
    stored = decodeNumber(b, at + 148, 8, 'checksum');
  } catch {
    return false;
  }
  let u = 8 * 0x20;
  let s = 8 * 0x20;
  for (let i = at; i < at + BLOCK; i++) {
    if (i >= at + 148 && i < at + 156) continue;
    const c = b[i];
    u += c;
    s += c > 127 ? c - 256 : c;
  }
  return stored === u || stored === s;
}

const USTAR = Buffer.from('ustar\x00', 'latin1');

/** Decodes the header at `b[at..at+512)`. The checksum must have been checked. */
export function decodeHeader(b: Buffer, at = 0): RawHeader {
  const t = b[at + 156];
  const typeflag = t === 0 ? '0' : String.fromCharCode(t);
  let name = cstr(b, at, 100);
  // Only POSIX ustar has a prefix field; GNU's "ustar  " uses those bytes for times.
  if (b.compare(USTAR, 0, 6, at + 257, at + 263) === 0 && b[at + 345] !== 0) name = cstr(b, at + 345, 155) + '/' + name;
  const h: RawHeader = {
    typeflag,
    name,
    linkname: cstr(b, at + 157, 100),
    size: decodeNumber(b, at + 124, 12, 'size'),
    mtime: decodeNumber(b, at + 136, 12, 'mtime'),
  };
  byteCount(h.size, 'size');
  if (typeflag === 'S') {
    h.realSize = byteCount(decodeNumber(b, at + 483, 12, 'sparse realsize'), 'sparse realsize');
    h.sparseExtended = b[at + 482] !== 0;
  }
  return h;
}

/**
 * Permission bits and numeric owner of the header at `b[at..]`. A field that does not decode is
 * left out rather than thrown: the walk's verdict is about whether the archive can be read
 * back, and GNU tar extracts such a member with defaults.
 */
export function decodeOwnerMode(b: Buffer, at = 0): { mode?: number; uid?: number; gid?: number } {
  const field = (start: number, len: number, name: string): number | undefined => {
    try {
      return decodeNumber(b, at + start, len, name);
    } catch {
      return undefined;
    }
  };
  const mode = field(100, 8, 'mode');
  const uid = field(108, 8, 'uid');
  const gid = field(116, 8, 'gid');
  return {
    ...(mode !== undefined ? { mode: mode & 0o7777 } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
  };
}

/**
 * The kind and numbers (EntryMeta.device) of a device node or fifo member: typeflag 3
 * (character), 4 (block) or 6 (fifo), devmajor at 329 and devminor at 337. Numbers that do not
 * decode, or that no Linux device has (major and minor are 32 bits), leave the kind alone: tar
 * makes such a node with what it can, and the verification then compares the kind only.
 */
export function decodeDevice(b: Buffer, at = 0): string | undefined {
  const t = b[at + 156];
  if (t === 0x36) return 'p';
  if (t !== 0x33 && t !== 0x34) return undefined;
  const kind = t === 0x33 ? 'c' : 'b';
  let major: number;
  let minor: number;
  try {
    major = decodeNumber(b, at + 329, 8, 'devmajor');
    minor = decodeNumber(b, at + 337, 8, 'devminor');
  } catch {
    return kind;
  }
  const fits = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff;
  return fits(major) && fits(minor) ? `${kind} ${major},${minor}` : kind;
}

/**
 * A size as GNU tar takes it: never negative (base-256 can say so), and exact in a double, so
 * the walk's arithmetic on positions stays exact.
 */
function byteCount(n: number, field: string): number {
  if (n < 0) throw new TarFormatError(`negative ${field}`);
  if (n > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${field} out of range`);
  return n;
}

const COUNT = /^[0-9]+$/;
const SECONDS = /^-?[0-9]+(\.[0-9]+)?$/;
/**
 * PAX records whose values are numbers, in the forms GNU tar accepts (it refuses the rest and
 * exits 2). Number() alone would take "0x200", "1e3", " 5" or "-1536" as numbers, and a
 * negative size would walk the archive backwards.
 */
const PAX_NUMBERS = new Map<string, RegExp>([
  ['size', COUNT],
  ['GNU.sparse.size', COUNT],
  ['GNU.sparse.realsize', COUNT],
  ['GNU.sparse.numblocks', COUNT],
  ['GNU.sparse.offset', COUNT],
  ['GNU.sparse.numbytes', COUNT],
  ['GNU.sparse.major', COUNT],
  ['GNU.sparse.minor', COUNT],
  ['uid', COUNT],
  ['gid', COUNT],
  ['mtime', SECONDS],
  ['atime', SECONDS],
  ['ctime', SECONDS],
]);

/** Within GNU tar's range for a time (a 64-bit time_t): a double cannot tell 2^63 - 1 from 2^63. */
function fitsTime(value: string): boolean {
  const whole = value.replace(/\..*/, '').replace(/^(-?)0+(?=\d)/, '$1');
  if (whole.length > 20) return false;
  const n = BigInt(whole);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** Throws when a numeric PAX record's value is not a number GNU tar would take. */
function checkPaxNumber(key: string, value: string): void {
  const form = PAX_NUMBERS.get(key);
  // An empty value is a deletion (in a global header) or an error the reader of the value
  // reports where it applies.
  if (form === undefined || value === '') return;
  // Counts must be exact in a double: the walk adds sizes to positions.
  if (form.test(value) && (form === COUNT ? Number(value) <= Number.MAX_SAFE_INTEGER : fitsTime(value))) return;
  const shown = JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  throw new TarFormatError(`${key}=${shown} is not ${form === COUNT ? 'a non-negative decimal integer' : 'a decimal number of seconds'}`);
}

/**
 * PAX extended header records (`<len> <key>=<value>\n`). Values stay byte keys: GNU tar writes
 * names that are not valid UTF-8 as raw bytes (hdrcharset=BINARY).
 */
export function decodePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    // GNU tar pads the block with NULs after the last record.
    if (data[p] === 0) break;
    const sp = data.indexOf(0x20, p);
    if (sp < 0) throw new TarFormatError('PAX record without length');
    const lenText = data.toString('latin1', p, sp);
    if (!/^[0-9]+$/.test(lenText)) throw new TarFormatError(`bad PAX record length ${JSON.stringify(lenText)}`);
    const len = Number(lenText);
    const end = p + len;
    if (len <= sp - p + 1 || end > data.length || data[end - 1] !== 0x0a) throw new TarFormatError('bad PAX record');
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end) throw new TarFormatError('PAX record without "="');
    const key = data.toString('latin1', sp + 1, eq);
    const value = data.toString('latin1', eq + 1, end - 1);
    checkPaxNumber(key, value);
    out.set(key, value);
    p = end;
  }
  return out;
}

export function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
