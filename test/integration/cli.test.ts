// The headless CLI over the same core, run as a real process against the test bed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, TESTBED_DIR, onNode, rawConfig } from './helpers/testbed';
import { BACKUPS, plantJobFile, plantedRecord } from './helpers/plantedJob';

const CLI = path.join(REPO, 'dist', 'cli.js');
const CONFIG = path.join(TESTBED_DIR, 'config.json');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gluster-backup CLI', () => {
  test('status --json prints the documented shape for every node', () => {
    const r = cli(['--config', CONFIG, '--json', 'status']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { nodes: Record<string, unknown>[] };
    assert.deepEqual(out.nodes.map((n) => n.name), rawConfig().nodes.map((n) => n.name));
    for (const n of out.nodes) {
      assert.equal(n.reachable, true);
      assert.equal(n.error, null);
      assert.deepEqual(Object.keys(n.container as object).includes('state'), true);
      assert.equal((n.container as { state: string }).state, 'running');
      assert.equal(n.storageDriver, 'overlay2');
      const vols = n.volumes as Record<string, unknown>[];
      assert.deepEqual(vols.map((v) => v.name), ['gv0', 'gvrep']);
      for (const v of vols) {
        for (const k of ['name', 'type', 'status', 'bricks', 'bricksOnline', 'brickStatusKnown', 'peersConnected', 'peersTotal', 'peerStatusKnown', 'healEntries', 'healState', 'problems']) assert.ok(k in v, k);
        assert.equal(v.bricks, v.bricksOnline);
      }
      assert.deepEqual([vols[0].healState, vols[0].healEntries], ['notApplicable', null]);
      assert.deepEqual([vols[1].healState, vols[1].healEntries], ['known', 0]);
    }
  });

  test('plain status names each node and its volumes', () => {
    const r = cli(['--config', CONFIG, 'status', '--node', 'node1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^node1 {2}running {2}root@/m);
    assert.match(r.stdout, /volume gv0 \(Distribute, Started\): bricks 3\/3 online, peers 3\/3 connected\n/);
    assert.match(r.stdout, /volume gvrep \(Replicate, Started\): bricks 3\/3 online, peers 3\/3 connected, 0 pending heal\n/);
    assert.doesNotMatch(r.stdout, /^node2/m);
  });

  test('an unknown node name is a usage error', () => {
    const r = cli(['--config', CONFIG, 'status', '--node', 'nope']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /no node named "nope"/);
  });

  test('invalid settings are reported and the valid nodes still work', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-cli-'));
    const raw = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
    raw.nodes = [raw.nodes[0], { name: '' }, { ...raw.nodes[0] }, { name: 'x', host: 'h', identityFile: 'relative/key' }];
    raw.backupDir = 'relative/dir';
    raw.bogus = 1;
    fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(raw));
    const r = cli(['--config', path.join(tmp, 'c.json'), 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nodes\[1\]\.name: nodes\[1\]\.name must be a non-empty string/);
    assert.match(r.stderr, /duplicate node name "node1"/);
    assert.match(r.stderr, /identityFile must be an absolute path/);
    assert.match(r.stderr, /backupDir must be an absolute path/);
    assert.match(r.stderr, /unknown setting "bogus"/);
    assert.match(r.stdout, /^node1 {2}running/m);
    fs.rmSync(tmp, { recursive: true });
  });

  test('--version is package.json version; a misplaced option is exit 64 with its help named', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(cli(['--version']), { code: 0, stdout: `gluster-backup ${pkg.version}\n`, stderr: '' });
    const r = cli(['--config', CONFIG, 'status', '--dry-run']);
    assert.deepEqual(r, { code: 64, stdout: '', stderr: "gluster-backup: --dry-run does not apply to status\nTry 'gluster-backup help status'.\n" });
  });

  test('npm pack gives a tarball that npm install -g puts on PATH, self-contained: --version and status run from the installed copy', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-pack-'));
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
      const pack = spawnSync('npm', ['pack', '--pack-destination', tmp, '--json'], { cwd: REPO, encoding: 'utf8', timeout: 180_000 });
      assert.equal(pack.status, 0, pack.stderr);
      const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
      assert.equal(info.filename, `gluster-backup-${pkg.version}.tgz`);
      assert.deepEqual(info.files.map((f) => f.path).sort(), ['LICENSE', 'README.md', 'dist/cli.js', 'dist/vendor.js', 'package.json']);
      const prefix = path.join(tmp, 'prefix');
      // --offline: the tarball needs nothing from a registry.
      const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(tmp, info.filename)], { encoding: 'utf8', timeout: 180_000 });
      assert.equal(install.status, 0, install.stderr + install.stdout);
      const bin = path.join(prefix, 'bin', 'gluster-backup');
      assert.ok(fs.realpathSync(bin).startsWith(fs.realpathSync(prefix) + path.sep), fs.realpathSync(bin));
      assert.deepEqual(fs.readdirSync(path.join(prefix, 'lib', 'node_modules', 'gluster-backup')).sort(), ['LICENSE', 'README.md', 'dist', 'package.json'], 'no node_modules: the bundle holds everything');
      const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
      assert.deepEqual([version.status, version.stdout], [0, `gluster-backup ${pkg.version}\n`]);
      const status = spawnSync(bin, ['--config', CONFIG, '--json', 'status'], { encoding: 'utf8', timeout: 180_000 });
      assert.equal(status.status, 0, status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as { nodes: { name: string; reachable: boolean }[] }).nodes.map((n) => [n.name, n.reachable]), rawConfig().nodes.map((n) => [n.name, true]));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('stop of every node from a script without --yes is refused and stops nothing', () => {
    const r = cli(['--config', CONFIG, 'stop']);
    assert.equal(r.code, 64, r.stderr + r.stdout);
    const names = rawConfig().nodes.map((n) => n.name).join(', ');
    assert.equal(r.stderr, `gluster-backup: stop without --node stops every node (${names}): pass --yes to mean it (nothing was stopped)\nTry 'gluster-backup help stop'.\n`);
    const status = JSON.parse(cli(['--config', CONFIG, '--json', 'status']).stdout) as { nodes: { container: { state: string } }[] };
    assert.deepEqual(status.nodes.map((n) => n.container.state), rawConfig().nodes.map(() => 'running'));
  });

  test('restart of every node from a script without --yes is refused and restarts nothing', () => {
    const startedAt = () => rawConfig().nodes.map((n) => onNode(n.name, ['docker', 'inspect', '-f', '{{.State.StartedAt}}', 'gluster']).stdout.trim());
    const before = startedAt();
    const r = cli(['--config', CONFIG, 'restart']);
    assert.equal(r.code, 64, r.stderr + r.stdout);
    const names = rawConfig().nodes.map((n) => n.name).join(', ');
    assert.equal(r.stderr, `gluster-backup: restart without --node restarts every node (${names}): pass --yes to mean it (nothing was restarted)\nTry 'gluster-backup help restart'.\n`);
    assert.deepEqual(startedAt(), before);
  });

  test('stop and start of one node through the CLI', () => {
    const stop = cli(['--config', CONFIG, 'stop', '--node', 'node3']);
    assert.equal(stop.code, 0, stop.stderr + stop.stdout);
    assert.match(stop.stdout, /node3: ok: stopped gluster/);
    const status = cli(['--config', CONFIG, '--json', 'status', '--node', 'node3']);
    assert.equal(JSON.parse(status.stdout).nodes[0].container.state, 'exited');
    const start = cli(['--config', CONFIG, 'start', '--node', 'node3']);
    assert.equal(start.code, 0, start.stderr + start.stdout);
    assert.match(start.stdout, /node3: ok: started gluster; gv0 3\/3 bricks online/);
    assert.match(start.stdout, /start: 1 of 1 nodes succeeded/);
  });

  test('a job id on two nodes (a backup of the same day on each): attach and cancel refuse until --node says which', () => {
    const stem = 'datarobot-gluster-backup-2001-02-03';
    const ended = { state: 'completed', exitCode: 0, endedAt: '2001-03-02T10:05:00.000Z' };
    for (const node of ['node1', 'node2']) plantJobFile(stem, plantedRecord(stem, '2001-03-02T10:00:00.000Z', { ...ended, node, reason: `made on ${node}` }), node);
    try {
      for (const command of ['attach', 'cancel']) {
        const both = cli(['--config', CONFIG, command, stem]);
        assert.equal(both.code, 2, both.stderr);
        assert.equal(both.stderr, `gluster-backup: job "${stem}" is on node1 and node2: say which with --node\n`);
      }
      const one = cli(['--config', CONFIG, '--json', 'attach', stem, '--node', 'node2']);
      assert.equal(JSON.parse(one.stdout).node, 'node2', one.stderr);
      assert.equal(JSON.parse(one.stdout).reason, 'made on node2');
      const two = cli(['--config', CONFIG, 'cancel', stem, '--node', 'node1', '--node', 'node2']);
      assert.equal(two.code, 64, 'one node only');
      const none = cli(['--config', CONFIG, 'attach', stem, '--node', 'node3']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, new RegExp(`no backup job "${stem}" on node3`));
    } finally {
      for (const node of ['node1', 'node2']) onNode(node, ['rm', '-f', `${BACKUPS}/${stem}.job.json`]);
    }
  });

  test('an unreachable node makes status exit 1 with its error', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-cli-'));
    const raw = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
    // Port 2 on a test bed node: nothing listens there.
    raw.nodes = [raw.nodes[0], { ...raw.nodes[1], name: 'ghost', port: 2 }];
    fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(raw));
    const r = cli(['--config', path.join(tmp, 'c.json'), '--json', 'status']);
    assert.equal(r.code, 1);
    const nodes = JSON.parse(r.stdout).nodes;
    assert.equal(nodes[0].reachable, true);
    assert.equal(nodes[1].reachable, false);
    assert.equal(nodes[1].errorKind, 'unreachable');
    assert.match(nodes[1].error, /refused/i);
    fs.rmSync(tmp, { recursive: true });
  });

  test('an encrypted key: the passphrase from GLUSTER_BACKUP_PASSPHRASE_<NODE>, else GLUSTER_BACKUP_PASSPHRASE; without one the error says so', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-cli-'));
    try {
      const raw = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
      const key = path.join(tmp, 'id_encrypted');
      fs.copyFileSync(raw.nodes[0].identityFile, key);
      fs.chmodSync(key, 0o600);
      assert.equal(spawnSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'sesame', '-f', key]).status, 0);
      raw.nodes = [{ ...raw.nodes[0], name: 'node-1', identityFile: key }];
      const config = path.join(tmp, 'c.json');
      fs.writeFileSync(config, JSON.stringify(raw));
      const none = cli(['--config', config, '--json', 'status'], { GLUSTER_BACKUP_PASSPHRASE: undefined, GLUSTER_BACKUP_PASSPHRASE_NODE_1: undefined });
      assert.equal(none.code, 1);
      assert.equal(JSON.parse(none.stdout).nodes[0].errorKind, 'passphrase');
      const perNode = cli(['--config', config, '--json', 'status'], { GLUSTER_BACKUP_PASSPHRASE: 'wrong', GLUSTER_BACKUP_PASSPHRASE_NODE_1: 'sesame' });
      assert.equal(perNode.code, 0, perNode.stdout);
      const shared = cli(['--config', config, '--json', 'status'], { GLUSTER_BACKUP_PASSPHRASE: 'sesame', GLUSTER_BACKUP_PASSPHRASE_NODE_1: undefined });
      assert.equal(shared.code, 0, shared.stdout);
      const wrong = cli(['--config', config, '--json', 'status'], { GLUSTER_BACKUP_PASSPHRASE: 'nope', GLUSTER_BACKUP_PASSPHRASE_NODE_1: undefined });
      assert.equal(wrong.code, 1);
      assert.match(JSON.parse(wrong.stdout).nodes[0].error, /wrong passphrase/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
