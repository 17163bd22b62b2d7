// Preflight's verdict on volume health is about the volume behind glusterPath only: the
// recorded outputs of a real cluster with a distribute (gv0) and a replica (gvrep) volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeVolumeHealth, fromHealRead, parseHealSummary, parsePoolList, parseVolumeInfo, parseVolumeStatus, type GlusterHealInfo, type PathMount } from '../../src/core/gluster';
import { volumeHealthCheck } from '../../src/core/backup/preflight';
import type { Settled } from '../../src/core/settled';
import { nodeStatus } from '../helpers/builders';
import type { NodeStatus, VolumeHealth, VolumeProblem } from '../../src/core/model';
import { sample, SCENARIOS, type Scenario } from './helpers/samples';

/** The volumes of one recorded scenario, with the heal summary of gvrep replaced when given. */
function volumes(scenario: Scenario, opts: { gvrepStopped?: boolean; heal?: GlusterHealInfo | 'unknown' } = {}): VolumeHealth[] {
  const read = (f: string) => sample(scenario, f).stdout;
  const infos = parseVolumeInfo(read('vol-info.xml'));
  const pool = parsePoolList(read('pool-list.xml'));
  return infos.map((i) => {
    if (i.name === 'gvrep' && opts.gvrepStopped) return computeVolumeHealth({ ...i, status: 'Stopped' }, undefined, pool);
    const heal = i.name === 'gvrep' ? (opts.heal ?? parseHealSummary(read('heal-summary-gvrep.xml'))) : undefined;
    return computeVolumeHealth(i, parseVolumeStatus(read(`vol-status-${i.name}.xml`)), pool, heal);
  });
}

function node(vols: VolumeHealth[], extra: Partial<NodeStatus> = {}): NodeStatus {
  return nodeStatus({ volumes: vols, ...extra });
}

const read = (value: PathMount): Settled<PathMount> => ({ ok: true, value });
const at = (volume: string, mountPoint = '/mnt/gluster'): Settled<PathMount> => read({ kind: 'gluster', mount: { mountPoint, server: 'localhost', volume } });

test('gv0 healthy, gvrep stopped: pass, and gvrep is a note', () => {
  const c = volumeHealthCheck(node(volumes('status-healthy', { gvrepStopped: true })), at('gv0'), '/mnt/gluster', 'gluster');
  assert.equal(c.verdict, 'pass');
  assert.equal(c.reason, 'volume gv0 (Distribute), mounted at /mnt/gluster: 2/2 bricks online, peers 2/2 connected');
  assert.deepEqual(c.notes, ['volume gvrep (Replicate, Stopped) is not in this backup: volume gvrep is Stopped']);
});

