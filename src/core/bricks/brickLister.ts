// The listing of a volume from its bricks: one python3 process per node, in the gluster
// container (whose image has python3), lists the planned bricks that node holds in find's own
// record format (fsList.ts), so the same bounded parser reads it. What it leaves out is what
// FUSE never shows: .glusterfs and the replicas' anonymous-inode directory at the brick's root,
// and DHT link files (mode ---------T, no data, a linkto xattr: the pointer a rename leaves on
// the brick the new name hashes to). Times come from trusted.glusterfs.mdata when the volume
// keeps them there (features.ctime), since that, not the brick file's own stat, is what FUSE
// reports.
//
// Each lister ends with one summary line per brick on stderr (`GBL1 {json}`): its directory
// count and an order-free digest of their paths. Directories are printed by one brick only;
// the digests prove every other brick holds exactly the same ones, so nothing is printed twice
// and nothing is lost. A file that looks half-migrated (a rebalance moving it) stops the
// lister with exit 3: the caller then lists through the mount.
import type { BrickPlan } from './brickPlan';

/** Format version of the summary lines; a lister that prints another is not understood. */
export const BRICK_SUMMARY_TAG = 'GBL1';

const LISTER = String.raw`
import os, sys, json, stat, struct, hashlib, time
spec = json.loads(sys.argv[1])
me = ''
try:
    with open('/var/lib/glusterd/glusterd.info') as f:
        for line in f:
            if line.startswith('UUID='):
                me = line[5:].strip()
except OSError as x:
    sys.stderr.write('cannot read this node\'s glusterd identity: %s\n' % x)
    sys.exit(2)
out = sys.stdout.buffer
err = sys.stderr
MD = 'trusted.glusterfs.mdata'
LT = 'trusted.glusterfs.dht.linkto'
use_md = bool(spec.get('mdata'))
sub = os.fsencode(spec.get('sub', ''))
sum_only = bool(spec.get('sum'))
TYPES = {stat.S_IFREG: b'f', stat.S_IFDIR: b'd', stat.S_IFLNK: b'l', stat.S_IFIFO: b'p', stat.S_IFSOCK: b's', stat.S_IFCHR: b'c', stat.S_IFBLK: b'b'}
rc = 0
def tell(o):
    err.write('${BRICK_SUMMARY_TAG} %s\n' % json.dumps(o))
    err.flush()
def has_linkto(path):
    # DHT creates a link file and then sets its xattr: one seen in between is looked at again.
    for wait in (0, 0.02, 0.2):
        time.sleep(wait)
        try:
            os.getxattr(path, LT, follow_symlinks=False)
            return True
        except FileNotFoundError:
            return None
        except OSError:
            pass
    return False
class Unsure(Exception):
    pass
def walk(top, emit_dirs):
    # The hot loop: every name below lives in a local (about a third faster in CPython).
    global rc
    scandir = os.scandir; lstat_of = os.DirEntry.stat; getxattr = os.getxattr; unpack = struct.unpack_from
    blake = hashlib.blake2b; frombytes = int.from_bytes; readlink = os.readlink; write = out.write
    fmt = stat.S_IFMT; types = TYPES; md = use_md; summing = sum_only
    dirs = 0; digest = 0; files = 0; linkfiles = 0
    # Sum mode: apparent bytes of everything but directories (a hard link once: on a brick every
    # file has one more link, its gfid handle under .glusterfs), and the newest time met.
    nbytes = 0; newest = (-1 << 63, 0); newest_path = b''; linked = set()
    stack = [(top, b'')]
    while stack:
        d, rel = stack.pop()
        try:
            it = scandir(d)
        except OSError as x:
            err.write('%s\n' % x); rc = 1; continue
        prefix = rel + b'/' if rel else b''
        chunk = []
        with it:
            for e in it:
                name = e.name
                if not rel and not sub and (name == b'.glusterfs' or name.startswith(b'.glusterfs-anonymous-inode-')):
                    continue
                p = prefix + name
                try:
                    st = lstat_of(e, follow_symlinks=False)
                except OSError as x:
                    err.write('%s\n' % x); rc = 1; continue
                m = st.st_mode
                t = types.get(fmt(m), b'?')
                if t == b'd':
                    stack.append((e.path, p))
                    dirs += 1
                    digest = (digest + frombytes(blake(p, digest_size=8).digest(), 'big')) & 0xffffffffffffffff
                    # FUSE shows a directory's newest time over all bricks: each brick's counts.
                    if not emit_dirs and not summing:
                        continue
                elif t == b'f' and m & 0o1000:
                    linkto = has_linkto(e.path)
                    if linkto is None:
                        continue
                    if linkto and st.st_size == 0 and (m & 0o7777) == 0o1000:
                        linkfiles += 1
                        continue
                    write(b''.join(chunk))
                    raise Unsure(p)
                else:
                    files += 1
                when = None
                if md:
                    # posix_mdata_disk_t: version u8, flags u64, then ctime, mtime, atime as
                    # (sec, nsec) int64 pairs, big endian.
                    try:
                        v = getxattr(e.path, MD, follow_symlinks=False)
                        if len(v) >= 57:
                            sec, ns = unpack('>qq', v, 25)
                            if 0 <= ns < 1000000000:
                                when = (sec, ns)
                    except OSError:
                        pass
                if when is None:
                    ns = st.st_mtime_ns
                    when = (ns // 1000000000, ns % 1000000000)
                if summing:
                    if when > newest:
                        newest = when; newest_path = p
                    if t != b'd':
                        if t == b'f' and st.st_nlink > 2:
                            if st.st_ino in linked:
                                continue
                            linked.add(st.st_ino)
                        nbytes += st.st_size
                    continue
                chunk.append(b'%s %d %d.%09d0 %s\0%s\0' % (t, st.st_size, when[0], when[1], p, readlink(e.path) if t == b'l' else b''))
        write(b''.join(chunk))
    summed = {'bytes': nbytes, 'newest': '%d.%09d' % newest, 'newestPath': os.fsdecode(newest_path)[:1024]} if summing and newest_path else {'bytes': nbytes} if summing else {}
    return dirs, digest, files, linkfiles, summed
tell({'node': me})
for b in spec['bricks']:
    if b['uuid'] != me:
        continue
    root = os.fsencode(b['path'])
    top = os.path.join(root, sub) if sub else root
    if not os.path.isdir(top):
        err.write('%s: not a directory on this brick\n' % os.fsdecode(top))
        sys.exit(2)
    try:
        dirs, digest, files, linkfiles, summed = walk(top, bool(b.get('dirs')))
    except Unsure as x:
        out.flush()
        tell({'unsure': os.fsdecode(x.args[0]), 'brick': b['path']})
        sys.exit(3)
    out.flush()
    tell(dict({'brick': b['path'], 'dirs': dirs, 'digest': '%016x' % digest, 'files': files, 'linkfiles': linkfiles}, **summed))
out.flush()
sys.exit(rc)
`;

