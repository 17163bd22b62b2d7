// Unreachable nodes and host keys, on the real test bed: the node at fault is marked within
// its timeout, the others arrive anyway, and a changed host key is never accepted.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Cluster } from '../../src/core/cluster';
import { approvableKey, type NodeStatus } from '../../src/core/model';
import { REPO, rawConfig, testbed, testbedSettings, TESTBED_DIR } from './helpers/testbed';

function timedStatuses(cluster: Cluster): Promise<{ all: NodeStatus[]; at: Map<string, number> }> {
  const t0 = Date.now();
  const at = new Map<string, number>();
  // First arrival: the early status (container state) counts; volume health may follow later.
  const onStatus = (s: NodeStatus) => {
    if (!at.has(s.name)) at.set(s.name, Date.now() - t0);
  };
  cluster.on('status', onStatus);
  return cluster.refreshAll().then((all) => {
    cluster.off('status', onStatus);
    return { all, at };
  });
}

describe('unreachable nodes', () => {
  after(() => {
    testbed('restore-link', 'node3');
    testbed('start-sshd', 'node2');
  });

  test('sshd killed on one node, link cut to another: both marked, the rest on time', async () => {
    const settings = testbedSettings();
    const cluster = new Cluster(settings);
    try {
      // Warm connections first: a cut link must be detected on a live session (keepalive),
      // not only on a fresh connect.
      const warm = await cluster.refreshAll();
      for (const s of warm) assert.equal(s.reachable, true, `${s.name}: ${s.error?.message}`);
      testbed('kill-sshd', 'node2');
      testbed('cut-link', 'node3');
      const { all, at } = await timedStatuses(cluster);
      const byName = new Map(all.map((s) => [s.name, s]));
      const n2 = byName.get('node2')!;
      const n3 = byName.get('node3')!;
      // kill-sshd ends the listener and its sessions, as a crashed or stopped sshd would.
      assert.equal(n2.reachable, false, 'the node without sshd is unreachable');
      assert.equal(n2.error?.kind, 'unreachable', n2.error?.message);
      assert.match(n2.error!.message, /refused|closed|lost/i);
      assert.equal(n3.reachable, false, 'the cut node is unreachable');
      assert.ok(n3.error, 'the cut node carries an error');
      assert.match(n3.error.kind, /unreachable|timeout/);
      assert.match(n3.error.message, /node3|10\.\d+\.\d+\.\d+/);
      const budget = settings.timeouts.connectMs + 2 * settings.timeouts.dockerMs + settings.timeouts.glusterMs + 2000;
      assert.ok(at.get('node3')! <= budget + 1000, `node3 marked after ${at.get('node3')} ms (budget ${budget})`);
      console.log(`marked after: ${JSON.stringify(Object.fromEntries(at))} ms`);
      for (const other of rawConfig().nodes.map((n) => n.name).filter((n) => n !== 'node2' && n !== 'node3')) {
        assert.equal(byName.get(other)!.reachable, true, other);
        assert.ok(at.get(other)! < at.get('node3')!, `${other} (${at.get(other)} ms) arrived before the cut node3 (${at.get('node3')} ms)`);
      }
    } finally {
      cluster.dispose();
    }
    // A fresh connection to the node without sshd is refused at once, with a clear message.
    const fresh = new Cluster(settings);
    try {
      const t0 = Date.now();
      const s = await fresh.refreshNode('node2');
      assert.equal(s.reachable, false);
      assert.equal(s.error?.kind, 'unreachable');
      assert.match(s.error!.message, /refused/i);
      assert.ok(Date.now() - t0 < settings.timeouts.connectMs, 'refused well within the connect timeout');
      const t1 = Date.now();
      const s3 = await fresh.refreshNode('node3');
      assert.equal(s3.reachable, false);
      assert.match(s3.error!.kind, /unreachable|timeout/);
      assert.ok(Date.now() - t1 <= settings.timeouts.connectMs + 2000, `cut node on a fresh connect took ${Date.now() - t1} ms`);
    } finally {
      fresh.dispose();
    }
  });

  test('the node comes back once the link and sshd are restored', async () => {
    testbed('restore-link', 'node3');
    testbed('start-sshd', 'node2');
    const cluster = new Cluster(testbedSettings());
    try {
      const all = await cluster.refreshAll();
      for (const s of all) assert.equal(s.reachable, true, `${s.name}: ${s.error?.message}`);
    } finally {
      cluster.dispose();
    }
  });
});

