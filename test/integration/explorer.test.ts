// The explorer model against the real test bed: three data nodes over SSH, each with its own
// dockerd and a gluster container running GlusterFS with a distribute and a replica 3 volume.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import type { NodeStatus } from '../../src/core/model';
import { inGluster, onNode, rawConfig, testbed, testbedSettings, waitFor } from './helpers/testbed';

describe('explorer model on the test bed', () => {
  let cluster: Cluster;
  before(() => {
    cluster = new Cluster(testbedSettings());
  });
  after(() => cluster.dispose());

  test('every node is reachable with its gluster container running and both volumes healthy', async () => {
    const names = rawConfig().nodes.map((n) => n.name);
    assert.ok(names.length >= 3, `expected at least 3 test bed nodes, got ${names.length}`);
    const all = await cluster.refreshAll();
    assert.deepEqual(all.map((s) => s.name), names);
    for (const s of all) {
      assert.equal(s.reachable, true, `${s.name}: ${s.error?.message}`);
      assert.equal(s.error, undefined);
      assert.equal(s.container?.state, 'running', s.name);
      assert.match(s.container?.image ?? '', /gluster/);
      assert.ok(s.container?.since && !Number.isNaN(Date.parse(s.container.since)), 'since is a time');
      assert.equal(s.storageDriver, 'overlay2');
      assert.match(s.target, /^root@10\.\d+\.\d+\.\d+:22$/);
      const gv0 = s.volumes.find((v) => v.name === 'gv0');
      assert.ok(gv0, `${s.name} sees volume gv0 (${s.glusterError ?? 'no gluster error'})`);
      assert.equal(gv0.type, 'Distribute');
      assert.equal(gv0.status, 'Started');
      assert.equal(gv0.bricks, names.length);
      assert.equal(gv0.bricksOnline, names.length);
      // The pool as this node sees it: itself plus every peer, all connected.
      assert.equal(gv0.peersTotal, names.length);
      assert.equal(gv0.peersConnected, names.length, 'every pool member is connected');
      assert.deepEqual(gv0.problems, []);
      assert.equal(gv0.healEntries, undefined, 'heal does not apply to a distribute volume');
      assert.equal(gv0.healState, undefined);
      const gvrep = s.volumes.find((v) => v.name === 'gvrep');
      assert.ok(gvrep, `${s.name} sees volume gvrep`);
      assert.equal(gvrep.type, 'Replicate');
      assert.equal(gvrep.status, 'Started');
      assert.equal(gvrep.bricks, 3);
      assert.equal(gvrep.bricksOnline, 3, JSON.stringify(gvrep.problems));
      assert.equal(gvrep.brickStatusUnknown, undefined);
      assert.equal(gvrep.healEntries, 0);
      assert.equal(gvrep.healState, undefined);
      assert.deepEqual(gvrep.problems, []);
    }
  });

  test('archives in the backups directory are listed newest first, partial ones marked', async () => {
    const dir = '/opt/datarobot/data/backups/gluster';
    onNode('node2', ['sh', '-c', `mkdir -p ${dir} && head -c 12345 /dev/zero > ${dir}/datarobot-gluster-backup-2026-01-02.tar && touch -d '2026-01-02 10:00' ${dir}/datarobot-gluster-backup-2026-01-02.tar && head -c 77 /dev/zero > ${dir}/datarobot-gluster-backup-2026-03-02.tar.partial && echo x > ${dir}/unrelated.txt`]);
    try {
      const s = await cluster.refreshNode('node2');
      assert.equal(s.backupsError, undefined);
      const names = s.backups.map((b) => b.name);
      assert.deepEqual(names, ['datarobot-gluster-backup-2026-03-02.tar.partial', 'datarobot-gluster-backup-2026-01-02.tar']);
      assert.equal(s.backups[1].size, 12345);
      assert.equal(s.backups[1].mtime.slice(0, 10), '2026-01-02');
      assert.equal(s.backups[0].partial, true);
      assert.equal(s.backups[1].path, `${dir}/datarobot-gluster-backup-2026-01-02.tar`);
      // The catalog from the same listing: the whole archive, no job record, dated by its mtime, not validated.
      const c = s.catalog?.find((a) => a.name === 'datarobot-gluster-backup-2026-01-02.tar');
      assert.ok(c, JSON.stringify(s.catalog));
      assert.deepEqual([c.madeFrom, c.made.slice(0, 10), c.clean, c.checksum, c.validation], ['mtime', '2026-01-02', false, 'absent', undefined]);
      assert.equal(s.catalogError, undefined);
    } finally {
      onNode('node2', ['sh', '-c', `rm -f ${dir}/datarobot-gluster-backup-2026-01-02.tar ${dir}/datarobot-gluster-backup-2026-03-02.tar.partial ${dir}/unrelated.txt`]);
    }
  });

  test('a missing backups directory is reported, not fatal', async () => {
    const c = new Cluster(testbedSettings({ backupDir: '/opt/datarobot/data/no-such-dir' }));
    try {
      const s = await c.refreshNode('node1');
      assert.equal(s.reachable, true);
      assert.equal(s.container?.state, 'running');
      assert.match(s.backupsError ?? '', /\/opt\/datarobot\/data\/no-such-dir does not exist/);
      // No directory, no archive: certainly no good backup (the explorer says "No validated backup").
      assert.deepEqual(s.catalog, []);
    } finally {
      c.dispose();
    }
  });

  test('a missing container shows as missing and the other nodes are unaffected', async () => {
    onNode('node3', ['docker', 'rename', 'gluster', 'gluster-moved-away']);
    try {
      const all = await cluster.refreshAll();
      const n3 = all.find((s) => s.name === 'node3')!;
      assert.equal(n3.reachable, true);
      assert.equal(n3.container?.state, 'missing');
      assert.deepEqual(n3.volumes, []);
      for (const s of all.filter((x) => x.name !== 'node3')) assert.equal(s.container?.state, 'running');
      const [r] = await cluster.act('start', ['node3']);
      assert.equal(r.ok, false);
      assert.match(r.message, /there is no container named "gluster" on node3/);
    } finally {
      onNode('node3', ['docker', 'rename', 'gluster-moved-away', 'gluster']);
    }
    const back = await cluster.refreshNode('node3');
    assert.equal(back.container?.state, 'running');
  });

  test('a paused container shows as paused', async () => {
    testbed('pause-container', 'node2');
    try {
      const s = await cluster.refreshNode('node2');
      assert.equal(s.container?.state, 'paused');
      assert.equal(s.container?.status, 'Paused');
    } finally {
      testbed('unpause-container', 'node2');
    }
  });

  test('a brick offline shows in volume health on every node that can see it', async () => {
    // Kill node3's brick process: its row stays in `volume status` with status 0.
    inGluster('node3', ['pkill', '-f', 'glusterfsd.*gv0']);
    try {
      const s: NodeStatus = await waitFor('node1 to see the brick offline', 20_000, async () => {
        const st = await cluster.refreshNode('node1');
        const v = st.volumes.find((x) => x.name === 'gv0');
        return v && v.bricksOnline < v.bricks ? st : undefined;
      });
      const gv0 = s.volumes.find((v) => v.name === 'gv0')!;
      assert.equal(gv0.bricksOnline, gv0.bricks - 1);
      const offline = gv0.brickList.filter((b) => !b.online);
      assert.equal(offline.length, 1);
      assert.ok(gv0.problems.some((p) => p.kind === 'brickOffline' && p.text.includes(offline[0].path)), JSON.stringify(gv0.problems));
    } finally {
      inGluster('node1', ['gluster', '--mode=script', 'volume', 'start', 'gv0', 'force']);
    }
    await waitFor('the brick to come back', 30_000, async () => {
      const v = (await cluster.refreshNode('node1')).volumes.find((x) => x.name === 'gv0');
      return v && v.bricksOnline === v.bricks ? true : undefined;
    });
  });

  test('docker events reach the model when a container changes', async () => {
    await cluster.refreshAll();
    cluster.watchEvents();
    const seen: string[] = [];
    const onEv = (e: { node: string; action: string }) => seen.push(`${e.node}:${e.action}`);
    cluster.on('containerEvent', onEv);
    try {
      // pause/unpause changes state without disturbing gluster for long. The watch subscribes
      // in the background, and docker does not replay what came before: a pause made before
      // the subscription is lost, so the pair is made again until the watch has seen one.
      await waitFor('pause and unpause events from node1', 60_000, async () => {
        testbed('pause-container', 'node1');
        testbed('unpause-container', 'node1');
        for (let i = 0; i < 20 && !(seen.includes('node1:pause') && seen.includes('node1:unpause')); i++) await new Promise((r) => setTimeout(r, 100));
        return seen.includes('node1:pause') && seen.includes('node1:unpause') ? true : undefined;
      });
    } finally {
      cluster.off('containerEvent', onEv);
      cluster.unwatchEvents();
    }
  });
});
