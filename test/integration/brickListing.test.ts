// Listing a volume from its bricks gives exactly what find through the FUSE mount gives, on the
// bed's distribute volume (gv0: a brick per node, where renames leave DHT link files), its
// replica volume (gvrep: three copies and gluster's anonymous-inode directory) and a
// distributed-replicate one with arbiters made for this test (gvdr), with odd names,
// every file type, a time FUSE takes from gluster's own record rather than the brick file, and
// files renamed while the bricks are listed. Then validate-backup through the CLI: the same
// report either way, and a brick offline is refused with its reason (--list-from bricks) or
// listed through the mount, and the report says why (auto).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Cluster } from '../../src/core/cluster';
import { execStreaming } from '../../src/core/docker/execStream';
import { fsListArgv } from '../../src/core/archive/fsList';
import { readOneVolume } from '../../src/core/gluster/volumeProbe';
import { planBrickListing, type BrickPlan } from '../../src/core/bricks/brickPlan';
import { brickListArgv, checkBrickListing, parseListerStderr, type ListerRun } from '../../src/core/bricks/brickLister';
import { sumBricks } from '../../src/core/bricks/brickSum';
import type { ValidationResult } from '../../src/core/validate/validateBackup';
import { inGluster, inGlusterArgs, onNode, testbed, testbedSettings, waitHealthy } from './helpers/testbed';
import { cli } from './helpers/cli';

const DIR = '/opt/datarobot/data/backups/gluster';
const NODES = ['node1', 'node2', 'node3'];

/** Files of every kind and awkward name, sizes 1..n bytes and pinned times, some then renamed. */
const TREE = String.raw`
set -e
root=$1; n=$2
rm -rf "$root"; mkdir -p "$root/d/e" "$root/odd"; cd "$root"
i=1; while [ $i -le $n ]; do head -c $i /dev/zero > "d/f-$i"; i=$((i+1)); done
printf 'x\n' > 'odd/with space'; printf 'y\n' > "$(printf 'odd/new\nline')"; printf 'z\n' > "$(printf 'odd/latin-\351')"
ln -s ../d/f-1 odd/link; ln -s /nowhere odd/dangling; mkfifo odd/fifo; ln d/f-2 odd/hard
touch -h -d @1700000000 odd/* d/f-*
# Renamed through the mount: the new name hashes elsewhere, so DHT leaves a link file behind.
i=1; while [ $i -le $n ]; do [ $((i % 2)) = 0 ] && mv "d/f-$i" "d/e/g-$i"; i=$((i+1)); done
`;

type Plan = Extract<BrickPlan, { kind: 'bricks' }>;

/** find's records as comparable strings; a directory by presence only (what validate compares). */
function records(buf: Buffer): string[] {
  const out: string[] = [];
  let p = 0;
  for (;;) {
    const z1 = buf.indexOf(0, p);
    if (z1 < 0) break;
    const z2 = buf.indexOf(0, z1 + 1);
    assert.ok(z2 > 0, 'a record ends with its link target');
    const head = buf.toString('latin1', p, z1);
    const [type, size, mtime] = head.split(' ', 3);
    const name = head.slice(type.length + size.length + mtime.length + 3);
    out.push(type === 'd' ? `d ${name}` : `${head}\0${buf.toString('latin1', z1 + 1, z2)}`);
    assert.equal(type.length, 1, `a type letter: ${JSON.stringify(head)}`);
    p = z2 + 1;
  }
  assert.equal(p, buf.length, 'the listing ends at a record end');
  return out.sort();
}

async function collect(cluster: Cluster, node: string, argv: string[]): Promise<{ out: Buffer; exitCode: number; stderr: string }> {
  const chunks: Buffer[] = [];
  const r = await execStreaming(await cluster.connection(node).docker(), 'gluster', argv, { env: ['LC_ALL=C'], idleMs: 60_000, onStdout: (b) => chunks.push(Buffer.from(b)) });
  return { out: Buffer.concat(chunks), exitCode: r.exitCode, stderr: r.stderr };
}

async function planFor(cluster: Cluster, volume: string, mountPoint: string): Promise<Plan> {
  const st = await readOneVolume(await cluster.connection('node1').docker(), cluster.settings, volume);
  const plan = planBrickListing(st.info, st.health, { mountPoint, server: 'localhost', volume }, mountPoint);
  assert.equal(plan.kind, 'bricks', JSON.stringify(plan));
  return plan as Plan;
}

