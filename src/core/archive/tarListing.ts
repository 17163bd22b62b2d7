// The member list of an archive as GNU tar itself prints it, for archives that are read where
// they lie, inside the gluster container (a .tar.gz on a remote node: streaming it to this
// client would move the whole archive over the network). With the C quoting style and the C
// locale every byte of a name that is not printable ASCII comes as an escape, so names are
// exact; with -R every member carries its block number, which gives problems an offset.
import { EntryTable, type EntryLimits, type EntryMeta, type EntryType } from './entryTable';
import { canonicalKey, displayPath, ownedKey } from './paths';
import type { TarIndexResult, TarProblem } from './tarIndex';

/** argv for `tar -t` in the container; the caller sets LC_ALL=C and TZ=UTC in its env. */
export function tarListArgv(archive: string): string[] {
  return ['tar', '--list', '--verbose', '--block-number', '--full-time', '--numeric-owner', '--quoting-style=c', `--file=${archive}`];
}

export const TAR_LIST_ENV = ['LC_ALL=C', 'TZ=UTC'];

export class TarListingFormatError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\', '"': '"', '?': '?', "'": "'" };

/**
 * The backslash escape at `s[k]` as GNU tar's c and escape quoting styles write it: the byte it
 * stands for and where the text goes on, or undefined for one tar does not write. Octal takes
 * 1 to 3 digits, or exactly 3 with `threeDigitOctal` (the escape style always writes 3).
 */
export function escapeAt(s: string, k: number, threeDigitOctal = false): { ch: string; next: number } | undefined {
  const d = s[k + 1];
  if (d !== undefined && SIMPLE_ESCAPES[d] !== undefined) return { ch: SIMPLE_ESCAPES[d], next: k + 2 };
  if (d === undefined || d < '0' || d > '7') return undefined;
  let n = 0;
  let j = k + 1;
  while (j < s.length && j < k + 4 && s[j] >= '0' && s[j] <= '7') n = n * 8 + (s.charCodeAt(j++) - 48);
  if (threeDigitOctal && j !== k + 4) return undefined;
  return { ch: String.fromCharCode(n & 0xff), next: j };
}

/** A C-quoted string starting at `s[i]` (the opening quote): its bytes as a latin1 key, and the index after it. */
export function unquote(s: string, i: number): { key: string; next: number } {
  if (s[i] !== '"') throw new TarListingFormatError(`expected a quoted name at column ${i}: ${JSON.stringify(s)}`);
  let out = '';
  let k = i + 1;
  while (k < s.length) {
    const c = s[k];
    if (c === '"') return { key: out, next: k + 1 };
    if (c !== '\\') {
      out += c;
      k++;
      continue;
    }
    const e = escapeAt(s, k);
    if (!e) throw new TarListingFormatError(`unknown escape \\${s[k + 1] ?? ''} in ${JSON.stringify(s)}`);
    out += e.ch;
    k = e.next;
  }
  throw new TarListingFormatError(`unterminated quoted name: ${JSON.stringify(s)}`);
}

function typeOf(c: string): EntryType | 'skip' | 'continuation' {
  switch (c) {
    case '-':
    case 'C': // contiguous file, a regular file here (the header walk agrees)
      return 'file';
    case 'd':
      return 'dir';
    case 'l':
      return 'symlink';
    case 'h':
      return 'hardlink';
    case 'V': // volume label: names the archive, not a file
      return 'skip';
    case 'M':
      return 'continuation';
    default: // c b p s, and ? for types tar does not know
      return 'other';
  }
}

// block N: MODE OWNER SIZE TIME "NAME"[ -> "TARGET"| link to "TARGET"| tar's note on the type]
// TIME is Y-MM-DD HH:MM:SS, the year unpadded and maybe negative, or bare seconds when the year
// does not fit a struct tm; then a fraction of 1 to 9 digits unless it is zero (tar drops
// trailing zeros). tar pads the column to the widest time so far: any run of spaces follows.
// Each number is bounded: a block of 13 digits (an archive of 5 PB) still gives an offset a
// double holds exactly, a year of 12 digits or 20 of bare seconds cover any 64-bit time_t, and
// longer runs of digits made offsets inexact and times Infinity or NaN.
const LINE = /^block (\d{1,13}): (\S)\S* +\S+ +(\d{1,15}|\d{1,10},\d{1,10}) +(?:(-?\d{1,12})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)|(-?\d{1,20}))(?:\.(\d{1,9}))? +"/;

