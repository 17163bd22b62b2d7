// The member list of a tar archive, read from its headers only. An uncompressed archive is
// walked header to header with positioned reads (the data is skipped by arithmetic, as GNU tar
// does when it lists a seekable archive); a gzip archive is streamed once through gunzip.
// Any archive that does not end with its end-of-archive marker, or has a header that is not a
// header, is reported with the byte offset; it is never taken as complete.
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { EntryTable, type EntryLimits, type EntryMeta, type EntryType } from './entryTable';
import { canonicalKey, displayPath, ownedKey } from './paths';
import { readerChunks, type RandomAccessReader } from './reader';
import { BLOCK, checksumOk, decodeDevice, decodeHeader, decodeOwnerMode, decodePax, isZeroBlock, padded, TarFormatError } from './tarHeader';

export interface TarProblem {
  kind: 'truncated' | 'corrupt';
  /**
   * Byte offset in the tar stream: for 'corrupt', the bad header; for 'truncated', where the
   * archive ends. For a gzip archive these are uncompressed offsets, unless `compressedOffset`
   * says the gzip layer itself failed.
   */
  offset: number;
  message: string;
  /** The member being read when it happened (display form). */
  member?: string;
  /** Offset of that member's first header. */
  memberOffset?: number;
  /** gzip archives: compressed bytes consumed when the problem was seen. */
  compressedOffset?: number;
}

export interface TarIndexResult {
  entries: EntryTable;
  /** Archive bytes actually read (compressed bytes for gzip). */
  bytesRead: number;
  /** Read calls made on the reader (round trips, over SFTP). */
  reads: number;
  /** Size of the archive file, when known. */
  archiveSize?: number;
  /** Bytes of tar stream walked (the uncompressed size, for gzip). */
  tarBytes: number;
  compressed: boolean;
  /** Members named `.` or `./` (the archive root), not listed in entries. */
  rootEntries: number;
  /**
   * Members whose stored name starts with `./` (as `tar -C dir .` writes them): tar matches a
   * member given on its command line only in the form it was stored in.
   */
  dotSlashNames?: number;
  problem?: TarProblem;
}

export interface TarIndexOptions {
  /** Smallest positioned read (default 512, one header). */
  minRead?: number;
  /** Read size while members are small, so one read yields many headers (default 64 KiB). */
  window?: number;
  /**
   * Most bytes of extended headers (L/K long names, x/X PAX records) one member may carry, and
   * of global PAX state (g): more is taken as corruption (default 1 MiB). Names longer than
   * PATH_MAX (4096) exist, but 1 MiB is a thousand levels of 255-byte names; the bound keeps a
   * few KiB of gzip from claiming gigabytes of metadata.
   */
  maxMetaBytes?: number;
  /** How many members, and bytes of names, the index may hold (EntryLimitError past them). */
  limits?: Partial<EntryLimits>;
}

/** Sequential view of the tar bytes, whatever they come from. */
interface Source {
  readonly pos: number;
  /** `len` bytes, fewer only at the end of the data. Throws TarFormatError for a negative `len`. */
  take(len: number): Promise<Buffer>;
  /** Skips `n` bytes; returns how many were there. Throws TarFormatError for a negative `n`. */
  skip(n: number): Promise<number>;
  /** Called once per member with its whole span, so reads can be sized to the members. */
  memberDone(span: number): void;
}

export const DEFAULT_MAX_META_BYTES = 1 << 20;

/** The read position only moves forward: a count that would move it back is corruption. */
function forward(n: number, pos: number): void {
  if (!(n >= 0 && Number.isSafeInteger(n))) throw new TarFormatError(`cannot move ${n} bytes from byte ${pos}`);
}

class PositionedSource implements Source {
  pos = 0;
  bytesRead = 0;
  reads = 0;
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  // Moving average of member spans: small members make a wide read pay off, big ones do not.
  private avgSpan = 0;
  private lastHeaderSpan = BLOCK;
  private headerTaken = 0;

