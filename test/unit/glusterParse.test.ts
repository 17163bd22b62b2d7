// Parsers against the real `gluster --xml` outputs of a 2-node cluster (healthy, node2 stopped)
// and a 3-node cluster (node3 stopped). Expected values were read from the samples by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GlusterCliError,
  parseHealInfo,
  parseHealSummary,
  parsePeerStatus,
  parsePoolList,
  parseVolumeInfo,
  parseVolumeStatus,
} from '../../src/core/gluster';
import { SCENARIOS, sample, samplesDir } from './helpers/samples';

const N1 = 'e8a92266-eb51-40bb-8a82-1b017deb77c7'; // 2-node cluster
const N2 = 'def955e8-831a-498a-993c-4ba4f37357b9';
const C3 = {
  n1: 'da86d50c-2faf-4f95-b8b4-2e96202c8b04', // 3-node cluster
  n2: '109c3cb9-3598-4f74-aaea-f369c4a48f20',
  n3: 'ee82cc02-ef8f-4830-875f-9616c6e40131',
};

const run = <T>(f: (s: string, c?: number) => T, s: { stdout: string; exitCode: number }): T => f(s.stdout, s.exitCode);

test('the recorded samples are present', () => {
  assert.ok(samplesDir());
});

test('peer status: one peer, connected while healthy, disconnected with node2 stopped', () => {
  const healthy = run(parsePeerStatus, sample('status-healthy', 'peer-status.xml'));
  assert.deepEqual(healthy, [
    {
      uuid: N2,
      hostname: 'gluster-node2',
      hostnames: ['gluster-node2'],
      connected: true,
      state: 3,
      stateStr: 'Peer in Cluster',
      self: false,
    },
  ]);
  const down = run(parsePeerStatus, sample('status-node2-stop', 'peer-status.xml'));
  assert.equal(down.length, 1);
  assert.equal(down[0]!.connected, false);
});

test('peer status with node3 stopped: node2 connected, node3 not', () => {
  const peers = run(parsePeerStatus, sample('status-node3-stop', 'peer-status.xml'));
  assert.deepEqual(
    peers.map((p) => [p.hostname, p.uuid, p.connected]),
    [
      ['gluster-node2', C3.n2, true],
      ['gluster-node3', C3.n3, false],
    ],
  );
});

test('pool list includes the answering node as localhost (self)', () => {
  const pool = run(parsePoolList, sample('status-node3-stop', 'pool-list.xml'));
  assert.deepEqual(
    pool.map((p) => [p.hostname, p.uuid, p.connected, p.self]),
    [
      ['gluster-node2', C3.n2, true, false],
      ['gluster-node3', C3.n3, false, false],
      ['localhost', C3.n1, true, true],
    ],
  );
  const local = pool[2]!;
  assert.equal(local.state, undefined);
  assert.deepEqual(local.hostnames, ['localhost']);
  const twoNode = run(parsePoolList, sample('status-node2-stop', 'pool-list.xml'));
  assert.deepEqual(twoNode.map((p) => [p.hostname, p.connected]), [['gluster-node2', false], ['localhost', true]]);
});

test('volume info: both volumes with bricks, uuids, counts and options', () => {
  for (const scenario of ['status-healthy', 'status-node2-stop'] as const) {
    const vols = run(parseVolumeInfo, sample(scenario, 'vol-info.xml'));
    assert.deepEqual(vols.map((v) => [v.name, v.type, v.status, v.brickCount]), [
      ['gv0', 'Distribute', 'Started', 2],
      ['gvrep', 'Replicate', 'Started', 2],
    ]);
    const [gv0, gvrep] = vols;
    assert.equal(gv0!.id, '4d283b46-8afb-4aeb-abb5-73416e6939eb');
    assert.deepEqual(gv0!.bricks, [
      { name: 'gluster-node1:/bricks/gv0', host: 'gluster-node1', path: '/bricks/gv0', hostUuid: N1, isArbiter: false },
      { name: 'gluster-node2:/bricks/gv0', host: 'gluster-node2', path: '/bricks/gv0', hostUuid: N2, isArbiter: false },
    ]);
    assert.equal(gv0!.distCount, 2);
    assert.equal(gv0!.replicaCount, 1);
    assert.deepEqual(gv0!.options, {
      'storage.fips-mode-rchecksum': 'on',
      'transport.address-family': 'inet',
      'nfs.disable': 'on',
    });
    assert.equal(gvrep!.replicaCount, 2);
    assert.equal(gvrep!.options['performance.client-io-threads'], 'off');
    assert.equal(Object.keys(gvrep!.options).length, 5);
  }
  const three = run(parseVolumeInfo, sample('status-node3-stop', 'vol-info.xml'));
  assert.deepEqual(three.map((v) => [v.name, v.brickCount, v.bricks.length, v.distCount, v.replicaCount]), [
    ['gv0', 3, 3, 3, 1],
    ['gvrep', 3, 3, 1, 3],
  ]);
  assert.deepEqual(three[1]!.bricks.map((b) => [b.name, b.hostUuid]), [
    ['gluster-node1:/bricks/gvrep', C3.n1],
    ['gluster-node2:/bricks/gvrep', C3.n2],
    ['gluster-node3:/bricks/gvrep', C3.n3],
  ]);
});

