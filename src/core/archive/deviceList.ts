// The numbers of a target's device nodes, for a restore's verification. find's -printf gives a
// device node's kind (%y) but not its major and minor (%D is the device of the filesystem the
// node is on, not the device it stands for), so the character and block devices alone, few on
// any volume, go through stat, whose %t and %T print them (in hex). The main listing then stays
// one find pass for every entry, and this one runs only when the archive holds devices.
import type { EntryMeta, EntryType, FsEntrySink } from './entryTable';
import { NulRecords } from '../lineSplitter';

/** `%f %t %T %n\0`: raw mode, major and minor (hex), then the path as find passed it. */
export const DEVICE_STAT_FORMAT = '%f %t %T %n\\0';

/**
 * argv of the stat pass over `root`, or over some paths under it (`keys`, byte keys relative to
 * root, as fsListPathsArgv takes them); `prefix` is what the parser cuts off each path.
 */
export function deviceStatArgv(root: string, keys: readonly string[] = []): { argv: string[]; prefix: string } {
  if (root === '') throw new Error('deviceStatArgv: empty root');
  const trimmed = root.replace(/\/+$/, '') || '/';
  const base = trimmed === '/' ? '/' : trimmed + '/';
  // find reads an operand starting with "-" (or "(" / "!") as an expression.
  const whole = /^[-(!]/.test(trimmed) ? `./${trimmed}` : trimmed;
  const operands = keys.length ? keys.map((k) => base + Buffer.from(k, 'latin1').toString('utf8')) : [whole];
  const prefix = keys.length ? base : whole === '/' ? '/' : whole + '/';
  return {
    argv: ['find', '-P', ...operands, ...(keys.length ? [] : ['-mindepth', '1']), '(', '-type', 'b', '-o', '-type', 'c', ')', '-exec', 'stat', '--printf', DEVICE_STAT_FORMAT, '{}', '+'],
    prefix: Buffer.from(prefix, 'utf8').toString('latin1'),
  };
}

export class DeviceStatFormatError extends Error {}

/** As find's listing (MAX_FS_RECORD): no record of a path is longer. */
export const MAX_DEVICE_RECORD = 1 << 20;

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const RECORD = /^([0-9a-f]{1,8}) ([0-9a-f]{1,8}) ([0-9a-f]{1,8}) /;

/**
 * Parser of the stat pass. Only the paths in `wanted` (the archive's devices) are kept, so what
 * it holds is bounded by the archive's devices, whatever the target holds; a record that is not
 * stat's, or names a path outside the prefix, or a type that is not a device, is an error.
 */
export class DeviceStatParser {
  private readonly records = new NulRecords(1, MAX_DEVICE_RECORD, (m) => new DeviceStatFormatError(m));
  readonly numbers = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly wanted: ReadonlySet<string>,
  ) {}

  push(chunk: Buffer): void {
    this.records.push(chunk, (b, start, z) => this.record(b.toString('latin1', start, z), this.records.at(start)));
  }

  end(): Map<string, string> {
    this.records.end("stat's output");
    return this.numbers;
  }

  /** A whole record (NulRecords has held it to MAX_DEVICE_RECORD), which starts at byte `at` of the output. */
  private record(r: string, at: number): void {
    const bad = () => new DeviceStatFormatError(`bad record at byte ${at}: ${JSON.stringify(r.slice(0, 80))}`);
    const m = RECORD.exec(r);
    if (!m) throw bad();
    const fmt = parseInt(m[1], 16) & S_IFMT;
    if (fmt !== S_IFCHR && fmt !== S_IFBLK) throw bad();
    const path = r.slice(m[0].length);
    if (!path.startsWith(this.prefix) || path.length === this.prefix.length) throw bad();
    const key = path.slice(this.prefix.length);
    if (!this.wanted.has(key)) return;
    this.numbers.set(key, `${fmt === S_IFCHR ? 'c' : 'b'} ${parseInt(m[2], 16)},${parseInt(m[3], 16)}`);
  }
}

/**
 * Passes the listing on to `next`, with the numbers of the stat pass added to each device of
 * the kind find saw. One whose kind changed between the two passes keeps find's kind alone.
 */
export class DeviceNumbers<S extends FsEntrySink> implements FsEntrySink {
  constructor(
    readonly next: S,
    private readonly numbers: ReadonlyMap<string, string>,
  ) {}

  entry(key: string, type: EntryType, size: number, mtime: number, linkKey?: string, meta?: EntryMeta): void {
    const d = meta?.device;
    const n = d === 'c' || d === 'b' ? this.numbers.get(key) : undefined;
    this.next.entry(key, type, size, mtime, linkKey, n !== undefined && n[0] === d ? { ...meta, device: n } : meta);
  }

  socket(key: string): void {
    this.next.socket(key);
  }
}
