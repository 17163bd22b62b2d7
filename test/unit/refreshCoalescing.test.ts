// Refreshes asked for while a probe runs get one follow-up probe that starts after it: a probe
// that began before a change (an archive renamed) must not answer a refresh asked after it.
// A local node on a socket that does not exist: real probes that fail fast, no test double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';

test('refreshes during a probe share one follow-up probe, started after it', async () => {
  const { settings } = parseSettings({ nodes: [{ name: 'here', dockerSocket: path.join(os.tmpdir(), 'gb-no-such-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    const first = cluster.refreshNode('here');
    const second = cluster.refreshNode('here');
    const third = cluster.refreshNode('here');
    assert.notEqual(second, first, 'a refresh asked during a probe is not answered by it');
    assert.equal(third, second, 'callers during the same probe share the follow-up');
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.error?.kind, 'dockerUnavailable', a.error?.message);
    assert.ok(Date.parse(b.checkedAt) >= Date.parse(a.checkedAt));
    assert.notEqual(b, a, 'the follow-up is a probe of its own');
    const after = cluster.refreshNode('here');
    assert.notEqual(after, second, 'with nothing in flight a refresh starts a new probe');
    await after;
  } finally {
    cluster.dispose();
  }
});
