// VolumeHealth from the real samples: a stopped node's bricks vanish from volume status and
// must still count as offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeVolumeHealth,
  healApplies,
  parseHealInfo,
  parseHealSummary,
  parsePeerStatus,
  parsePoolList,
  parseVolumeInfo,
  parseVolumeStatus,
  type GlusterVolumeInfo,
} from '../../src/core/gluster';
import { sample, type Scenario } from './helpers/samples';

function load(scenario: Scenario) {
  const read = (file: string) => sample(scenario, file).stdout;
  const infos = parseVolumeInfo(read('vol-info.xml'));
  const info = (name: string): GlusterVolumeInfo => {
    const v = infos.find((i) => i.name === name);
    assert.ok(v, `volume ${name} in ${scenario}`);
    return v;
  };
  return {
    info,
    status: (vol: string) => parseVolumeStatus(read(`vol-status-${vol}.xml`)),
    pool: parsePoolList(read('pool-list.xml')),
    peers: parsePeerStatus(read('peer-status.xml')),
    heal: parseHealInfo(read('heal-info-gvrep.xml')),
    summary: parseHealSummary(read('heal-summary-gvrep.xml')),
  };
}

test('healthy: all bricks online, all peers connected, no problems', () => {
  const s = load('status-healthy');
  const gv0 = computeVolumeHealth(s.info('gv0'), s.status('gv0'), s.pool);
  assert.deepEqual(gv0, {
    name: 'gv0',
    type: 'Distribute',
    status: 'Started',
    bricks: 2,
    bricksOnline: 2,
    brickList: [
      { name: 'gluster-node1:/bricks/gv0', host: 'gluster-node1', path: '/bricks/gv0', online: true, pid: 161, port: 59804 },
      { name: 'gluster-node2:/bricks/gv0', host: 'gluster-node2', path: '/bricks/gv0', online: true, pid: 92, port: 50655 },
    ],
    peersConnected: 2,
    peersTotal: 2,
    problems: [],
  });
  const gvrep = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, s.heal);
  assert.equal(gvrep.type, 'Replicate');
  assert.equal(gvrep.bricksOnline, 2);
  assert.equal(gvrep.healEntries, 0);
  assert.deepEqual(gvrep.problems, []);
});

test('node2 stopped (2 nodes): its brick is offline in both volumes, peer disconnected', () => {
  const s = load('status-node2-stop');
  for (const vol of ['gv0', 'gvrep']) {
    const h = computeVolumeHealth(s.info(vol), s.status(vol), s.pool, vol === 'gvrep' ? s.heal : undefined);
    assert.equal(h.bricks, 2);
    assert.equal(h.bricksOnline, 1);
    assert.deepEqual(h.brickList.map((b) => [b.name, b.online]), [
      [`gluster-node1:/bricks/${vol}`, true],
      [`gluster-node2:/bricks/${vol}`, false],
    ]);
    assert.equal(h.brickList[1]!.pid, undefined);
    assert.equal(h.peersConnected, 1);
    assert.equal(h.peersTotal, 2);
    // Heal could not read node2's brick, but that brick is already reported offline.
    assert.deepEqual(h.problems, [
      { text: `brick gluster-node2:/bricks/${vol} is offline`, kind: 'brickOffline' },
      { text: 'peer gluster-node2 is disconnected', kind: 'peerDisconnected' },
    ]);
  }
  const gvrep = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, s.summary);
  assert.equal(gvrep.healEntries, 0);
});

test('node3 stopped (3 nodes): 2 of 3 bricks online, 2 of 3 peers; peer status gives the same counts', () => {
  const s = load('status-node3-stop');
  for (const vol of ['gv0', 'gvrep']) {
    for (const peers of [s.pool, s.peers]) {
      const h = computeVolumeHealth(s.info(vol), s.status(vol), peers, vol === 'gvrep' ? s.summary : undefined);
      assert.equal(h.bricks, 3);
      assert.equal(h.bricksOnline, 2);
      assert.deepEqual(h.brickList.filter((b) => !b.online).map((b) => b.name), [`gluster-node3:/bricks/${vol}`]);
      assert.equal(h.peersConnected, 2);
      assert.equal(h.peersTotal, 3);
      assert.deepEqual(h.problems, [
        { text: `brick gluster-node3:/bricks/${vol} is offline`, kind: 'brickOffline' },
        { text: 'peer gluster-node3 is disconnected', kind: 'peerDisconnected' },
      ]);
    }
  }
});

test('a killed brick (status 0, row still present) is offline', () => {
  const s = load('status-healthy');
  const xml = sample('status-healthy', 'vol-status-gv0.xml').stdout;
  const node2 = xml.indexOf('<hostname>gluster-node2</hostname>');
  const killed = xml.slice(0, node2) + xml.slice(node2).replace('<status>1</status>', '<status>0</status>').replace('<pid>92</pid>', '<pid>-1</pid>');
  const h = computeVolumeHealth(s.info('gv0'), parseVolumeStatus(killed), s.pool);
  assert.equal(h.bricksOnline, 1);
  assert.deepEqual(h.problems, [{ text: 'brick gluster-node2:/bricks/gv0 is offline', kind: 'brickOffline' }]);
});

