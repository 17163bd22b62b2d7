// The numbers of a target's device nodes, for a restore's verification. find's -printf gives a
// device node's kind (%y) but not its major and minor (%D is the device of the filesystem the
// node is on, not the device it stands for), so the paths the archive holds as character or
// block devices, and those alone, are looked at one by one: no walk of the target, which the
// main listing already makes once. A small python3 program in the gluster container (its image
// has python3: the brick lister and the stopper of tagged commands use it too) takes the
// paths as base64 in its argv, so any byte of a name (newline, leading dash, not UTF-8) comes
// through the Docker API, which carries argv as JSON text. It walks each path from the target
// a component at a time without following a symlink (as find -P lists it), and prints one
// record per path, in the order given: the mode and the numbers, or that the path is not there.
// A path that is not there, or is there as something else, is the main listing's finding
// (missing, or a difference of type); this pass only adds numbers to the devices it finds.
import type { EntryMeta, EntryType, FsEntrySink } from './entryTable';
import { NulRecords } from '../lineSplitter';

/**
 * Per path asked for, in order: `<i> <mode> <major> <minor>\0` (hex, from lstat), `<i> -\0` when
 * it is not there (or cannot be: an empty, `.` or `..` component, a NUL), `<i> ?\0` when it
 * could not be read (the reason on stderr, exit 1). Exit 2: the target itself could not be read.
 */
export const DEVICE_STAT_PY = String.raw`
import os, sys, errno, binascii
out = sys.stdout.buffer
err = sys.stderr
def shown(p):
    return p[:300].decode('utf-8', 'backslashreplace').encode('unicode_escape').decode('ascii')
root = binascii.a2b_base64(sys.argv[1])
keys = []
for a in sys.argv[2:]:
    if a[:1] == '=':
        keys.append(binascii.a2b_base64(a[1:]))
    elif a[:1] == '+' and keys:
        keys[-1] += binascii.a2b_base64(a[1:])
    else:
        err.write('not an argument of this program: %r\n' % a[:40])
        sys.exit(2)
GONE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG)
DIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
try:
    top = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
except OSError as x:
    if x.errno not in GONE:
        err.write('%s: %s\n' % (shown(root), x.strerror))
        sys.exit(2)
    top = None
def opendir(parts):
    fd = top
    try:
        for c in parts:
            n = os.open(c, DIR, dir_fd=fd)
            if fd != top:
                os.close(fd)
            fd = n
    except OSError:
        if fd != top:
            os.close(fd)
        raise
    return fd
held = None
held_fd = top
rc = 0
recs = []
for i, key in enumerate(keys):
    parts = key.split(b'/')
    if top is None or b'\0' in key or any(c in (b'', b'.', b'..') for c in parts):
        recs.append(b'%d -\0' % i)
        continue
    try:
        if held != parts[:-1]:
            if held_fd != top:
                os.close(held_fd)
            held, held_fd = None, top
            held_fd = opendir(parts[:-1])
            held = parts[:-1]
        st = os.stat(parts[-1], dir_fd=held_fd, follow_symlinks=False)
    except OSError as x:
        if x.errno in GONE:
            recs.append(b'%d -\0' % i)
        else:
            recs.append(b'%d ?\0' % i)
            err.write('%s: %s\n' % (shown(root + b'/' + key), x.strerror))
            rc = 1
        continue
    recs.append(b'%d %x %x %x\0' % (i, st.st_mode, os.major(st.st_rdev), os.minor(st.st_rdev)))
out.write(b''.join(recs))
out.flush()
sys.exit(rc)
`;

/**
 * A batch of the pass: at most this many paths, and this many characters of them in base64, per
 * process. argv has its limits (ARG_MAX, and 128 KiB for one argument); a long list is several
 * processes one after the other. One path longer than the budget goes alone, in pieces.
 */
export const DEVICE_STAT_BATCH = { keys: 1024, bytes: 128 * 1024 };

/** Bytes of a name per argument: a multiple of 3 (each piece is base64 on its own), 64 KiB in base64. */
const PIECE = 48 * 1024;

export interface DeviceStatBatch {
  /** argv of the program (no shell): the target, then each path as `=` and its base64, `+` for a continued piece. */
  argv: string[];
  /** The byte keys (relative to the target) this batch asks for, in the order of its records. */
  keys: string[];
}