/**
 * argv (no shell) of the lister for a plan; the same on every node, each lists its own bricks.
 * `sum`: print no records, only each brick's summary with its apparent bytes and newest entry.
 */
export function brickListArgv(plan: Extract<BrickPlan, { kind: 'bricks' }>, o: { sum?: boolean } = {}): string[] {
  const spec = { v: 1, sub: plan.sub, mdata: plan.mdata, ...(o.sum ? { sum: true } : {}), bricks: plan.bricks.map((b) => ({ path: b.path, uuid: b.uuid, dirs: b.dirs })) };
  // -I: no PYTHON* variable of the container changes what runs; -S: no site packages to load.
  return ['python3', '-I', '-S', '-c', LISTER, JSON.stringify(spec)];
}

/** What one brick's lister said when it was done with it. */
export interface BrickSummary {
  brick: string;
  dirs: number;
  digest: string;
  files: number;
  linkfiles: number;
  /** Sum mode: apparent bytes of everything but directories, a hard link once. */
  bytes?: number;
  /** Sum mode: the newest modification time met (a directory's too) and the entry that has it. */
  newest?: { s: number; ns: number; path: string };
}

export interface ListerReport {
  /** The glusterd uuid of the node the lister ran on. */
  node?: string;
  bricks: BrickSummary[];
  /** A file a rebalance seems to be moving: the bricks cannot be listed now. */
  unsure?: { path: string; brick: string };
  /** stderr lines that are not summaries (find-like errors), the first few. */
  problems: string[];
  problemCount: number;
}

/** More summary lines than bricks any volume has: the rest is not read. */
const MAX_SUMMARIES = 4096;
const MAX_LINE = 8192;

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isText(x: unknown, max = 4096): x is string {
  return typeof x === 'string' && x.length <= max;
}

/** seconds.nanoseconds, as the lister prints a time; seconds within a safe integer. */
const NEWEST = /^(-?\d{1,15})\.(\d{9})$/;

/** Sum mode's fields: absent, or all well formed (newest and its path come together). */
function sumFieldsOk(rec: Record<string, unknown>): boolean {
  if (rec.bytes !== undefined && !isCount(rec.bytes)) return false;
  if (rec.newest === undefined && rec.newestPath === undefined) return true;
  return rec.bytes !== undefined && isText(rec.newest, 32) && NEWEST.test(rec.newest) && isText(rec.newestPath, 1024) && rec.newestPath !== '';
}

/**
 * Reads a lister's stderr (a bounded tail, from the node: untrusted). A summary line that fails
 * its guard counts as a problem, never as a brick listed.
 */