test('bricks match by uuid when volume status writes an address instead of the hostname', () => {
  const s = load('status-healthy');
  const xml = sample('status-healthy', 'vol-status-gv0.xml').stdout.replace('<hostname>gluster-node2</hostname>', '<hostname>10.213.51.12</hostname>');
  const h = computeVolumeHealth(s.info('gv0'), parseVolumeStatus(xml), s.pool);
  assert.equal(h.bricksOnline, 2);
  // No peerid either: the address is resolved through the peer's known names.
  const noIds = xml.replace(/<peerid>[^<]*<\/peerid>/g, '');
  const pool = parsePoolList(
    sample('status-healthy', 'pool-list.xml').stdout.replace('<hostname>gluster-node2</hostname>\n      </hostnames>', '<hostname>gluster-node2</hostname><hostname>10.213.51.12</hostname></hostnames>'),
  );
  assert.deepEqual(pool[0]!.hostnames, ['gluster-node2', '10.213.51.12']);
  assert.equal(computeVolumeHealth(s.info('gv0'), parseVolumeStatus(noIds), pool).bricksOnline, 2);
  assert.equal(computeVolumeHealth(s.info('gv0'), parseVolumeStatus(noIds), s.pool).bricksOnline, 1);
});

test('stopped volume, unreadable status, pending heal and split-brain', () => {
  const s = load('status-healthy');
  const stoppedInfo = parseVolumeInfo(sample('status-healthy', 'vol-info.xml').stdout.replace('<statusStr>Started</statusStr>', '<statusStr>Stopped</statusStr>'))[0]!;
  const stopped = computeVolumeHealth(stoppedInfo, undefined, s.pool);
  assert.equal(stopped.bricksOnline, 0);
  assert.deepEqual(stopped.problems, [{ text: 'volume gv0 is Stopped', kind: 'volumeNotStarted' }]);

  const unknown = computeVolumeHealth(s.info('gv0'), undefined, s.pool);
  assert.equal(unknown.bricksOnline, 0);
  assert.equal(unknown.brickStatusUnknown, true, 'unknown, not "none online"');
  assert.equal(computeVolumeHealth(s.info('gv0'), s.status('gv0'), s.pool).brickStatusUnknown, undefined);
  assert.equal(stopped.brickStatusUnknown, undefined, 'a stopped volume has no brick status to read');
  assert.deepEqual(unknown.problems, [{ text: 'brick status of volume gv0 unknown: volume status could not be read', kind: 'brickStatusUnknown' }]);

  const pending = parseHealInfo(sample('status-healthy', 'heal-info-gvrep.xml').stdout.replace('<numberOfEntries>0</numberOfEntries>', '<numberOfEntries>12</numberOfEntries>'));
  const h = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, pending);
  assert.equal(h.healEntries, 12);
  assert.deepEqual(h.problems, [{ text: '12 entries pending heal', kind: 'healPending' }]);

  const split = parseHealSummary(
    sample('status-healthy', 'heal-summary-gvrep.xml').stdout
      .replace('<totalNumberOfEntries>0</totalNumberOfEntries>', '<totalNumberOfEntries>1</totalNumberOfEntries>')
      .replace('<numberOfEntriesInSplitBrain>0</numberOfEntriesInSplitBrain>', '<numberOfEntriesInSplitBrain>1</numberOfEntriesInSplitBrain>'),
  );
  assert.deepEqual(computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, split).problems, [
    { text: '1 entry pending heal', kind: 'healPending' },
    { text: '1 entry in split-brain', kind: 'splitBrain' },
  ]);
});

test('heal applies to the replica only', () => {
  const s = load('status-node3-stop');
  assert.equal(healApplies(s.info('gv0')), false);
  assert.equal(healApplies(s.info('gvrep')), true);
});

test('each piece that could not be read is unknown on its own: peers, heal count', () => {
  const s = load('status-healthy');
  const noPeers = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), undefined, s.summary);
  assert.equal(noPeers.peerStatusUnknown, true);
  assert.deepEqual([noPeers.peersConnected, noPeers.peersTotal], [0, 0]);
  assert.equal(noPeers.bricksOnline, 2, 'brick status stands without the pool list (matched by name)');
  assert.equal(noPeers.healEntries, 0, 'and so does the heal count');
  assert.deepEqual(noPeers.problems, [{ text: 'peer status unknown: the pool list could not be read', kind: 'peerStatusUnknown' }]);

  const reading = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, 'reading');
  assert.equal(reading.healState, 'reading');
  assert.equal(reading.healEntries, undefined);
  assert.deepEqual(reading.problems, [], 'a count on its way is no problem yet');

  const unknown = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, 'unknown');
  assert.equal(unknown.healState, 'unknown');
  assert.equal(unknown.bricksOnline, 2);
  assert.deepEqual(unknown.problems, [{ text: 'heal state of volume gvrep unknown: heal info did not answer', kind: 'healUnknown' }]);

  // A summary in which no brick could be read says nothing about the count either.
  const unread = parseHealSummary(sample('status-node2-stop', 'heal-summary-gvrep.xml').stdout);
  const allUnread = { ...unread, bricks: unread.bricks.map((b) => ({ ...b, entries: undefined, connected: false })), unreadBricks: unread.bricks.length };
  const none = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, allUnread);
  assert.equal(none.healEntries, undefined);
  assert.equal(none.healState, 'unknown');

  const healthy = computeVolumeHealth(s.info('gvrep'), s.status('gvrep'), s.pool, s.summary);
  assert.equal(healthy.healState, undefined);
  assert.equal(healthy.peerStatusUnknown, undefined);
});