  constructor(
    private readonly reader: RandomAccessReader,
    private readonly size: number,
    private readonly minRead: number,
    private readonly window: number,
  ) {}

  async take(len: number): Promise<Buffer> {
    forward(len, this.pos);
    const off = this.pos - this.bufStart;
    if (off < 0 || off + len > this.buf.length) {
      // A member's headers (L/K/x + header) are usually read together: read the span the
      // previous member's headers had, and a whole window when members are small.
      let want = this.avgSpan * 8 <= this.window ? this.window : Math.max(this.minRead, this.lastHeaderSpan);
      want = Math.min(Math.max(want, len), this.size - this.pos);
      this.buf = want > 0 ? await this.reader.read(this.pos, want) : Buffer.alloc(0);
      this.bufStart = this.pos;
      this.bytesRead += this.buf.length;
      this.reads++;
    }
    const o = this.pos - this.bufStart;
    const out = this.buf.subarray(o, Math.min(o + len, this.buf.length));
    this.pos += out.length;
    this.headerTaken += out.length;
    return out;
  }

  async skip(n: number): Promise<number> {
    forward(n, this.pos);
    const got = Math.min(n, this.size - this.pos);
    this.pos += got;
    return got;
  }

  memberDone(span: number): void {
    this.avgSpan = this.avgSpan * 0.75 + span * 0.25;
    this.lastHeaderSpan = Math.max(BLOCK, this.headerTaken);
    this.headerTaken = 0;
  }
}

class StreamSource implements Source {
  pos = 0;
  private chunk: Buffer = Buffer.alloc(0);
  private at = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      this.chunk = r.value;
      this.at = 0;
    }
    return true;
  }

  async take(len: number): Promise<Buffer> {
    forward(len, this.pos);
    if (this.at + len <= this.chunk.length) {
      const out = this.chunk.subarray(this.at, this.at + len);
      this.at += len;
      this.pos += len;
      return out;
    }
    const parts: Buffer[] = [];
    let need = len;
    while (need > 0 && (await this.fill())) {
      const n = Math.min(need, this.chunk.length - this.at);
      parts.push(this.chunk.subarray(this.at, this.at + n));
      this.at += n;
      need -= n;
    }
    this.pos += len - need;
    return Buffer.concat(parts);
  }

  async skip(n: number): Promise<number> {
    forward(n, this.pos);
    let left = n;
    while (left > 0 && (await this.fill())) {
      const k = Math.min(left, this.chunk.length - this.at);
      this.at += k;
      left -= k;
    }
    this.pos += n - left;
    return n - left;
  }

  memberDone(): void {}

  /** Reads to the end, so that gzip checks its CRC over everything. */
  async drain(): Promise<void> {
    while (await this.fill()) this.at = this.chunk.length;
  }
}

function entryType(typeflag: string, name: string): EntryType {
  switch (typeflag) {
    case '0':
    case '7': // contiguous file: a regular file everywhere but on a few old systems
    case 'S': // GNU sparse file
      // Pre-POSIX tars marked directories only by the trailing slash.
      return name.endsWith('/') && typeflag === '0' ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
    case 'D': // GNU incremental dump directory
      return 'dir';
    default:
      return 'other';
  }
}

function cutAtNul(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('latin1', 0, z < 0 ? b.length : z);
}

/** Bytes a PAX map holds, keys and values. */
function paxBytes(m: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of m) n += k.length + v.length;
  return n;
}

type Walked = { problem?: TarProblem; rootEntries: number; dotSlashNames: number };

