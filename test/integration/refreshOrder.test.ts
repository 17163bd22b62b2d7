// A refresh asked for while an older probe waits on gluster must not wait behind it, and the
// older probe's answer must not land after the newer one's. Seen in the field as a node still
// shown running for 30 s after Stop All: the probe started by the stop's first docker event
// saw the container running, then waited on a glusterd that was shutting down, and the probe
// for the "die" event queued behind it. Here glusterd is frozen (SIGSTOP), which holds the
// older probe at its gluster questions for as long as the test needs, whatever the machine's
// speed: the order of events is forced, not timed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import type { NodeStatus } from '../../src/core/model';
import { inGluster, onNode, testbedSettings, waitFor, waitHealthy } from './helpers/testbed';

const DIR = '/opt/datarobot/data/backups/gluster';
const MARK = 'datarobot-gluster-backup-refresh-order.tar';

function thaw(): void {
  inGluster('node2', ['pkill', '-CONT', '-x', 'glusterd'], { allowFail: true });
}

before(() => waitHealthy());
after(async () => {
  thaw();
  onNode('node2', ['rm', '-f', `${DIR}/${MARK}`], { allowFail: true });
  await waitHealthy();
});

test('a refresh during a probe stuck on gluster answers at once, and the stuck probe never overwrites it', async () => {
  // glusterMs far beyond the test's waits: the stuck probe cannot end on its own meanwhile.
  const cluster = new Cluster(testbedSettings({ timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 120_000, keepaliveMs: 1000 } }));
  const seen: NodeStatus[] = [];
  cluster.on('status', (s) => {
    if (s.name === 'node2') seen.push(s);
  });
  try {
    await cluster.refreshNode('node2');
    seen.length = 0; // only the stuck probe's snapshot may release the wait below
    inGluster('node2', ['pkill', '-STOP', '-x', 'glusterd']);
    let stuckEnded = false;
    const stuck = cluster.refreshNode('node2');
    void stuck.then(() => (stuckEnded = true));
    await waitFor('the stuck probe to publish its snapshot', 30_000, () => seen.find((s) => s.volumesPending));
    assert.ok(!seen.some((s) => s.backups.some((b) => b.name === MARK)), 'the mark is made after the stuck probe listed the archives');

    onNode('node2', ['sh', '-c', `: > "${DIR}/${MARK}"`]);
    const fresh = cluster.refreshNode('node2');
    assert.notEqual(fresh, stuck);
    const shown = await waitFor('a status that lists the new archive', 30_000, () => seen.find((s) => s.backups.some((b) => b.name === MARK)));
    assert.equal(stuckEnded, false, 'the new status came while the older probe still waited on gluster');
    assert.equal(shown.container?.state, 'running');

    thaw();
    const [a, b] = await Promise.all([stuck, fresh]);
    for (const s of [a, b]) assert.ok(s.backups.some((x) => x.name === MARK), 'callers of the stuck probe get the newest answer');
    assert.ok(cluster.status('node2')?.backups.some((x) => x.name === MARK), 'the stuck probe did not publish its older listing');
    const last = seen[seen.length - 1];
    assert.ok(last.backups.some((x) => x.name === MARK), 'the last status event is the newest probe\'s');
  } finally {
    thaw();
    cluster.dispose();
  }
});
