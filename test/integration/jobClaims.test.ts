// Two clients starting jobs on one node at the same moment (the CLI in a shell, VS Code on a
// laptop): each job's name is claimed by creating its job file where none exists, so neither
// takes the other's name, record or partial archive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs, isFinal } from '../../src/core/backup/jobs';
import type { JobRecord } from '../../src/core/backup/types';
import { parseJobFile } from '../../src/core/backup/jobFile';
import { inGluster, onNode, testbedSettings, waitFor, waitHealthy } from './helpers/testbed';
import { cancelWhileStarting } from './helpers/cancelWhileStarting';

const DIR = '/opt/datarobot/data/backups/gluster';

function cleanBackups() {
  onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-* claim-test.*', 'clean', DIR]);
  inGluster('node1', ['rm', '-rf', '/mnt/gluster/claim-restore']);
}

describe('claiming a job name on the node', () => {
  let cluster: Cluster;
  before(async () => {
    await waitHealthy();
    cleanBackups();
    // The replica volume's sample data: two backups of it are quick.
    cluster = new Cluster(testbedSettings({ glusterPath: '/mnt/gluster-rep' }));
  });
  after(() => {
    cleanBackups();
    cluster.dispose();
  });

  test('over SSH: a new file is written whole and private; an existing one is left as it was; no temporary file stays', async () => {
    const conn = cluster.connection('node1');
    const file = `${DIR}/claim-test.job.json`;
    assert.equal(await conn.createExclusive(file, 'first\n'), true);
    assert.equal(await conn.createExclusive(file, 'second\n'), false);
    assert.equal(onNode('node1', ['cat', file]).stdout, 'first\n');
    assert.equal(onNode('node1', ['stat', '-c', '%a', file]).stdout.trim(), '600');
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => conn.createExclusive(`${DIR}/claim-test.race`, `claim ${i}\n`)));
    assert.equal(claims.filter(Boolean).length, 1, `granted: ${claims.join(',')}`);
    assert.equal(onNode('node1', ['cat', `${DIR}/claim-test.race`]).stdout, `claim ${claims.indexOf(true)}\n`);
    assert.deepEqual(onNode('node1', ['sh', '-c', 'ls -1A "$1" | grep "^claim-test" || true', 'ls', DIR]).stdout.split('\n').filter(Boolean), ['claim-test.job.json', 'claim-test.race']);
  });

  test('over SSH: a directory that is not there is an error, not a taken name', async () => {
    await assert.rejects(cluster.connection('node1').createExclusive('/opt/datarobot/data/backups/nowhere/x.job.json', 'x'));
  });

  test('two backups started on one node at the same moment get two names, and each archive is whole', async () => {
    const a = new BackupJobs(cluster);
    const b = new BackupJobs(cluster);
    // Both look at the directory before either writes: on the old code both took the same name.
    const started = await Promise.all([a.start('node1', { compression: 'none' }), b.start('node1', { compression: 'none' })]);
    const names = started.map((j) => j.archive).sort();
    assert.notEqual(names[0], names[1], `both took ${names[0]}`);
    const done = await Promise.all(
      started.map((j) => waitFor(`${j.id} to end`, 120_000, async (): Promise<JobRecord | undefined> => {
        const now = await a.observe(j);
        return isFinal(now.state) ? now : undefined;
      })),
    );
    for (const j of done) assert.equal(j.state, 'completed', `${j.id}: ${j.reason ?? ''}`);
    const listings = done.map((j) => onNode('node1', ['tar', '-tf', j.archive]).stdout.split('\n').filter(Boolean).sort());
    assert.ok(listings[0].length > 1, listings[0].join('\n'));
    assert.deepEqual(listings[1], listings[0], 'the same volume, archived twice, whole both times');
    for (const j of done) {
      const rec = JSON.parse(onNode('node1', ['cat', `${DIR}/${j.id}.job.json`]).stdout) as JobRecord;
      assert.deepEqual([rec.id, rec.archive, rec.state], [j.id, j.archive, 'completed']);
    }
  });

  test('a backup that ends while it is being started keeps the outcome another client recorded: the starting client writes its job file once, exec id and all', async () => {
    // Client B finalises the job as soon as tar has ended; client A's connection holds any
    // later "running" write of the job file until then. An earlier version wrote the exec id
    // in such a write after the start, and put "running" back over B's "completed": the next
    // look then failed the backup ("ended without reporting tar's exit").
    const other = new Cluster(testbedSettings({ glusterPath: '/mnt/gluster-rep' }));
    const a = new BackupJobs(cluster);
    const b = new BackupJobs(other);
    const conn = cluster.connection('node1');
    const claims: JobRecord[] = [];
    const runningWrites: JobRecord[] = [];
    let bSawTheEnd!: () => void;
    const ended = new Promise<void>((resolve) => (bSawTheEnd = resolve));
    const create = conn.createExclusive.bind(conn);
    const write = conn.writeAtomic.bind(conn);
    const asJob = (path: string, data: string | Buffer) => parseJobFile(String(data), path, 'node1');
    conn.createExclusive = async (path, data) => {
      if (path.endsWith('.job.json')) claims.push(asJob(path, data));
      return create(path, data);
    };
    conn.writeAtomic = async (path, data) => {
      if (path.endsWith('.job.json') && asJob(path, data).state === 'running') {
        runningWrites.push(asJob(path, data));
        await Promise.race([ended, new Promise((r) => setTimeout(r, 60_000))]);
      }
      return write(path, data);
    };
    try {
      const before = new Set(onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n'));
      const seenByB = waitFor('client B to see the backup end', 120_000, async (): Promise<JobRecord | undefined> => {
        const job = (await b.list(['node1'])).jobs.find((j) => !before.has(`${j.id}.job.json`));
        return job && isFinal(job.state) ? job : undefined;
      }).then((j) => {
        bSawTheEnd();
        return j;
      });
      const started = await a.start('node1', { compression: 'none' });
      const byB = await seenByB;
      assert.equal(byB.id, started.id);
      assert.equal(byB.state, 'completed', byB.reason);
      const byA = await waitFor('client A to see the end', 60_000, async () => {
        const j = await a.observe(started);
        return isFinal(j.state) ? j : undefined;
      });
      assert.equal(byA.state, 'completed', byA.reason);
      const file = `${DIR}/${started.id}.job.json`;
      const onDisk = parseJobFile(onNode('node1', ['cat', file]).stdout, file, 'node1');
      assert.equal(onDisk.state, 'completed', onDisk.reason);
      assert.equal(onNode('node1', ['stat', '-c', '%s', started.archive]).stdout.trim(), String(onDisk.archiveBytes), 'the archive is there, as recorded');
      assert.equal(claims.length, 1);
      assert.match(claims[0].createdExecId ?? '', /^[0-9a-f]{64}$/, 'the claimed job file names its exec');
      assert.equal(claims[0].execId, undefined, 'not as execId, which an earlier version reads as an exec already started');
      assert.deepEqual(runningWrites, [], 'no "running" record written after the claim');
    } finally {
      bSawTheEnd();
      conn.createExclusive = create;
      conn.writeAtomic = write;
      other.dispose();
      cleanBackups();
    }
  });

  test('a job another client failed while it was being started (its start deadline passed) is not started after all', async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-02-02.tar`;
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/claim; mkdir -p /tmp/claim/a; printf x > /tmp/claim/a/f; touch -d @1600000000 /tmp/claim/a/f /tmp/claim/a; tar --numeric-owner -C /tmp/claim -cf "$1" ./a; rm -rf /tmp/claim', 'mk', arch]);
    const size = Number(onNode('node1', ['stat', '-c', '%s', arch]).stdout.trim());
    inGluster('node1', ['sh', '-c', 'rm -rf /mnt/gluster/claim-restore && mkdir -p /mnt/gluster/claim-restore']);
    const conn = cluster.connection('node1');
    const write = conn.writeAtomic.bind(conn);
    let failedIt = '';
    // The resume list is written after the claim: while it is, another client gives up on the
    // job, as it does once the start deadline has passed.
    conn.writeAtomic = async (path, data) => {
      await write(path, data);
      if (!path.endsWith('.dirs')) return;
      failedIt = path.replace(/\.dirs$/, '.job.json');
      const rec = parseJobFile(onNode('node1', ['cat', failedIt]).stdout, failedIt, 'node1');
      onNode('node1', ['sh', '-c', 'cat > "$1"', 'write', failedIt], { input: JSON.stringify({ ...rec, state: 'failed', endedAt: rec.startedAt, reason: 'tar was never started' }) });
    };
    try {
      await assert.rejects(
        new BackupJobs(cluster).startRestore('node1', {
          archive: arch,
          compression: 'none',
          spec: { target: '/mnt/gluster/claim-restore', members: [], policy: 'skip', bytesToWrite: 1, archiveBytes: size, resume: { from: 'datarobot-gluster-backup-2001-02-01.tar.restore-20010201T110000Z', dirs: 1 } },
          now: new Date(Date.UTC(2001, 1, 2, 12, 0, 0)),
          resumeDirs: Buffer.from('./a/\0'),
        }),
        (e: Error) => {
          assert.match(e.message, /^restore .*: its job file says failed before tar was started; nothing was started: try again$/);
          return true;
        },
      );
      assert.ok(failedIt, 'the resume list was written');
      assert.equal(parseJobFile(onNode('node1', ['cat', failedIt]).stdout, failedIt, 'node1').reason, 'tar was never started', "the other client's record stands");
      assert.equal(inGluster('node1', ['ls', '-A', '/mnt/gluster/claim-restore']).stdout, '', 'tar never ran');
    } finally {
      conn.writeAtomic = write;
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'rm', arch]);
    }
  });

  test('two restores of one archive started in the same second: one runs, the other is refused, and the directory list is the one that runs', async () => {
    const arch = `${DIR}/datarobot-gluster-backup-2001-02-01.tar`;
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf /tmp/claim; mkdir -p /tmp/claim/a /tmp/claim/b; printf x > /tmp/claim/a/f; touch -d @1600000000 /tmp/claim/a/f /tmp/claim/a /tmp/claim/b; tar --numeric-owner -C /tmp/claim -cf "$1" ./a ./b; rm -rf /tmp/claim', 'mk', arch]);
    const size = Number(onNode('node1', ['stat', '-c', '%s', arch]).stdout.trim());
    const now = new Date(Date.UTC(2001, 1, 1, 12, 0, 0));
    const jobs = new BackupJobs(cluster);
    const start = (dir: string) =>
      jobs.startRestore('node1', {
        archive: arch,
        compression: 'none',
        spec: { target: '/mnt/gluster/claim-restore', members: [], policy: 'skip', bytesToWrite: 1, archiveBytes: size, resume: { from: 'datarobot-gluster-backup-2001-02-01.tar.restore-20010201T110000Z', dirs: 1 } },
        now,
        resumeDirs: Buffer.from(`./${dir}/\0`),
      });
    inGluster('node1', ['mkdir', '-p', '/mnt/gluster/claim-restore']);
    const [a, b] = await Promise.allSettled([start('a'), start('b')]);
    const won = [a, b].filter((r): r is PromiseFulfilledResult<JobRecord> => r.status === 'fulfilled');
    const lost = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, `started: ${won.map((r) => r.value.id).join(', ')}`);
    assert.match(String(lost[0].reason), /a restore of .* started this very second already exists .*: wait a second and try again/);
    const winner = a.status === 'fulfilled' ? 'a' : 'b';
    const job = won[0].value;
    assert.equal(onNode('node1', ['cat', `${DIR}/${job.id}.dirs`]).stdout, `./${winner}/\0`, 'the list of the restore that runs');
    const done = await waitFor(`${job.id} to end`, 120_000, async (): Promise<JobRecord | undefined> => {
      const now2 = await jobs.observe(job);
      return isFinal(now2.state) ? now2 : undefined;
    });
    assert.equal(done.state, 'completed', done.reason);
    onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".restore-*', 'rm', arch]);
  });

  test('a backup another client cancels while it is being started, its name taken meanwhile by another writer: tar never runs, the job is cancelled, and the other archive is neither credited nor touched', async () => {
    // Client A claims the job file; before docker starts the job's shell, another writer makes
    // the archive's name and client B cancels the job (its tar has no pid yet to signal). On
    // the old code the script ran a whole tar, removed its partial and ended 0, and the job was
    // recorded completed with the other archive's size.
    const other = new Cluster(testbedSettings({ glusterPath: '/mnt/gluster-rep' }));
    const a = new BackupJobs(cluster);
    const b = new BackupJobs(other);
    let otherSha = '';
    // One call between the claim and the cancel: A must start the shell within its start deadline (5 s of docker time on the bed, and 5 more).
    const race = cancelWhileStarting(cluster.connection('node1'), other.connection('node1'), (claimed) => b.cancel(claimed), (claimed) => {
      otherSha = onNode('node1', ['sh', '-c', 'cd "${1%/*}" && tar -cf "${1##*/}" -C /etc hostname && sha256sum "${1##*/}" > "${1##*/}.sha256" && cut -c1-64 "${1##*/}.sha256"', 'plant', claimed.archive]).stdout.trim();
    });
    try {
      const started = await a.start('node1', { compression: 'none' });
      const claimed = race.claimed();
      const byB = race.byB();
      assert.ok(claimed && byB, 'the job was claimed and cancelled');
      assert.match(otherSha, /^[0-9a-f]{64}$/);
      const archive = claimed.archive;
      const reason = `cancelled by the operator before tar started; nothing was written; ${archive} is another job's archive, not this one's, and was left untouched`;
      const byA = isFinal(started.state) ? started : await waitFor('client A to see the end', 60_000, async () => {
        const j = await a.observe(started);
        return isFinal(j.state) ? j : undefined;
      });
      assert.deepEqual([byA.state, byA.reason, byA.archiveBytes, byA.exitCode], ['cancelled', reason, undefined, undefined]);
      const cancelled = await byB;
      assert.deepEqual([cancelled.state, cancelled.reason], ['cancelled', reason]);
      const file = `${DIR}/${started.id}.job.json`;
      const onDisk = parseJobFile(onNode('node1', ['cat', file]).stdout, file, 'node1');
      assert.deepEqual([onDisk.state, onDisk.reason, onDisk.archiveBytes, onDisk.exitCode], ['cancelled', reason, undefined, undefined]);
      assert.equal(onNode('node1', ['cat', started.log]).stdout, 'gluster-backup: cancelled before tar started: tar was not run, and nothing was written\n', 'tar never ran');
      assert.equal(onNode('node1', ['sha256sum', archive]).stdout.split(' ')[0], otherSha, 'the other archive, byte for byte');
      assert.equal(onNode('node1', ['sh', '-c', 'cd "${1%/*}" && sha256sum -c --strict "${1##*/}.sha256"', 'check', archive], { allowFail: true }).status, 0, "the other archive's checksum file still matches it");
      const name = archive.slice(archive.lastIndexOf('/') + 1);
      const left = onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n').filter((n) => n.startsWith(started.id));
      assert.deepEqual(left.sort(), [`${started.id}.job.json`, `${started.id}.log`, name, `${name}.sha256`].sort(), 'no partial, status or cancel request left');
    } finally {
      race.restore();
      other.dispose();
      cleanBackups();
    }
  });
});