async function walk(src: Source, entries: EntryTable, maxMeta: number): Promise<Walked> {
  let rootEntries = 0;
  let dotSlashNames = 0;
  const globalPax = new Map<string, string>();
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let memberStart = -1;
  let memberName: string | undefined;
  // Extended header bytes announced for the current member: L/K/x headers may repeat, and
  // together they are held to the bound of one.
  let memberMeta = 0;

  const truncated = (message: string): Walked => ({
    rootEntries,
    dotSlashNames,
    problem: {
      kind: 'truncated',
      offset: src.pos,
      message: `archive ends at byte ${src.pos} ${message}`,
      ...(memberName !== undefined ? { member: displayPath(memberName) } : {}),
      ...(memberStart >= 0 ? { memberOffset: memberStart } : {}),
    },
  });
  const corrupt = (offset: number, message: string): Walked => ({
    rootEntries,
    dotSlashNames,
    problem: {
      kind: 'corrupt',
      offset,
      message: `${message} at byte ${offset}`,
      ...(memberName !== undefined ? { member: displayPath(memberName) } : {}),
      ...(memberStart >= 0 ? { memberOffset: memberStart } : {}),
    },
  });

  try {
    for (;;) {
      const hpos = src.pos;
      const block = await src.take(BLOCK);
      if (block.length < BLOCK) {
        if (block.length > 0) return truncated('inside a header');
        return truncated(memberStart >= 0 ? 'after an extended header, before its member' : 'without the end-of-archive marker (two zero blocks)');
      }
      if (isZeroBlock(block)) {
        if (memberStart >= 0) return corrupt(hpos, 'zero block where the member of an extended header should be');
        const second = await src.take(BLOCK);
        if (second.length < BLOCK) return truncated('after a single zero block (the end-of-archive marker is two)');
        if (isZeroBlock(second)) return { rootEntries, dotSlashNames };
        // GNU tar stops at a lone zero block: the members after it would not be restored.
        return corrupt(hpos, 'lone zero block followed by more data (tar stops reading there)');
      }
      if (!checksumOk(block)) return corrupt(hpos, 'header checksum mismatch');
      let h;
      try {
        h = decodeHeader(block);
      } catch (e) {
        return corrupt(hpos, e instanceof TarFormatError ? `invalid header (${e.message})` : String(e));
      }
      if (memberStart < 0) memberStart = hpos;

      const t = h.typeflag;
      if (t === 'L' || t === 'K' || t === 'x' || t === 'X' || t === 'g') {
        if (h.size > maxMeta) return corrupt(hpos, `${t} header announces ${h.size} bytes of metadata (the limit is ${maxMeta})`);
        if (t !== 'g') {
          memberMeta += h.size;
          if (memberMeta > maxMeta) return corrupt(hpos, `${t} header brings the member's extended headers to ${memberMeta} bytes (the limit is ${maxMeta})`);
        }
        const data = await src.take(h.size);
        if (data.length < h.size) return truncated(`inside the data of a ${t} header`);
        const pad = padded(h.size) - h.size;
        if ((await src.skip(pad)) < pad) return truncated(`inside the padding of a ${t} header`);
        try {
          if (t === 'L') longName = memberName = cutAtNul(data);
          else if (t === 'K') longLink = cutAtNul(data);
          else if (t === 'g') {
            for (const [k, v] of decodePax(data)) if (v === '') globalPax.delete(k);
            else globalPax.set(k, v);
            // A global header belongs to no member (what an x header before it announced is
            // still held for the next member, so memberMeta stays).
            memberStart = -1;
            // Each g header is bounded, but they add up: a run of them must not grow the state.
            if (paxBytes(globalPax) > maxMeta) return corrupt(hpos, `global PAX headers hold more than ${maxMeta} bytes`);
          } else {
            pax ??= new Map();
            for (const [k, v] of decodePax(data)) pax.set(k, v);
            const p = pax.get('path');
            if (p !== undefined) memberName = p;
          }
        } catch (e) {
          return corrupt(hpos, e instanceof TarFormatError ? `invalid ${t} header data (${e.message})` : String(e));
        }
        continue;
      }

      // The member itself: its own fields, overridden by global then local PAX, long names.
      // Mode and owner first, while `block` is still the member's header.
      const own: EntryMeta = decodeOwnerMode(block);
      const device = decodeDevice(block);
      if (device !== undefined) own.device = device;
      const px = (k: string): string | undefined => pax?.get(k) ?? globalPax.get(k);
      // decodePax checked the form of every numeric value but the empty one.
      const num = (k: string): number | undefined => {
        const v = px(k);
        if (v === undefined) return undefined;
        const n = Number(v);
        if (v === '' || !Number.isFinite(n)) throw new TarFormatError(`PAX ${k}=${JSON.stringify(v)}`);
        return n;
      };
      const name = px('GNU.sparse.name') ?? px('path') ?? longName ?? h.name;
      const linkname = px('linkpath') ?? longLink ?? h.linkname;
      let dataSize: number;
      let size: number;
      let mtime: number;
      try {
        dataSize = num('size') ?? h.size;
        size = num('GNU.sparse.realsize') ?? num('GNU.sparse.size') ?? h.realSize ?? dataSize;
        mtime = num('mtime') ?? h.mtime;
        own.uid = num('uid') ?? own.uid;
        own.gid = num('gid') ?? own.gid;
      } catch (e) {
        return corrupt(memberStart, `invalid extended header (${(e as Error).message})`);
      }
      memberName = name;
      if (h.sparseExtended) {
        // Old GNU sparse maps continue in extra blocks until one says it is the last.
        for (;;) {
          const ext = await src.take(BLOCK);
          if (ext.length < BLOCK) return truncated('inside a sparse map block');
          if (ext[504] === 0) break;
        }
      }
      // 'M' continues a file from the previous volume of a multi-volume set: this archive
      // alone cannot restore it.
      if (t === 'M') return corrupt(memberStart, 'multi-volume continuation member (this archive is not the first volume)');
      const type = entryType(t, name);
      // GNU tar skips no data after a directory header, whatever its size field says.
      const skip = t === '5' ? 0 : padded(dataSize);
      // Sizes are checked where they are decoded; this guards the one invariant a loop over
      // the same headers would break.
      if (!(skip >= 0 && src.pos + skip > hpos)) return corrupt(memberStart, `data size ${dataSize} would move the walk back`);
      const got = await src.skip(skip);
      if (got < skip) return truncated(`inside the data of "${displayPath(name)}" (its data ends at byte ${src.pos - got + skip})`);
      // A volume label ('V') names the archive, not a file.
      if (t !== 'V') {
        const cut = canonicalKey(name);
        const key = cut === name ? cut : ownedKey(cut);
        const link = type === 'symlink' ? linkname : type === 'hardlink' ? ownedKey(canonicalKey(linkname)) : undefined;
        if (name.startsWith('./')) dotSlashNames++;
        if (key === '') rootEntries++;
        else entries.push(key, type, type === 'dir' ? 0 : size, mtime, link, memberStart, own);
      }
      src.memberDone(src.pos - memberStart);
      pax = undefined;
      longName = longLink = memberName = undefined;
      memberStart = -1;
      memberMeta = 0;
    }
  } catch (e) {
    // A source refusing to move backwards: the walk's own guards should have caught it first.
    if (e instanceof TarFormatError) return corrupt(src.pos, e.message);
    throw e;
  }
}