// With --numeric-owner the owner column is uid/gid; the mode is tar's ls-style string.
const OWNER_MODE = /^block \d+: \S([-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]) +(\d+)\/(\d+) /;

/** rwsr-x--T and the like to 07777 bits; the owner as numbers. Unknown forms give nothing. */
export function listedOwnerMode(l: string): { mode?: number; uid?: number; gid?: number } {
  const m = OWNER_MODE.exec(l);
  if (!m) return {};
  const p = m[1];
  let mode = 0;
  const bit = (i: number, v: number) => (p[i] !== '-' && p[i] !== 'S' && p[i] !== 'T' ? v : 0);
  mode |= bit(0, 0o400) | bit(1, 0o200) | bit(2, 0o100);
  mode |= bit(3, 0o40) | bit(4, 0o20) | bit(5, 0o10);
  mode |= bit(6, 0o4) | bit(7, 0o2) | bit(8, 0o1);
  if (p[2] === 's' || p[2] === 'S') mode |= 0o4000;
  if (p[5] === 's' || p[5] === 'S') mode |= 0o2000;
  if (p[8] === 't' || p[8] === 'T') mode |= 0o1000;
  const uid = Number(m[2]);
  const gid = Number(m[3]);
  return { mode, ...(Number.isSafeInteger(uid) ? { uid } : {}), ...(Number.isSafeInteger(gid) ? { gid } : {}) };
}

/**
 * A device node's or fifo's kind and numbers (EntryMeta.device) from the mode letter and the
 * size column, where tar -tv prints "major,minor" for a device. A device without that form
 * keeps its kind alone, as the header walk does with numbers that do not decode.
 */
export function listedDevice(letter: string, sizeColumn: string): string | undefined {
  if (letter === 'p') return 'p';
  if (letter !== 'c' && letter !== 'b') return undefined;
  const m = /^(\d{1,10}),(\d{1,10})$/.exec(sizeColumn);
  const fits = (n: string) => Number(n) <= 0xffffffff;
  return m && fits(m[1]) && fits(m[2]) ? `${letter} ${Number(m[1])},${Number(m[2])}` : letter;
}

// What tar prints after the name for members that are neither links nor plain types.
const TYPE_NOTE = /^(?:|--Volume Header--|--Continued at byte \d+--|--Long Link--|--Long Name--| unknown file type .*)$/;

/**
 * A line is one member: its name and link target, C-quoted (up to four bytes a byte). Names
 * deeper than PATH_MAX (4096) exist, but a line of 1 MiB would take a thousand levels of
 * 255-byte names: it is not a listing of a restorable tree, and holding it would let a
 * hostile archive grow the parser without bound.
 */
export const MAX_LISTING_LINE = 1 << 20;

/**
 * Lines of tar's output out of byte chunks (latin1: a name is bytes, not UTF-8), none longer
 * than MAX_LISTING_LINE. Only the new text is searched for line ends, so a long line fed in
 * small chunks stays linear; the unfinished last line is kept for the next chunk.
 */
export class BoundedLines {
  private rest = '';

  push(chunk: Buffer, line: (l: string) => void, tooLong: (start: string) => never): void {
    const text = chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      const l = this.rest === '' ? piece : this.rest + piece;
      this.rest = '';
      line(l);
      start = nl + 1;
    }
    const tail = text.slice(start);
    if (this.rest.length + tail.length > MAX_LISTING_LINE) tooLong(this.rest + tail);
    this.rest += tail;
  }

  /** The unfinished last line ('' when none); the splitter is empty afterwards. */
  take(): string {
    const r = this.rest;
    this.rest = '';
    return r;
  }
}

/** Seconds since the epoch of a proleptic Gregorian UTC time (year 0 exists, as in glibc). */
function civilSeconds(year: number, month: number, day: number, h: number, m: number, s: number): number {
  // Days from civil: years start in March, so the leap day ends a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146097 + doe - 719468) * 86400 + h * 3600 + m * 60 + s;
}

/**
 * The mtime of a listing line's time column. tar prints a time before 1970 as the second
 * after it and the fraction back to it (-1.25 is 23:59:59.25 of 1969): the fraction has the
 * sign of the seconds, and at second 0, where the sign is lost, the later reading is taken.
 * Read as one decimal, so the value is the double a PAX mtime of the same digits gives.
 */