test('backing up gvrep with gv0 missing a brick: gvrep decides (pass), gv0 is a note', () => {
  const vols = volumes('status-node2-stop');
  // Take gvrep's health from the healthy recording, gv0's (node2's brick gone) from the other.
  const healthyRep = volumes('status-healthy').find((v) => v.name === 'gvrep')!;
  const mixed = [vols.find((v) => v.name === 'gv0')!, healthyRep];
  const c = volumeHealthCheck(node(mixed), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.equal(c.verdict, 'pass', c.reason);
  assert.equal(c.reason, 'volume gvrep (Replicate), mounted at /mnt/gluster-rep: 2/2 bricks online, peers 2/2 connected, nothing pending heal');
  assert.deepEqual(c.notes, ['volume gv0 (Distribute, Started) is not in this backup: brick gluster-node2:/bricks/gv0 is offline; peer gluster-node2 is disconnected']);
});

test('the backed-up volume with a brick offline fails, naming the brick', () => {
  const c = volumeHealthCheck(node(volumes('status-node3-stop')), at('gv0'), '/mnt/gluster', 'gluster');
  assert.equal(c.verdict, 'fail');
  assert.equal(
    c.reason,
    'volume gv0 (Distribute), mounted at /mnt/gluster: brick gluster-node3:/bricks/gv0 of gv0 is offline; peer gluster-node3 is disconnected. Files on an offline brick would be missing from the archive without any error from tar.',
  );
});

test('a heal backlog on the backed-up replica warns with the number; an unknown heal state warns too', () => {
  const summary = parseHealSummary(sample('status-healthy', 'heal-summary-gvrep.xml').stdout.replace('<totalNumberOfEntries>0</totalNumberOfEntries>', '<totalNumberOfEntries>7</totalNumberOfEntries>'));
  const c = volumeHealthCheck(node(volumes('status-healthy', { heal: summary })), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.equal(c.verdict, 'warn');
  assert.equal(c.reason, 'volume gvrep (Replicate), mounted at /mnt/gluster-rep: 2/2 bricks online, peers 2/2 connected; 7 entries pending heal (the replicas differ until healed: the archive has the copy this node reads)');
  const u = volumeHealthCheck(node(volumes('status-healthy', { heal: 'unknown' })), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.equal(u.verdict, 'warn');
  assert.match(u.reason, /its heal state could not be read \(the replicas may differ\)$/);
  // The same backlog on gvrep while gv0 is backed up: not this backup's concern, and preflight
  // does not wait for that summary, so the note leaves heal out whether it was read or not.
  for (const heal of [summary, 'unknown' as const, undefined]) {
    const g = volumeHealthCheck(node(volumes('status-healthy', heal ? { heal } : {})), at('gv0'), '/mnt/gluster', 'gluster');
    assert.equal(g.verdict, 'pass');
    assert.deepEqual(g.notes, ['volume gvrep (Replicate, Started) is not in this backup']);
  }
});

test("another volume's split-brain and unreadable heal bricks are left out of its note; its offline brick is not", () => {
  const split = parseHealSummary(
    sample('status-healthy', 'heal-summary-gvrep.xml').stdout
      .replace('<totalNumberOfEntries>0</totalNumberOfEntries>', '<totalNumberOfEntries>1</totalNumberOfEntries>')
      .replace('<numberOfEntriesInSplitBrain>0</numberOfEntriesInSplitBrain>', '<numberOfEntriesInSplitBrain>1</numberOfEntriesInSplitBrain>'),
  );
  const vols = volumes('status-healthy', { heal: split });
  assert.deepEqual(vols.find((v) => v.name === 'gvrep')?.problems.map((p) => p.text), ['1 entry pending heal', '1 entry in split-brain'], 'the read gave both');
  const c = volumeHealthCheck(node(vols), at('gv0'), '/mnt/gluster', 'gluster');
  assert.deepEqual(c.notes, ['volume gvrep (Replicate, Started) is not in this backup']);
  const down = volumeHealthCheck(node(volumes('status-node2-stop')), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.match(down.notes?.[0] ?? '', /^volume gv0 \(Distribute, Started\) is not in this backup: brick \S+ is offline/);
});

/** gvrep's recorded heal summary with node1's brick unread and this status text in its place. */
function unreadBrick(scenario: Scenario, status: string): GlusterHealInfo {
  const xml = sample(scenario, 'heal-summary-gvrep.xml').stdout;
  const at = xml.indexOf('<name>gluster-node1:/bricks/gvrep</name>');
  const end = xml.indexOf('</brick>', at);
  return parseHealSummary(xml.slice(0, at) + `<name>gluster-node1:/bricks/gvrep</name><status>${status}</status>` + xml.slice(end));
}

test('fromHealRead marks exactly the problems a heal read adds, in every recorded scenario and edge form', () => {
  // Heal problems are added after all the others: what a heal form adds is the tail beyond the
  // problems of the same volume read without it, compared whole (text and mark), not by wording.
  const marked = new Set<string>();
  for (const scenario of SCENARIOS) {
    const read = (f: string) => sample(scenario, f).stdout;
    const raw = read('heal-summary-gvrep.xml');
    const forms: (GlusterHealInfo | 'reading' | 'unknown')[] = [
      'reading',
      'unknown',
      parseHealSummary(raw),
      parseHealSummary(raw.replace(/<totalNumberOfEntries>\d+</g, '<totalNumberOfEntries>1<').replace(/<numberOfEntriesInSplitBrain>\d+</g, '<numberOfEntriesInSplitBrain>2<')),
      // Texts a node may put in a brick's status that read like other problems.
      unreadBrick(scenario, 'brick gluster-node2:/bricks/gvrep is offline'),
      unreadBrick(scenario, 'peer gluster-node2 is disconnected'),
    ];
    const pool = parsePoolList(read('pool-list.xml'));
    for (const info of parseVolumeInfo(read('vol-info.xml'))) {
      for (const vol of [info, { ...info, status: 'Stopped' }]) {
        const status = vol.status === 'Started' ? parseVolumeStatus(read(`vol-status-${info.name}.xml`)) : undefined;
        for (const peers of [pool, undefined]) {
          const without = computeVolumeHealth(vol, status, peers, undefined).problems;
          assert.deepEqual(without.filter(fromHealRead), [], `${scenario} ${info.name} ${vol.status}: ${JSON.stringify(without)}`);
          for (const heal of forms) {
            const all = computeVolumeHealth(vol, status, peers, heal).problems;
            assert.deepEqual(all.slice(0, without.length), without, `${scenario} ${info.name}: the heal read takes nothing away`);
            assert.deepEqual(all.filter(fromHealRead), all.slice(without.length), `${scenario} ${info.name} ${vol.status}: ${JSON.stringify(all)}`);
            for (const p of all.filter(fromHealRead)) marked.add(p.kind);
          }
        }
      }
    }
  }
  assert.deepEqual([...marked].sort(), ['healBrickUnread', 'healPending', 'healUnknown', 'splitBrain'], 'every heal problem was made at least once');
});

test("a problem's kind, not its wording, decides preflight's verdict and another volume's note", () => {
  const rep = volumes('status-healthy').find((v) => v.name === 'gvrep')!;
  const gv0 = volumes('status-healthy').find((v) => v.name === 'gv0')!;
  const check = (problems: VolumeProblem[]) => volumeHealthCheck(node([gv0, { ...rep, problems }]), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  const note = (problems: VolumeProblem[]) => volumeHealthCheck(node([gv0, { ...rep, problems }]), at('gv0'), '/mnt/gluster', 'gluster').notes;
  // Worded as the heal problems are, but not from the heal read: refuses, and stays in the note.
  for (const text of ['3 entries pending heal', 'heal state of volume gvrep unknown: heal info did not answer', 'heal info could not read brick b: x']) {
    const p: VolumeProblem = { text, kind: 'peerDisconnected' };
    assert.equal(check([p]).verdict, 'fail', text);
    assert.match(check([p]).reason, new RegExp(`: ${text}\\. Files on an offline brick`));
    assert.deepEqual(note([p]), [`volume gvrep (Replicate, Started) is not in this backup: ${text}`]);
  }
  // Worded as nothing before: classified by kind all the same.
  const odd = (kind: VolumeProblem['kind']): VolumeProblem => ({ text: 'the replicas disagree', kind });
  assert.equal(check([odd('healPending')]).verdict, 'warn');
  assert.equal(check([odd('healUnknown')]).verdict, 'warn');
  assert.equal(check([odd('splitBrain')]).verdict, 'fail');
  assert.equal(check([odd('healBrickUnread')]).verdict, 'fail');
  for (const kind of ['healPending', 'healUnknown', 'splitBrain', 'healBrickUnread'] as const) {
    assert.deepEqual(note([odd(kind)]), ['volume gvrep (Replicate, Started) is not in this backup'], kind);
  }
  // An offline brick is named from the brick list, whatever its problem says.
  assert.equal(check([odd('brickOffline')]).verdict, 'pass');
});

test("a brick heal info could not read refuses the backup, whatever gluster put in its status", () => {
  // The status is the node's free text: one that ends like a pending heal is still an unread brick.
  const heal = unreadBrick('status-healthy', 'Transport endpoint is not connected: 3 entries pending heal');
  const c = volumeHealthCheck(node(volumes('status-healthy', { heal })), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.equal(c.verdict, 'fail');
  assert.match(c.reason, /: heal info could not read brick gluster-node1:\/bricks\/gvrep: Transport endpoint is not connected: 3 entries pending heal\. /);
});

test('split-brain on the backed-up volume fails', () => {
  const split = parseHealSummary(
    sample('status-healthy', 'heal-summary-gvrep.xml').stdout
      .replace('<totalNumberOfEntries>0</totalNumberOfEntries>', '<totalNumberOfEntries>1</totalNumberOfEntries>')
      .replace('<numberOfEntriesInSplitBrain>0</numberOfEntriesInSplitBrain>', '<numberOfEntriesInSplitBrain>1</numberOfEntriesInSplitBrain>'),
  );
  const c = volumeHealthCheck(node(volumes('status-healthy', { heal: split })), at('gvrep', '/mnt/gluster-rep'), '/mnt/gluster-rep', 'gluster');
  assert.equal(c.verdict, 'fail');
  assert.match(c.reason, /: 1 entry in split-brain\. /);
});

test('no gluster mount at glusterPath, an unknown volume, an unreadable mount table, gluster not answering: fail with why', () => {
  const vols = volumes('status-healthy');
  const other = volumeHealthCheck(node(vols), read({ kind: 'other', fsType: 'overlay', mountPoint: '/' }), '/mnt/gluster', 'gluster');
  assert.equal(other.verdict, 'fail');
  assert.match(other.reason, /^\/mnt\/gluster is not a GlusterFS mount in the gluster container on node1 \(it is overlay, mounted at \/\): the archive would hold no gluster data/);
  const none = volumeHealthCheck(node(vols), read({ kind: 'none' }), '/mnt/gluster', 'gluster');
  assert.match(none.reason, /\(no mount covers it\)/);
  const gone = volumeHealthCheck(node(vols), at('gvold'), '/mnt/gluster', 'gluster');
  assert.equal(gone.verdict, 'fail');
  assert.equal(gone.reason, "volume gvold, mounted at /mnt/gluster, is not in the volume list of node1's glusterd");
  assert.equal(gone.notes?.length, 2);
  const err = volumeHealthCheck(node(vols), { ok: false, error: new Error('exec failed') }, '/mnt/gluster', 'gluster');
  assert.equal(err.reason, 'cannot tell which volume is mounted at /mnt/gluster: exec failed');
  const silent = volumeHealthCheck(node([], { glusterError: 'gluster did not answer within 20 s' }), at('gv0'), '/mnt/gluster', 'gluster');
  assert.deepEqual([silent.verdict, silent.reason], ['fail', 'gluster did not answer within 20 s']);
});

test('a subdirectory mount names the directory it backs up', () => {
  const c = volumeHealthCheck(node(volumes('status-healthy')), read({ kind: 'gluster', mount: { mountPoint: '/mnt/gluster', server: 'localhost', volume: 'gv0', subdir: '/platform' } }), '/mnt/gluster', 'gluster');
  assert.equal(c.reason, 'volume gv0 (Distribute, its directory /platform), mounted at /mnt/gluster: 2/2 bricks online, peers 2/2 connected');
});
