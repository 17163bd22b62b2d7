// The restore's dry run on the real test bed: an archive made by the product's own backup,
// planned against the live gluster filesystem (gv0) and the replica volume (gvrep) through the
// CLI and the core. Each test also proves that nothing was written anywhere.
import type { Refusal } from '../../src/core/restore/refusal';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobRecord } from '../../src/core/backup/types';
import type { RestorePlanResult } from '../../src/core/restore/restorePlan';
import { planRestore } from '../../src/core/restore/restorePlan';
import { RestoreError } from '../../src/core/restore/restoreError';
import { Cluster } from '../../src/core/cluster';
import { isFinal, jobsOf } from '../../src/core/backup/jobs';
import { cancelWhileStarting } from './helpers/cancelWhileStarting';
import { TESTBED_DIR, inGluster, onNode, shellQuote, testbed, testbedSettings, unthrottle, waitFor, waitHealthy } from './helpers/testbed';
import { CLI, CONFIG, cli } from './helpers/cli';
import { AWKWARD_TREE, manifest } from './helpers/trees';
import { ndjsonLines, statusLines } from './helpers/ndjson';
import { bytesText } from '../../src/core/bytes';
import { READ_POS_SCRIPT } from '../../src/core/backup/jobScript';
import { planAndCheck, startRestore, verifyRestore, type RestoreVerification } from '../../src/core/restore/restoreJob';
import { changeText } from '../../src/core/restore/restoreText';

const DIR = '/opt/datarobot/data/backups/gluster';
const OLD_DIR = '/opt/datarobot/data/backups/gluster-old';
const TREE = '/mnt/gluster/restore-plan';

type DryRun = RestorePlanResult & { dryRun: true; entries: { path: string; action: string; type: string }[]; refusals: (Refusal & { overridable: boolean; overridden: boolean })[] };

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

/** A regular file member of a .tar and where its data lies, from tar's own block numbers. */
type FileSpan = { name: string; start: number; end: number };

function fileSpans(node: string, arch: string): FileSpan[] {
  const out = inGluster(node, ['tar', '--block-number', '-tvf', arch]).stdout;
  const spans: FileSpan[] = [];
  for (const line of out.split('\n')) {
    // block 2: -rw-r--r-- 0/0 4194304 2023-11-14 22:13 ./restore-resume/d/f01
    const m = /^block (\d+): -\S+ \S+ +(\d+) \S+ \S+ \.\/(.+)$/.exec(line);
    if (m) spans.push({ name: m[3], start: (Number(m[1]) + 1) * 512, end: (Number(m[1]) + 1) * 512 + Number(m[2]) });
  }
  return spans;
}

/**
 * A restore of `arch` (with `args`), node1's container held to a fifth of a CPU, stopped with its
 * tar inside a file's data past half the archive, then killed with its container: a power cut
 * at a known point (tar writes nothing more). The file's name is in the member list and the file
 * is on disk, short; a cut elsewhere (tar between a name and its file) is another form, which
 * the unit tests of the plan cover: here the form is chosen, not left to timing. Returns once
 * the container is started again and the bed is healthy.
 */
async function restoreKilledInsideAFile(jobs: ReturnType<typeof jobsOf>, arch: string, files: FileSpan[], args: string[] = []): Promise<{ first: JobRecord; cut: { name: string; pos: number } }> {
  let cut: { name: string; pos: number } | undefined;
  let first: JobRecord;
  try {
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    const r = cli(['--json', 'restore', '--detach', '--archive', arch, ...args]);
    assert.equal(r.code, 0, r.stderr);
    first = (JSON.parse(r.stdout) as { job: JobRecord }).job;
    const job = first;
    cut = await stopInsideAFile('node1', arch, files, job.restore!.archiveBytes / 2, () => jobs.observe(job));
    onNode('node1', ['docker', 'kill', 'gluster']);
  } finally {
    if (!cut) releaseStoppedTar('node1');
    unthrottle('node1');
  }
  testbed('start-gluster', 'node1');
  await waitHealthy();
  return { first, cut };
}

/** A failure before the kill leaves no tar stopped behind it: the one stopInsideAFile stopped goes on. */
function releaseStoppedTar(node: string): void {
  let pid: string | undefined;
  try {
    pid = tarPid(node);
  } catch {
    // No container to look in, or more than one tar: nothing this test stopped.
  }
  if (pid) onNode(node, ['kill', '-CONT', pid], { allowFail: true });
}

/** The host pid of the node's one tar in its container, if it runs. */
function tarPid(node: string): string | undefined {
  const top = onNode(node, ['docker', 'top', 'gluster', '-eo', 'pid,comm']).stdout;
  const tars = top.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c[1] === 'tar').map((c) => c[0]);
  assert.ok(tars.length <= 1, `one tar in the container, not ${tars.length}`);
  return tars[0];
}

/**
 * Stops the node's tar (SIGSTOP from the host, waiting until it is stopped) at a moment when it
 * has read at least `from` bytes of the archive and is inside a file's data: past the record that
 * held the header (so the name is listed and the file made) and short of the last record (so the
 * file is not whole). Between looks tar runs on; a look past `from` lands outside that span
 * for 3 records in 410 (a 4 MiB file). The container is not paused instead: its freezer cannot
 * freeze a tar waiting on the FUSE mount that the same container serves.
 */