function listedMtime(m: RegExpExecArray): number {
  const whole = m[10] ?? String(civilSeconds(Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]), Number(m[8]), Number(m[9])));
  return Number(m[11] ? `${whole}.${m[11]}` : whole);
}

/**
 * Incremental parser of tar's stdout (lines may come split across chunks; names never hold a
 * raw newline in this quoting style).
 */
export class TarListingParser {
  /**
   * `memberList`: the text is the member list tar wrote while creating the archive (see
   * memberListOf), not `tar --list` of it: its times carry the file's nanoseconds, which a
   * GNU-format header does not store, and it has no end-of-archive line.
   */
  constructor(
    private readonly memberList = false,
    limits?: Partial<EntryLimits>,
  ) {
    this.entries = new EntryTable(limits);
  }

  readonly entries: EntryTable;
  rootEntries = 0;
  dotSlashNames = 0;
  /** End of the last member seen (header block + padded data): where a truncation was noticed. */
  private endOfLast = 0;
  private lastName: string | undefined;
  private lastBlock = -1;
  private readonly lines = new BoundedLines();
  private sawEndMarker = false;
  private sawEof = false;
  private problem: TarProblem | undefined;

  push(chunk: Buffer): void {
    this.lines.push(chunk, (l) => this.line(l), (l) => this.tooLong(l));
  }

  private tooLong(l: string): never {
    throw new TarListingFormatError(`line from tar longer than ${MAX_LISTING_LINE} bytes: ${JSON.stringify(l.slice(0, 200))}...`);
  }

  private line(l: string): void {
    if (l === '' || this.problem) return;
    if (l.length > MAX_LISTING_LINE) this.tooLong(l);
    if (/^block \d+: \*\* Block of NULs \*\*$/.test(l)) {
      this.sawEndMarker = true;
      return;
    }
    // tar reached the end of the data without the end-of-archive marker (exit 0 when that
    // happens at a member boundary): the archive was cut.
    if (/^block \d+: \*\* End of File \*\*$/.test(l)) {
      this.sawEof = true;
      return;
    }
    // A bare prefix is a header tar could not read ("Skipping to next header" on stderr);
    // what follows it would be listed, but a restore would lose the member, as the walk says.
    if (/^block \d+: (?:block \d+: |$)/.test(l)) {
      this.problem = { kind: 'corrupt', offset: this.endOfLast, message: `broken header at byte ${this.endOfLast} (tar skipped to the next header)`, ...this.lastMember() };
      return;
    }
    const m = LINE.exec(l);
    if (!m) throw new TarListingFormatError(`unexpected line from tar: ${JSON.stringify(l.slice(0, 200))}`);
    const block = Number(m[1]);
    const t = typeOf(m[2]);
    const size = m[3].includes(',') ? 0 : Number(m[3]);
    const mtime = this.memberList ? Math.floor(listedMtime(m)) : listedMtime(m);
    const { key: rawName, next } = unquote(l, m[0].length - 1);
    let link: string | undefined;
    const tail = l.slice(next);
    const arrow = tail.startsWith(' -> ') ? 4 : tail.startsWith(' link to ') ? 9 : 0;
    let end: number;
    if (arrow) ({ key: link, next: end } = unquote(l, next + arrow));
    else end = TYPE_NOTE.test(tail) ? l.length : next;
    if (end !== l.length) throw new TarListingFormatError(`unexpected text after the name: ${JSON.stringify(l.slice(0, 200))}`);
    this.lastBlock = block;
    this.lastName = rawName;
    const dataBytes = t === 'dir' || t === 'hardlink' || t === 'symlink' || t === 'other' ? 0 : size;
    this.endOfLast = (block + 1) * 512 + Math.ceil(dataBytes / 512) * 512;
    if (t === 'continuation') {
      this.problem = { kind: 'corrupt', offset: block * 512, message: `multi-volume continuation member (this archive is not the first volume) at byte ${block * 512}`, member: displayPath(rawName), memberOffset: block * 512 };
      return;
    }
    if (t === 'skip') return;
    const key = canonicalKey(rawName);
    if (rawName.startsWith('./')) this.dotSlashNames++;
    if (key === '') {
      this.rootEntries++;
      return;
    }
    const linkKey = t === 'symlink' ? link : t === 'hardlink' ? canonicalKey(link ?? '') : undefined;
    // Both are slices of a line of tar's output, itself a slice of a whole chunk.
    this.entries.push(ownedKey(key), t, t === 'dir' ? 0 : t === 'hardlink' ? 0 : size, mtime, linkKey === undefined ? undefined : ownedKey(linkKey), block * 512, this.metaOf(l, m[2], m[3]));
  }