test('volume status healthy: every brick online with pid and port; replica adds self-heal daemons', () => {
  const gv0 = run(parseVolumeStatus, sample('status-healthy', 'vol-status-gv0.xml'));
  assert.equal(gv0.name, 'gv0');
  assert.equal(gv0.nodeCount, 2);
  assert.deepEqual(gv0.bricks, [
    { host: 'gluster-node1', path: '/bricks/gv0', name: 'gluster-node1:/bricks/gv0', peerId: N1, online: true, pid: 161, port: 59804, rdmaPort: undefined },
    { host: 'gluster-node2', path: '/bricks/gv0', name: 'gluster-node2:/bricks/gv0', peerId: N2, online: true, pid: 92, port: 50655, rdmaPort: undefined },
  ]);
  assert.deepEqual(gv0.daemons, []);

  const gvrep = run(parseVolumeStatus, sample('status-healthy', 'vol-status-gvrep.xml'));
  assert.equal(gvrep.nodeCount, 4);
  assert.deepEqual(gvrep.bricks.map((b) => [b.name, b.pid, b.port]), [
    ['gluster-node1:/bricks/gvrep', 206, 59993],
    ['gluster-node2:/bricks/gvrep', 125, 56138],
  ]);
  assert.deepEqual(gvrep.daemons, [
    { name: 'Self-heal Daemon', host: 'localhost', peerId: N1, online: true, pid: 223, port: undefined },
    { name: 'Self-heal Daemon', host: 'gluster-node2', peerId: N2, online: true, pid: 142, port: undefined },
  ]);
});

test('volume status with a node stopped: its rows vanish (single <node> still parses)', () => {
  const gv0 = run(parseVolumeStatus, sample('status-node2-stop', 'vol-status-gv0.xml'));
  assert.equal(gv0.nodeCount, 1);
  assert.deepEqual(gv0.bricks.map((b) => [b.name, b.online, b.pid]), [['gluster-node1:/bricks/gv0', true, 161]]);
  const gvrep = run(parseVolumeStatus, sample('status-node2-stop', 'vol-status-gvrep.xml'));
  assert.equal(gvrep.nodeCount, 2);
  assert.deepEqual(gvrep.bricks.map((b) => b.name), ['gluster-node1:/bricks/gvrep']);
  assert.deepEqual(gvrep.daemons.map((d) => [d.host, d.pid]), [['localhost', 223]]);

  for (const vol of ['gv0', 'gvrep']) {
    const s = run(parseVolumeStatus, sample('status-node3-stop', `vol-status-${vol}.xml`));
    assert.deepEqual(s.bricks.map((b) => [b.host, b.peerId, b.online]), [
      ['gluster-node1', C3.n1, true],
      ['gluster-node2', C3.n2, true],
    ]);
  }
  const n3gv0 = run(parseVolumeStatus, sample('status-node3-stop', 'vol-status-gv0.xml'));
  assert.deepEqual(n3gv0.bricks.map((b) => [b.pid, b.port]), [[178, 60702], [94, 55454]]);
});

test('volume status detail keeps the filesystem fields', () => {
  const s = run(parseVolumeStatus, sample('status-healthy', 'vol-status-gv0-detail.xml'));
  assert.equal(s.bricks.length, 2);
  assert.deepEqual(s.bricks[0]!.detail, {
    sizeTotal: 270553174016,
    sizeFree: 235835437056,
    inodesTotal: 16777216,
    inodesFree: 16298052,
    blockSize: 4096,
    device: '/dev/vda',
    fsName: 'ext4',
    mntOptions: 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534',
  });
  assert.equal(s.bricks[1]!.detail?.sizeFree, 235835428864);
  const down = run(parseVolumeStatus, sample('status-node2-stop', 'vol-status-gvrep-detail.xml'));
  assert.deepEqual(down.bricks.map((b) => [b.name, b.detail?.sizeFree]), [['gluster-node1:/bricks/gvrep', 235310669824]]);
  // Without "detail" there is no detail object at all.
  assert.equal(run(parseVolumeStatus, sample('status-healthy', 'vol-status-gv0.xml')).bricks[0]!.detail, undefined);
});