describe('host keys', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-hostkeys-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const node1 = () => rawConfig().nodes.find((n) => n.name === 'node1')!;
  const realLine = () =>
    fs.readFileSync(rawConfig().knownHostsFile, 'utf8').split('\n').find((l) => l.split(' ')[0].split(',').includes(node1().host) && l.includes('ssh-ed25519'))!;

  test('a changed host key is refused with a message that says so', async () => {
    // A known_hosts where node1 has some other ed25519 key.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'other')]);
    const other = fs.readFileSync(path.join(tmp, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const kh = path.join(tmp, 'known_hosts_changed');
    fs.writeFileSync(kh, `${node1().host} ${other}\n`);
    const cluster = new Cluster(testbedSettings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node1');
      assert.equal(s.reachable, false);
      assert.equal(s.error?.kind, 'hostKeyChanged');
      assert.match(s.error!.message, /changed/i);
      assert.match(s.error!.fingerprint ?? '', /^SHA256:[A-Za-z0-9+/]{43}$/);
      await assert.rejects(cluster.trustHostKey('node1', { key: realLine().split(' ').slice(1, 3).join(' ') }), /node1 has a different host key in .*known_hosts_changed now: nothing was written/);
      assert.equal(fs.readFileSync(kh, 'utf8'), `${node1().host} ${other}\n`, 'known_hosts untouched');
    } finally {
      cluster.dispose();
    }
  });

  test('an unknown host key shows its fingerprint and is trusted only on request', async () => {
    const kh = path.join(tmp, 'known_hosts_empty');
    fs.writeFileSync(kh, '');
    const cluster = new Cluster(testbedSettings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node1');
      assert.equal(s.reachable, false);
      assert.equal(s.error?.kind, 'hostKeyUnknown');
      // The fingerprint must be the one ssh-keygen computes for the node's real key.
      const expected = execFileSync('ssh-keygen', ['-lf', '-'], { input: realLine() + '\n', encoding: 'utf8' }).split(' ')[1];
      assert.equal(s.error!.fingerprint, expected);
      assert.equal(fs.readFileSync(kh, 'utf8'), '', 'nothing added before the operator accepts');
      await cluster.trustHostKey('node1', approvableKey(s.error)!);
      const again = await cluster.refreshNode('node1');
      assert.equal(again.reachable, true, again.error?.message);
      assert.match(fs.readFileSync(kh, 'utf8'), /ssh-ed25519 /);
    } finally {
      cluster.dispose();
    }
  });

  test('only the key the operator approved is written: another key presented by the time the answer comes is refused', async () => {
    const kh = path.join(tmp, 'known_hosts_mitm');
    fs.writeFileSync(kh, '');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'approved')]);
    // What the dialog showed: a key the node does not present now (the status moved on meanwhile).
    const shown = fs.readFileSync(path.join(tmp, 'approved.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const cluster = new Cluster(testbedSettings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node1');
      assert.equal(s.error?.kind, 'hostKeyUnknown');
      await assert.rejects(
        cluster.trustHostKey('node1', { key: shown, keyHost: s.error!.keyHost! }),
        new RegExp(`node1 now presents another host key \\(${s.error!.fingerprint!.replace(/[+/]/g, '\\$&')}\\) than the one approved for node1 \\(SHA256:[A-Za-z0-9+/]{43}\\): nothing was written`),
      );
      assert.equal(fs.readFileSync(kh, 'utf8'), '', 'nothing written');
      await assert.rejects(cluster.trustHostKey('node1', { key: 'ssh-ed25519 bm90IGEga2V5' }), /is not an SSH public key/);
      assert.equal(fs.readFileSync(kh, 'utf8'), '', 'nothing written');
    } finally {
      cluster.dispose();
    }
  });

  test('trust-host-key --yes --fingerprint: a fingerprint other than the presented one writes nothing; the right one trusts', () => {
    const kh = path.join(tmp, 'known_hosts_cli');
    fs.writeFileSync(kh, '');
    const config = path.join(tmp, 'config-cli.json');
    fs.writeFileSync(config, JSON.stringify({ ...rawConfig(), knownHostsFile: kh }));
    const cli = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), '--config', config, 'trust-host-key', '--node', 'node1', '--yes', ...args], { encoding: 'utf8' });
    const expected = execFileSync('ssh-keygen', ['-lf', '-'], { input: realLine() + '\n', encoding: 'utf8' }).split(' ')[1];
    const wrong = cli(['--fingerprint', `SHA256:${'A'.repeat(43)}`]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, new RegExp(`node1 presents ${expected.replace(/[+/]/g, '\\$&')}, not the expected SHA256:A{43}: not trusted, nothing was written`));
    assert.equal(fs.readFileSync(kh, 'utf8'), '');
    const typo = cli(['--fingerprint', 'MD5:ab:cd']);
    assert.equal(typo.status, 64, 'a usage error');
    assert.match(typo.stderr, /--fingerprint MD5:ab:cd: give it as ssh-keygen -lf prints it/);
    const right = cli(['--fingerprint', expected]);
    assert.equal(right.status, 0, right.stderr);
    assert.match(right.stdout, new RegExp(`presents host key ${expected.replace(/[+/]/g, '\\$&')}\nadded to `));
    assert.match(fs.readFileSync(kh, 'utf8'), /ssh-ed25519 /);
  });

  test('the test bed known_hosts is the one in use', () => {
    assert.ok(rawConfig().knownHostsFile.startsWith(TESTBED_DIR));
  });
});
