// Stop All, then Start All, as the seed procedure does around a backup: the states change,
// and after the start the volume's bricks and the FUSE mount in every container come back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { inGluster, rawConfig, testbedSettings, waitHealthy } from './helpers/testbed';

describe('stop all, start all', () => {
  let cluster: Cluster;
  const names = () => rawConfig().nodes.map((n) => n.name);
  before(async () => {
    cluster = new Cluster(testbedSettings());
  });
  after(() => cluster.dispose());

  test('a marker file is readable through the mount before the cycle', () => {
    inGluster('node1', ['sh', '-c', 'echo cycle-marker > /mnt/gluster/cycle-marker.txt']);
  });

  test('stop all stops every container and reports each node', async () => {
    const results = await cluster.act('stop');
    assert.deepEqual(results.map((r) => r.node).sort(), names().sort());
    for (const r of results) {
      assert.equal(r.ok, true, `${r.node}: ${r.message}`);
      assert.equal(r.state, 'exited');
      assert.match(r.message, /stopped gluster/);
    }
    const all = await cluster.refreshAll();
    for (const s of all) {
      assert.equal(s.reachable, true);
      assert.equal(s.container?.state, 'exited', s.name);
      assert.deepEqual(s.volumes, [], 'no volume health while gluster is stopped');
    }
    // Stopping again is a no-op that still succeeds.
    const again = await cluster.act('stop', ['node1']);
    assert.equal(again[0].ok, true);
    assert.match(again[0].message, /already stopped/);
  });

  test('start all brings containers, bricks and mounts back', async () => {
    const results = await cluster.act('start');
    for (const r of results) {
      assert.equal(r.ok, true, `${r.node}: ${r.message}`);
      assert.equal(r.state, 'running');
      assert.match(r.message, /gv0 \d+\/\d+ bricks online, gvrep \d+\/\d+ bricks online; \/mnt\/gluster mounted/);
    }
    const all = await cluster.refreshAll();
    for (const s of all) {
      assert.equal(s.container?.state, 'running', s.name);
      const gv0 = s.volumes.find((v) => v.name === 'gv0');
      assert.ok(gv0, `${s.name}: ${s.glusterError}`);
      assert.equal(gv0.bricksOnline, gv0.bricks, `${s.name}: ${gv0.problems.map((p) => p.text).join('; ')}`);
    }
    for (const n of names()) {
      const r = inGluster(n, ['cat', '/mnt/gluster/cycle-marker.txt']);
      assert.equal(r.stdout.trim(), 'cycle-marker', `${n} reads the volume through its mount`);
    }
    inGluster('node1', ['rm', '-f', '/mnt/gluster/cycle-marker.txt']);
  });

  test('restart of one node leaves it running and healthy', async () => {
    const [r] = await cluster.act('restart', ['node2']);
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /^restarted gluster; /);
    const s = await cluster.refreshNode('node2');
    assert.equal(s.container?.state, 'running');
    // Healthy means the other nodes' mounts reach the restarted brick again, too.
    await waitHealthy();
    assert.equal(inGluster('node1', ['ls', '/mnt/gluster']).status, 0);
  });
});