/** The batches of the pass over `keys` (byte keys relative to `root`, as fsListPathsArgv takes them). */
export function deviceStatBatches(root: string, keys: readonly string[], limit: { keys: number; bytes: number } = DEVICE_STAT_BATCH): DeviceStatBatch[] {
  if (root === '') throw new Error('deviceStatBatches: empty root');
  if (!(limit.keys >= 1 && limit.bytes >= 1)) throw new Error('deviceStatBatches: a batch holds at least one path');
  // -I: no PYTHON* variable of the container changes what runs; -S: no site packages to load.
  const head = ['python3', '-I', '-S', '-c', DEVICE_STAT_PY, Buffer.from(root.replace(/\/+$/, '') || '/', 'utf8').toString('base64')];
  const batches: DeviceStatBatch[] = [];
  let args: string[] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const k of keys) {
    const b = Buffer.from(k, 'latin1');
    const pieces: string[] = [];
    for (let at = 0; at === 0 || at < b.length; at += PIECE) pieces.push((at === 0 ? '=' : '+') + b.subarray(at, at + PIECE).toString('base64'));
    const size = pieces.reduce((n, p) => n + p.length, 0);
    if (batch.length > 0 && (batch.length >= limit.keys || bytes + size > limit.bytes)) {
      batches.push({ argv: [...head, ...args], keys: batch });
      args = [];
      batch = [];
      bytes = 0;
    }
    args.push(...pieces);
    batch.push(k);
    bytes += size;
  }
  if (batch.length > 0) batches.push({ argv: [...head, ...args], keys: batch });
  return batches;
}

export class DeviceStatFormatError extends Error {}

/** The longest record the program prints: `4294967295 ffffffff ffffffff ffffffff`, with room. */
export const MAX_DEVICE_RECORD = 64;

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const KINDS = new Map<number, DeviceStatKind>([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o010000, 'fifo'],
  [0o140000, 'socket'],
]);
const RECORD = /^(0|[1-9][0-9]{0,9}) (?:([0-9a-f]{1,8}) ([0-9a-f]{1,8}) ([0-9a-f]{1,8})|(-)|(\?))$/;

/** What a path asked for is when it is not a device: not there, or another kind of entry. */
export type DeviceStatKind = 'absent' | 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'unknown';

/**
 * Parser of one batch's output: exactly one record per path asked for, in the order asked, each
 * at most MAX_DEVICE_RECORD bytes. Anything else (a record out of turn, one too many or too few,
 * another form) is DeviceStatFormatError. What it holds is bounded by the paths asked for.
 */
export class DeviceStatParser {
  // Quoted refusals: where records were due, a runtime's message ("exec failed: ... python3 ...
  // not found") is what came, and the caller reads it from the error.
  private readonly records = new NulRecords(1, MAX_DEVICE_RECORD, (m) => new DeviceStatFormatError(m), true);
  private next = 0;
  /** The devices found: "c 1,3", "b 8,0". */
  readonly numbers = new Map<string, string>();
  /** The paths that are not devices there (the listing says so as a difference, or as missing). */
  readonly others = new Map<string, DeviceStatKind>();
  /** The paths the program could not read (its stderr says why). */
  readonly unreadable: string[] = [];

  constructor(private readonly keys: readonly string[]) {}

  push(chunk: Buffer): void {
    this.records.push(chunk, (b, start, z) => this.record(b.toString('latin1', start, z), this.records.at(start)));
  }

  /** The devices found, once the output is whole. */
  end(): Map<string, string> {
    this.records.end('the output');
    if (this.next !== this.keys.length) throw new DeviceStatFormatError(`the output ends after ${this.next} of ${this.keys.length} records`);
    return this.numbers;
  }

  /** A whole record (NulRecords has held it to MAX_DEVICE_RECORD), which starts at byte `at` of the output. */
  private record(r: string, at: number): void {
    const bad = () => new DeviceStatFormatError(`bad record at byte ${at}: ${JSON.stringify(r)}`);
    const m = RECORD.exec(r);
    if (!m) throw bad();
    if (Number(m[1]) !== this.next || this.next >= this.keys.length) throw bad();
    const key = this.keys[this.next++];
    if (m[5]) return void this.others.set(key, 'absent');
    if (m[6]) return void this.unreadable.push(key);
    const fmt = parseInt(m[2], 16) & S_IFMT;
    if (fmt === S_IFCHR || fmt === S_IFBLK) this.numbers.set(key, `${fmt === S_IFCHR ? 'c' : 'b'} ${parseInt(m[3], 16)},${parseInt(m[4], 16)}`);
    else this.others.set(key, KINDS.get(fmt) ?? 'unknown');
  }
}

/**
 * Passes the listing on to `next`, with the numbers of the device pass added to each device of
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
