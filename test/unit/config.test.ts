import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { DEFAULTS, effectiveNodes, parseSettings, describeTarget } from '../../src/core/config';

test('empty settings give the defaults and the local node', () => {
  const { settings, problems } = parseSettings(undefined);
  assert.deepEqual(problems, []);
  assert.equal(settings.containerName, 'gluster');
  assert.equal(settings.backupDir, '/opt/datarobot/data/backups/gluster');
  assert.equal(settings.dataDir, '/opt/datarobot/data/gluster');
  assert.equal(settings.knownHostsFile, `${os.homedir()}/.ssh/known_hosts`);
  assert.deepEqual(settings.timeouts, DEFAULTS.timeouts);
  assert.deepEqual(effectiveNodes(settings), [{ name: 'local' }]);
});

test('nodes are read with their fields and ~ expanded', () => {
  const { settings, problems } = parseSettings({
    nodes: [
      { name: 'a', host: '10.0.0.1', port: 2222, user: 'ops', identityFile: '~/.ssh/id' },
      { name: 'b', dockerSocket: '/run/docker.sock' },
    ],
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(settings.nodes[0], { name: 'a', host: '10.0.0.1', port: 2222, user: 'ops', identityFile: `${os.homedir()}/.ssh/id` });
  assert.equal(describeTarget(settings.nodes[0]), 'ops@10.0.0.1:2222');
  assert.equal(describeTarget(settings.nodes[1]), 'local (/run/docker.sock)');
  assert.deepEqual(effectiveNodes(settings).map((n) => n.name), ['a', 'b']);
});

test('every kind of bad input is reported and never throws', () => {
  const { settings, problems } = parseSettings({
    nodes: [
      { name: '' },
      { name: 'ok', host: 'h1' },
      { name: 'ok', host: 'h2' },
      { name: 'p', host: 'h3', port: 70000 },
      { name: 'q', host: 'h; rm -rf /' },
      { name: 'r', user: 'u' },
      { name: 's', host: 'h', extra: true },
      'not an object',
    ],
    backupDir: 'relative',
    glusterPath: '',
    containerName: 'bad name',
    timeouts: { connectMs: -1, nope: 5 },
    pollSeconds: 'often',
    surprise: 1,
  });
  const keys = problems.map((p) => p.key);
  for (const k of [
    'nodes[0].name',
    'nodes[2].name',
    'nodes[3].port',
    'nodes[4].host',
    'nodes[5].host',
    'nodes[6].extra',
    'nodes[7]',
    'backupDir',
    'glusterPath',
    'containerName',
    'timeouts.connectMs',
    'timeouts.nope',
    'pollSeconds',
    'surprise',
  ]) {
    assert.ok(keys.includes(k), `expected a problem for ${k}; got ${keys.join(', ')}`);
  }
  assert.match(problems.find((p) => p.key === 'nodes[2].name')!.message, /duplicate node name "ok"/);
  assert.match(problems.find((p) => p.key === 'backupDir')!.message, /absolute path/);
  // Valid parts survive; invalid ones fall back to defaults.
  assert.deepEqual(settings.nodes.map((n) => n.name), ['ok']);
  assert.equal(settings.backupDir, DEFAULTS.backupDir);
  assert.equal(settings.containerName, 'gluster');
  assert.equal(settings.timeouts.connectMs, DEFAULTS.timeouts.connectMs);
});

test('a non-object is reported', () => {
  const { problems } = parseSettings([1, 2]);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /must be a JSON object/);
});