  private metaOf(l: string, letter: string, sizeColumn: string): EntryMeta {
    const meta: EntryMeta = listedOwnerMode(l);
    const device = listedDevice(letter, sizeColumn);
    if (device !== undefined) meta.device = device;
    return meta;
  }

  /**
   * The index, once tar ended. tar's verdict comes from its exit code and stderr: a listing that
   * stops early without the end-of-archive marker is never taken as complete.
   */
  end(exitCode: number, stderr: string, archiveSize: number | undefined, compressed: boolean): TarIndexResult {
    const last = this.lines.take();
    if (last !== '') this.line(last);
    const problem = this.problem ?? (this.memberList ? undefined : this.verdict(exitCode, stderr, archiveSize, compressed));
    return {
      entries: this.entries,
      // Read where it lies: the client received only the listing.
      bytesRead: 0,
      reads: 0,
      ...(archiveSize !== undefined ? { archiveSize } : {}),
      tarBytes: this.endOfLast,
      compressed,
      rootEntries: this.rootEntries,
      dotSlashNames: this.dotSlashNames,
      ...(problem ? { problem } : {}),
    };
  }

  private lastMember(): { member?: string; memberOffset?: number } {
    return this.lastName !== undefined ? { member: displayPath(this.lastName), memberOffset: this.lastBlock * 512 } : {};
  }

  private verdict(exitCode: number, stderr: string, archiveSize: number | undefined, compressed: boolean): TarProblem | undefined {
    const member = this.lastMember();
    const lone = /A lone zero block at (\d{1,15})/.exec(stderr);
    if (lone) {
      // tar says the same whether data or the end of the file follows the zero block; the
      // size of a plain archive tells them apart, a compressed one's cannot.
      const zero = (Number(lone[1]) - 1) * 512;
      if (!compressed && archiveSize !== undefined && zero + 512 >= archiveSize) {
        return { kind: 'truncated', offset: archiveSize, message: `archive ends at byte ${archiveSize} after a single zero block (the end-of-archive marker is two)` };
      }
      return { kind: 'corrupt', offset: zero, message: `lone zero block at byte ${zero}: the archive is damaged there or cut right after it (tar stops reading at it)` };
    }
    const eof = this.sawEof || /Unexpected EOF in archive|unexpected end of file|Unexpected end of/i.test(stderr);
    if (eof) {
      return { kind: 'truncated', offset: this.endOfLast, message: `archive ends early, after byte ${this.endOfLast} of the tar stream (${firstLine(stderr)})`, ...member };
    }
    // tar lists the member of a bad PAX record with the header's own values, and exits 2.
    if (/Malformed extended header|Extended header \S+ is out of range/.test(stderr)) {
      return { kind: 'corrupt', offset: this.endOfLast, message: `bad extended header before byte ${this.endOfLast} (${firstLine(stderr)})`, ...member };
    }
    // Line by line and bounded: two unanchored `.*` over a whole hostile stderr take cubic time.
    if (stderr.split('\n').some((l) => /Skipping to next header|This does not look like a tar archive|Archive contains [^\n]{0,400}? where numeric [^\n]{0,200}? expected|invalid/i.test(l.slice(0, 1000)))) {
      return { kind: 'corrupt', offset: this.endOfLast, message: `broken header after byte ${this.endOfLast} (${firstLine(stderr)})`, ...member };
    }
    if (exitCode !== 0) {
      return { kind: 'corrupt', offset: this.endOfLast, message: `tar could not read the archive after byte ${this.endOfLast} (exit ${exitCode}: ${firstLine(stderr) || 'no message'})`, ...member };
    }
    if (!this.sawEndMarker) {
      return { kind: 'truncated', offset: this.endOfLast, message: `archive ends at byte ${this.endOfLast} without the end-of-archive marker (two zero blocks)`, ...member };
    }
    return undefined;
  }
}

function firstLine(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/Error is not recoverable|Exiting with failure status/.test(l))
    .slice(0, 2)
    .join('; ');
}

export function parseTarListing(stdout: Buffer, exitCode: number, stderr: string, archiveSize?: number, compressed = false): TarIndexResult {
  const p = new TarListingParser();
  p.push(stdout);
  return p.end(exitCode, stderr, archiveSize, compressed);
}