test('heal info on the replica: counts per brick, unreachable brick has no count', () => {
  const ok = run(parseHealInfo, sample('status-healthy', 'heal-info-gvrep.xml'));
  assert.deepEqual(ok, {
    bricks: [
      { name: 'gluster-node1:/bricks/gvrep', host: 'gluster-node1', path: '/bricks/gvrep', hostUuid: N1, status: 'Connected', connected: true, entries: 0 },
      { name: 'gluster-node2:/bricks/gvrep', host: 'gluster-node2', path: '/bricks/gvrep', hostUuid: N2, status: 'Connected', connected: true, entries: 0 },
    ],
    totalEntries: 0,
    splitBrainEntries: 0,
    unreadBricks: 0,
  });
  const down = run(parseHealInfo, sample('status-node3-stop', 'heal-info-gvrep.xml'));
  assert.equal(down.bricks.length, 3);
  assert.deepEqual(down.bricks[2], {
    name: 'gluster-node3:/bricks/gvrep',
    host: 'gluster-node3',
    path: '/bricks/gvrep',
    hostUuid: undefined,
    status: 'Transport endpoint is not connected',
    connected: false,
  });
  assert.equal(down.unreadBricks, 1);
  assert.equal(down.totalEntries, 0);
});

test('a negative count from a node is not a value: the brick is unread, never a -1 that cancels another brick\'s entries', () => {
  const s = sample('status-healthy', 'heal-info-gvrep.xml');
  const counts = [...s.stdout.matchAll(/<numberOfEntries>(\d+)<\/numberOfEntries>/g)];
  assert.ok(counts.length >= 2, 'the sample holds a count per brick');
  // The first brick says 3 pending, the second -3: summed, 0 would read as "nothing to heal".
  let i = 0;
  const mutated = s.stdout.replace(/<numberOfEntries>\d+<\/numberOfEntries>/g, () => `<numberOfEntries>${i++ === 0 ? 3 : -3}</numberOfEntries>`);
  const r = parseHealInfo(mutated, s.exitCode);
  assert.equal(r.bricks[0].entries, 3);
  assert.equal(r.bricks[1].entries, undefined);
  assert.equal(r.totalEntries, 3);
  assert.equal(r.unreadBricks, counts.length - 1);
  // Sizes and counts of volume status and info likewise.
  const st = sample('status-healthy', 'vol-status-gv0-detail.xml');
  const neg = parseVolumeStatus(st.stdout.replace(/<sizeFree>\d+<\/sizeFree>/, '<sizeFree>-1</sizeFree>'), st.exitCode);
  assert.equal(neg.bricks[0]!.detail?.sizeFree, undefined);
  assert.equal(typeof neg.bricks[0]!.detail?.sizeTotal, 'number', 'the other figures stay');
});

test('heal info summary: per-kind counts; glued garbage on a down brick is neither status nor a 0', () => {
  const ok = run(parseHealSummary, sample('status-healthy', 'heal-summary-gvrep.xml'));
  assert.deepEqual(ok.bricks.map((b) => [b.entries, b.healPending, b.splitBrain, b.possiblyHealing]), [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ]);
  for (const [scenario, count] of [['status-node2-stop', 2], ['status-node3-stop', 3]] as const) {
    const down = run(parseHealSummary, sample(scenario, 'heal-summary-gvrep.xml'));
    assert.equal(down.bricks.length, count);
    const last = down.bricks[count - 1]!;
    assert.equal(last.status, 'Failed to process entries completely. (Transport endpoint is not connected)');
    assert.equal(last.connected, false);
    assert.equal(last.entries, undefined);
    assert.equal(down.unreadBricks, 1);
  }
});

test('heal on the distribute volume is "not applicable", in every scenario', () => {
  for (const scenario of SCENARIOS) {
    for (const file of ['heal-info-gv0.xml', 'heal-summary-gv0.xml']) {
      const s = sample(scenario, file);
      assert.equal(s.exitCode, 234);
      assert.throws(
        () => parseHealInfo(s.stdout, s.exitCode),
        (e: unknown) => {
          assert.ok(e instanceof GlusterCliError);
          assert.equal(e.kind, 'notApplicable');
          assert.equal(e.notApplicable, true);
          assert.equal(e.retryable, false);
          assert.equal(e.details.opRet, -1);
          assert.equal(e.details.opErrno, 22);
          assert.equal(e.details.exitCode, 234);
          assert.match(e.message, /^This command is supported for only volumes of replicate\/disperse type/);
          return true;
        },
      );
    }
  }
});

test('XML the validator passes but the parser rejects (a NUL in the declaration) is malformed, not a crash', () => {
  const xml = sample('status-healthy', 'pool-list.xml').stdout.replace('standalone="yes"?>', 'standalone="yes\0?>');
  assert.throws(() => parsePoolList(xml, 0), (e: Error) => e instanceof GlusterCliError && e.kind === 'malformed' && /gluster printed malformed XML/.test(e.message));
});