/** Indexes an uncompressed tar through positioned reads of its headers only. */
export async function indexTar(reader: RandomAccessReader, opts: TarIndexOptions = {}): Promise<TarIndexResult> {
  const size = await reader.size();
  const src = new PositionedSource(reader, size, opts.minRead ?? BLOCK, opts.window ?? 65536);
  const entries = new EntryTable(opts.limits);
  const { problem, rootEntries, dotSlashNames } = await walk(src, entries, opts.maxMetaBytes ?? DEFAULT_MAX_META_BYTES);
  return {
    entries,
    bytesRead: src.bytesRead,
    reads: src.reads,
    archiveSize: size,
    tarBytes: src.pos,
    compressed: false,
    rootEntries,
    dotSlashNames,
    ...(problem ? { problem } : {}),
  };
}

export interface TarStreamOptions extends TarIndexOptions {
  /** The stream is gzip-compressed (default true). */
  gzip?: boolean;
}

/**
 * Indexes a tar read once from a stream (a .tar.gz, or any tar that cannot be read at random).
 * The whole stream is consumed, so that gzip verifies its CRC over all of it.
 */
export async function indexTarStream(source: AsyncIterable<Buffer> | NodeJS.ReadableStream, opts: TarStreamOptions = {}): Promise<TarIndexResult> {
  const gzip = opts.gzip ?? true;
  let compressedBytes = 0;
  let chunks = 0;
  const input = Readable.from(
    (async function* () {
      for await (const c of source as AsyncIterable<Buffer>) {
        const b = typeof c === 'string' ? Buffer.from(c) : c;
        compressedBytes += b.length;
        chunks++;
        yield b;
      }
    })(),
    { objectMode: false },
  );
  const tarStream: Readable = gzip ? input.pipe(zlib.createGunzip()) : input;
  let streamError: unknown;
  if (gzip) input.on('error', (e) => tarStream.destroy(e));
  const iter = (async function* () {
    try {
      for await (const c of tarStream) yield c as Buffer;
    } catch (e) {
      streamError = e;
    }
  })();
  const src = new StreamSource(iter);
  const entries = new EntryTable(opts.limits);
  const walked = await walk(src, entries, opts.maxMetaBytes ?? DEFAULT_MAX_META_BYTES).catch((e: unknown) => {
    // An index past its limits: the rest of the stream is not wanted.
    tarStream.destroy();
    input.destroy();
    throw e;
  });
  const rootEntries = walked.rootEntries;
  const dotSlashNames = walked.dotSlashNames;
  let problem = walked.problem;
  if (!problem) await src.drain();
  else {
    // Stops the gunzip and, through the generator's return, the caller's source stream.
    tarStream.destroy();
    input.destroy();
  }
  if (streamError !== undefined) {
    const e = streamError as NodeJS.ErrnoException;
    // A failing source (disk, network) says nothing about the archive: the caller must see it
    // as an error, not as a verdict on the backup.
    if (!(typeof e.code === 'string' && e.code.startsWith('Z_'))) throw e;
    // The gzip layer's verdict comes first: a tar "truncation" is then only its symptom.
    const eof = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
    problem = {
      kind: eof ? 'truncated' : 'corrupt',
      offset: src.pos,
      compressedOffset: compressedBytes,
      message: eof
        ? `compressed archive ends early, at compressed byte ${compressedBytes} (${src.pos} bytes of tar)`
        : `compressed data is corrupt (${e.message}) near compressed byte ${compressedBytes}, tar byte ${src.pos}`,
    };
  }
  return {
    entries,
    bytesRead: compressedBytes,
    reads: chunks,
    tarBytes: src.pos,
    compressed: gzip,
    rootEntries,
    dotSlashNames,
    ...(problem ? { problem } : {}),
  };
}