async function brickListing(cluster: Cluster, plan: Plan): Promise<{ recs: string[]; check: ReturnType<typeof checkBrickListing> }> {
  const argv = brickListArgv(plan);
  const runs = await Promise.all(NODES.map(async (n) => ({ n, r: await collect(cluster, n, argv) })));
  const listerRuns: ListerRun[] = runs.map(({ n, r }) => ({ node: n, exitCode: r.exitCode, report: parseListerStderr(r.stderr) }));
  return { recs: runs.flatMap(({ r }) => records(r.out)).sort(), check: checkBrickListing(plan, listerRuns) };
}

async function fuseListing(cluster: Cluster, root: string): Promise<string[]> {
  const r = await collect(cluster, 'node1', fsListArgv(root));
  assert.equal(r.exitCode, 0, r.stderr);
  return records(r.out);
}

/**
 * What preflight asks of the mount: du's apparent size of the root, and the newest entry below
 * it with its time to the nanosecond (find's %T@), every entry that has that time.
 */
async function fuseSum(cluster: Cluster, root: string): Promise<{ bytes: number; newest: { s: number; ns: number }; paths: string[] }> {
  const du = inGluster('node1', ['du', '-s', '--apparent-size', '--block-size=1', root]).stdout;
  const r = await collect(cluster, 'node1', ['find', root, '-mindepth', '1', '-printf', '%T@ %P\\0']);
  assert.equal(r.exitCode, 0, r.stderr);
  let newest = { s: -Infinity, ns: 0 };
  let paths: string[] = [];
  for (const rec of r.out.toString('utf8').split('\0').filter(Boolean)) {
    const m = /^(\d+)\.(\d{9})\d* (.*)$/s.exec(rec);
    assert.ok(m, JSON.stringify(rec));
    const t = { s: Number(m[1]), ns: Number(m[2]) };
    if (t.s > newest.s || (t.s === newest.s && t.ns > newest.ns)) (newest = t), (paths = [m[3]]);
    else if (t.s === newest.s && t.ns === newest.ns) paths.push(m[3]);
  }
  return { bytes: Number(du.split('\t')[0]), newest, paths };
}

/** The bricks' sum (preflight's walk) equals du and find through the mount. */
async function assertSumAsMount(cluster: Cluster, plan: Plan, root: string): Promise<void> {
  const [b, f] = [await sumBricks(cluster, plan, 'gluster', 60_000), await fuseSum(cluster, root)];
  assert.ok(b.ok, JSON.stringify(b));
  assert.equal(b.sum.bytes, f.bytes, 'du --apparent-size through the mount');
  assert.equal(b.sum.bricks, plan.bricks.length);
  assert.deepEqual({ s: b.sum.newest?.s, ns: b.sum.newest?.ns }, f.newest, 'the newest time below the root');
  assert.ok(f.paths.includes(b.sum.newest!.path), `${b.sum.newest!.path} is one of ${JSON.stringify(f.paths)}`);
}

