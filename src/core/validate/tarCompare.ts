// `tar --compare` in the gluster container: every listed regular-file member's data read from
// the archive and compared, byte for byte, with the same file of the live filesystem, in one
// process (no archive or file byte leaves the node). Its output, parsed here, comes from a node:
// every line must be one of the forms below, and lines are bounded.
//
// With --verbose --block-number --quoting-style=c in the C locale, stdout holds:
//   block N: "NAME"                 tar starts on a member (its header at block N - 1)
//   "NAME": MESSAGE                 a difference for that member (Contents differ, Size differs,
//                                   Mod time differs, Mode differs, ...)
//   block N: block M: "NAME"        the header at block N could not be read (tar skipped it)
//   block N: ** Block of NULs **    the end-of-archive marker
//   block N: ** End of File **      the data ended without one: the archive was cut
// Names are C-quoted (a newline is \n), so one line is one record whatever the name holds.
import { canonicalKey } from '../archive/paths';
import { BoundedLines, MAX_LISTING_LINE, TarListingFormatError, unquote } from '../archive/tarListing';

function tooLong(): never {
  throw new TarListingFormatError(`line from tar --compare longer than ${MAX_LISTING_LINE} bytes`);
}

export { TarListingFormatError as TarCompareFormatError };

/** The start of what the run says on stderr when the container cannot open its list of names. */
export const NAMES_UNOPENED = 'gluster-backup: the list of names cannot be opened in the container: ';

/**
 * `tar --compare` of the members named in `namesFile` (beside the archive), run in the container
 * by a shell that opens the list as tar's standard input and removes it before tar starts: a
 * run whose client dies while tar compares (killed, its SSH cut) leaves no list beside the
 * archive, where one could not be told from a list in use. tar reads the names from the open file.
 */
export function tarCompareArgv(archive: string, root: string, namesFile: string): string[] {
  return [
    'sh',
    '-c',
    `[ -r "$1" ] || { printf '%s%s\\n' '${NAMES_UNOPENED}' "$1" >&2; exit 2; }; exec < "$1"; rm -f -- "$1"; shift; exec "$@"`,
    'sh',
    namesFile,
    'tar',
    '--compare',
    '--verbose',
    '--block-number',
    '--quoting-style=c',
    `--file=${archive}`,
    // Before the names: tar applies a --directory to the names that follow it.
    `--directory=${root}`,
    // The names are exact member names, one each, NUL-separated: no pattern, no recursion.
    '--no-recursion',
    '--no-wildcards',
    '--null',
    '--verbatim-files-from',
    '--files-from=-',
  ];
}

export const TAR_COMPARE_ENV = ['LC_ALL=C'];

export interface CompareProblem {
  kind: 'corrupt' | 'truncated';
  /** Byte offset in the tar stream (uncompressed, for a .tar.gz). */
  offset: number;
  message: string;
  /** The member read last before it (canonical key). */
  after?: string;
}

/** Receives the members as tar reaches them: for progress. */
export type MemberSink = (done: number) => void;

export class TarCompareParser {
  /** Member lines seen: the members tar has reached. */
  done = 0;
  /** Members whose data differs although size and mtime agree (canonical keys, archive order). */
  readonly contentOnly: string[] = [];
  /** All such members, counted even past the listed bound. */
  contentOnlyCount = 0;
  /** Members whose data differs along with their size or mtime: changed the ordinary way. */
  changedCount = 0;
  problem: CompareProblem | undefined;
  private readonly lines = new BoundedLines();
  private current: string | undefined;
  private flags = { contents: false, sizeOrTime: false };

  constructor(
    private readonly maxListed = 1000,
    private readonly onMember?: MemberSink,
  ) {}

  push(chunk: Buffer): void {
    this.lines.push(chunk, (l) => this.line(l), tooLong);
  }

  /** Ends the parse: what is left must be nothing or a whole line's worth. */
  end(): this {
    const last = this.lines.take();
    if (last !== '') this.line(last);
    this.settle();
    return this;
  }