const UNSUPPORTED: [string, Buffer][] = [
  ['bzip2', Buffer.from('BZh')],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/**
 * Picks the walk by content: gzip magic streams, anything else is walked by position. Other
 * compressions are named in the problem rather than reported as a bad first header.
 */
export async function indexArchive(reader: RandomAccessReader, opts: TarIndexOptions = {}): Promise<TarIndexResult> {
  const size = await reader.size();
  const head = size > 0 ? await reader.read(0, Math.min(6, size)) : Buffer.alloc(0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const r = await indexTarStream(readerChunks(reader), { ...opts, gzip: true });
    return { ...r, archiveSize: size, bytesRead: r.bytesRead + head.length, reads: r.reads + 1 };
  }
  const other = UNSUPPORTED.find(([, magic]) => head.length >= magic.length && head.subarray(0, magic.length).equals(magic));
  if (other) {
    return {
      entries: new EntryTable(),
      bytesRead: head.length,
      reads: 1,
      archiveSize: size,
      tarBytes: 0,
      compressed: true,
      rootEntries: 0,
      problem: { kind: 'corrupt', offset: 0, message: `the archive is ${other[0]}-compressed; only gzip and uncompressed archives can be read` },
    };
  }
  const r = await indexTar(reader, opts);
  return { ...r, bytesRead: r.bytesRead + head.length, reads: r.reads + 1 };
}
