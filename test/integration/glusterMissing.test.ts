// A node whose gluster container cannot run gluster at all (here a light node: busybox, no
// GlusterFS) shows why, and a refresh does not ask it again until the container is another one:
// at twenty such nodes every refresh spent two failing execs on each. Whether a refresh execs
// is read from the node's own dockerd (exec_create events between two times taken on the
// node), not from timing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { SCRIPT, TESTBED_DIR, testbed } from './helpers/testbed';
import { cliWith } from './helpers/cli';

const NODES = ['light01', 'light02'];

function onLight(node: string, cmd: string): string {
  return execFileSync('bash', [SCRIPT, 'light', 'ssh', node, cmd], { encoding: 'utf8', timeout: 60_000 });
}

/** The node's clock, which its dockerd stamps events with. */
const nodeNow = (node: string) => onLight(node, 'date +%s.%N').trim();

function execsBetween(node: string, since: string, until: string): number {
  const out = onLight(node, `docker events --since ${since} --until ${until} --filter container=gluster --filter event=exec_create --format '{{.Action}}'`);
  return out.split('\n').filter((l) => l.startsWith('exec_create')).length;
}

/** Refreshes every node and counts the execs each node's gluster container saw meanwhile. */
async function refreshCounted(cluster: Cluster) {
  const since = Object.fromEntries(NODES.map((n) => [n, nodeNow(n)]));
  const statuses = await cluster.refreshAll();
  const until = Object.fromEntries(NODES.map((n) => [n, nodeNow(n)]));
  return { statuses, execs: Object.fromEntries(NODES.map((n) => [n, execsBetween(n, since[n], until[n])])) };
}

before(() => testbed('light', 'up', String(NODES.length)));
after(() => testbed('light', 'down'));

test('a container that cannot run gluster says so, is not asked again, and is asked again once restarted', async () => {
  const raw = JSON.parse(fs.readFileSync(path.join(TESTBED_DIR, 'config-light.json'), 'utf8')) as Record<string, unknown>;
  const { settings, problems } = parseSettings({ ...raw, timeouts: { connectMs: 5000, dockerMs: 10_000, glusterMs: 15_000, keepaliveMs: 1000 } });
  assert.deepEqual(problems, []);
  const cluster = new Cluster(settings);
  try {
    const first = await refreshCounted(cluster);
    for (const s of first.statuses) {
      assert.equal(s.reachable, true, `${s.name}: ${s.error?.message}`);
      assert.equal(s.container?.state, 'running');
      assert.match(s.glusterError ?? '', /^the gluster container cannot run gluster \(executable file not found\): it answers no gluster question; asked again once the container is restarted or replaced\. docker said: .*"gluster": executable file not found/, s.name);
      // One exec: the prompt, whose failure says it all; no one-shot after it, and the calls
      // queued at that prompt fail with it.
      assert.equal(first.execs[s.name], 1, `${s.name}: the first refresh asked gluster with one exec`);
    }
    // Calls of the first refresh may still be failing over to one-shot execs behind it; once
    // they are done, refreshes exec nothing. Without the memory every refresh execs on every
    // node, and no two refreshes in a row are quiet.
    let quiet = 0;
    for (let i = 0; i < 12 && quiet < 2; i++) {
      const r = await refreshCounted(cluster);
      quiet = NODES.every((n) => r.execs[n] === 0) ? quiet + 1 : 0;
    }
    assert.equal(quiet, 2, 'two refreshes in a row without an exec in any gluster container');
    const still = await refreshCounted(cluster);
    assert.deepEqual(still.execs, { light01: 0, light02: 0 });
    for (const s of still.statuses) assert.match(s.glusterError ?? '', /cannot run gluster \(executable file not found\)/, `${s.name}: the remembered reason is still shown`);

    onLight('light01', 'docker restart gluster >/dev/null');
    const again = await refreshCounted(cluster);
    assert.ok(again.execs.light01 >= 1, 'the restarted container is asked again');
    assert.equal(again.execs.light02, 0, 'the other is not');
    const l1 = again.statuses.find((s) => s.name === 'light01');
    assert.equal(l1?.container?.state, 'running');
    assert.match(l1?.glusterError ?? '', /cannot run gluster \(executable file not found\)/);
  } finally {
    cluster.dispose();
  }
});

test('status names the gluster failure of each node and exits 1: the nodes answered, but not with their volumes', () => {
  const r = cliWith(['status'], { config: path.join(TESTBED_DIR, 'config-light.json') });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  for (const n of NODES) assert.match(r.stdout, new RegExp(`${n}[^]*?\\n  gluster: the gluster container cannot run gluster \\(executable file not found\\)`), r.stdout);
});
