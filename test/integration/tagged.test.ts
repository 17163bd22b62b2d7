// A command that lost preflight's race must not read on in the container: ending a docker
// exec's stream leaves its process running (shown first here, so the stop is not a test of
// nothing), and stopTagged ends the tagged process, and no other, on node1 over real SSH.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { Cluster } from '../../src/core/cluster';
import { execInContainer } from '../../src/core/docker/exec';
import { stopTagged, tagged } from '../../src/core/docker/tagged';
import { inGluster, testbedSettings, waitFor } from './helpers/testbed';

let cluster: Cluster;
let docker: Docker;
before(async () => {
  cluster = new Cluster(testbedSettings());
  docker = await cluster.connection('node1').docker();
});
after(() => {
  inGluster('node1', ['sh', '-c', 'pkill -f "sleep 4242[01]" || true'], { allowFail: true });
  cluster.dispose();
});

const sleeping = (n: string) => inGluster('node1', ['sh', '-c', `pgrep -f "^sleep ${n}$" || true`]).stdout.trim();

test('a tagged command is stopped by its tag; an untagged one beside it runs on', async () => {
  const mine = tagged(['sleep', '42420']);
  const other = tagged(['sleep', '42421']);
  const run = (argv: string[]) => execInContainer(docker, 'gluster', argv, 60_000).catch((e: Error) => e);
  const a = run(mine.argv);
  const b = run(other.argv);
  await waitFor('both sleeping', 10_000, () => sleeping('42420') !== '' && sleeping('42421') !== '');
  assert.equal(await stopTagged(docker, 'gluster', mine.tag, 10_000), 1);
  const ended = await a;
  assert.ok(!(ended instanceof Error) && ended.exitCode === 143, `ended by SIGTERM: ${JSON.stringify(ended)}`);
  assert.equal(sleeping('42420'), '');
  assert.notEqual(sleeping('42421'), '', 'the other tag is untouched');
  // Twice is harmless: nothing left with that tag.
  assert.equal(await stopTagged(docker, 'gluster', mine.tag, 10_000), 0);
  assert.equal(await stopTagged(docker, 'gluster', other.tag, 10_000), 1);
  await b;
});

test('why the stop is needed: a command whose exec stream was ended runs on in the container', async () => {
  const t = tagged(['sleep', '42420']);
  const r = execInContainer(docker, 'gluster', t.argv, 3_000).catch((e: Error) => e);
  await waitFor('sleeping', 10_000, () => sleeping('42420') !== '');
  assert.ok((await r) instanceof Error, 'the call gave up at its deadline');
  assert.notEqual(sleeping('42420'), '', 'the process did not');
  assert.equal(await stopTagged(docker, 'gluster', t.tag, 10_000), 1);
  assert.equal(sleeping('42420'), '');
});