async function stopInsideAFile(node: string, arch: string, files: FileSpan[], from: number, observe: () => Promise<JobRecord>): Promise<{ name: string; pos: number }> {
  const RECORD = 10240; // tar reads the archive in records of 20 blocks
  // Stops it and waits for state T; its position is then read as the product reads it, from the host.
  const stop = 'kill -STOP "$1" || exit 3; i=0; until [ "$(cut -d" " -f3 "/proc/$1/stat")" = T ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 4; sleep 0.05; done';
  let seen = 0;
  for (let i = 0; ; i++) {
    const pid = tarPid(node);
    if (pid) {
      const stopped = onNode(node, ['sh', '-c', stop, 'stop', pid], { allowFail: true });
      assert.equal(stopped.status, 0, `tar (${pid}) stopped: ${stopped.stderr}`);
      const r = onNode(node, ['sh', '-c', READ_POS_SCRIPT, 'pos', arch, pid], { allowFail: true });
      assert.ok(r.status === 0 && /^\d+\s*$/.test(r.stdout), `the position of tar (${pid}) on ${arch}: exit ${r.status} ${r.stdout}${r.stderr}`);
      const pos = Number(r.stdout);
      seen = Math.max(seen, pos);
      const f = files.find((x) => pos >= x.start + 2 * RECORD && pos <= x.end - RECORD);
      if (pos >= from && f) return { name: f.name, pos };
      onNode(node, ['kill', '-CONT', pid]);
    }
    const now = await observe();
    // 'unknown' is a look that did not get through (a slow link at a fifth of a CPU), not an end.
    assert.ok(now.state === 'running' || now.state === 'unknown', `the restore ended (${now.state}: ${now.reason ?? ''}) before it could be cut inside a file past ${from}; the last read position seen was ${seen}`);
    assert.ok(i < 2400, `the restore reached ${seen} of the ${from} bytes wanted in 10 minutes`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('restore --dry-run', () => {
  let job: JobRecord;
  let cluster: Cluster;
  before(async () => {
    await waitHealthy();
    cluster = new Cluster(testbedSettings());
    // A small known tree beside the sample data: a file, a directory, a symlink, a hard link.
    // A file over 1 GiB, as a real volume has big files: the header walk then reads under 1% of
    // the archive. Made here, not left to the order in which suites run.
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
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
    assert.match(p.refusals.map((x) => x.message).join('\n'), /files or links the restore would write already exist in the target: choose --existing skip/);
    assert.ok(r.entries.some((e) => e.path === 'restore-plan/one' && e.action === 'conflict'));
    assert.ok(p.archive.bytesRead <= r.archiveBytes / 100, `the header walk read ${p.archive.bytesRead} of ${r.archiveBytes} bytes`);
    assert.equal(fingerprint(), before, 'nothing was written on the volumes or beside the archive');
  });

  test('the text form names the files in the way and says it would be refused', () => {
    const x = cli(['restore', '--dry-run', '--archive', job.archive, '--include', 'restore-plan']);
    assert.equal(x.code, 2, x.stderr);
    assert.match(x.stdout, /in the way 5:\n {4}restore-plan\/dir\/sub\/deep {2}\(file in the target, file in the archive\)/);
    assert.match(x.stdout, /the restore would be REFUSED:\n {2}- 5 files or links the restore would write already exist/);
    // Each refusal names its check, and says whether an override can lift it.
    assert.match(x.stdout, /or restore under --target \[in-the-way\]\n/);
  });

  test('--existing skip keeps, --existing overwrite replaces, under --include', () => {
    const skip = dryRun(['--archive', job.archive, '--include', 'restore-plan', '--existing', 'skip']);
    assert.equal(skip.code, 0, JSON.stringify(skip.r.refusals));
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
    assert.equal(code, 0, JSON.stringify(r.refusals));
    assert.equal(r.targetDir, '/mnt/gluster/restored-copy');
    assert.equal(r.targetExists, false);
    assert.deepEqual(r.plan.write, { count: 8, bytes: 10 });
    assert.ok(r.freeBytes > 0);
    assert.equal(fingerprint(), before);
  });

  test('a .tar.gz: the dry run reads the member list its backup wrote, and plans exactly what tar\'s listing of the archive plans', async () => {
    const z = cli(['--json', 'backup', '--node', 'node1', '-z']);
    assert.ok(z.code === 0 || z.code === 1, `backup -z: ${z.code} ${z.stderr}`);
    const gz = (JSON.parse(z.stdout) as JobRecord).archive;
    const list = `${gz}.members`;
    const [listMode, listSize, archiveMode] = onNode('node1', ['stat', '-c', '%a %s', list, gz]).stdout.trim().split(/\s+/);
    assert.equal(listMode, archiveMode, 'the member list has the archive\'s mode');
    const before = fingerprint();
    const { code, r } = dryRun(['--archive', gz, '--target', 'restored-copy']);
    assert.equal(code, 0, JSON.stringify(r.refusals));
    assert.equal(r.method, 'member-list');
    assert.equal(r.plan.archive.bytesRead, Number(listSize), 'the member list is all that was read');
    const viaTar = await planRestore(cluster, { archive: gz, node: 'node1', target: 'restored-copy', entries: true });
    assert.equal(viaTar.method, 'container-tar');
    // Only the archive's own listing is kept for a verification; the member list never is.
    const fromList = await planRestore(cluster, { archive: gz, node: 'node1', target: 'restored-copy', memberList: true });
    assert.equal(fromList.method, 'member-list');
    assert.ok(viaTar.indexed, 'tar\'s listing is kept for the verification');
    assert.equal(fromList.indexed, undefined, 'the member list is not');
    assert.deepEqual(r.entries, JSON.parse(JSON.stringify([...viaTar.entries!])));
    assert.deepEqual({ ...r.plan, archive: { ...r.plan.archive, bytesRead: 0 } }, JSON.parse(JSON.stringify({ ...viaTar.plan, archive: { ...viaTar.plan.archive, bytesRead: 0 } })));
    const text = cli(['restore', '--dry-run', '--archive', gz, '--target', 'restored-copy']);
    assert.match(text.stdout, /entries; from the member list its backup wrote, [\d.]+ KiB read; the archive itself is not read in a dry run, so damage to it shows only when the restore reads it\)/);
    assert.equal(fingerprint(), before);
    // A member list that is not what tar wrote is refused, never half-used.
    onNode('node1', ['sh', '-c', 'cp -p "$1" "$1.keep" && printf "not a listing line\\n" >> "$1"', 'x', list]);
    try {
      const bad = cli(['restore', '--dry-run', '--archive', gz, '--target', 'restored-copy']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, new RegExp(`^gluster-backup: restore: ${list.replace(/\./g, '\\.')} on node1 is not a member list tar wrote \\(unexpected line from tar: "not a listing line"\\): move it away to list the archive itself\\n$`));
    } finally {
      onNode('node1', ['sh', '-c', 'mv -f "$1.keep" "$1"', 'x', list]);
    }
    // Gone again, with its job's files: the other tests here look for today's archive.
    onNode('node1', ['sh', '-c', 'rm -f -- "$1" "$1".* "${1%.tar.gz}.job.json" "${1%.tar.gz}.log"', 'x', gz]);
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

  test('another node with gluster stopped, or cut off: refused naming it, whether the archive\'s node is named or found, nothing written', async () => {
    // Of the nodes other than the archive's, the restore asks only reachable and container state
    // (gluster is asked on the archive's node alone): this is the path that shows them.
    const before = fingerprint();
    testbed('stop-gluster', 'node3');
    try {
      const stopped = 'gluster is not running on node3 (exited): start it first';
      for (const args of [['--node', 'node1'], []]) {
        const { code, r } = dryRun(['--archive', job.archive, ...args]);
        assert.equal(code, 2, `${args.join(' ')}: ${JSON.stringify(r.refusals)}`);
        assert.equal(r.node, 'node1');
        const messages = r.refusals.map((x) => x.message);
        assert.ok(messages.includes(stopped), `${args.join(' ')}: ${messages.join(' | ')}`);
        assert.ok(!messages.some((m) => /could not be read|no node could read/.test(m)), `node1's gluster answered: ${messages.join(' | ')}`);
      }
      const real = cli(['restore', '--archive', job.archive, '--target', 'restore-refused']);
      assert.equal(real.code, 2, real.stderr);
      assert.match(real.stderr, /gluster is not running on node3 \(exited\): start it first/);
      testbed('cut-link', 'node2');
      try {
        // node1's mount of the distribute volume may hang on node2's brick (the FUSE client waits
        // for it) before the plan can read it: refused by the checks, or failed saying why.
        const refused = await planAndCheck(cluster, { archive: job.archive, node: 'node1', target: 'restore-refused' }).then(
          ({ refusals }) => refusals.map((x) => x.message).join('; '),
          (e: Error) => e.message,
        );
        assert.match(refused, /node2 cannot be reached \(.+\): a restore needs every node, their bricks hold the volume/);
        assert.ok(refused.includes(stopped), refused);
      } finally {
        testbed('restore-link', 'node2');
      }
    } finally {
      testbed('start-gluster', 'node3');
      await waitHealthy();
    }
    assert.equal(fingerprint(), before, 'nothing was written on the volumes or beside the archive');
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
    assert.equal(r.plan.refusals[0].check, 'archive');
    assert.match(r.plan.refusals[0].message, /^the archive is truncated at offset \d+: /);
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
    assert.equal(slash.code, 64, 'a usage error');
    assert.match(slash.stderr, /-f \.\.\/x\.tar: the name of an archive in the backups directory/);
    const v = cli(['-b', DIR, '-f', name, '-n', 'validate-backup']);
    assert.ok(v.code === 0 || v.code === 1, v.stderr);
    assert.match(v.stdout, new RegExp(name.replace(/\./g, '\\.')));
  });

});

describe('restore', () => {
  const ROOT = '/mnt/gluster/restore-rt';
  let job: JobRecord;
  let repConfig: string;
  before(async () => {
    await waitHealthy();
    // What an aborted earlier run may have left where these tests restore to.
    inGluster('node1', ['rm', '-rf', '/mnt/gluster-rep/restore-rt', '/mnt/gluster/restore-moved', '/mnt/gluster-rep/restore-override', '/mnt/gluster/restore-resume']);
    inGluster('node1', ['sh', '-c', AWKWARD_TREE, 'awkward', ROOT]);
    const b = cli(['--json', 'backup', '--node', 'node1']);
    assert.ok(b.code === 0 || b.code === 1, `backup: ${b.code} ${b.stderr}`);
    job = JSON.parse(b.stdout) as JobRecord;
    // The replica volume as another cluster's filesystem: the same nodes, glusterPath on gvrep.
    repConfig = path.join(TESTBED_DIR, 'config-gvrep.json');
    fs.writeFileSync(repConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(CONFIG, 'utf8')), glusterPath: '/mnt/gluster-rep' }));
  });
  after(() => {
    inGluster('node1', ['rm', '-rf', ROOT, '/mnt/gluster-rep/restore-rt', '/mnt/gluster/restore-moved', '/mnt/gluster-rep/restore-override']);
    onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
  });

  test('backup, wipe, restore: the tree comes back identical, verified, with its report beside the archive', () => {
    const src = manifest('node1', ROOT);
    inGluster('node1', ['rm', '-rf', ROOT]);
    const r = cli(['--json', 'restore', '--archive', job.archive, '--include', 'restore-rt']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { job: JobRecord; verification: RestoreVerification };
    assert.equal(out.job.kind, 'restore');
    assert.equal(out.job.state, 'completed');
    // The node's time at the claim (its docker daemon's), which a resume of it would compare
    // the target's ctimes with: the test bed's clocks are the client's, so within the claim.
    const nodeStart = Date.parse(out.job.nodeStartedAt ?? '');
    assert.ok(Math.abs(nodeStart - Date.parse(out.job.startedAt)) < 30_000, `nodeStartedAt ${out.job.nodeStartedAt}, startedAt ${out.job.startedAt}`);
    assert.equal(out.verification.verdict, 'verified');
    assert.equal(out.verification.differences, 0);
    assert.match(r.stderr, /verified: all \d+ archive members are in \/mnt\/gluster as archived/);
    // --json's stderr is NDJSON throughout: the restore's phases and its progress.
    const lines = ndjsonLines(r.stderr);
    assert.ok(lines.some((l) => l.message_type === 'message' && /^verified: all \d+ archive members/.test(l.text)), r.stderr);
    for (const s of lines) if (s.message_type === 'status') assert.deepEqual([s.kind, s.job, s.node], ['restore', out.job.id, 'node1']);
    assert.deepEqual(manifest('node1', ROOT), src, 'names, types, modes, numeric owners, mtimes, links and contents');
    const report = out.job.restore!.report!;
    assert.equal(report, `${DIR}/${out.job.id}.json`);
    assert.match(out.job.id, new RegExp(`^${path.posix.basename(job.archive).replace(/\./g, '\\.')}\\.restore-\\d{8}T\\d{6}Z$`));
    assert.equal(JSON.parse(onNode('node1', ['cat', report]).stdout).verdict, 'verified');
    const listed = JSON.parse(cli(['--json', 'jobs']).stdout) as { jobs: JobRecord[] };
    assert.equal(listed.jobs.find((j) => j.id === out.job.id)?.state, 'completed');
    // Attached again once verified: the verification stands, said in text or as JSON on stdout.
    const again = cli(['attach', out.job.id]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stdout.endsWith(`${out.job.id}: verified before, 0 differences; report: ${report}\n`), again.stdout);
    const againJson = cli(['--json', 'attach', out.job.id]);
    assert.equal(againJson.code, 0, againJson.stderr);
    assert.deepEqual((JSON.parse(againJson.stdout) as { job: JobRecord }).job.restore?.report, report);
  });

  test('verification: the hard link of the archive comes back as one file with its target (same inode through the FUSE mount); made a copy of its own, it is a difference, named', async () => {
    const src = manifest('node1', ROOT);
    inGluster('node1', ['rm', '-rf', ROOT]);
    const r = cli(['--json', 'restore', '--archive', job.archive, '--include', 'restore-rt']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { job: JobRecord; verification: RestoreVerification };
    assert.equal(out.verification.verdict, 'verified');
    assert.deepEqual(out.verification.unlinked, { count: 0, items: [] });
    assert.match(out.verification.compared, /; hard links as one file \(device and inode\)$/);
    // cp -p keeps bytes, mode, owner and times: only the link is gone.
    inGluster('node1', ['sh', '-c', 'set -e; cd "$1"; cp -p hardlink.txt .copy; mv .copy hardlink.txt', 'unlink', ROOT]);
    assert.deepEqual(manifest('node1', ROOT).filter((l) => !/hardlink\.txt|target\.txt/.test(l)), src.filter((l) => !/hardlink\.txt|target\.txt/.test(l)));
    const cluster = new Cluster(testbedSettings());
    try {
      const { verification: v } = await verifyRestore(cluster, out.job);
      assert.equal(v.verdict, 'differs');
      assert.deepEqual([v.differences, v.missing.count, v.changed.count], [1, 0, 0]);
      // Which name the archive stores as the link is the backup's walk order: either, never both.
      const names = ['restore-rt/hardlink.txt', 'restore-rt/dir with space/sub/target.txt'];
      assert.equal(v.unlinked?.count, 1);
      assert.deepEqual([v.unlinked!.items[0].path, v.unlinked!.items[0].linkTarget].sort(), [...names].sort());
    } finally {
      cluster.dispose();
      inGluster('node1', ['rm', '-rf', ROOT]);
      const back = cli(['--json', 'restore', '--archive', job.archive, '--include', 'restore-rt']);
      assert.equal(back.code, 0, back.stderr);
    }
  });

  test('migration: the same archive restored into the replica volume is identical there', () => {
    const src = manifest('node1', ROOT);
    const r = cli(['--config', repConfig, '--json', 'restore', '--archive', job.archive, '--include', 'restore-rt']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(manifest('node2', '/mnt/gluster-rep/restore-rt'), src);
  });

  test('refused without writing anything: entries in the way, a brick offline, a truncated archive', async () => {
    const before = manifest('node1', ROOT);
    const restoreJobs = () => {
      const listed = JSON.parse(cli(['--json', 'jobs']).stdout) as { jobs: JobRecord[]; errors: unknown[] };
      // A node not listed would hide its jobs: the comparison below would mean nothing.
      assert.deepEqual(listed.errors, []);
      return listed.jobs.filter((j) => j.kind === 'restore').map((j) => j.id);
    };
    const jobsBefore = restoreJobs();
    const inWay = cli(['restore', '--archive', job.archive, '--include', 'restore-rt']);
    assert.equal(inWay.code, 2);
    assert.match(inWay.stderr, /gluster-backup: restore: refused, nothing was written:\n {2}- \d+ files or links the restore would write already exist in the target/);
    testbed('kill-brick', 'node3');
    try {
      const brick = cli(['restore', '--archive', job.archive, '--include', 'restore-rt', '--target', 'restore-moved']);
      assert.equal(brick.code, 2);
      assert.match(brick.stderr, /1 of 3 bricks of gv0 are offline: files placed on them would fail or land elsewhere/);
    } finally {
      testbed('start-bricks');
      await waitHealthy();
    }
    const cut = `${DIR}/datarobot-gluster-backup-2001-01-03.tar`;
    onNode('node1', ['sh', '-c', 'head -c 3000000 "$1" > "$2"', 'cut', job.archive, cut]);
    const trunc = cli(['restore', '--archive', cut, '--target', 'restore-moved']);
    assert.equal(trunc.code, 2);
    assert.match(trunc.stderr, /refused, nothing was written:\n {2}- the archive is truncated at offset \d+/);
    assert.equal(inGluster('node1', ['sh', '-c', '[ -e /mnt/gluster/restore-moved ] && echo there || echo absent']).stdout.trim(), 'absent');
    assert.deepEqual(manifest('node1', ROOT), before);
    assert.deepEqual(restoreJobs(), jobsBefore, 'a refused restore starts no job');
  });

  test('overrides: a brick offline on the replica volume, overridden with a reason recorded in the job; refusals no reason lifts', async () => {
    // A directory of the tree, not its paths near 4 KiB: what is written while a replica's brick
    // is down has to heal afterwards, and gluster's self-heal of such deep paths takes minutes.
    const lone = cli(['--config', repConfig, 'restore', '--dry-run', '--archive', job.archive, '--include', 'restore-rt/dir with space', '--target', 'restore-override']);
    assert.equal(lone.code, 2);
    assert.match(lone.stdout, /1 hard link points at a file outside the included paths \(restore-rt\/dir with space\/sub\/target\.txt -> restore-rt\/hardlink\.txt\): tar would link it to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on it; add those files with --include \[include\]/);
    const args = ['restore', '--archive', job.archive, '--include', 'restore-rt/dir with space', '--include', 'restore-rt/hardlink.txt', '--target', 'restore-override'];
    const bad = cli(['--config', repConfig, ...args, '--override', 'in-the-way:I know what I am doing']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--override in-the-way: cannot be overridden: choose --existing skip or --existing overwrite/);
    const typo = cli(['--config', repConfig, ...args, '--override', 'brick:typo']);
    assert.match(typo.stderr, /--override brick: no such restore check \(checks: archive, corrupt, names, archive-types, duplicates, include, type-clash, in-the-way, free-space, nodes, gluster, bricks, peers, jobs\)/);
    testbed('kill-brick', 'node3', 'gvrep');
    try {
      const refused = cli(['--config', repConfig, ...args]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /1 of 3 bricks of gvrep are offline: files placed on them would fail or land elsewhere \[bricks; --override bricks:"reason" to go ahead anyway\]/);
      const dry = cli(['--config', repConfig, '--json', ...args, '--dry-run', '--override', 'bricks:replica 3: the third copy heals when its brick is back']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(
        (JSON.parse(dry.stdout) as DryRun).refusals.map((x) => [x.check, x.overridable, x.overridden]),
        [['bricks', true, true]],
      );
      const r = cli(['--config', repConfig, '--json', ...args, '--override', 'bricks:replica 3: the third copy heals when its brick is back']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { job: JobRecord; verification: RestoreVerification };
      assert.equal(out.verification.verdict, 'verified');
      assert.deepEqual(out.job.overrides.map((o) => [o.check, o.reason]), [['bricks', 'replica 3: the third copy heals when its brick is back']]);
      assert.match(out.job.overrides[0].by ?? '', /@.+ \(CLI\)$/);
      assert.match(r.stderr, /override bricks: replica 3: the third copy heals when its brick is back \(recorded in the job\)/);
    } finally {
      testbed('start-bricks', 'gvrep');
      // What was written while node3's brick was down waits for the self-heal daemon's next
      // round (up to 10 minutes): ask for it now, as an operator would.
      testbed('heal-on', 'gvrep');
      await waitHealthy();
    }
    assert.deepEqual(manifest('node2', '/mnt/gluster-rep/restore-override/restore-rt/dir with space'), manifest('node1', `${ROOT}/dir with space`));
  });

  test('not enough space: a restore bigger than the volume is refused with both sizes, and nothing is written', () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-05.tar`;
    inGluster('node1', ['sh', '-c', 'set -e; mkdir -p /tmp/four && head -c 4194304 /dev/urandom > /tmp/four/four-mib && tar -C /tmp -cf "$1" ./four && rm -rf /tmp/four', 'four', arch]);
    testbed('small-volume', '2');
    const small = path.join(TESTBED_DIR, 'config-gvsmall.json');
    fs.writeFileSync(small, JSON.stringify({ ...JSON.parse(fs.readFileSync(CONFIG, 'utf8')), glusterPath: '/mnt/gluster-small' }));
    try {
      const before = inGluster('node1', ['find', '/mnt/gluster-small']).stdout;
      const r = cli(['--config', small, 'restore', '--archive', arch, '--node', 'node1']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /refused, nothing was written:\n {2}- not enough space: the volume gvsmall has [\d.]+ [KM]iB \(\d+ bytes\) free at \/mnt\/gluster-small, and the restore writes 4\.0 MiB \(4194304 bytes\) \[free-space; --override free-space:"reason" to go ahead anyway\]/);
      assert.equal(inGluster('node1', ['find', '/mnt/gluster-small']).stdout, before, 'nothing written on the small volume');
    } finally {
      testbed('remove-small-volume');
      onNode('node1', ['rm', '-f', arch]);
    }
  });

  test('sparse files: an archive made with --sparse comes back sparse, byte for byte', () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-04.tar`;
    inGluster('node1', [
      'sh',
      '-c',
      'set -e; rm -rf /mnt/gluster/restore-sparse-src; mkdir -p /mnt/gluster/restore-sparse-src; cd /mnt/gluster/restore-sparse-src; truncate -s 64M holes; printf data | dd of=holes bs=1 seek=33554432 conv=notrunc status=none; printf end >> holes; touch -d @1700000000 holes; tar --sparse --numeric-owner -C /mnt/gluster -cf "$1" ./restore-sparse-src',
      'sparse',
      arch,
    ]);
    try {
      const dry = dryRun(['--archive', arch, '--target', 'restore-sparse-out']);
      assert.equal(dry.code, 0, JSON.stringify(dry.r.refusals));
      assert.equal(dry.r.plan.write.bytes, 64 * 1024 * 1024 + 3, 'the plan counts the file as it will be (its real size)');
      assert.ok(dry.r.archiveBytes < 1024 * 1024, `the archive stores the data only (${dry.r.archiveBytes} bytes)`);
      const r = cli(['restore', '--archive', arch, '--target', 'restore-sparse-out']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const sum = (p: string) => inGluster('node1', ['sh', '-c', 'sha256sum < "$1"; stat -c "%s %b %B %Y" "$1"', 'sum', p]).stdout.split('\n');
      const [srcSum] = sum('/mnt/gluster/restore-sparse-src/holes');
      const [outSum, outStat] = sum('/mnt/gluster/restore-sparse-out/restore-sparse-src/holes');
      assert.equal(outSum, srcSum, 'the same bytes');
      const [size, blocks, blockSize, mtime] = outStat.split(' ').map(Number);
      assert.equal(size, 64 * 1024 * 1024 + 3);
      assert.equal(mtime, 1700000000);
      assert.ok(blocks * blockSize < 1024 * 1024, `restored sparse: ${blocks} blocks of ${blockSize} bytes allocated for 64 MiB`);
    } finally {
      inGluster('node1', ['rm', '-rf', '/mnt/gluster/restore-sparse-src', '/mnt/gluster/restore-sparse-out']);
      onNode('node1', ['rm', '-f', arch]);
    }
  });

  test('verification: device nodes and fifos come back as the kind archived, devices with their major and minor; another kind or other numbers is a difference naming both', async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-24.tar`;
    const OUT = '/mnt/gluster/restore-dev-out';
    // Made in the container's /tmp (mknod needs no volume), archived as GNU tar stores them (typeflags 3, 4, 6).
    inGluster('node1', [
      'sh',
      '-c',
      'set -e; rm -rf /tmp/gb-dev; mkdir -p /tmp/gb-dev/restore-dev; cd /tmp/gb-dev/restore-dev; mknod -m 0640 chr c 1 3; mknod -m 0600 blk b 7 0; mkfifo -m 0644 pipe; tar --numeric-owner -C /tmp/gb-dev -cf "$1" ./restore-dev; rm -rf /tmp/gb-dev',
      'dev',
      arch,
    ]);
    try {
      const r = cli(['--json', 'restore', '--archive', arch, '--target', 'restore-dev-out']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { job: JobRecord; verification: RestoreVerification };
      assert.equal(out.verification.verdict, 'verified', JSON.stringify(out.verification.changed));
      assert.match(out.verification.compared, /; the kind of device nodes and fifos and the major and minor numbers of devices$/);
      const kinds = inGluster('node1', ['sh', '-c', 'cd "$1/restore-dev" && stat -c "%n %F %t,%T %a" chr blk pipe', 'kinds', OUT]).stdout.trim().split('\n');
      assert.deepEqual(kinds, ['chr character special file 1,3 640', 'blk block special file 7,0 600', 'pipe fifo 0,0 644']);
      // chr becomes a block device, blk the same kind with other numbers, pipe a character device: same modes and owner.
      inGluster('node1', ['sh', '-c', 'set -e; cd "$1/restore-dev"; rm chr blk pipe; mknod -m 0640 chr b 7 0; mknod -m 0600 blk b 7 1; mknod -m 0644 pipe c 1 3', 'swap', OUT]);
      const cluster = new Cluster(testbedSettings());
      try {
        const { verification: v } = await verifyRestore(cluster, out.job);
        assert.equal(v.verdict, 'differs');
        assert.deepEqual([v.differences, v.missing.count, v.changed.count], [3, 0, 3]);
        assert.deepEqual(
          v.changed.items.map((c) => [c.path, c.reasons, changeText(c)]),
          [
            ['restore-dev/blk', ['device'], 'block device 7,0 in the archive, block device 7,1 restored'],
            ['restore-dev/chr', ['device'], 'character device 1,3 in the archive, block device 7,0 restored'],
            // The numbers are read only where the archive has a device to compare them with: a
            // fifo's path is not in the device pass, and the kind alone names the difference.
            ['restore-dev/pipe', ['device'], 'fifo in the archive, character device restored'],
          ],
        );
      } finally {
        cluster.dispose();
      }
    } finally {
      inGluster('node1', ['rm', '-rf', OUT]);
      onNode('node1', ['rm', '-f', arch]);
    }
  });

  test('verification: the devices are read at their own paths, odd names too; one made a regular file or removed is a difference, not a failure', async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-25.tar`;
    const OUT = '/mnt/gluster/restore-devodd-out';
    // A leading dash, a newline, a byte that is not UTF-8 (\377) and a space in a directory's device.
    inGluster('node1', [
      'sh',
      '-c',
      String.raw`set -e; rm -rf /tmp/gb-devodd; mkdir -p /tmp/gb-devodd/restore-devodd/sub; cd /tmp/gb-devodd/restore-devodd; mknod -m 0640 ./-dash c 1 3; mknod -m 0640 "$(printf 'new\nline')" c 1 5; mknod -m 0600 "$(printf 'raw-\377 x')" b 7 2; mknod -m 0640 'sub/was a device' c 1 7; mknod -m 0640 sub/gone c 1 8; printf x > file; tar --numeric-owner -C /tmp/gb-devodd -cf "$1" ./restore-devodd; rm -rf /tmp/gb-devodd`,
      'devodd',
      arch,
    ]);
    try {
      const r = cli(['--json', 'restore', '--archive', arch, '--target', 'restore-devodd-out']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { job: JobRecord; verification: RestoreVerification };
      assert.equal(out.verification.verdict, 'verified', JSON.stringify([out.verification.missing, out.verification.changed]));
      assert.match(out.verification.compared, /; the kind of device nodes and fifos and the major and minor numbers of devices$/);
      // Other numbers under each odd name (a name the pass did not reach would get none, and pass),
      // a regular file where a device was, and a device gone.
      inGluster('node1', [
        'sh',
        '-c',
        String.raw`set -e; cd "$1/restore-devodd"; rm ./-dash "$(printf 'new\nline')" "$(printf 'raw-\377 x')" 'sub/was a device' sub/gone; mknod -m 0640 ./-dash c 1 4; mknod -m 0640 "$(printf 'new\nline')" c 1 9; mknod -m 0600 "$(printf 'raw-\377 x')" b 7 3; printf x > 'sub/was a device'`,
        'swap',
        OUT,
      ]);
      const cluster = new Cluster(testbedSettings());
      try {
        const { verification: v } = await verifyRestore(cluster, out.job);
        assert.equal(v.verdict, 'differs');
        assert.deepEqual([v.differences, v.missing.count, v.changed.count], [5, 1, 4]);
        assert.deepEqual(
          v.missing.items.map((m) => m.path),
          ['restore-devodd/sub/gone'],
        );
        assert.deepEqual(
          v.changed.items.map((c) => [c.path, c.reasons, changeText(c)]),
          [
            ['restore-devodd/-dash', ['device'], 'character device 1,3 in the archive, character device 1,4 restored'],
            ['restore-devodd/new\nline', ['device'], 'character device 1,5 in the archive, character device 1,9 restored'],
            ['restore-devodd/raw-\\xff x', ['device'], 'block device 7,2 in the archive, block device 7,3 restored'],
            ['restore-devodd/sub/was a device', ['type'], 'character device 1,7 in the archive, a file restored'],
          ],
        );
      } finally {
        cluster.dispose();
      }
    } finally {
      inGluster('node1', ['rm', '-rf', OUT]);
      onNode('node1', ['rm', '-f', arch]);
    }
  });

  test("the verification reuses the plan's index only while the archive is the file the plan read", async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-06.tar`;
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/reuse; mkdir -p /tmp/reuse/d; printf one > /tmp/reuse/d/a; printf two > /tmp/reuse/b; touch -d @1600000000 /tmp/reuse/d/a /tmp/reuse/b; tar --numeric-owner -C /tmp -cf "$1" ./reuse; rm -rf /tmp/reuse', 'reuse', arch]);
    const cluster = new Cluster(testbedSettings());
    try {
      const { plan, job: started } = await startRestore(cluster, { node: 'node1', archive: arch, target: 'restore-reuse' });
      assert.ok(plan.indexed, 'the plan keeps its index for the verification');
      assert.equal(JSON.parse(JSON.stringify(plan)).indexed, undefined, "the index is not in the plan's JSON");
      const jobs = jobsOf(cluster);
      let job = started;
      while (!isFinal(job.state)) {
        await jobs.waitForExit(job, new AbortController().signal).catch(() => undefined);
        job = await jobs.observe(job);
      }
      assert.equal(job.state, 'completed');
      const kept = await verifyRestore(cluster, job, { indexed: plan.indexed });
      assert.deepEqual([kept.verification.archiveSide, kept.verification.verdict, kept.verification.members], ['plan', 'verified', 4]);
      // A restore's job file stays version 1, claimed, ended and with its verification
      // recorded: clients before exit 3 (which read only 1) still follow and cancel it.
      assert.equal((JSON.parse(onNode('node1', ['cat', `${DIR}/${job.id}.job.json`]).stdout) as JobRecord).version, 1);
      // Another archive under the same name, of the same size: only its mtime tells.
      inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/reuse; mkdir -p /tmp/reuse/d; printf uno > /tmp/reuse/d/a; printf two > /tmp/reuse/b; touch -d @1600000000 /tmp/reuse/d/a /tmp/reuse/b; tar --numeric-owner -C /tmp -cf "$1.new" ./reuse; rm -rf /tmp/reuse; touch -d @1700000000 "$1.new"; mv "$1.new" "$1"', 'reuse', arch]);
      const again = await verifyRestore(cluster, job, { indexed: plan.indexed });
      assert.equal(again.verification.archiveSide, 'read', 'a changed archive is read again');
      assert.equal(again.verification.verdict, 'verified', 'same names, sizes and times: the new archive matches too');
      assert.equal(again.verification.members, 4);
    } finally {
      cluster.dispose();
      inGluster('node1', ['rm', '-rf', '/mnt/gluster/restore-reuse']);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'clean', arch]);
    }
  });

  test('a start cancelled at any phase of its last plan starts nothing and writes nothing', async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-07.tar`;
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/cx; mkdir -p /tmp/cx/d; printf one > /tmp/cx/d/a; touch -d @1600000000 /tmp/cx/d/a /tmp/cx/d /tmp/cx; tar --numeric-owner -C /tmp -cf "$1" ./cx; rm -rf /tmp/cx', 'cx', arch]);
    const beside = () => onNode('node1', ['sh', '-c', 'ls -1 "$1".* 2>/dev/null; true', 'ls', arch]).stdout;
    const cluster = new Cluster(testbedSettings());
    try {
      const phases: string[] = [];
      const uncancelled = await planAndCheck(cluster, { node: 'node1', archive: arch, target: 'restore-cancelled', onPhase: (p) => phases.push(p) });
      // Nothing refuses this restore: a rejection below is the cancel's, not a check's.
      assert.deepEqual(uncancelled.refusals, []);
      assert.ok(phases.length >= 2, `phases seen: ${phases.join(', ')}`);
      for (const phase of phases) {
        const ctl = new AbortController();
        await assert.rejects(
          startRestore(cluster, { node: 'node1', archive: arch, target: 'restore-cancelled', signal: ctl.signal, onPhase: (p) => p === phase && ctl.abort() }),
          (e: unknown) => e instanceof RestoreError && e.message === 'cancelled before the restore started: nothing was written',
          `cancelled at ${phase}`,
        );
        assert.equal(beside(), '', `cancelled at ${phase}: no job file, log or status beside the archive`);
        assert.equal(inGluster('node1', ['test', '-e', '/mnt/gluster/restore-cancelled'], { allowFail: true }).status, 1, `cancelled at ${phase}: no target made`);
      }
    } finally {
      cluster.dispose();
      inGluster('node1', ['rm', '-rf', '/mnt/gluster/restore-cancelled']);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'clean', arch]);
    }
  });

  test('a restore another client cancels while it is being started: tar never runs, no target is made, the job is cancelled', async () => {
    // Client A claims the restore's job file; before docker starts its shell, client B cancels
    // it (no tar pid yet to signal). The old script ran the whole tar into the volume.
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-08.tar`;
    const target = '/mnt/gluster/restore-cancel-start';
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/cs; mkdir -p /tmp/cs/d; printf one > /tmp/cs/d/a; touch -d @1600000000 /tmp/cs/d/a /tmp/cs/d /tmp/cs; tar --numeric-owner -C /tmp -cf "$1" ./cs; rm -rf /tmp/cs', 'cs', arch]);
    inGluster('node1', ['rm', '-rf', target]);
    const cluster = new Cluster(testbedSettings());
    const other = new Cluster(testbedSettings());
    const race = cancelWhileStarting(cluster.connection('node1'), other.connection('node1'), (claimed) => jobsOf(other).cancel(claimed));
    try {
      const { job } = await startRestore(cluster, { node: 'node1', archive: arch, target: 'restore-cancel-start' });
      const byB = race.byB();
      assert.ok(byB, 'the job was claimed and cancelled');
      const jobs = jobsOf(cluster);
      const end = isFinal(job.state) ? job : await waitFor('client A to see the end', 60_000, async () => {
        const j = await jobs.observe(job);
        return isFinal(j.state) ? j : undefined;
      });
      const reason = 'cancelled by the operator before tar started; nothing was written into the target';
      assert.deepEqual([end.state, end.reason, end.exitCode], ['cancelled', reason, undefined]);
      const cancelled = await byB;
      assert.deepEqual([cancelled.state, cancelled.reason], ['cancelled', reason]);
      assert.equal(onNode('node1', ['cat', job.log]).stdout, 'gluster-backup: cancelled before tar started: tar was not run, and nothing was written\n', 'tar never ran');
      assert.equal(inGluster('node1', ['test', '-e', target], { allowFail: true }).status, 1, 'no target made');
      const left = onNode('node1', ['sh', '-c', 'ls -1 "$1".* 2>/dev/null; true', 'ls', arch]).stdout.split('\n').filter((n) => n.endsWith('.cancel') || n.endsWith('.status'));
      assert.deepEqual(left, [], 'no status or cancel request left');
    } finally {
      race.restore();
      cluster.dispose();
      other.dispose();
      inGluster('node1', ['rm', '-rf', target]);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'clean', arch]);
    }
  });

  test('--existing skip writes only what is missing; --existing overwrite puts the archived content back', () => {
    const src = manifest('node1', ROOT);
    inGluster('node1', ['sh', '-c', 'rm -f "$1/zero-bytes" && printf changed > "$1/dir with space/sub/target.txt.new" && printf live > "$1/with space.txt.tmp"', 'x', ROOT]);
    inGluster('node1', ['sh', '-c', 'cp -p "$1/with space.txt" "$1/keep" && printf LIVE > "$1/with space.txt" && touch -d @1700000000 "$1/with space.txt" && chown 1234:5678 "$1/with space.txt"', 'x', ROOT]);
    const skip = cli(['restore', '--archive', job.archive, '--include', 'restore-rt', '--existing', 'skip']);
    // The live file differs from the archive in size: the verification says so (exit 1).
    assert.equal(skip.code, 1, skip.stderr + skip.stdout);
    assert.match(skip.stdout, /DIFFERENCES: 1 of \d+ archive members are not in \/mnt\/gluster as archived \(0 missing, 1 different\)\n {2}different restore-rt\/with space\.txt \(size 6 in the archive, 4 restored\)/);
    assert.equal(inGluster('node1', ['cat', `${ROOT}/with space.txt`]).stdout, 'LIVE', 'skip keeps what is there');
    assert.equal(inGluster('node1', ['sh', '-c', '[ -e "$1/zero-bytes" ] && echo back', 'x', ROOT]).stdout.trim(), 'back');
    assert.match(skip.stdout, /information: 3 files and 0 directories in the target are not in the archive/);
    const over = cli(['restore', '--archive', job.archive, '--include', 'restore-rt/with space.txt', '--existing', 'overwrite']);
    assert.equal(over.code, 0, over.stderr + over.stdout);
    inGluster('node1', ['sh', '-c', 'rm -f "$1/keep" "$1/dir with space/sub/target.txt.new" "$1/with space.txt.tmp"', 'x', ROOT]);
    assert.deepEqual(manifest('node1', ROOT), src);
  });

  test('resume: a restore cut past half inside a file by its container being killed, run again with --existing skip, gives the tree back whole, rewriting only what was left', async () => {
    const SRC = '/mnt/gluster/restore-resume';
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-06.tar`;
    // 48 files of 4 MiB: the one cut short is a small part of what is left to write.
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf "$1"; mkdir -p "$1/d"; for i in $(seq -w 1 48); do head -c 4194304 /dev/urandom > "$1/d/f$i"; done; touch -d @1700000000 "$1"/d/*; tar -C /mnt/gluster --numeric-owner -cf "$2" ./restore-resume', 'src', SRC, arch]);
    const want = manifest('node1', SRC);
    const files = fileSpans('node1', arch);
    assert.equal(files.length, 48, JSON.stringify(files.slice(0, 3)));
    inGluster('node1', ['rm', '-rf', SRC]);
    const cluster = new Cluster(testbedSettings());
    try {
      const { cut } = await restoreKilledInsideAFile(jobsOf(cluster), arch, files);
      const jobsNow = JSON.parse(cli(['--json', 'jobs']).stdout) as { jobs: JobRecord[] };
      const died = jobsNow.jobs.find((j) => j.kind === 'restore' && j.archive === arch)!;
      assert.equal(died.state, 'failed', JSON.stringify(died));
      // Found dead once its container ran again: it ended by then, on the node's clock, which
      // the resume's window is measured against (not the clock of the client that found it).
      const restarted = onNode('node1', ['docker', 'inspect', '-f', '{{.State.StartedAt}}', 'gluster']).stdout.trim();
      assert.equal(died.endedAt, new Date(Date.parse(restarted)).toISOString(), `the container started again at ${restarted}`);
      const have = inGluster('node1', ['sh', '-c', 'ls "$1/d" | wc -l', 'n', SRC]).stdout.trim();
      assert.ok(Number(have) > 0 && Number(have) < 48, `an interrupted restore: ${have} of 48 files there`);
      const short = Number(inGluster('node1', ['stat', '-c', '%s', `/mnt/gluster/${cut!.name}`]).stdout.trim());
      assert.ok(short < 4194304, `${cut!.name}, cut at archive byte ${cut!.pos}, has ${short} bytes on disk`);

      const dry = dryRun(['--archive', arch, '--existing', 'skip']);
      assert.equal(dry.code, 0, JSON.stringify(dry.r.refusals));
      const resume = dry.r.plan.resume!;
      assert.equal(resume.from, died.id);
      assert.equal(resume.path, cut!.name);
      assert.equal(resume.rewrite, true, 'the file tar was writing is cut short: it is written again');
      const all = 48 * 4194304;
      assert.ok(dry.r.plan.bytesToWrite <= 0.55 * all, `the resume writes ${dry.r.plan.bytesToWrite} of ${all} bytes`);
      assert.ok(dry.r.plan.skip.count > 0);

      const again = cli(['--json', 'restore', '--archive', arch, '--existing', 'skip']);
      assert.equal(again.code, 0, again.stderr);
      const out = JSON.parse(again.stdout) as { job: JobRecord; verification: RestoreVerification };
      // The directories the stopped tar made still had its temporary modes: set again at the end.
      assert.deepEqual(out.job.restore!.resume, { from: died.id, rewrite: resume.path, dirs: 2 });
      assert.equal(out.verification.verdict, 'verified');
      assert.deepEqual(manifest('node1', SRC), want, 'every file whole, with its mode, owner and mtime');
    } finally {
      inGluster('node1', ['rm', '-rf', SRC]);
      // The archive with the sidecars of both restores: a later run finds no job of this name.
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'rm', arch]);
      cluster.dispose();
    }
  });

  test('resume: the placeholder tar left for a symlink is replaced by the symlink, the directory it made is set as archived, and the directory the target held before keeps its mode and owner', async () => {
    const SRC = '/mnt/gluster/restore-resume-ph';
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-20.tar`;
    // In archive order: the top directory, d (0750, 1000:1000), d/abs, an absolute symlink (tar
    // makes an empty mode-0 file there and the symlink only at its end), then 48 files of 4 MiB.
    inGluster('node1', [
      'sh',
      '-c',
      'set -e; rm -rf "$1"; mkdir -p "$1/d"; for i in $(seq -w 1 48); do head -c 4194304 /dev/urandom > "$1/d/f$i"; done; ln -s /etc/hostname "$1/d/abs"; chmod 0750 "$1/d"; chown 1000:1000 "$1/d"; touch -h -d @1700000000 "$1"/d/* "$1/d" "$1"; cd /mnt/gluster; { echo ./restore-resume-ph; echo ./restore-resume-ph/d; echo ./restore-resume-ph/d/abs; for i in $(seq -w 1 48); do echo "./restore-resume-ph/d/f$i"; done; } | tar --no-recursion --numeric-owner -cf "$2" -T -',
      'src',
      SRC,
      arch,
    ]);
    const want = manifest('node1', `${SRC}/d`);
    const files = fileSpans('node1', arch);
    assert.equal(files.length, 48, JSON.stringify(files.slice(0, 3)));
    // The operator's own directory where the archive's top one goes: 0711, 2000:2000.
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf "$1"; mkdir "$1"; chmod 0711 "$1"; chown 2000:2000 "$1"', 'op', SRC]);
    const cluster = new Cluster(testbedSettings());
    try {
      const { first, cut } = await restoreKilledInsideAFile(jobsOf(cluster), arch, files, ['--existing', 'skip']);
      const stat = (p: string) => inGluster('node1', ['stat', '-c', '%F|%a|%u:%g', p]).stdout.trim();
      // What the killed tar left: the placeholder, d as it made it, the operator's directory untouched.
      assert.equal(stat(`${SRC}/d/abs`), 'regular empty file|0|0:0');
      assert.equal(stat(`${SRC}/d`), 'directory|700|0:0');
      assert.equal(stat(SRC), 'directory|711|2000:2000');

      const dry = dryRun(['--archive', arch, '--existing', 'skip']);
      assert.equal(dry.code, 0, JSON.stringify(dry.r.refusals));
      assert.deepEqual(dry.r.plan.resume, { from: first!.id, path: cut!.name, rewrite: true, redo: 1 });
      assert.deepEqual(
        dry.r.entries.filter((e) => e.action === 'overwrite').map((e) => e.path),
        ['restore-resume-ph/d/abs', cut!.name].sort(),
      );

      const again = cli(['--json', 'restore', '--archive', arch, '--existing', 'skip']);
      // 1: restored, and the verification finds the operator's directory different from the archive's.
      assert.equal(again.code, 1, again.stderr);
      const out = JSON.parse(again.stdout) as { job: JobRecord; verification: RestoreVerification };
      // d only: the top directory was the operator's, which skip leaves as it is.
      assert.deepEqual(out.job.restore!.resume, { from: first!.id, rewrite: cut!.name, dirs: 1, redo: 1 });
      assert.equal(inGluster('node1', ['readlink', `${SRC}/d/abs`]).stdout, '/etc/hostname\n');
      assert.deepEqual(manifest('node1', `${SRC}/d`), want, 'everything in d as archived');
      assert.equal(stat(`${SRC}/d`), 'directory|750|1000:1000', 'd set as archived after tar');
      assert.equal(stat(SRC), 'directory|711|2000:2000');
      assert.equal(out.verification.verdict, 'differs');
      assert.deepEqual(
        out.verification.changed.items.map((c) => [c.path, c.reasons, c.archive.mode, c.filesystem.mode, c.filesystem.uid, c.filesystem.gid]),
        [['restore-resume-ph', ['mode', 'owner'], '0755', '0711', 2000, 2000]],
      );
    } finally {
      inGluster('node1', ['rm', '-rf', SRC]);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'rm', arch]);
      cluster.dispose();
    }
  });

  test('progress: on a terminal one line redrawn with the bytes read of the archive, the rate and an ETA; with --json, status lines with the same figures', () => {
    const SRC = '/mnt/gluster/restore-progress';
    const arch = `${DIR}/datarobot-gluster-backup-2001-01-07.tar`;
    // One file restored with node1's container held to a fifth of a CPU: half a minute of steady
    // progress, sampled about once a second, and the ETA is shown once ten predictions agree. A
    // fifth of a CPU goes at whatever pace the machine has then (96 MiB took 35 s in one run and
    // 11 s in another, too short for ten agreeing predictions), so the file is sized from tar's
    // own pace, measured here extracting 32 MiB into the volume at a fifth of a CPU (dd is no
    // guide: a short burst of writes outruns the CPU quota). The job, tar with its member list
    // and the reads of its position, goes about 1.4 times slower than that tar.
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/pace "$1"; mkdir -p /tmp/pace "$1"; head -c 33554432 /dev/zero > /tmp/pace/z; tar -C /tmp -cf /tmp/pace.tar ./pace; rm -rf /tmp/pace', 'pace', `${SRC}-pace`]);
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    let paceMs: number;
    try {
      const t0 = Date.now();
      inGluster('node1', ['tar', '-C', `${SRC}-pace`, '-xf', '/tmp/pace.tar']);
      paceMs = Math.max(1, Date.now() - t0);
    } finally {
      unthrottle('node1');
      inGluster('node1', ['rm', '-rf', '/tmp/pace.tar', `${SRC}-pace`]);
    }
    const mib = Math.min(512, Math.max(64, Math.ceil((32 * 20_000) / paceMs)));
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf "$1"; mkdir -p "$1"; head -c "$3" /dev/zero > "$1/z.bin"; touch -d @1700000000 "$1/z.bin"; tar -C /mnt/gluster --numeric-owner -cf "$2" ./restore-progress; rm -rf "$1"', 'src', SRC, arch, String(mib * 1024 * 1024)]);
    const archiveBytes = Number(onNode('node1', ['stat', '-c', '%s', arch]).stdout.trim());
    try {
      onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
      // On a pseudo-terminal (script), as an operator at a shell sees it.
      const cmd = [process.execPath, CLI, '--config', CONFIG, 'restore', '--archive', arch].map(shellQuote).join(' ');
      const t = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 600_000 });
      assert.equal(t.status, 0, t.stdout + t.stderr);
      const redraws = t.stdout.split('\r\x1b[K').length - 1;
      const lines = t.stdout.split(/\r\x1b\[K|\r?\n/);
      const LINE = /^(\d+(?:\.\d)? (?:B|KiB|MiB|GiB)) (\d+\.\d)% of (\S+ \S+), (\d+(?:\.\d)? (?:B|KiB|MiB|GiB))\/s(?:, ETA (\d+h\d\dm|\d+m\d\ds|\d+s))?, (\d+) s, 0 warnings$/;
      const shown = lines.map((l) => LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
      assert.ok(shown.length >= 10 && redraws >= shown.length, `progress lines: ${shown.length}, redraws: ${redraws}\n${t.stdout}`);
      for (const m of shown) assert.equal(m[3], bytesText(archiveBytes), `the total is the archive's size: ${m[0]}`);
      const pct = shown.map((m) => Number(m[2]));
      assert.deepEqual(pct, [...pct].sort((a, b) => a - b), 'the percentage only grows');
      const secs = shown.map((m) => Number(m[6]));
      assert.deepEqual(secs, [...secs].sort((a, b) => a - b), 'the elapsed seconds only grow');
      assert.ok(shown.some((m) => m[5] !== undefined), `an ETA was shown:\n${shown.map((m) => m[0]).join('\n')}`);
      assert.match(t.stdout, /restore-\S+: completed \(tar exit 0\)/);
      assert.match(t.stdout, /verified: all \d+ archive members/);
      inGluster('node1', ['rm', '-rf', SRC]);

      const j = cli(['--json', 'restore', '--archive', arch]);
      assert.equal(j.code, 0, j.stderr);
      const out = JSON.parse(j.stdout) as { job: JobRecord };
      const status = statusLines(j.stderr);
      assert.ok(status.length >= 10, j.stderr);
      for (const st of status) {
        assert.deepEqual([st.kind, st.job, st.node, st.total_bytes, st.warnings], ['restore', out.job.id, 'node1', archiveBytes, 0], JSON.stringify(st));
        assert.ok(st.bytes_done <= archiveBytes, JSON.stringify(st));
        assert.equal(st.percent_done, Math.round((st.bytes_done / archiveBytes) * 10_000) / 10_000, JSON.stringify(st));
        assert.ok(st.eta_seconds === null || (Number.isInteger(st.eta_seconds) && st.eta_seconds >= 0), JSON.stringify(st));
      }
      const done = status.map((st) => st.bytes_done);
      assert.deepEqual(done, [...done].sort((a, b) => a - b), 'bytes only grow');
      assert.ok(status.some((st) => st.eta_seconds !== null), `an ETA was given:\n${j.stderr}`);
    } finally {
      unthrottle('node1');
      inGluster('node1', ['rm', '-rf', SRC]);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'rm', arch]);
    }
  });

  test('cancel stops the restore on the node and says what stays', async () => {
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
    const b = cli(['--json', 'backup', '--node', 'node1']);
    assert.ok(b.code === 0 || b.code === 1, b.stderr);
    const big = JSON.parse(b.stdout) as JobRecord;
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    let c;
    let started: JobRecord;
    try {
      const r = cli(['--json', 'restore', '--detach', '--archive', big.archive, '--include', 'big', '--target', 'restore-moved']);
      assert.equal(r.code, 0, r.stderr);
      started = (JSON.parse(r.stdout) as { job: JobRecord }).job;
      assert.equal(started.state, 'running');
      c = cli(['cancel', started.id]);
    } finally {
      unthrottle('node1');
    }
    assert.equal(c.code, 0, c.stderr + c.stdout);
    assert.match(c.stdout, /cancelled: cancelled by the operator; what tar had written stays \(restore again with --existing skip to resume\)/);
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
    assert.ok(onNode('node1', ['ls', DIR]).stdout.includes(path.posix.basename(big.archive)), 'the archive stays');
  });
});
