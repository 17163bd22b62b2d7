import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { DEFAULTS, effectiveNodes, parseSettings, describeTarget } from '../../src/core/config';

test('empty settings give the defaults and the local node', () => {
  const { settings, problems } = parseSettings(undefined);
  assert.deepEqual(problems, []);
  assert.equal(settings.containerName, 'gluster');
  assert.equal(settings.backupDir, '/opt/datarobot/data/backups/gluster');
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

test('paths: "." and ".." segments and ~user/ are refused with the reason; ~/ is expanded', () => {
  const { settings, problems } = parseSettings({
    backupDir: '/opt/datarobot/../../etc',
    glusterPath: '/mnt/./gluster',
    knownHostsFile: '~ops/.ssh/known_hosts',
    nodes: [
      { name: 'a', host: 'h', identityFile: '~root/.ssh/id' },
      { name: 'b', dockerSocket: '/var/run/../run/docker.sock' },
      { name: 'c', host: 'h', identityFile: '~/.ssh/id_ed25519' },
    ],
  });
  assert.deepEqual(problems.map((p) => p.message), [
    'glusterPath "/mnt/./gluster": give it without "." or ".." segments',
    'backupDir "/opt/datarobot/../../etc": give it without "." or ".." segments',
    'knownHostsFile "~ops/.ssh/known_hosts": ~user/ is not expanded; give the absolute path (or ~/ for your own home)',
    'nodes[0].identityFile "~root/.ssh/id": ~user/ is not expanded; give the absolute path (or ~/ for your own home)',
    'nodes[1].dockerSocket "/var/run/../run/docker.sock": give it without "." or ".." segments',
  ]);
  assert.equal(settings.backupDir, DEFAULTS.backupDir, 'a refused value falls back to its default');
  assert.equal(settings.glusterPath, DEFAULTS.glusterPath);
  assert.equal(settings.knownHostsFile, `${os.homedir()}/.ssh/known_hosts`);
  assert.deepEqual(settings.nodes.map((n) => n.name), ['c'], 'nodes with a refused path are left out, the others stay');
  assert.equal(settings.nodes[0].identityFile, `${os.homedir()}/.ssh/id_ed25519`);
});

test('pollSeconds: 0 turns the poll off, values under the minimum are raised to it with a problem', () => {
  assert.equal(parseSettings({ pollSeconds: 0 }).settings.pollSeconds, 0);
  assert.equal(parseSettings({ pollSeconds: 5 }).settings.pollSeconds, 5);
  const fast = parseSettings({ pollSeconds: 0.1 });
  assert.equal(fast.settings.pollSeconds, 5);
  assert.deepEqual(fast.problems, [{ key: 'pollSeconds', message: 'pollSeconds 0.1 would ask every node for its state all the time: 5 s is the shortest poll (0 turns it off); using 5' }]);
});

test('maxBackupAgeHours: 26 by default, a value out of 1..8760 or not a number is refused with its key and falls back', () => {
  assert.equal(parseSettings({}).settings.maxBackupAgeHours, 26);
  assert.equal(parseSettings({ maxBackupAgeHours: 1 }).settings.maxBackupAgeHours, 1);
  assert.equal(parseSettings({ maxBackupAgeHours: 49.5 }).settings.maxBackupAgeHours, 49.5);
  for (const bad of [0.5, 0, -3, 8761, '26', null, Number.NaN]) {
    const r = parseSettings({ maxBackupAgeHours: bad });
    assert.equal(r.settings.maxBackupAgeHours, 26, String(bad));
    assert.deepEqual(r.problems, [{ key: 'maxBackupAgeHours', message: 'maxBackupAgeHours must be a number of hours between 1 and 8760; using 26' }], String(bad));
  }
});

test('dataDir, read once and never used, is named as such', () => {
  assert.deepEqual(parseSettings({ dataDir: '/opt/datarobot/data/gluster' }).problems, [
    { key: 'dataDir', message: 'dataDir is not used (nothing read it; the archive and the volume are what a backup is measured by): remove it' },
  ]);
});

test('backupDir is taken tidy: no trailing or doubled slashes (records name archives so)', () => {
  for (const [given, want] of [
    ['/opt/datarobot/data/backups/gluster/', '/opt/datarobot/data/backups/gluster'],
    ['//opt//backups///', '/opt/backups'],
    ['/', '/'],
    ['///', '/'],
  ]) {
    const { settings, problems } = parseSettings({ backupDir: given });
    assert.deepEqual(problems, [], given);
    assert.equal(settings.backupDir, want, given);
  }
});
