// The restore's dry run on the real test bed: an archive made by the product's own backup,
// planned against the live gluster filesystem (gv0) and the replica volume (gvrep) through the
// CLI and the core. Each test also proves that nothing was written anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { JobRecord } from '../../src/core/backup/types';
import type { RestorePlanResult } from '../../src/core/restore/restorePlan';
import { planRestore } from '../../src/core/restore/restorePlan';
import { Cluster } from '../../src/core/cluster';
import { REPO, TESTBED_DIR, inGluster, onNode, testbedSettings, waitHealthy } from './helpers/testbed';

const CLI = path.join(REPO, 'dist', 'cli.js');
const CONFIG = path.join(TESTBED_DIR, 'config.json');
const DIR = '/opt/datarobot/data/backups/gluster';
const OLD_DIR = '/opt/datarobot/data/backups/gluster-old';
const TREE = '/mnt/gluster/restore-plan';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--config', CONFIG, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type DryRun = RestorePlanResult & { dryRun: true; entries: { path: string; action: string; type: string }[] };

function dryRun(args: string[]): { code: number | null; r: DryRun; stderr: string } {
  const x = cli(['--json', 'restore', '--dry-run', ...args]);
  assert.ok(x.stdout.trim().startsWith('{'), `the dry run printed a plan (exit ${x.code}): ${x.stderr}`);
  return { code: x.code, r: JSON.parse(x.stdout) as DryRun, stderr: x.stderr };
}

/** Every object of both volumes and of the backups directory, with its ctime: any write shows. */
function fingerprint(): string {
  // gvrep by names and sizes only: its self-heal daemon may touch a file's ctime on its own.
  const vols = inGluster('node1', ['sh', '-c', '{ find /mnt/gluster -printf "%C@ %s %y %p\\n"; find /mnt/gluster-rep -printf "%s %y %p\\n"; } | LC_ALL=C sort | sha256sum']).stdout;
  const dir = onNode('node1', ['sh', '-c', 'find "$1" -printf "%C@ %s %p\\n" | LC_ALL=C sort | sha256sum', 'fp', DIR]).stdout;
  return vols + dir;
}

