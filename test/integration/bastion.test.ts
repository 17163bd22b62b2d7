// Nodes behind a jump host, on the real test bed: node3 answers at 10.213.52.2 only through
// node1 (testbed.sh's bastion link). Status, host keys, the ssh config file, a lost hop and a
// backup, each through the hop.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings, type Settings } from '../../src/core/config';
import { approvableKey, type NodeError } from '../../src/core/model';
import { SshSession } from '../../src/core/ssh/sshSession';
import { REPO, TESTBED_DIR, onNode, rawConfig, testbed } from './helpers/testbed';

const CLI = path.join(REPO, 'dist', 'cli.js');
const CONFIG = path.join(TESTBED_DIR, 'config-bastion.json');
const BEHIND = '10.213.52.2';
const DIR = '/opt/datarobot/data/backups/gluster';

interface BastionConfig {
  nodes: { name: string; host: string; user: string; identityFile: string; proxyJump?: string; port?: number }[];
  knownHostsFile: string;
  [k: string]: unknown;
}

function bastionConfig(): BastionConfig {
  if (!fs.existsSync(CONFIG)) throw new Error(`${CONFIG} is missing: run bash testbed/testbed.sh bastion-link (or up)`);
  return JSON.parse(fs.readFileSync(CONFIG, 'utf8')) as BastionConfig;
}

function settings(over: Record<string, unknown> = {}): Settings {
  const raw = { ...bastionConfig(), timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 15000, keepaliveMs: 1000 }, ...over };
  const { settings: s, problems } = parseSettings(raw);
  if (problems.length) throw new Error(`bastion config has problems: ${JSON.stringify(problems)}`);
  return s;
}

const node1Ip = () => rawConfig().nodes.find((n) => n.name === 'node1')!.host;
const node3 = () => bastionConfig().nodes.find((n) => n.name === 'node3')!;
const key = () => node3().identityFile;
const hostKeyLine = (host: string) =>
  fs.readFileSync(bastionConfig().knownHostsFile, 'utf8').split('\n').find((l) => l.split(' ')[0] === host)!;

async function statusOf(s: Settings, name = 'node3') {
  const cluster = new Cluster(s);
  try {
    return await cluster.refreshNode(name);
  } finally {
    cluster.dispose();
  }
}

