// The backup on the real test bed: tar inside the gluster container of one node over the whole
// FUSE-mounted volume, driven through the CLI (the product surface) and the core.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs } from '../../src/core/backup/jobs';
import { followJob } from '../../src/core/backup/follow';
import { seedDate } from '../../src/core/backup/naming';
import { jobPaths } from '../../src/core/backup/jobFile';
import { parseStatus } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { REPO, TESTBED_DIR, inGluster, onNode, testbed, testbedSettings, unthrottle, waitFor, waitHealthy } from './helpers/testbed';
import { CONFIG, cli, cliWith, startCli } from './helpers/cli';
import { plantJobFile, plantRunningJob, plantedRecord } from './helpers/plantedJob';
import { AWKWARD_TREE, manifest } from './helpers/trees';
import { ndjsonLines, statusLines } from './helpers/ndjson';

const DIR = '/opt/datarobot/data/backups/gluster';
// The sample data was written moments ago by the test bed: the activity check would warn, not
// fail, so no override is needed for it; the overrides below are for the checks a test breaks.

function lsBackups(node = 'node1', dir = DIR): string[] {
  return onNode(node, ['ls', '-1A', dir]).stdout.split('\n').filter(Boolean);
}

function cleanBackups(node = 'node1', dir = DIR) {
  onNode(node, ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', dir]);
}

function finalJob(stdout: string): JobRecord {
  return JSON.parse(stdout) as JobRecord;
}

describe('backup', () => {
  let cluster: Cluster;
  let jobs: BackupJobs;
  before(async () => {
    await waitHealthy();
    cluster = new Cluster(testbedSettings());
    jobs = new BackupJobs(cluster);
    cleanBackups();
    // A file over 1 GiB: big-file headers, and a backup long enough to cancel or interrupt.
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
  });
  after(() => {
    cleanBackups();
    cluster.dispose();
  });

  test('awkward names round-trip exactly through the archive', () => {
    inGluster('node1', ['sh', '-c', AWKWARD_TREE, 'awkward', '/mnt/gluster/awkward']);
    const src = manifest('node1', '/mnt/gluster/awkward');
    assert.ok(src.some((r) => r.includes('new\nline.txt')), 'newline name in the source manifest');
    const longest = Math.max(...src.map((r) => Buffer.byteLength(r.split('|').find((f) => f.startsWith('c'.repeat(200))) ?? '')));
    assert.ok(longest > 3800, `a path close to gluster's 4 KiB limit exists (longest ${longest} bytes)`);

    const r = cli(['--json', 'backup', '--node', 'node1']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const job = finalJob(r.stdout);
    assert.equal(job.state, 'completed');
    assert.equal(job.exitCode, 0);
    // Named for the day the job started (not the day this line runs: a backup across midnight).
    assert.match(path.basename(job.archive), new RegExp(`^datarobot-gluster-backup-${seedDate(new Date(job.startedAt))}(-\\d+)?\\.tar$`));
    assert.deepEqual(job.warnings, {});

    const restore = `${DIR}/restore-test`;
    inGluster('node1', ['sh', '-c', 'rm -rf "$2" && mkdir -p "$2" && tar -xf "$1" -C "$2" --numeric-owner ./awkward', 'x', job.archive, restore]);
    try {
      const back = manifest('node1', `${restore}/awkward`);
      assert.deepEqual(back, src);
    } finally {
      inGluster('node1', ['rm', '-rf', restore]);
      cleanBackups();
    }
  });

  test('two backups on the same day get distinct names; nothing is overwritten', () => {
    const a = finalJob(cli(['--json', 'backup']).stdout);
    const b = finalJob(cli(['--json', 'backup']).stdout);
    assert.equal(a.state, 'completed');
    assert.equal(b.state, 'completed');
    assert.notEqual(a.archive, b.archive);
    assert.equal(b.archive, a.archive.replace(/\.tar$/, '-2.tar'));
    const names = lsBackups(a.node);
    assert.ok(names.includes(path.basename(a.archive)) && names.includes(path.basename(b.archive)), names.join(', '));
    assert.ok(!names.some((n) => n.endsWith('.partial')), 'no partial archives left');
    // Every file of the platform is in an archive: it and every file beside it are the owner's alone.
    const stem = a.archive.replace(/\.tar$/, '');
    const modes = onNode(a.node, ['stat', '-c', '%a %U %n', a.archive, `${a.archive}.sha256`, `${stem}.log`, `${stem}.job.json`]).stdout;
    assert.equal(modes, [a.archive, `${a.archive}.sha256`, `${stem}.log`, `${stem}.job.json`].map((f) => `600 root ${f}\n`).join(''));
    cleanBackups(a.node);
  });

  test('a backup in another directory (-b) is still listed by jobs and found by attach', () => {
    // Inside the directory the test bed mounts into the container, as a real one must be.
    const other = `${DIR}/elsewhere`;
    onNode('node1', ['mkdir', '-p', other]);
    try {
      const r = cli(['--json', 'backup', '--node', 'node1', '-b', other]);
      assert.equal(r.code, 0, r.stderr);
      const job = finalJob(r.stdout);
      assert.equal(path.dirname(job.archive), other);
      const listed = JSON.parse(cli(['--json', 'jobs']).stdout) as { jobs: JobRecord[] };
      assert.deepEqual(listed.jobs.filter((j) => j.archive === job.archive).map((j) => j.state), ['completed']);
      // The backup told what to run next; an attach to the job it had already ended does not
      // (the archive may have been validated since).
      assert.match(r.stderr, /"text":"tar exit 0: not yet validated: /);
      const attached = cli(['--json', 'attach', job.id]);
      assert.equal(attached.code, 0, attached.stderr);
      assert.equal(finalJob(attached.stdout).archive, job.archive);
      assert.doesNotMatch(attached.stderr, /not yet validated/);
      const pointers = () => onNode('node1', ['sh', '-c', 'ls -1 /root/.gluster-backup/jobs 2>/dev/null || true']).stdout;
      assert.match(pointers(), new RegExp(`^${job.id}-[0-9a-f]{12}\\.json$`, 'm'));
      // The operator deletes that directory: the job is gone from the list and so is its pointer.
      onNode('node1', ['rm', '-rf', other]);
      const after = JSON.parse(cli(['--json', 'jobs']).stdout) as { jobs: JobRecord[] };
      assert.ok(!after.jobs.some((j) => j.archive === job.archive), 'a removed job is not listed');
      assert.doesNotMatch(pointers(), new RegExp(`^${job.id}-`, 'm'));
    } finally {
      onNode('node1', ['rm', '-rf', other]);
    }
  });

  test('a compressed archive is a valid .tar.gz made with pigz; --json: progress as NDJSON status lines on stderr, the job alone on stdout', () => {
    const r = cli(['--json', 'backup', '-z']);
    assert.equal(r.code, 0, r.stderr);
    const job = finalJob(r.stdout);
    assert.match(job.archive, /\.tar\.gz$/);
    assert.equal(job.compressor, 'pigz');
    const lines = ndjsonLines(r.stderr);
    assert.ok(lines.some((l) => l.message_type === 'message' && /pigz/.test(l.text)), r.stderr);
    // The last words: the archive with its size and time, then the command that checks it.
    const said = lines.filter((l) => l.message_type === 'message').map((l) => l.text);
    assert.match(said[said.length - 2], new RegExp(`^archive: ${job.archive.replace(/[.]/g, '[.]')} \\(\\d+\\.\\d (KiB|MiB|GiB) in (under 1s|\\d+s, \\d+\\.\\d (B|KiB|MiB|GiB)/s)\\)$`));
    assert.match(said[said.length - 1], new RegExp(`^tar exit 0: not yet validated: gluster-backup --config \\S+ validate-backup --node ${job.node} --archive ${job.archive.replace(/[.]/g, '[.]')}$`));
    const status = statusLines(r.stderr);
    assert.ok(status.length >= 1, r.stderr);
    for (const s of status) {
      assert.deepEqual([s.kind, s.job, s.node], ['backup', job.id, job.node]);
      assert.ok(s.total_bytes! > 0 && s.seconds_elapsed >= 0 && s.warnings === 0, JSON.stringify(s));
    }
    assert.deepEqual(status.map((s) => s.bytes_done), [...status.map((s) => s.bytes_done)].sort((a, b) => a - b), 'bytes only grow');
    assert.equal(status[status.length - 1].bytes_done, job.archiveBytes, 'the last status line is the finished archive');
    const list = inGluster(job.node, ['tar', '-tzf', job.archive]).stdout.split('\n');
    assert.ok(list.includes('./big/big.bin'), 'the big file is in the compressed archive');
    assert.ok(job.archiveBytes! < 1100 * 1024 * 1024 / 10, 'zeros compress');
    cleanBackups(job.node);
  });

  test('files changed during the backup: exit 1 and typed warnings', async () => {
    // A file that keeps growing while tar reads it.
    inGluster('node2', ['sh', '-c', 'mkdir -p /mnt/gluster/busy && dd if=/dev/zero of=/mnt/gluster/busy/grow.bin bs=1M count=300 status=none']);
    const writer = spawn('bash', [path.join(REPO, 'testbed', 'testbed.sh'), 'exec', 'node2', '--', 'docker', 'exec', 'gluster', 'sh', '-c', 'i=0; while [ $i -lt 600 ]; do head -c 65536 /dev/zero >> /mnt/gluster/busy/grow.bin; i=$((i+1)); sleep 0.05; done'], { stdio: 'ignore' });
    try {
      const r = cli(['--json', 'backup', '--node', 'node1']);
      assert.equal(r.code, 1, r.stderr);
      const job = finalJob(r.stdout);
      assert.equal(job.state, 'completedWithWarnings');
      assert.equal(job.exitCode, 1);
      assert.ok((job.warnings?.changed ?? 0) >= 1, JSON.stringify(job.warnings));
      assert.match(r.stderr, /tar: \.\/busy\/grow\.bin: file changed as we read it/);
      assert.match(r.stderr, /usable but not an exact copy/);
      assert.ok(lsBackups().includes(path.basename(job.archive)), 'the archive is kept');
    } finally {
      writer.kill();
      // Killing the docker CLI leaves its exec running in the container: stop the loop there,
      // or it appends while rm runs ("Directory not empty"). The brackets keep pkill's own
      // shell from matching.
      inGluster('node2', ['sh', '-c', "pkill -f 'grow[.]bin'; while pgrep -f 'grow[.]bin' >/dev/null; do sleep 0.1; done"]);
      inGluster('node2', ['rm', '-rf', '/mnt/gluster/busy']);
      cleanBackups();
    }
  });

  test('a brick offline stops the backup at preflight, nothing is written', () => {
    testbed('kill-brick', 'node3');
    try {
      const before = lsBackups();
      const r = cli(['backup', '--node', 'node1']);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /FAIL Every brick online, every peer connected: volume gv0 \(Distribute\), mounted at \/mnt\/gluster: brick 10\.213\.51\.13:\/bricks\/gv0 of gv0 is offline/);
      assert.match(r.stdout, /missing from the archive without any error from tar/);
      assert.match(r.stderr, /backup not started: volumeHealth failed/);
      assert.deepEqual(lsBackups(), before);
    } finally {
      testbed('start-bricks');
    }
  });

  test('gluster stopped on node3 and a tar running in node2\'s container: preflight on node1 names both, nothing is written', async () => {
    // Of the nodes a backup does not run on, preflight asks only reachable and container state
    // (no gluster), and looks for a tar in every container: this is the path that shows it.
    // tar blocks on the pipe nobody reads, so it is still there when preflight looks.
    onNode('node2', ['docker', 'exec', '-d', 'gluster', 'sh', '-c', 'tar -cf - /mnt/gluster | sleep 600']);
    try {
      await waitFor('a tar in node2\'s gluster container', 30_000, () => (inGluster('node2', ['pgrep', '-x', 'tar'], { allowFail: true }).stdout.trim() ? true : undefined));
      testbed('stop-gluster', 'node3');
      const before = lsBackups();
      const r = cli(['backup', '--node', 'node1']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /FAIL Every node reachable, gluster running: node3: gluster container is exited \(start it on every node first\)/);
      assert.match(r.stdout, /FAIL No other backup or restore running: a tar process is running in the gluster container on node2\n/);
      // Whether node1's glusterd has seen node3's brick go yet is its own timing, not this test's.
      // The command as the operator ran it, --config included: run as printed, it acts on these nodes.
      assert.match(r.stderr, new RegExp(`backup not started: nodes, (volumeHealth, )?concurrency failed; start gluster first: gluster-backup --config ${CONFIG.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} start --node node3;`));
      assert.deepEqual(lsBackups(), before);
    } finally {
      inGluster('node2', ['pkill', '-x', 'tar'], { allowFail: true });
      testbed('start-gluster', 'node3');
      await waitHealthy();
    }
  });

  test('disk full: preflight refuses; overridden, tar fails and leaves no partial archive', () => {
    const small = `${DIR}/small`;
    testbed('small-dir', 'node1', '4');
    try {
      const pre = cli(['backup', '--node', 'node1', '-b', small]);
      assert.equal(pre.code, 2);
      assert.match(pre.stdout, /FAIL Free space: 4\.0 MiB free in \/opt\/datarobot\/data\/backups\/gluster\/small; the archive needs about 1\.\d GiB/);
      const r = cli(['--json', 'backup', '--node', 'node1', '-b', small, '--override', 'freeSpace:testing the disk-full path']);
      assert.equal(r.code, 2, r.stderr);
      const job = finalJob(r.stdout);
      assert.equal(job.state, 'failed');
      assert.match(job.reason ?? '', /ran out of space.*(No space left on device|Wrote only \d+ of \d+ bytes).*partial archive was removed/);
      assert.deepEqual(job.overrides, [{ check: 'freeSpace', reason: 'testing the disk-full path' }]);
      const left = lsBackups('node1', small);
      assert.ok(!left.some((n) => n.endsWith('.tar') || n.endsWith('.partial')), `left: ${left.join(', ')}`);
      assert.ok(left.some((n) => n.endsWith('.job.json')), 'the job record stays, with its reason');
    } finally {
      testbed('remove-small-dir', 'node1');
    }
  });

  test('disk still full at the end: the job is failed, saying its end is not recorded and why; recorded once space is freed', async () => {
    // The job's files as its script leaves them when tar ran out of space (the partial removed,
    // the status written), and a filler that took the space the partial freed: the job file
    // cannot take the end.
    const small = `${DIR}/small`;
    const stem = `datarobot-gluster-backup-${seedDate(new Date())}-full`;
    const record: JobRecord = { ...plantedRecord(stem, new Date().toISOString()), archive: `${small}/${stem}.tar`, partial: `${small}/${stem}.tar.partial`, log: `${small}/${stem}.log` };
    testbed('small-dir', 'node1', '4');
    try {
      onNode('node1', ['sh', '-c', 'cat > "$1.job.json"; printf "tar: ./big/big.bin: Cannot write: No space left on device\ntar: Error is not recoverable: exiting now\n" > "$1.log"; printf "exit 2 1765000000.000000000\n" > "$1.status"; dd if=/dev/zero of="$2/filler" bs=64k status=none 2>/dev/null; true', 'plant', `${small}/${stem}`, small], { input: JSON.stringify(record) });
      const why = 'the backups directory ran out of space (./big/big.bin: Cannot write: No space left on device); the partial archive was removed';
      const seen = await jobs.observe(record);
      // SFTP gives ENOSPC as its generic "Failure"; the directory's free space says why.
      assert.deepEqual(
        [seen.state, seen.reason],
        ['failed', `${why}; not recorded on the node: the backups directory is full (0 bytes left), and writing ${small}/${stem}.job.json failed (Failure); the first look after space is freed there records it`],
      );
      assert.equal(JSON.parse(onNode('node1', ['cat', `${small}/${stem}.job.json`]).stdout).state, 'running', 'the job file as it was');
      assert.equal(onNode('node1', ['cat', `${small}/${stem}.status`]).stdout, 'exit 2 1765000000.000000000\n', 'the status stays for the next look');
      onNode('node1', ['rm', '-f', `${small}/filler`]);
      const later = await jobs.observe(record);
      assert.deepEqual([later.state, later.reason], ['failed', why]);
      assert.equal(JSON.parse(onNode('node1', ['cat', `${small}/${stem}.job.json`]).stdout).state, 'failed');
      assert.equal(onNode('node1', ['test', '-e', `${small}/${stem}.status`], { allowFail: true }).status, 1, 'the status is gone once recorded');
    } finally {
      testbed('remove-small-dir', 'node1');
    }
  });

  test('published, then sync cannot flush it and the backups directory is full: the log cannot take the line, the status carries it, and the job completes saying the archive is not known to be on disk', () => {
    // A small volume backed up into a small tmpfs, so that the archive fits; a sync first in the
    // image's PATH that, at the flush after publishing (its operands name the directory), fills
    // the directory and fails naming it. tar says nothing of a quiet volume; the script's line
    // on publishing (PUBLISHED_AS) is the log's only one, and the shim empties the log before
    // filling the directory, so the log has no page the next line could go into: it is lost, as
    // on a real full disk whose log had no room left.
    const small = `${DIR}/small`;
    const config = path.join(TESTBED_DIR, `config-gvsmall-backup-${process.pid}.json`);
    const unshim = () => inGluster('node1', ['rm', '-f', '/usr/local/sbin/sync']);
    assert.equal(inGluster('node1', ['sh', '-c', 'ls /usr/local/sbin/sync 2>/dev/null || true']).stdout, '', 'no sync of the image is in /usr/local/sbin');
    testbed('small-volume', '2');
    testbed('small-dir', 'node1', '4');
    try {
      fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(CONFIG, 'utf8')), glusterPath: '/mnt/gluster-small' }));
      inGluster('node1', ['sh', '-c', 'printf data > /mnt/gluster-small/one && touch -d @1700000000 /mnt/gluster-small/one /mnt/gluster-small']);
      const realSync = inGluster('node1', ['sh', '-c', 'command -v sync']).stdout.trim();
      assert.match(realSync, /^\/\S+\/sync$/);
      const shim = [
        '#!/bin/sh',
        `case " $* " in *" ${small}/ "*) for l in ${small}/*.log; do : > "$l"; done; dd if=/dev/zero of=${small}/filler bs=64k 2>/dev/null; printf "sync: error syncing '%s': Input/output error\\n" ${small}/ >&2; exit 1 ;; esac`,
        `exec ${realSync} "$@"`,
        '',
      ].join('\n');
      inGluster('node1', ['sh', '-c', 'cat > /usr/local/sbin/sync.gb-shim && chmod 755 /usr/local/sbin/sync.gb-shim && mv -f /usr/local/sbin/sync.gb-shim /usr/local/sbin/sync'], { input: shim });
      const r = cliWith(['--json', 'backup', '--node', 'node1', '-b', small], { config });
      assert.equal(r.code, 0, r.stderr);
      const job = finalJob(r.stdout);
      const why = `the archive is published as ${job.archive}, but sync could not flush its name or its checksum file to disk, so it is not known to be on disk (the job's status says so; its log does not say sync's words: a full backups directory cannot take the line): the host going down before its own flush could lose them; validate the archive before relying on it`;
      assert.equal(job.state, 'completed');
      assert.ok((job.reason ?? '').startsWith(`${why}; not recorded on the node: the backups directory is full (`), job.reason);
      // The CLI's line (on stderr with --json) says it too.
      assert.ok(r.stderr.includes(`${job.id}: completed (tar exit 0): ${why}; not recorded on the node: `), r.stderr);
      const paths = jobPaths(small, path.basename(job.archive));
      assert.equal(onNode('node1', ['cat', paths.log]).stdout, '', "the script's line did not reach the log");
      assert.match(onNode('node1', ['cat', paths.status]).stdout, /^exit 0 \d+\.\d+,unflushed *\n$/);
      const names = lsBackups('node1', small);
      assert.ok(names.includes(path.basename(job.archive)) && names.includes(`${path.basename(job.archive)}.sha256`), names.join(', '));

      // Space freed: the next look records the end, the warning with it.
      onNode('node1', ['rm', '-f', `${small}/filler`]);
      const a = cliWith(['--json', 'attach', job.id, '--node', 'node1'], { config });
      assert.equal(a.code, 0, a.stderr);
      assert.deepEqual([finalJob(a.stdout).state, finalJob(a.stdout).reason], ['completed', why]);
      const saved = JSON.parse(onNode('node1', ['cat', paths.job]).stdout) as JobRecord;
      assert.deepEqual([saved.state, saved.reason], ['completed', why]);
      assert.equal(onNode('node1', ['test', '-e', paths.status], { allowFail: true }).status, 1, 'the status is gone once recorded');
    } finally {
      unshim();
      fs.rmSync(config, { force: true });
      testbed('remove-small-dir', 'node1');
      testbed('remove-small-volume');
    }
  });

  test('cancel stops tar on the node and removes the partial archive', async () => {
    // Slow node1 down so that the backup is surely still running when the cancel arrives.
    // Lifted in finally, not in an after() hook: that ran only at the end of the suite and left
    // the next tests throttled (the next one's preflight then overran its wait in CI).
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    let c;
    let job: JobRecord;
    try {
      const r = cli(['--json', 'backup', '--detach', '--node', 'node1']);
      assert.equal(r.code, 0, r.stderr);
      job = finalJob(r.stdout);
      assert.equal(job.state, 'running');
      await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job))?.bytes ?? 0) > 0 || undefined);
      c = cli(['cancel', job.id]);
    } finally {
      unthrottle('node1');
    }
    assert.equal(c.code, 0, c.stderr + c.stdout);
    assert.match(c.stdout, /cancelled: cancelled by the operator; the partial archive was removed/);
    const names = lsBackups();
    assert.ok(!names.includes(path.basename(job.partial!)) && !names.includes(path.basename(job.archive)), names.join(', '));
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
    cleanBackups();
  });

  test('a paused gluster container holds the job, it does not end it: tar goes on when unpaused and the archive completes', async () => {
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    let job: JobRecord;
    let paused = false;
    try {
      const r = cli(['--json', 'backup', '--detach', '--node', 'node1']);
      assert.equal(r.code, 0, r.stderr);
      job = finalJob(r.stdout);
      await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job))?.bytes ?? 0) > 0 || undefined);
      testbed('pause-container', 'node1');
      paused = true;
      // Another client looks while it is paused: the job is running, its partial kept.
      const seen = await jobs.observe(job);
      assert.deepEqual([seen.state, seen.reason], ['running', undefined]);
      assert.ok(lsBackups().includes(path.basename(job.partial!)), 'the partial archive is still there');
      testbed('unpause-container', 'node1');
      paused = false;
    } finally {
      if (paused) {
        try {
          testbed('unpause-container', 'node1');
        } catch {
          // The failure above is the one to report; the bed check of the next test sees the rest.
        }
      }
      unthrottle('node1');
    }
    const a = cli(['--json', 'attach', job.id, '--node', 'node1']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(finalJob(a.stdout).state, 'completed');
    assert.ok(lsBackups().includes(path.basename(job.archive)));
    cleanBackups();
  });

  test('the client killed mid-backup: tar goes on, attach finds and finalises the job', async () => {
    const child = startCli(['backup', '--node', 'node1']);
    const said = () => child.stdout() + child.stderr();
    const job = await waitFor('a running job on node1', 30_000, async () => {
      // A CLI that ended without starting tar (a failed preflight) says why: fail with that.
      const code = child.exitCode();
      if (code !== undefined) throw new Error(`the backup command exited ${code} before tar ran:\n${said()}`);
      return (await jobs.list(['node1'])).jobs.find((j) => j.state === 'running');
    }).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\nthe command printed so far:\n${said()}`);
    });
    // Unthrottled, tar reads the 1.1 GB of zeros in seconds and could end before the kill below:
    // slowed down, it is surely still running when the client dies (the CI run of Nov 28 saw it end).
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    try {
      await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job))?.bytes ?? 0) > 0 || undefined);
      child.kill('SIGKILL');
      assert.notEqual(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'tar still runs on the node');
    } finally {
      unthrottle('node1');
    }
    const a = cli(['--json', 'attach', job.id]);
    assert.equal(a.code, 0, a.stderr);
    const done = finalJob(a.stdout);
    assert.equal(done.state, 'completed');
    assert.ok(lsBackups().includes(path.basename(done.archive)));
    const listed = cli(['--json', 'jobs']);
    const found = (JSON.parse(listed.stdout).jobs as JobRecord[]).find((j) => j.id === job.id)!;
    assert.equal(found.state, 'completed');
    cleanBackups();
  });

  test('Ctrl-C while following a backup: the CLI says the job goes on and how to attach or cancel it, exits 130; tar still runs and cancel stops it', async () => {
    const child = startCli(['backup', '--node', 'node1']);
    let id: string;
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    try {
      // The CLI's own word that it started the job and follows it.
      id = await waitFor('the CLI to start a job', 60_000, () => {
        const code = child.exitCode();
        if (code !== undefined) throw new Error(`the backup command exited ${code} before tar ran:\n${child.stdout()}${child.stderr()}`);
        return child.stdout().match(/^started (\S+) on node1:/m)?.[1];
      }).catch((e: Error) => {
        child.kill('SIGKILL');
        throw e;
      });
      const job = (await jobs.list(['node1'])).jobs.find((j) => j.id === id)!;
      await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job))?.bytes ?? 0) > 0 || undefined);
      assert.equal(onNode('node1', ['stat', '-c', '%a', job.partial!]).stdout, '600\n', 'the partial archive is private while tar writes it');
      child.kill('SIGINT');
      const { code, stdout, stderr } = await child.done;
      assert.equal(code, 130, stdout + stderr);
      assert.equal(
        stderr,
        `gluster-backup: interrupted: the backup job ${id} goes on on node1 (only following it stopped)\n` +
          `  follow it again: gluster-backup --config ${CONFIG} attach ${id} --node node1\n` +
          `  cancel it:       gluster-backup --config ${CONFIG} cancel ${id} --node node1\n`,
      );
      assert.notEqual(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'tar still runs on the node');
      assert.equal((await jobs.list(['node1'])).jobs.find((j) => j.id === id)?.state, 'running');
      // The command it printed, as printed.
      const c = cli(['cancel', id, '--node', 'node1']);
      assert.equal(c.code, 0, c.stderr + c.stdout);
      assert.match(c.stdout, new RegExp(`^${id}: cancelled: cancelled by the operator; the partial archive was removed`));
    } finally {
      unthrottle('node1');
    }
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
    cleanBackups();
  });

  /**
   * What another client sees when it lists a job that is being started: running until its
   * start deadline, then failed as never started, its partial archive removed.
   */
  async function beingStarted(stem: string, over: Record<string, unknown> = {}) {
    const record = (startedAt: string): JobRecord => plantedRecord(stem, startedAt, over);
    const write = (r: JobRecord) => {
      plantJobFile(stem, r);
      onNode('node1', ['sh', '-c', 'printf partial > "$1"', 'write', r.partial!]);
    };
    try {
      const fresh = record(new Date().toISOString());
      write(fresh);
      const seen = await jobs.observe(fresh);
      assert.equal(seen.state, 'running', seen.reason);
      assert.ok(lsBackups().includes(`${stem}.tar.partial`), 'a starting job keeps its partial archive');

      // Claimed just now by a client whose clock runs an hour behind: the node's clock says it
      // is being started (judged on the observer's clock, it was failed and its partial removed).
      const skewed = record(new Date(Date.now() - 3_600_000).toISOString());
      write(skewed);
      const waited = await jobs.observe(skewed);
      assert.equal(waited.state, 'running', waited.reason);
      assert.ok(lsBackups().includes(`${stem}.tar.partial`), 'the skewed client\'s starting job keeps its partial archive');

      // Claimed ten minutes ago by the node's clock (the job file's mtime), whatever startedAt says.
      const old = record(new Date(Date.now() + 3_600_000).toISOString());
      write(old);
      onNode('node1', ['touch', '-d', '@' + String(Math.floor(Date.now() / 1000) - 600), `${DIR}/${stem}.job.json`]);
      const ended = await jobs.observe(old);
      assert.equal(ended.state, 'failed');
      assert.match(ended.reason ?? '', /^tar was never started; the partial archive was removed$/);
      assert.ok(!lsBackups().includes(`${stem}.tar.partial`));
    } finally {
      cleanBackups();
    }
  }

  test('a job file without an exec id (as an earlier version wrote it before docker exec): running while it is being started, failed once its start deadline passed', () =>
    beingStarted('datarobot-gluster-backup-2001-01-01'));

  test('a job file naming an exec docker created but has not started: running while it is being started, failed once its start deadline passed', async () => {
    // A job file is claimed with its exec id before docker starts the exec: another client
    // listing it then sees an exec that never ran, which is not one that ended.
    const exec = await (await cluster.connection('node1').docker()).getContainer('gluster').exec({ Cmd: ['true'], AttachStdout: false, AttachStderr: false });
    await beingStarted('datarobot-gluster-backup-2001-01-02', { createdExecId: exec.id });
  });

  test('a shell that ended 0 after publishing the archive but wrote no status (a directory that filled after the rename): completed, saying what is missing, the archive and its checksum left, the job file recorded', async () => {
    const stem = 'datarobot-gluster-backup-2001-01-03';
    // The job's shell as docker knows it once it ended with tar's exit 0: an exec that ran and exited 0.
    const docker = await cluster.connection('node1').docker();
    const exec = await docker.getContainer('gluster').exec({ Cmd: ['true'], AttachStdout: false, AttachStderr: false });
    await exec.start({ Detach: true });
    await waitFor('the exec to end', 10_000, async () => {
      const i = await exec.inspect();
      return (i.Running === false && i.ExitCode === 0) || undefined;
    });
    const record = plantedRecord(stem, new Date(Date.now() - 60_000).toISOString(), { createdExecId: exec.id });
    plantJobFile(stem, record);
    try {
      // What the script leaves: the archive published and its checksum, no partial, no status.
      onNode('node1', ['sh', '-c', 'printf archive > "$1" && printf "%s  %s\\n" "$(sha256sum < "$1" | cut -c1-64)" "$(basename "$1")" > "$1.sha256"', 'plant', record.archive]);
      const seen = await jobs.observe(record);
      assert.deepEqual(
        [seen.state, seen.exitCode, seen.archiveBytes, seen.reason],
        ['completed', 0, 7, "the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status"],
      );
      assert.equal(onNode('node1', ['cat', record.archive]).stdout, 'archive', 'the archive is left as it is');
      assert.ok(lsBackups().includes(`${stem}.tar.sha256`), 'its checksum stays');
      const saved = JSON.parse(onNode('node1', ['cat', `${DIR}/${stem}.job.json`]).stdout) as JobRecord;
      assert.deepEqual([saved.state, saved.exitCode], ['completed', 0]);
    } finally {
      cleanBackups();
    }
  });

  test('a job file that names a file outside its own is refused by jobs and attach, and that file is untouched', () => {
    // Left as it is, this record would be finalised as "tar was never started" and its
    // "partial" removed: the canary stands for any file of the node's host.
    const stem = 'datarobot-gluster-backup-2001-02-01';
    const canary = '/root/gb-canary.tar.partial';
    const planted = plantedRecord(stem, '2001-02-01T00:00:00.000Z', { partial: canary });
    onNode('node1', ['sh', '-c', 'printf keep > "$1"', 'write', canary]);
    plantJobFile(stem, planted);
    try {
      const listed = cli(['--json', 'jobs']);
      assert.equal(listed.code, 1, listed.stderr);
      const { errors } = JSON.parse(listed.stdout) as { errors: { node: string; message: string }[] };
      assert.deepEqual(
        errors.map((e) => e.node + ': ' + e.message),
        [`node1: ${DIR}/${stem}.job.json is not a job file this version can use: "partial" is not ${DIR}/${stem}.tar.partial, where this job file puts it`],
      );
      const a = cli(['attach', stem]);
      assert.equal(a.code, 2);
      assert.match(a.stderr, new RegExp(`no backup job "${stem}" on any node \\(could not look on: node1: .*"partial" is not ${DIR}/${stem}\\.tar\\.partial`));
      assert.equal(onNode('node1', ['cat', canary]).stdout, 'keep', 'the file the record named is untouched');
      assert.ok(lsBackups().includes(`${stem}.job.json`), 'the job file stays for the operator to look at');
    } finally {
      onNode('node1', ['rm', '-f', canary]);
      cleanBackups();
    }
  });

  test('cancel signals only the tar of the job: a status file naming another process is refused', () => {
    const stem = 'datarobot-gluster-backup-2001-03-01';
    const { record, sleeper, stop } = plantRunningJob(stem, '2001-03-01T00:00:00.000Z');
    try {
      const c = cli(['cancel', stem]);
      assert.equal(c.code, 2, c.stdout);
      assert.match(c.stderr, new RegExp(`cannot cancel ${stem}: its status file names process ${sleeper}, which is not this job's tar .*nothing was signalled`));
      assert.equal(inGluster('node1', ['kill', '-0', sleeper], { allowFail: true }).status, 0, 'the process the status file named still runs');
      const left = lsBackups();
      assert.ok(left.includes(`${stem}.tar.partial`), 'nothing of the job was removed');
      assert.ok(!left.includes(`${stem}.cancel`), 'the cancel request is withdrawn');
    } finally {
      stop();
      cleanBackups();
    }
  });

  test('a cancel whose signal cannot be sent withdraws its request: the job goes on, and its own end is not taken for a cancel', async () => {
    const stem = 'datarobot-gluster-backup-2001-03-02';
    const { record, sleeper, stop } = plantRunningJob(stem, '2001-03-02T00:00:00.000Z');
    // Docker stops answering once the cancel request is on the node: the signal cannot be sent.
    const other = new Cluster(testbedSettings());
    const conn = other.connection('node1');
    const write = conn.writeAtomic.bind(conn);
    const docker = conn.docker.bind(conn);
    let requested = false;
    conn.writeAtomic = async (file, data) => {
      await write(file, data);
      if (file.endsWith('.cancel')) requested = true;
    };
    conn.docker = async () => {
      if (requested) throw new Error('connect ECONNREFUSED /var/run/docker.sock');
      return docker();
    };
    try {
      const seen = await new BackupJobs(other).observe(record);
      assert.equal(seen.state, 'running', seen.reason);
      await assert.rejects(new BackupJobs(other).cancel(seen), (e: Error) => {
        assert.match(e.message, new RegExp(`^cannot cancel ${stem}: .*ECONNREFUSED.*; the cancel request was withdrawn, so the job ends on its own terms\\. Look at it with "gluster-backup attach ${stem} --node node1"$`));
        return true;
      });
      assert.ok(requested, 'the cancel request was written before the signal failed');
      const left = lsBackups();
      assert.ok(!left.includes(`${stem}.cancel`), `the cancel request is withdrawn: ${left.join(', ')}`);
      assert.ok(left.includes(`${stem}.tar.partial`), 'nothing of the job was removed');
      assert.equal(inGluster('node1', ['kill', '-0', sleeper], { allowFail: true }).status, 0, 'nothing was signalled');
    } finally {
      other.dispose();
      stop();
      cleanBackups();
    }
  });

  test("a job of an older build whose status names tar's fork before it is tar: the cancel tries again, signals tar once it is, and the job ends cancelled", async () => {
    const stem = 'datarobot-gluster-backup-2001-03-03';
    const record = plantedRecord(stem, '2001-03-03T00:00:00.000Z');
    const status = `${DIR}/${stem}.status`;
    const gate = `${DIR}/${stem}.gate`;
    plantJobFile(stem, record);
    // The partial a FIFO: the stand-in's tar blocks opening it, writing nothing, until signalled.
    onNode('node1', ['mkfifo', record.partial!]);
    // As the script of a build before this fix ran it: "running" with $! at once, while the fork
    // is still bash, which here becomes tar (argv0 "tar", the job's head) only once the gate is
    // opened; the end written as that script writes it. Bounded: never left waiting for long.
    const oldScript = String.raw`
partial=$1 status=$2 gate=$3
bash -c 'i=0; while [ ! -e "$1" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done; exec -a tar tar --create --file="$2" --directory=/ .' standin "$gate" "$partial" &
t=$!
printf 'running %s %s %s\n' "$$" "$t" "$(date +%s.%N)" > "$status.tmp" && mv -f "$status.tmp" "$status"
wait "$t"; rc=$?
rm -f "$partial"
printf 'exit %s %s\n' "$rc" "$(date +%s.%N)" > "$status.tmp" && mv -f "$status.tmp" "$status"
`;
    const shell = inGluster('node1', ['sh', '-c', `sh -c "$1" old-job "$2" "$3" "$4" >/dev/null 2>&1 </dev/null & echo $!`, 'plant', oldScript, record.partial!, status, gate]).stdout.trim();
    assert.match(shell, /^\d+$/);
    const other = new Cluster(testbedSettings());
    const conn = other.connection('node1');
    const write = conn.writeAtomic.bind(conn);
    const read = conn.read.bind(conn);
    let requested = false;
    let looks = 0;
    conn.writeAtomic = async (file, data) => {
      await write(file, data);
      if (file.endsWith('.cancel')) requested = true;
    };
    // The gate opens at the cancel's second look at the status: its first signal surely found bash.
    conn.read = async (file, start, length) => {
      if (requested && file === status && ++looks === 2) onNode('node1', ['touch', gate]);
      return read(file, start, length);
    };
    let standIn: number | undefined;
    try {
      const planted = await waitFor('the planted job to say running', 10_000, () => {
        const st = parseStatus(onNode('node1', ['cat', status], { allowFail: true }).stdout);
        return st.phase === 'running' ? st : undefined;
      });
      standIn = planted.tarPid;
      const seen = await new BackupJobs(other).observe(record);
      assert.equal(seen.state, 'running', seen.reason);
      const ended = await new BackupJobs(other).cancel(seen);
      assert.ok(looks >= 2, `the status was looked at again after the first signal (${looks} looks)`);
      assert.equal(ended.state, 'cancelled', ended.reason);
      assert.equal(ended.exitCode, 143);
      const left = lsBackups();
      assert.ok(!left.includes(`${stem}.tar.partial`) && !left.includes(`${stem}.cancel`) && !left.includes(`${stem}.tar`), left.join(', '));
    } finally {
      other.dispose();
      onNode('node1', ['touch', gate], { allowFail: true });
      // The planted shell first (it would write an exit), then its stand-in if a failure left it blocked.
      inGluster('node1', ['sh', '-c', 'kill "$1" 2>/dev/null; [ -z "$2" ] || kill "$2" 2>/dev/null; :', 'stop', shell, standIn === undefined ? '' : String(standIn)], { allowFail: true });
      cleanBackups();
    }
  });

  test('the gluster container stopped mid-backup: the job fails and the partial is removed', async () => {
    const r = cli(['--json', 'backup', '--detach', '--node', 'node1']);
    const job = finalJob(r.stdout);
    await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job))?.bytes ?? 0) > 0 || undefined);
    onNode('node1', ['docker', 'stop', 'gluster']);
    try {
      const seen = await jobs.observe(job);
      assert.equal(seen.state, 'failed');
      assert.match(seen.reason ?? '', /gluster container is exited \(stopped during the backup\); the partial archive was removed/);
      assert.ok(!lsBackups().includes(path.basename(job.partial!)));
    } finally {
      testbed('start-gluster', 'node1');
    }
    cleanBackups();
  });

  /**
   * A backup whose container is stopped while a shim of `tool`, first in the image's PATH, holds
   * the script at its first call with an operand `held` matches and `passed` (when given) does
   * not (shell case patterns): it says
   * so in the container's /tmp and waits. A cancel request is written first when `cancel`.
   * The job is then observed: completed as tar ended, the archive its own, no status or partial
   * left, the catalog crediting it; `reason` is its expected reason.
   */
  async function stoppedWhileHeld(o: { tool: string; held: string; passed?: string; cancel: boolean; reason: string }): Promise<void> {
    const reached = '/tmp/gb-published-reached';
    const shimPath = `/usr/local/sbin/${o.tool}`;
    const unshim = () => inGluster('node1', ['rm', '-f', shimPath, reached]);
    assert.equal(inGluster('node1', ['sh', '-c', `ls ${shimPath} 2>/dev/null || true`]).stdout, '', `no ${o.tool} of the image is in /usr/local/sbin`);
    const real = inGluster('node1', ['sh', '-c', `command -v ${o.tool}`]).stdout.trim();
    assert.match(real, new RegExp(`^/\\S+/${o.tool}$`));
    const shim = ['#!/bin/sh', `for a; do case $a in ${o.passed ? `${o.passed}) ;; ` : ''}${o.held}) echo $$ > ${reached}; while :; do sleep 1; done ;; esac; done`, `exec ${real} "$@"`, ''].join('\n');
    let stopped = false;
    try {
      inGluster('node1', ['sh', '-c', 'cat > "$1.gb-shim" && chmod 755 "$1.gb-shim" && mv -f "$1.gb-shim" "$1"', 'shim', shimPath], { input: shim });
      const r = cli(['--json', 'backup', '--detach', '--node', 'node1']);
      assert.equal(r.code, 0, r.stderr);
      const job = finalJob(r.stdout);
      const p = jobPaths(DIR, path.basename(job.archive));
      await waitFor('the job to publish its archive', 180_000, () => inGluster('node1', ['test', '-s', reached], { allowFail: true }).status === 0 || undefined);
      const log = onNode('node1', ['cat', p.log]).stdout;
      assert.ok(log.endsWith(`\ngluster-backup: tar exit 0: published the archive as ${job.archive}\n`) || log === `gluster-backup: tar exit 0: published the archive as ${job.archive}\n`, log);
      // A cancel request written now, as a client's cancel writes it: the script looked for one
      // last before it published.
      if (o.cancel) onNode('node1', ['sh', '-c', 'date > "$1"', 'cancel', p.cancel]);
      onNode('node1', ['docker', 'stop', 'gluster']);
      stopped = true;
      assert.match(onNode('node1', ['cat', p.status]).stdout, /^running /, 'no final status was written');
      const bytes = Number(onNode('node1', ['stat', '-c', '%s', job.archive]).stdout.trim());
      const seen = await jobs.observe(job);
      assert.deepEqual([seen.state, seen.exitCode, seen.archiveBytes, seen.reason], ['completed', 0, bytes, o.reason]);
      const names = lsBackups();
      assert.ok(names.includes(path.basename(job.archive)), names.join(', '));
      for (const gone of [job.partial!, p.status, p.cancel]) assert.ok(!names.includes(path.basename(gone)), `${path.basename(gone)} is gone: ${names.join(', ')}`);
      assert.equal(Number(onNode('node1', ['stat', '-c', '%s', job.archive]).stdout.trim()), bytes, 'the archive as it was');
      const saved = JSON.parse(onNode('node1', ['cat', p.job]).stdout) as JobRecord;
      assert.deepEqual([saved.state, saved.reason], [seen.state, seen.reason]);
      // The catalog takes the record as the archive's own (a cancelled or failed one it would not).
      const listed = cli(['--json', 'list', '--node', 'node1']);
      assert.equal(listed.code, 0, listed.stderr);
      const a = (JSON.parse(listed.stdout) as { nodes: { archives: { name: string; job?: { id: string; state: string; exitCode?: number } }[] }[] }).nodes[0].archives.find((x) => x.name === path.basename(job.archive));
      assert.deepEqual(a?.job && [a.job.id, a.job.state, a.job.exitCode], [job.id, 'completed', 0]);
    } finally {
      if (stopped) {
        testbed('start-gluster', 'node1');
        await waitHealthy();
      } else {
        // Failed before the stop: the waiting shim goes, and the job ends on its own.
        inGluster('node1', ['sh', '-c', 'pid=$(cat "$1" 2>/dev/null) && kill "$pid"; true', 'unblock', reached], { allowFail: true });
      }
      unshim();
      cleanBackups();
    }
  }

  test('the gluster container stopped right after the job published the archive, a cancel asked then: the job is completed as tar ended, the archive its own, nothing removed', async () => {
    // At the script's first look at the archive under its final name (right after the publish
    // and its log line), before the checksum file and the final status.
    await stoppedWhileHeld({
      tool: 'stat',
      held: `${DIR}/datarobot-gluster-backup-*`,
      passed: '*.partial',
      cancel: true,
      reason:
        "the archive is whole: the job published it after tar's exit 0 (its log says so), then ended without writing its final status: the gluster container is exited (stopped during the backup); no checksum file was written beside it, so validation finds none; the cancel request came after the job had made its last check for one and published the archive, so it took no effect",
    });
  });

  test("the gluster container stopped after the archive was linked and before the partial's name went: the job is completed, that second name removed, the archive whole", async () => {
    // At the script's removal of the partial's name, once the archive is linked under its final
    // name and the log says so. A script that said the line after the removal left this a failed job.
    await stoppedWhileHeld({
      tool: 'rm',
      held: `${DIR}/datarobot-gluster-backup-*.partial`,
      cancel: false,
      reason:
        "the archive is whole: the job published it after tar's exit 0 (its log says so), then ended without writing its final status: the gluster container is exited (stopped during the backup); the partial archive's name, a second name of the archive's file, was removed; no checksum file was written beside it, so validation finds none",
    });
  });

  test('the job\'s shell killed (SIGKILL) mid-backup ends without a status: attach records it failed with the shell\'s exit, and the partial archive is removed', async () => {
    let job: JobRecord | undefined;
    let shell: number | undefined;
    try {
      onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
      try {
        const r = cli(['--json', 'backup', '--detach', '--node', 'node1']);
        assert.equal(r.code, 0, r.stderr);
        job = finalJob(r.stdout);
        assert.equal(job.state, 'running');
        await waitFor('the archive to grow', 20_000, async () => ((await jobs.progress(job!))?.bytes ?? 0) > 0 || undefined);
        const status = jobPaths(DIR, path.basename(job.archive)).status;
        const st = parseStatus(inGluster('node1', ['cat', status]).stdout);
        assert.equal(st.phase, 'running', `the status file says tar runs: ${JSON.stringify(st)}`);
        shell = st.phase === 'running' ? st.shPid : undefined;
        // The shell alone: tar, its subshell and the checksum follower go on, and nothing of the
        // job is left to write its final status.
        inGluster('node1', ['sh', '-c', 'kill -KILL "$1"', 'kill', String(shell)]);
        const exec = (await cluster.connection('node1').docker()).getExec(job.createdExecId!);
        const ended = await waitFor('docker to see the job\'s shell end', 20_000, async () => {
          const info = await exec.inspect();
          return info.Running ? undefined : info;
        });
        assert.equal(ended.ExitCode, 137, 'a shell killed by SIGKILL');
        assert.match(inGluster('node1', ['cat', status]).stdout, /^running /, 'no final status was written');
      } finally {
        unthrottle('node1');
      }
      const a = cli(['--json', 'attach', job.id, '--node', 'node1']);
      assert.equal(a.code, 2, a.stderr);
      const done = finalJob(a.stdout);
      assert.deepEqual([done.state, done.reason, done.exitCode], ['failed', "the backup shell ended with status 137 without reporting tar's exit; the partial archive was removed", undefined]);
      const names = lsBackups();
      assert.ok(!names.includes(path.basename(job.partial!)) && !names.includes(path.basename(job.archive)), names.join(', '));
      const saved = JSON.parse(onNode('node1', ['cat', `${DIR}/${job.id}.job.json`]).stdout) as JobRecord;
      assert.deepEqual([saved.state, saved.reason], [done.state, done.reason]);
    } finally {
      // The orphaned tar, and the files in /tmp the killed shell would have removed.
      if (shell !== undefined) inGluster('node1', ['sh', '-c', 'pkill -x tar; while pgrep -x tar >/dev/null; do sleep 0.1; done; rm -f "/tmp/gluster-backup-job-$1".*', 'tidy', String(shell)]);
      cleanBackups();
    }
  });

  test('the node lost mid-backup: unknown until it is back, then the real outcome', async () => {
    const r = cli(['--json', 'backup', '--detach', '--node', 'node2']);
    const job = finalJob(r.stdout);
    testbed('cut-link', 'node2');
    let restored = false;
    try {
      const seen = await jobs.observe(job);
      assert.equal(seen.state, 'unknown');
      assert.match(seen.reason ?? '', /10\.213\.51\.12/);
      testbed('restore-link', 'node2');
      restored = true;
      const done = await waitFor('the job to end', 120_000, async () => {
        const j = await jobs.observe(job);
        return j.state !== 'running' && j.state !== 'unknown' ? j : undefined;
      });
      assert.equal(done.state, 'completed', done.reason);
    } finally {
      if (!restored) testbed('restore-link', 'node2');
      cleanBackups('node2');
    }
  });

  test('following a job samples the real archive growing on the node', async () => {
    onNode('node1', ['docker', 'update', '--cpus', '0.3', 'gluster']);
    try {
      const job = await jobs.start('node1', { compression: 'none' });
      const samples: number[] = [];
      const waits = () => Number(inGluster('node1', ['pgrep', '-fc', 'gluster-backup-wait'], { allowFail: true }).stdout.trim() || 0);
      let waitingWhileRunning = -1;
      const final = await followJob(
        jobs,
        job,
        {
          sample: (_t, bytes) => {
            samples.push(bytes);
            if (samples.length === 2) waitingWhileRunning = waits();
          },
        },
        500,
      ).done;
      assert.equal(final.state, 'completed', final.reason);
      // The end is learnt from a wait in the container (BackupJobs.waitForExit), which ends with the job.
      assert.equal(waitingWhileRunning, 1, 'one wait on the job ran in the container while tar did');
      await waitFor('the wait in the container to end', 10_000, () => (waits() === 0 ? true : undefined));
      assert.ok(samples.length >= 3, `several samples while tar ran (${samples.length})`);
      for (let i = 1; i < samples.length; i++) assert.ok(samples[i] >= samples[i - 1], `sizes never shrink: ${samples.join(',')}`);
      assert.ok(samples[0] < final.archiveBytes!, 'the first sample saw a partial archive');
      assert.equal(samples[samples.length - 1], final.archiveBytes);
    } finally {
      unthrottle('node1');
      cleanBackups();
    }
  });

  test('a backups directory without hard links (the container\'s ln refuses them): preflight warns, the archive is published with mv -n and checks out; without mv -n either, it is kept as the partial and the job says so', () => {
    // Shims first in the image's PATH (/usr/local/sbin): an ln that makes no hard link, as on
    // exFAT or vfat, and for the second backup an mv -n that moves nothing. The job's shell and
    // preflight's exec both find them; they go in finally.
    const shims = String.raw`
set -e
real=$(command -v "$1")
printf '#!/bin/sh
case "$1" in %s) exec "%s" "$@";; esac
%s
' "$2" "$real" "$3" > "/usr/local/sbin/$1.gb-shim"
chmod 755 "/usr/local/sbin/$1.gb-shim"
mv -f "/usr/local/sbin/$1.gb-shim" "/usr/local/sbin/$1"
# The shell remembers where it found the mv it ran just above.
hash -r
[ "$(command -v "$1")" = "/usr/local/sbin/$1" ]
`;
    const unshim = () => inGluster('node1', ['rm', '-f', '/usr/local/sbin/ln', '/usr/local/sbin/mv']);
    assert.equal(inGluster('node1', ['sh', '-c', 'ls /usr/local/sbin/ln /usr/local/sbin/mv 2>/dev/null || true']).stdout, '', 'no ln or mv of the image is in /usr/local/sbin');
    try {
      inGluster('node1', ['sh', '-c', shims, 'shim', 'ln', '-s', 'echo "ln: failed to create hard link: Operation not permitted" >&2; exit 1']);
      const r = cli(['--json', 'backup', '--node', 'node1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /WARN Backups directory: \/opt\/datarobot\/data\/backups\/gluster on node1, writable from the gluster container and by the SSH user \S+, but it cannot hold hard links \(ln: failed to create hard link: Operation not permitted\): the finished archive is published with mv -n/);
      const job = finalJob(r.stdout);
      assert.deepEqual([job.state, job.reason], ['completed', undefined]);
      // Its end kept nothing: written as version 1, which a client before exit 3 reads too.
      assert.equal((JSON.parse(onNode('node1', ['cat', `${DIR}/${job.id}.job.json`]).stdout) as JobRecord).version, 1);
      const names = lsBackups();
      assert.ok(names.includes(path.basename(job.archive)) && !names.includes(path.basename(job.partial!)), names.join(', '));
      assert.ok(!names.some((n) => n.startsWith('.gluster-backup-link-probe-')), `preflight's probe is gone: ${names.join(', ')}`);
      const check = onNode('node1', ['sh', '-c', 'cd "$1" && sha256sum -c --strict "$2"', 'check', DIR, `${path.basename(job.archive)}.sha256`], { allowFail: true });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const v = cli(['--json', 'validate-backup', '--node', 'node1', '--archive', job.archive]);
      assert.ok(v.code === 0 || v.code === 1, v.stderr);
      assert.equal((JSON.parse(v.stdout) as { checksum?: string }).checksum, 'ok', v.stdout.slice(0, 2000));
      cleanBackups();

      inGluster('node1', ['sh', '-c', shims, 'shim', 'mv', '-f', 'exit 1']);
      const kept = cli(['--json', 'backup', '--node', 'node1']);
      assert.equal(kept.code, 2, kept.stderr);
      const failed = finalJob(kept.stdout);
      assert.equal(failed.state, 'failed');
      // The job's exit 3 (kept) is the script's, not tar's: no "tar exit 3" in the record.
      assert.equal(failed.exitCode, undefined);
      assert.match(failed.reason ?? '', new RegExp(`^tar exit [01], but the archive could not be published as ${failed.archive.replace(/[.]/g, '[.]')} \\(ln: failed to create hard link: Operation not permitted; mv -n left it in place\\): the complete archive is kept as ${failed.partial!.replace(/[.]/g, '[.]')}; publish it as ${path.basename(failed.archive).replace(/[.]/g, '[.]')} to use it \\(gluster-backup publish-kept --node node1 -f ${path.basename(failed.partial!).replace(/[.]/g, '[.]')}\\); it has no checksum file$`));
      const left = lsBackups();
      assert.ok(left.includes(path.basename(failed.partial!)) && !left.includes(path.basename(failed.archive)), left.join(', '));
      // The partial is the whole archive: tar reads it to its end.
      assert.equal(inGluster('node1', ['sh', '-c', 'tar -tf "$1" >/dev/null', 'list', failed.partial!], { allowFail: true }).status, 0);
      // Its job file is version 2 on the node, as claimed and as ended (it kept its archive): a
      // client before exit 3 reads only 1, refuses it, and so leaves the partial (it would take
      // it for a failed tar's).
      assert.equal((JSON.parse(onNode('node1', ['cat', `${DIR}/${failed.id}.job.json`]).stdout) as JobRecord).version, 2);
    } finally {
      unshim();
      cleanBackups();
    }
  });

  test('bad paths are rejected before anything runs', () => {
    const r = cli(['backup', '-b', 'relative/dir']);
    assert.equal(r.code, 64, 'a usage error');
    assert.match(r.stderr, /must be an absolute path/);
    const inside = cli(['backup', '-b', '/mnt/gluster/backups']);
    assert.equal(inside.code, 2);
    assert.match(inside.stdout, /FAIL Backups directory: \/mnt\/gluster\/backups is inside the gluster filesystem/);
    const missing = cli(['backup', '-b', '/opt/datarobot/data/backups/nowhere']);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /does not exist or is not writable inside the gluster container/);
  });
});