describe('restore --dry-run', () => {
  let job: JobRecord;
  let cluster: Cluster;
  before(async () => {
    await waitHealthy();
    cluster = new Cluster(testbedSettings());
    // A small known tree beside the sample data: a file, a directory, a symlink, a hard link.
    inGluster('node1', ['sh', '-c', 'rm -rf "$1" && mkdir -p "$1/dir/sub" && printf one > "$1/one" && printf two > "$1/dir/two" && printf deep > "$1/dir/sub/deep" && ln -s one "$1/link" && ln "$1/one" "$1/hard" && touch -d @1700000000 "$1/one" "$1/dir/two"', 'tree', TREE]);
    const b = cli(['--json', 'backup', '--node', 'node1']);
    assert.ok(b.code === 0 || b.code === 1, `backup: ${b.code} ${b.stderr}`);
    job = JSON.parse(b.stdout) as JobRecord;
  });
  after(() => {
    inGluster('node1', ['rm', '-rf', TREE, '/mnt/gluster/restore-escape', '/mnt/gluster-rep/restore-migration']);
    onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*; rm -rf "$2"', 'clean', DIR, OLD_DIR]);
    cluster.dispose();
  });

  test('into the filesystem it was made from: refused by default, the files in the way named and counted, nothing written', () => {
    const before = fingerprint();
    const { code, r } = dryRun(['--archive', job.archive, '--node', 'node1']);
    assert.equal(code, 2);
    assert.equal(r.targetDir, '/mnt/gluster');
    assert.equal(r.volume, 'gv0');
    assert.equal(r.method, 'sftp-headers');
    const p = r.plan;
    assert.ok(p.conflicts.count > 0 && p.conflicts.count === p.selected.entries - p.selected.dirs, `every file or link is in the way (${p.conflicts.count} of ${p.selected.entries})`);
    assert.equal(p.conflicts.items.length, Math.min(20, p.conflicts.count));
    assert.equal(p.merge, p.selected.dirs, 'every directory exists and is merged into');
    assert.match(p.refusals.join('\n'), /files or links the restore would write already exist in the target: choose --existing skip/);
    assert.ok(r.entries.some((e) => e.path === 'restore-plan/one' && e.action === 'conflict'));
    assert.ok(p.archive.bytesRead <= r.archiveBytes / 100, `the header walk read ${p.archive.bytesRead} of ${r.archiveBytes} bytes`);
    assert.equal(fingerprint(), before, 'nothing was written on the volumes or beside the archive');
  });

  test('the text form names the files in the way and says it would be refused', () => {
    const x = cli(['restore', '--dry-run', '--archive', job.archive, '--include', 'restore-plan']);
    assert.equal(x.code, 2, x.stderr);
    assert.match(x.stdout, /in the way 5:\n {4}restore-plan\/dir\/sub\/deep {2}\(file in the target, file in the archive\)/);
    assert.match(x.stdout, /the restore would be REFUSED:\n {2}- 5 files or links the restore would write already exist/);
  });

  test('--existing skip keeps, --existing overwrite replaces, under --include', () => {
    const skip = dryRun(['--archive', job.archive, '--include', 'restore-plan', '--existing', 'skip']);
    assert.equal(skip.code, 0, skip.r.plan.refusals.join('; '));
    assert.deepEqual(
      skip.r.entries.map((e) => `${e.action} ${e.path}`),
      ['merge restore-plan', 'merge restore-plan/dir', 'merge restore-plan/dir/sub', 'skip restore-plan/dir/sub/deep', 'skip restore-plan/dir/two', 'skip restore-plan/hard', 'skip restore-plan/link', 'skip restore-plan/one'],
    );
    assert.equal(skip.r.plan.bytesToWrite, 0);
    const over = dryRun(['--archive', job.archive, '--include', 'restore-plan/dir', '--existing', 'overwrite']);
    assert.equal(over.code, 0);
    assert.deepEqual(over.r.plan.overwrite, { count: 2, bytes: 7 });
    assert.equal(over.r.plan.bytesToWrite, 7);
  });

  test('--target a new directory: everything is written there, the directory is not created by the dry run', () => {
    const before = fingerprint();
    const { code, r } = dryRun(['--archive', job.archive, '--target', 'restored-copy', '--include', 'restore-plan']);
    assert.equal(code, 0, r.plan.refusals.join('; '));
    assert.equal(r.targetDir, '/mnt/gluster/restored-copy');
    assert.equal(r.targetExists, false);
    assert.deepEqual(r.plan.write, { count: 8, bytes: 10 });
    assert.ok(r.freeBytes > 0);
    assert.equal(fingerprint(), before);
  });

  test('a migration target: the replica volume plans the same archive (core, glusterPath on gvrep)', async () => {
    const rep = new Cluster(testbedSettings({ glusterPath: '/mnt/gluster-rep' }));
    try {
      const r = await planRestore(rep, { archive: job.archive, node: 'node1', target: 'restore-migration', include: ['restore-plan'], entries: true });
      assert.equal(r.volume, 'gvrep');
      assert.equal(r.targetDir, '/mnt/gluster-rep/restore-migration');
      assert.deepEqual(r.plan.refusals, []);
      assert.deepEqual(r.plan.write, { count: 8, bytes: 10 });
    } finally {
      rep.dispose();
    }
  });

  test('a target that is a file, or that leads out of the volume through a symlink, is refused', () => {
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/restore-escape && ln -sfn /etc /mnt/gluster/restore-escape/out && printf x > /mnt/gluster/restore-escape/file']);
    const out = cli(['restore', '--dry-run', '--archive', job.archive, '--target', 'restore-escape/out/sub']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /gluster-backup: restore: the target \/mnt\/gluster\/restore-escape\/out\/sub leads to \/etc\/sub, outside the gluster filesystem at \/mnt\/gluster \(a symlink on the way\)/);
    const file = cli(['restore', '--dry-run', '--archive', job.archive, '--target', 'restore-escape/file']);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /the target \/mnt\/gluster\/restore-escape\/file exists and is not a directory/);
    const up = cli(['restore', '--dry-run', '--archive', job.archive, '--target', '../etc']);
    assert.equal(up.code, 2);
    assert.match(up.stderr, /--target "\.\.\/etc": give a directory relative to the gluster filesystem's root/);
    const inc = cli(['restore', '--dry-run', '--archive', job.archive, '--include', 'restore-plan/nothing-here']);
    assert.equal(inc.code, 2);
    assert.match(inc.stdout, /--include restore-plan\/nothing-here: not in the archive/);
  });

  test('a truncated archive is refused with its offset', () => {
    const cut = `${DIR}/datarobot-gluster-backup-2001-01-02.tar`;
    // Cut inside the data of the 1.1 GB file the backup tests leave, or anywhere past the first headers.
    onNode('node1', ['sh', '-c', 'head -c 3000000 "$1" > "$2"', 'cut', job.archive, cut]);
    const { code, r } = dryRun(['--archive', cut]);
    assert.equal(code, 2);
    assert.match(r.plan.refusals[0], /^the archive is truncated at offset \d+: /);
  });

  test('the DataRobot form: -b DIR -f NAME -n restore, and without -f an error that lists the archives there', () => {
    const name = path.posix.basename(job.archive);
    const f = cli(['-b', DIR, '-f', name, '-n', 'restore', '--dry-run', '--include', 'restore-plan', '--target', 'restored-copy']);
    assert.equal(f.code, 0, f.stderr + f.stdout);
    assert.match(f.stdout, /the restore can go ahead as asked \(nothing was written: this was a dry run\)/);
    onNode('node1', ['sh', '-c', 'mkdir -p "$1" && printf x > "$1/datarobot-gluster-backup-2001-01-01.tar"', 'old', OLD_DIR]);
    const none = cli(['-b', OLD_DIR, '-n', 'restore', '--dry-run']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no archive of today \(datarobot-gluster-backup-\d{4}-\d{2}-\d{2}\.tar\[\.gz\]\) in \/opt\/datarobot\/data\/backups\/gluster-old on node1, node2, node3; archives there: datarobot-gluster-backup-2001-01-01\.tar\. Name one with -f/);
    const slash = cli(['-b', DIR, '-f', '../x.tar', '-n', 'restore', '--dry-run']);
    assert.equal(slash.code, 2);
    assert.match(slash.stderr, /-f \.\.\/x\.tar: the name of an archive in the backups directory/);
    const v = cli(['-b', DIR, '-f', name, '-n', 'validate-backup']);
    assert.ok(v.code === 0 || v.code === 1, v.stderr);
    assert.match(v.stdout, new RegExp(name.replace(/\./g, '\\.')));
  });

  test('without --dry-run the restore says plainly that this version does not write one', () => {
    const x = cli(['restore', '--archive', job.archive]);
    assert.equal(x.code, 2);
    assert.match(x.stderr, /does not write one yet; run it with --dry-run/);
  });
});