  private settle(): void {
    if (this.current === undefined) return;
    if (this.flags.contents && !this.flags.sizeOrTime) {
      this.contentOnlyCount++;
      if (this.contentOnly.length < this.maxListed) this.contentOnly.push(this.current);
    } else if (this.flags.contents || this.flags.sizeOrTime) this.changedCount++;
    this.current = undefined;
    this.flags = { contents: false, sizeOrTime: false };
  }

  private line(l: string): void {
    if (l === '') return;
    if (l.length > MAX_LISTING_LINE) tooLong();
    // 13 digits at most, as in a listing (tarListing.ts): a longer block number has no exact byte offset.
    const b = /^block (\d{1,13}): /.exec(l);
    if (b) {
      const block = Number(b[1]);
      const rest = l.slice(b[0].length);
      if (rest === '** Block of NULs **') return this.settle();
      if (rest === '** End of File **') {
        this.settle();
        this.problem ??= { kind: 'truncated', offset: block * 512, message: `the archive ends at byte ${block * 512} without its end marker (cut short)`, ...this.afterLast() };
        return;
      }
      if (rest === '' || /^block \d{1,13}: /.test(rest)) {
        // A header tar could not read: it skipped to the next one it could. --compare numbers
        // a header's block from 1 (a listing, from 0); its End of File line gives the end.
        this.settle();
        const at = Math.max(0, block - 1) * 512;
        this.problem ??= { kind: 'corrupt', offset: at, message: `broken header at byte ${at} (tar skipped to the next header)`, ...this.afterLast() };
        if (rest !== '') this.line(rest);
        return;
      }
      const { key, next } = unquote(rest, 0);
      if (next !== rest.length) throw new TarListingFormatError(`unexpected text after a member name: ${JSON.stringify(l.slice(0, 200))}`);
      this.settle();
      this.current = canonicalKey(key);
      this.last = this.current;
      this.done++;
      this.onMember?.(this.done);
      return;
    }
    if (l.startsWith('"')) {
      const { key, next } = unquote(l, 0);
      const message = l.slice(next);
      if (!message.startsWith(': ')) throw new TarListingFormatError(`unexpected line from tar --compare: ${JSON.stringify(l.slice(0, 200))}`);
      if (canonicalKey(key) !== this.current) throw new TarListingFormatError(`a difference for a member tar is not on: ${JSON.stringify(l.slice(0, 200))}`);
      const what = message.slice(2);
      if (what === 'Contents differ') this.flags.contents = true;
      else if (what === 'Size differs' || what === 'Mod time differs') this.flags.sizeOrTime = true;
      // Mode, owner, link differences: validate's listing and restore's verification say those.
      return;
    }
    throw new TarListingFormatError(`unexpected line from tar --compare: ${JSON.stringify(l.slice(0, 200))}`);
  }

  private last: string | undefined;
  private afterLast(): { after?: string } {
    return this.last !== undefined ? { after: this.last } : {};
  }
}

/**
 * tar's messages about the archive itself. For a header field that is not a number tar prints
 * "Archive contains %s where numeric %s value expected", the second %s a C type name (off_t,
 * uid_t, time_t...): so one '.*' only. With '.*' in both places every " where numeric " in a line
 * was tried against the rest of it, quadratic in the line (256 KB: 1.9 s).
 */
const ARCHIVE_TROUBLE = /^(?:Skipping to next header|Unexpected EOF in archive|This does not look like a tar archive|Archive contains .* where numeric \w+ value expected|A lone zero block at \d+|Damaged tar archive)/s;
const DECOMPRESSOR_TROUBLE = /^(?:gzip|pigz|unpigz): .*(?:crc error|invalid compressed data|unexpected end of file|corrupt)/is;

/** What tar's stderr says about the archive itself (not about the live files). */
export function archiveTroubleIn(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.replace(/^(?:\S*\/)?tar: /, ''));
  return lines.find((l) => ARCHIVE_TROUBLE.test(l) || DECOMPRESSOR_TROUBLE.test(l));
}

/** Members tar did not find in the archive: our list and tar's view of it disagree. */
export function notFoundIn(stderr: string): number {
  return (stderr.match(/: Not found in archive$/gm) ?? []).length;
}
