// A node's name stands once in front of its error (nodeErrors.ts): whoever reports the failure
// as the node's names it; what is thrown inside the node's work, and a result that carries its
// node in a field of its own, do not. Local nodes on sockets that do not exist give real, fast
// failures, no test double; a disposed cluster gives the "closed" one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { archivesOnNodes } from '../../src/core/archivesOnNodes';
import { jobsOf } from '../../src/core/backup/jobs';
import { locateArchive } from '../../src/core/validate/validateBackup';
import { formatActions } from '../../src/cli/format';

function localCluster(): Cluster {
  const socket = (n: string) => path.join(os.tmpdir(), `gb-no-such-docker-${n}.sock`);
  const { settings } = parseSettings({ nodes: ['here', 'there'].map((name) => ({ name, dockerSocket: socket(name) })) });
  return new Cluster(settings);
}

test("an action's failure is its cause alone: the result names the node, and the printed line names it once", async () => {
  const cluster = localCluster();
  try {
    const [r] = await cluster.act('stop', ['here']);
    assert.equal(r.ok, false);
    assert.match(r.message, /^the docker socket does not answer \(/);
    assert.match(formatActions([r]), /^here: FAILED: the docker socket does not answer \(/);
  } finally {
    cluster.dispose();
  }
});

test('a closed cluster: each node that could not be asked is named once, wherever its reason is shown', async () => {
  const cluster = localCluster();
  cluster.dispose();
  assert.throws(() => cluster.connection('here'), { message: 'the cluster was closed' });
  // A status the cluster makes itself is read on its own: it names the node.
  assert.equal((await cluster.refreshNode('here')).error?.message, 'here: the cluster was closed');
  assert.deepEqual((await archivesOnNodes(cluster, '/backups')).errors.sort(), ['here: the cluster was closed', 'there: the cluster was closed']);
  const listed = await jobsOf(cluster).list();
  assert.deepEqual(
    listed.errors.sort((a, b) => a.node.localeCompare(b.node)),
    [
      { node: 'here', message: 'the cluster was closed' },
      { node: 'there', message: 'the cluster was closed' },
    ],
  );
  // An id that is no file's name is looked for in the list, whose errors name their nodes once.
  await assert.rejects(jobsOf(cluster).find('no such job'), {
    message: /^no backup job "no such job" on any node \(could not look on: (here|there): the cluster was closed; (here|there): the cluster was closed\)$/,
  });
  await assert.rejects(locateArchive(cluster, { archive: '/backups/datarobot-gluster-backup-2026-07-12.tar' }), {
    message: /could not be looked for: (here|there): the cluster was closed; (here|there): the cluster was closed$/,
  });
});
