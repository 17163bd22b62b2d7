// Two clients starting jobs on one node at the same moment (the CLI in a shell, VS Code on a
// laptop): each job's name is claimed by creating its job file where none exists, so neither
// takes the other's name, record or partial archive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs, isFinal } from '../../src/core/backup/jobs';
import type { JobRecord } from '../../src/core/backup/types';
import { onNode, testbedSettings, waitFor, waitHealthy } from './helpers/testbed';

const DIR = '/opt/datarobot/data/backups/gluster';

function cleanBackups() {
  onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-* claim-test.*', 'clean', DIR]);
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
});