function validate(args: string[]): { code: number | null; result: ValidationResult } {
  const r = cli(['--json', 'validate-backup', ...args]);
  assert.ok(r.stdout.trim().startsWith('{'), `validate printed a report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, result: JSON.parse(r.stdout) as ValidationResult };
}

describe('listing a volume from its bricks', () => {
  const cluster = new Cluster(testbedSettings());
  before(async () => {
    await waitHealthy();
    inGluster('node1', ['sh', '-c', TREE, 'tree', '/mnt/gluster/bricklist', '400']);
    inGluster('node1', ['sh', '-c', TREE, 'tree', '/mnt/gluster-rep/bricklist', '60']);
  });
  after(() => {
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/bricklist', '/mnt/gluster-rep/bricklist', '/mnt/gluster/bricklist-race'], { allowFail: true });
    onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR], { allowFail: true });
    cluster.dispose();
  });

  test('gv0 (distribute): the bricks give exactly the mount\'s listing, DHT link files left out', async () => {
    const plan = await planFor(cluster, 'gv0', '/mnt/gluster');
    assert.equal(plan.bricks.length, 3);
    const [b, f] = [await brickListing(cluster, plan), await fuseListing(cluster, '/mnt/gluster')];
    assert.ok(b.check.ok, JSON.stringify(b.check));
    // Half of 400 files were renamed; with three bricks about two thirds of the new names hash
    // to another brick than the data. None at all would mean the renames proved nothing.
    assert.ok(b.check.ok && b.check.linkfiles >= 50, `link files left out: ${b.check.ok && b.check.linkfiles}`);
    assert.deepEqual(b.recs, f);
    assert.ok(f.some((r) => r.startsWith('p ') && r.includes('bricklist/odd/fifo')) && f.some((r) => r.includes('bricklist/odd/new\nline')));
    // The hard link's data counts once, link files not at all, every directory as FUSE shows it.
    await assertSumAsMount(cluster, plan, '/mnt/gluster');
  });

  test('gvrep (replica 3): one brick gives exactly the mount\'s listing, the anonymous-inode directory left out', async () => {
    const plan = await planFor(cluster, 'gvrep', '/mnt/gluster-rep');
    assert.equal(plan.bricks.length, 1);
    const anon = inGluster('node1', ['sh', '-c', 'ls -a /bricks/gvrep | grep -c "^.glusterfs-anonymous-inode-" || true']).stdout.trim();
    assert.equal(anon, '1', 'the brick has the directory FUSE hides');
    const [b, f] = [await brickListing(cluster, plan), await fuseListing(cluster, '/mnt/gluster-rep')];
    assert.ok(b.check.ok, JSON.stringify(b.check));
    assert.deepEqual(b.recs, f);
    await assertSumAsMount(cluster, plan, '/mnt/gluster-rep');
  });

  test('gvdr (distributed-replicate 2 x (2 + 1 arbiter)): one data brick of each set, never an arbiter, gives exactly the mount\'s listing', async () => {
    testbed('dr-volume');
    try {
      inGluster('node1', ['sh', '-c', TREE, 'tree', '/mnt/gluster-dr/bricklist', '200']);
      const plan = await planFor(cluster, 'gvdr', '/mnt/gluster-dr');
      const st = await readOneVolume(await cluster.connection('node1').docker(), cluster.settings, 'gvdr');
      const arbiters = st.info!.bricks.filter((x) => x.isArbiter).map((x) => x.name);
      assert.equal(arbiters.length, 2, 'gluster marks one arbiter in each set');
      assert.equal(plan.bricks.length, 2);
      assert.ok(plan.bricks.every((x) => !arbiters.includes(x.name)), `no arbiter listed: ${plan.bricks.map((x) => x.name).join(', ')}`);
      assert.notEqual(plan.bricks[0].uuid, plan.bricks[1].uuid, 'the two sets are listed on two nodes');
      const [b, f] = [await brickListing(cluster, plan), await fuseListing(cluster, '/mnt/gluster-dr')];
      assert.ok(b.check.ok && b.check.linkfiles > 0, JSON.stringify(b.check));
      assert.deepEqual(b.recs, f);
      await assertSumAsMount(cluster, plan, '/mnt/gluster-dr');
    } finally {
      testbed('remove-dr-volume');
    }
  });

  test('a time set on the brick file itself: FUSE shows gluster\'s recorded time, and so does the brick listing', async () => {
    // Straight on whichever brick holds the file, behind gluster's back.
    let touched = 0;
    for (const n of NODES) {
      const r = inGluster(n, ['sh', '-c', 'f=/bricks/gv0/bricklist/d/f-1; [ -f "$f" ] && [ ! -k "$f" ] && touch -d @1000 "$f" && stat -c %Y "$f"'], { allowFail: true });
      if (r.status === 0) (touched++, assert.equal(r.stdout.trim(), '1000'));
    }
    assert.equal(touched, 1, 'one brick holds the data');
    const plan = await planFor(cluster, 'gv0', '/mnt/gluster');
    const f = await fuseListing(cluster, '/mnt/gluster');
    assert.ok(f.some((r) => r.startsWith('f 1 1700000000.0000000000 bricklist/d/f-1\0')), 'FUSE still shows the pinned time');
    assert.deepEqual((await brickListing(cluster, plan)).recs, f);
  });

  test('files renamed while the bricks are listed: each shows under its old or new name with its own data, never as a link file', async () => {
    const N = 1500;
    inGluster('node1', ['sh', '-c', 'set -e; r=/mnt/gluster/bricklist-race; rm -rf $r; mkdir -p $r; cd $r; i=1; while [ $i -le $1 ]; do head -c $i /dev/zero > a-$i; i=$((i+1)); done', 'race', String(N)]);
    const plan = await planFor(cluster, 'gv0', '/mnt/gluster');
    const mover = spawn('bash', inGlusterArgs('node2', ['sh', '-c', 'set -e; cd /mnt/gluster/bricklist-race; i=1; while [ $i -le $1 ]; do mv a-$i b-$i; i=$((i+1)); done', 'mv', String(N)]), { stdio: 'ignore' });
    const moved = new Promise<number | null>((resolve) => mover.on('exit', resolve));
    try {
      const during = await brickListing(cluster, plan);
      assert.ok(during.check.ok, JSON.stringify(during.check));
      const seen = new Map<string, number>();
      for (const r of during.recs) {
        const m = /^f (\d+) [\d.]+ bricklist-race\/([ab])-(\d+)\0$/.exec(r);
        if (!r.includes('bricklist-race/')) continue;
        assert.ok(m, `only the race's files: ${JSON.stringify(r)}`);
        assert.equal(m[1], m[3], `${m[2]}-${m[3]} holds its own ${m[3]} bytes, not a link file's 0`);
        seen.set(m[3], (seen.get(m[3]) ?? 0) + 1);
      }
      // A directory read while its entries are renamed may show one twice or miss it (readdir's
      // own rule, through FUSE as on a disk); what it shows is never anything else.
      assert.ok(seen.size > 0, "the listing saw the race's files");
      for (const [i, n] of seen) assert.ok(n <= 2, `file ${i} listed ${n} times`);
      assert.equal(await moved, 0);
      // Once the renames are done, the two listings agree again, link files and all.
      const [b, f] = [await brickListing(cluster, plan), await fuseListing(cluster, '/mnt/gluster')];
      assert.deepEqual(b.recs, f);
      assert.equal(f.filter((r) => r.includes('bricklist-race/b-')).length, N);
    } finally {
      mover.kill();
    }
  });

  test('validate-backup: the same report from the bricks as through the mount, and the report says which', () => {
    const r0 = cli(['--json', 'backup', '--node', 'node1']);
    assert.equal(r0.code, 0, r0.stderr);
    // After the backup: one file new, one grown, one gone.
    inGluster('node1', ['sh', '-c', 'cd /mnt/gluster/bricklist && echo new > d/new-file && echo more >> d/f-3 && rm d/f-5']);
    const viaBricks = validate(['--node', 'node1']);
    const viaMount = validate(['--node', 'node1', '--list-from', 'mount']);
    assert.equal(viaBricks.result.listing.from, 'bricks');
    assert.equal(viaBricks.result.listing.bricks?.length, 3);
    assert.ok((viaBricks.result.listing.linkFiles ?? 0) >= 50);
    assert.deepEqual(viaMount.result.listing, { from: 'mount', why: 'asked for' });
    assert.equal(viaBricks.code, 1);
    assert.equal(viaMount.code, 1);
    const strip = (r: ValidationResult) => ({ ...r.report, summary: r.report.summary });
    assert.deepEqual(strip(viaBricks.result), strip(viaMount.result));
    assert.deepEqual(viaBricks.result.report.missingFiles.items.map((i) => i.path), ['bricklist/d/new-file']);
    assert.deepEqual(viaBricks.result.report.changed.items.map((i) => i.path), ['bricklist/d/f-3']);
    assert.deepEqual(viaBricks.result.report.extra.items.map((i) => i.path), ['bricklist/d/f-5']);
    const text = cli(['validate-backup', '--node', 'node1']);
    assert.match(text.stdout, /\| Filesystem \| `\/mnt\/gluster` listed from its bricks: `10\.213\.51\.11:\/bricks\/gv0`, `10\.213\.51\.12:\/bricks\/gv0`, `10\.213\.51\.13:\/bricks\/gv0` \(\d+ DHT link file\(s\) left out\) \|/);
  });

  test('a brick offline: --list-from bricks refuses and says why; auto lists through the mount and the report says why', async () => {
    testbed('kill-brick', 'node3');
    try {
      const refused = cli(['validate-backup', '--node', 'node1', '--list-from', 'bricks']);
      assert.equal(refused.code, 2);
      assert.equal(refused.stderr.trim(), 'gluster-backup: validate-backup: the bricks of volume gv0 cannot be listed: volume gv0: 1 brick(s) offline. Validate with --list-from auto (or mount) to list it through the mount.');
      const auto = validate(['--node', 'node1']);
      assert.deepEqual(auto.result.listing, { from: 'mount', why: 'volume gv0: 1 brick(s) offline' });
      assert.ok(auto.result.cautions.some((c) => /1 of 3 bricks offline/.test(c)), auto.result.cautions.join('; '));
      const text = cli(['validate-backup', '--node', 'node1']);
      assert.match(text.stdout, /listed through the mount in the gluster container on node1 \(not from the bricks: volume gv0: 1 brick\(s\) offline\)/);
    } finally {
      testbed('start-bricks');
      await waitHealthy();
    }
  });
});