describe('a node behind a bastion', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-bastion-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('the bed: node3 has its own line in known_hosts for the address behind node1, and the config names the jump', () => {
    assert.equal(node3().host, BEHIND);
    assert.equal(node3().proxyJump, `root@${node1Ip()}`);
    assert.equal(hostKeyLine(BEHIND).split(' ').slice(1).join(' '), hostKeyLine(rawConfig().nodes.find((n) => n.name === 'node3')!.host).split(' ').slice(1).join(' '));
  });

  test('node3 through node1 is reachable, running, with both volumes', async () => {
    const s = await statusOf(settings());
    assert.equal(s.reachable, true, s.error?.message);
    assert.match(s.target, new RegExp(`^root@${BEHIND.replace(/\./g, '\\.')}:22 via root@${node1Ip().replace(/\./g, '\\.')}$`));
    assert.equal(s.container?.state, 'running');
    assert.deepEqual(s.volumes.map((v) => v.name), ['gv0', 'gvrep']);
    for (const v of s.volumes) assert.equal(v.bricksOnline, v.bricks, v.name);
  });

  test(`${BEHIND} without the jump is unreachable: only node1 gets there`, async () => {
    const s = await statusOf(settings({ nodes: [{ ...node3(), proxyJump: 'none' }] }));
    assert.equal(s.reachable, false);
    assert.equal(s.error?.kind, 'unreachable');
    assert.match(s.error!.message, new RegExp(`cannot reach ${BEHIND.replace(/\./g, '\\.')}:22: `));
  });

  test('an unknown key of the hop is hostKeyUnknown naming the hop; nothing is written until trusted, then under the hop\'s own name', async () => {
    const kh = path.join(tmp, 'known_hosts_no_bastion');
    const only = hostKeyLine(BEHIND) + '\n';
    fs.writeFileSync(kh, only);
    const cluster = new Cluster(settings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node3');
      assert.equal(s.reachable, false);
      assert.equal(s.error?.kind, 'hostKeyUnknown');
      const hop = `bastion root@${node1Ip()}:22 (hop 1 of 1 to node3)`;
      assert.equal(s.error!.hop, hop);
      assert.equal(s.error!.keyHost, node1Ip());
      assert.ok(s.error!.message.startsWith(`host key of ${hop} is not in ${kh}: ssh-ed25519 SHA256:`), s.error!.message);
      const expected = execFileSync('ssh-keygen', ['-lf', '-'], { input: hostKeyLine(node1Ip()) + '\n', encoding: 'utf8' }).split(' ')[1];
      assert.equal(s.error!.fingerprint, expected, "the fingerprint is node1's, the hop's");
      assert.equal(fs.readFileSync(kh, 'utf8'), only, 'nothing written');
      await cluster.trustHostKey('node3', approvableKey(s.error)!);
      const lines = fs.readFileSync(kh, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 2);
      assert.equal(lines[1].split(' ')[0], node1Ip(), 'the key is written for the hop, not for node3');
      const again = await cluster.refreshNode('node3');
      assert.equal(again.reachable, true, again.error?.message);
    } finally {
      cluster.dispose();
    }
  });

  test("the hop's approved key is written under the hop's name even when the status moved on meanwhile, never under node3's", async () => {
    const kh = path.join(tmp, 'known_hosts_hop_moved_on');
    fs.writeFileSync(kh, hostKeyLine(BEHIND) + '\n');
    const cluster = new Cluster(settings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node3');
      const approved = approvableKey(s.error);
      assert.ok(approved?.hop, `a hop's key waits: ${s.error?.message}`);
      // While the dialog is open, another window trusts the hop: node3 is reachable now.
      fs.appendFileSync(kh, hostKeyLine(node1Ip()) + '\n');
      assert.equal((await cluster.refreshNode('node3')).reachable, true);
      await cluster.trustHostKey('node3', approved);
      const lines = fs.readFileSync(kh, 'utf8').split('\n').filter(Boolean);
      const node1Key = hostKeyLine(node1Ip()).split(' ').slice(1).join(' ');
      assert.deepEqual(lines.map((l) => l.split(' ')[0]), [BEHIND, node1Ip(), node1Ip()]);
      assert.ok(!lines.some((l) => l.split(' ')[0] === BEHIND && l.endsWith(node1Key)), "node1's key is never trusted for node3's address");
    } finally {
      cluster.dispose();
    }
  });

  test("the hop's approved key is refused when node3's own key is the one waiting by the time the answer comes", async () => {
    const kh = path.join(tmp, 'known_hosts_hop_then_node');
    fs.writeFileSync(kh, '');
    const cluster = new Cluster(settings({ knownHostsFile: kh }));
    try {
      const s = await cluster.refreshNode('node3');
      const approved = approvableKey(s.error);
      assert.equal(approved?.keyHost, node1Ip(), s.error?.message);
      // Meanwhile the hop is trusted elsewhere: now node3's own (other) key waits.
      fs.writeFileSync(kh, hostKeyLine(node1Ip()) + '\n');
      const now = await cluster.refreshNode('node3');
      assert.equal(now.error?.kind, 'hostKeyUnknown');
      assert.equal(now.error?.hop, undefined);
      assert.equal(now.error?.keyHost, BEHIND);
      await assert.rejects(
        cluster.trustHostKey('node3', approved),
        new RegExp(`^Error: node3 now presents another host key \\(${now.error!.fingerprint!.replace(/[+/]/g, '\\$&')}\\) than the one approved for the jump host bastion root@${node1Ip().replace(/\./g, '\\.')}:22 \\(hop 1 of 1 to node3\\) \\(SHA256:[A-Za-z0-9+/]{43}\\): nothing was written`),
      );
      assert.equal(fs.readFileSync(kh, 'utf8'), hostKeyLine(node1Ip()) + '\n', 'nothing written');
    } finally {
      cluster.dispose();
    }
  });

  test('a changed key of the hop is refused, naming the hop', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'other')]);
    const other = fs.readFileSync(path.join(tmp, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const kh = path.join(tmp, 'known_hosts_changed_bastion');
    const content = `${node1Ip()} ${other}\n${hostKeyLine(BEHIND)}\n`;
    fs.writeFileSync(kh, content);
    const s = await statusOf(settings({ knownHostsFile: kh }));
    assert.equal(s.reachable, false);
    assert.equal(s.error?.kind, 'hostKeyChanged');
    assert.match(s.error!.message, new RegExp(`the host key of bastion root@${node1Ip().replace(/\./g, '\\.')}:22 \\(hop 1 of 1 to node3\\) has CHANGED`));
    assert.equal(fs.readFileSync(kh, 'utf8'), content);
  });

  test('a hop that does not answer is named in the reason', async () => {
    const s = await statusOf(settings({ nodes: [{ ...node3(), proxyJump: 'root@10.213.51.99' }] }));
    assert.equal(s.reachable, false);
    assert.equal(s.error?.kind, 'unreachable');
    assert.match(s.error!.message, /^cannot reach bastion root@10\.213\.51\.99:22 \(hop 1 of 1 to node3\): /);
  });

  test('the same route from an ssh config file: Host entries for the node and the bastion, HostName, User, IdentityFile, ProxyJump', async () => {
    const sshConfig = path.join(tmp, 'ssh_config');
    fs.writeFileSync(
      sshConfig,
      `Host gb-behind\n  HostName ${BEHIND}\n  User root\n  IdentityFile ${key()}\n  ProxyJump gb-bastion\n\n` +
        `Host gb-bastion\n  HostName ${node1Ip()}\n  User root\n  IdentityFile ${key()}\n`,
    );
    const s = await statusOf(settings({ nodes: [{ name: 'node3', host: 'gb-behind' }], sshConfigFile: sshConfig }));
    assert.equal(s.reachable, true, s.error?.message);
    assert.deepEqual(s.volumes.map((v) => v.name), ['gv0', 'gvrep']);
    // A bad value in that file stops the node with the file, the host and the keyword.
    fs.writeFileSync(sshConfig, `Host gb-behind\n  HostName ${BEHIND}\n  ProxyJump gb-bastion\nHost gb-bastion\n  Port 0\n`);
    const bad = await statusOf(settings({ nodes: [{ name: 'node3', host: 'gb-behind' }], sshConfigFile: sshConfig }));
    assert.equal(bad.error?.kind, 'config');
    assert.equal(bad.error?.message, `${sshConfig}: Port "0" for host gb-bastion is not a port number 1-65535`);
  });

  test('a lost hop makes the node unreachable with the hop as the reason; the next use reconnects', async () => {
    const s = settings();
    const session = new SshSession({ node: s.nodes.find((n) => n.name === 'node3')!, knownHostsFile: s.knownHostsFile, timeouts: s.timeouts });
    try {
      await session.connect();
      assert.equal(session.connected, true);
      const closed = new Promise<NodeError | undefined>((resolve) => session.once('closed', resolve));
      testbed('kill-sshd', 'node1');
      let why: NodeError | undefined;
      try {
        why = await closed;
      } finally {
        testbed('start-sshd', 'node1');
      }
      assert.equal(why?.kind, 'unreachable');
      assert.match(why!.message, new RegExp(`bastion root@${node1Ip().replace(/\./g, '\\.')}:22 \\(hop 1 of 1 to node3\\)`));
      assert.equal(session.connected, false);
      await session.connect();
      assert.equal(session.connected, true);
      await session.sftp();
    } finally {
      session.shutdown();
    }
  });

  test('a backup of node3 runs through the hop', () => {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`);
    const r = spawnSync(process.execPath, [CLI, '--config', CONFIG, '--json', 'backup', '--node', 'node3'], { encoding: 'utf8', timeout: 600_000 });
    const job = r.stdout.trim() ? (JSON.parse(r.stdout) as { id: string; node: string; state: string; archive: string }) : undefined;
    try {
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.equal(job?.node, 'node3');
      assert.equal(job?.state, 'completed');
      assert.equal(path.dirname(job!.archive), DIR);
      assert.equal(onNode('node3', ['test', '-s', job!.archive], { allowFail: true }).status, 0, 'the archive is on node3');
      // Every entry at the volume's root now (whatever earlier suites left there) is in the archive.
      const members = new Set(onNode('node3', ['docker', 'exec', 'gluster', 'tar', '-tf', job!.archive]).stdout.split('\n'));
      const top = onNode('node3', ['docker', 'exec', 'gluster', 'find', '/mnt/gluster', '-mindepth', '1', '-maxdepth', '1', '-printf', '%P\\n']).stdout.split('\n').filter(Boolean);
      assert.ok(top.length > 0, 'the volume has entries');
      for (const e of top) assert.ok(members.has(`./${e}`) || members.has(`./${e}/`), `./${e} is in the archive`);
    } finally {
      if (job?.id && /^datarobot-gluster-backup-[0-9-]+$/.test(job.id)) {
        onNode('node3', ['sh', '-c', 'cd "$1" && rm -f "$2".tar "$2".tar.gz "$2".*', 'clean', DIR, job.id]);
      }
    }
  });
});