export function parseListerStderr(stderr: string): ListerReport {
  const r: ListerReport = { bricks: [], problems: [], problemCount: 0 };
  let summaries = 0;
  for (const line of stderr.split('\n')) {
    if (line === '') continue;
    const tagged = line.startsWith(`${BRICK_SUMMARY_TAG} `) && line.length <= MAX_LINE && summaries < MAX_SUMMARIES;
    let o: unknown;
    if (tagged) {
      summaries++;
      try {
        o = JSON.parse(line.slice(BRICK_SUMMARY_TAG.length + 1));
      } catch {
        o = undefined;
      }
    }
    const rec = typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
    if (rec && isText(rec.node, 64) && Object.keys(rec).length === 1) r.node = rec.node;
    else if (rec && isText(rec.unsure) && isText(rec.brick)) r.unsure = { path: rec.unsure, brick: rec.brick };
    else if (rec && isText(rec.brick) && isCount(rec.dirs) && isText(rec.digest, 16) && /^[0-9a-f]{16}$/.test(rec.digest) && isCount(rec.files) && isCount(rec.linkfiles) && sumFieldsOk(rec)) {
      const newest = rec.newest === undefined ? undefined : NEWEST.exec(rec.newest as string);
      r.bricks.push({
        brick: rec.brick,
        dirs: rec.dirs,
        digest: rec.digest,
        files: rec.files,
        linkfiles: rec.linkfiles,
        ...(rec.bytes !== undefined ? { bytes: rec.bytes as number } : {}),
        ...(newest ? { newest: { s: Number(newest[1]), ns: Number(newest[2]), path: rec.newestPath as string } } : {}),
      });
    } else {
      r.problemCount++;
      if (r.problems.length < 3) r.problems.push(line.slice(0, 300));
    }
  }
  return r;
}

/** One node's lister run: its exit and what its stderr said, or why it could not run. */
export type ListerRun = { node: string; exitCode: number; report: ListerReport } | { node: string; error: string };

/**
 * Whether the listers together listed the plan exactly: every planned brick once, on the node
 * gluster says holds it, all with the same directories, nothing half-migrated. Returns why not,
 * or the problems to pass on as a caution (files a lister could not read).
 */
export function checkBrickListing(
  plan: Extract<BrickPlan, { kind: 'bricks' }>,
  runs: ListerRun[],
): { ok: true; problems: string[]; linkfiles: number; summaries: BrickSummary[] } | { ok: false; why: string } {
  const byUuid = new Map<string, { node: string; report: ListerReport; exitCode: number }>();
  const failed: string[] = [];
  for (const r of runs) {
    if ('error' in r) {
      failed.push(`${r.node}: ${r.error}`);
      continue;
    }
    if (r.report.unsure) return { ok: false, why: `${r.report.unsure.path} on brick ${r.report.unsure.brick} of ${r.node} looks like a file a rebalance is moving` };
    if (r.exitCode !== 0 && r.exitCode !== 1) {
      failed.push(`${r.node}: the lister ended with exit ${r.exitCode}${r.report.problems.length ? `: ${r.report.problems[0]}` : ''}`);
      continue;
    }
    if (r.report.node) byUuid.set(r.report.node, { node: r.node, report: r.report, exitCode: r.exitCode });
  }
  const problems: string[] = [];
  let problemCount = 0;
  let linkfiles = 0;
  let dirs: { count: number; digest: string; brick: string } | undefined;
  const used = new Set<BrickSummary>();
  for (const b of plan.bricks) {
    const on = byUuid.get(b.uuid);
    const s = on?.report.bricks.find((x) => x.brick === b.path && !used.has(x));
    if (!on || !s) {
      return { ok: false, why: `brick ${b.name} was not listed${failed.length ? ` (${failed.join('; ')})` : ': no configured node is the one gluster says holds it'}` };
    }
    used.add(s);
    linkfiles += s.linkfiles;
    if (!dirs) dirs = { count: s.dirs, digest: s.digest, brick: b.name };
    else if (dirs.count !== s.dirs || dirs.digest !== s.digest) {
      return { ok: false, why: `bricks ${dirs.brick} and ${b.name} hold different directories (${dirs.count} and ${s.dirs}): one is being created or removed, or a brick lacks one` };
    }
  }
  for (const on of byUuid.values()) {
    if (on.exitCode !== 0) {
      problemCount += on.report.problemCount;
      problems.push(...on.report.problems);
    }
  }
  return {
    ok: true,
    problems: problemCount ? [`the brick listers reported ${problemCount} problem(s) (files they could not read are not compared): ${problems.slice(0, 3).join('; ')}`] : [],
    linkfiles,
    // In the plan's order (a Set keeps insertion order): the first printed the directories.
    summaries: [...used],
  };
}
