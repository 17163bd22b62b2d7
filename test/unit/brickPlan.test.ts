// Which bricks validate lists, from what gluster said on the recorded cluster (gv0 distribute
// over two nodes, gvrep replica 2) and from its own forms for the layouts the recordings lack
// (distributed-replicate, arbiter, sharding, disperse, a subdirectory mount). Every refusal has
// its sentence: the report shows it as the reason the mount was listed instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeVolumeHealth, parseHealSummary, parseVolumeInfo, parseVolumeStatus } from '../../src/core/gluster';
import type { GlusterBrickRef, GlusterVolumeInfo } from '../../src/core/gluster/types';
import type { VolumeHealth } from '../../src/core/model';
import { planBrickListing, subOf } from '../../src/core/bricks/brickPlan';
import { sample, type Scenario } from './helpers/samples';

const MOUNT = { mountPoint: '/mnt/gluster', server: 'localhost', volume: 'gv0' };

function recorded(sc: Scenario, volume: string): { info: GlusterVolumeInfo; health: VolumeHealth } {
  const infoS = sample(sc, 'vol-info.xml');
  const info = parseVolumeInfo(infoS.stdout, infoS.exitCode).find((v) => v.name === volume)!;
  // A recording of a failed call (the volume's node stopped) is what a refresh reads as unknown.
  const orUndefined = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const st = sample(sc, `vol-status-${volume}.xml`);
  const status = orUndefined(() => parseVolumeStatus(st.stdout, st.exitCode));
  const h = sample(sc, `heal-summary-${volume}.xml`);
  const heal = orUndefined(() => parseHealSummary(h.stdout, h.exitCode));
  return { info, health: computeVolumeHealth(info, status, undefined, volume === 'gvrep' ? (heal ?? 'unknown') : undefined) };
}

test('recorded gv0 (distribute, a brick on each of two nodes, all online): every brick, directories from the first only', () => {
  const { info, health } = recorded('status-healthy', 'gv0');
  const plan = planBrickListing(info, health, MOUNT, '/mnt/gluster');
  assert.equal(plan.kind, 'bricks');
  if (plan.kind !== 'bricks') return;
  assert.deepEqual(plan.bricks.map((b) => b.name), info.bricks.map((b) => b.name));
  assert.deepEqual(plan.bricks.map((b) => b.dirs), [true, false]);
  assert.deepEqual(plan.bricks.map((b) => b.uuid), info.bricks.map((b) => b.hostUuid));
  assert.equal(plan.sub, '');
  assert.equal(plan.mdata, true, 'features.ctime is on by default');
});

test('recorded gvrep (replica 2, nothing pending heal): one brick of the set', () => {
  const { info, health } = recorded('status-healthy', 'gvrep');
  assert.equal(health.healEntries, 0);
  const plan = planBrickListing(info, health, { ...MOUNT, volume: 'gvrep', mountPoint: '/mnt/gluster-rep' }, '/mnt/gluster-rep');
  assert.equal(plan.kind, 'bricks');
  if (plan.kind === 'bricks') assert.deepEqual(plan.bricks.map((b) => [b.name, b.dirs]), [[info.bricks[0].name, true]]);
});

test('recorded cluster with node2 stopped: its brick is offline, so the mount is listed, and the sentence says so', () => {
  const { info, health } = recorded('status-node2-stop', 'gv0');
  const plan = planBrickListing(info, health, MOUNT, '/mnt/gluster');
  assert.deepEqual(plan, { kind: 'mount', why: 'volume gv0: 1 brick(s) offline' });
});

function brick(i: number, o: Partial<GlusterBrickRef> = {}): GlusterBrickRef {
  const host = `10.0.0.${i}`;
  return { name: `${host}:/bricks/v`, host, path: '/bricks/v', hostUuid: `00000000-0000-0000-0000-00000000000${i}`, isArbiter: false, ...o };
}

function vol(o: Partial<GlusterVolumeInfo>): GlusterVolumeInfo {
  const bricks = o.bricks ?? [brick(1), brick(2)];
  return { name: 'gv0', id: 'x', status: 'Started', type: 'Distribute', brickCount: bricks.length, bricks, options: {}, ...o };
}

function healthy(info: GlusterVolumeInfo, o: Partial<VolumeHealth> = {}): VolumeHealth {
  return {
    name: info.name,
    type: info.type,
    status: info.status,
    bricks: info.bricks.length,
    bricksOnline: info.bricks.length,
    brickList: info.bricks.map((b) => ({ name: b.name, host: b.host, path: b.path, online: true })),
    peersConnected: 3,
    peersTotal: 3,
    problems: [],
    ...((info.replicaCount ?? 1) > 1 ? { healEntries: 0 } : {}),
    ...o,
  };
}

test('distributed-replicate 2 x 3 with an arbiter in each set: one data brick per set, spread over the nodes, never the arbiter', () => {
  const bricks = [brick(1), brick(2), brick(3, { isArbiter: true }), brick(4), brick(5), brick(6, { isArbiter: true })];
  const info = vol({ type: 'Distributed-Replicate', replicaCount: 3, arbiterCount: 1, bricks });
  const plan = planBrickListing(info, healthy(info), MOUNT, '/mnt/gluster');
  assert.equal(plan.kind, 'bricks');
  if (plan.kind === 'bricks') assert.deepEqual(plan.bricks.map((b) => [b.name, b.dirs]), [[bricks[0].name, true], [bricks[4].name, false]]);
});

test('refusals: each says why the mount is listed', () => {
  const d = vol({});
  const cases: [string, ReturnType<typeof planBrickListing>][] = [
    ['gluster did not describe volume gv0', planBrickListing(undefined, undefined, MOUNT, '/mnt/gluster')],
    ['volume gv0 is Stopped', planBrickListing(vol({ status: 'Stopped' }), healthy(d), MOUNT, '/mnt/gluster')],
    ['volume gv0 is Disperse: only distribute and replicate volumes are listed from their bricks', planBrickListing(vol({ type: 'Disperse', disperseCount: 2 }), healthy(d), MOUNT, '/mnt/gluster')],
    ['volume gv0: the volume is sharded (its bricks hold pieces of files)', planBrickListing(vol({ options: { 'features.shard': 'on' } }), healthy(d), MOUNT, '/mnt/gluster')],
    ['the state of volume gv0 could not be read', planBrickListing(d, undefined, MOUNT, '/mnt/gluster')],
    ['the brick status of volume gv0 could not be read', planBrickListing(d, healthy(d, { brickStatusUnknown: true, bricksOnline: 0 }), MOUNT, '/mnt/gluster')],
    ['volume gv0: gluster listed 2 of 3 bricks', planBrickListing(vol({ brickCount: 3 }), healthy(d), MOUNT, '/mnt/gluster')],
    ['volume gv0: gluster did not say which node holds brick 10.0.0.2:/bricks/v', planBrickListing(vol({ bricks: [brick(1), brick(2, { hostUuid: undefined })] }), healthy(d), MOUNT, '/mnt/gluster')],
    ['/srv/elsewhere is not a plain directory of the volume mounted at /mnt/gluster', planBrickListing(d, healthy(d), MOUNT, '/srv/elsewhere')],
    ['/mnt/gluster/a/../b is not a plain directory of the volume mounted at /mnt/gluster', planBrickListing(d, healthy(d), MOUNT, '/mnt/gluster/a/../b')],
  ];
  for (const [why, plan] of cases) assert.deepEqual(plan, { kind: 'mount', why });
  const rep = vol({ type: 'Replicate', replicaCount: 2 });
  assert.deepEqual(planBrickListing(rep, healthy(rep, { healEntries: 4 }), MOUNT, '/mnt/gluster'), { kind: 'mount', why: 'volume gv0 has 4 entries pending heal: its copies differ' });
  assert.deepEqual(planBrickListing(rep, healthy(rep, { healEntries: undefined, healState: 'unknown' }), MOUNT, '/mnt/gluster'), { kind: 'mount', why: 'the heal state of volume gv0 is unknown' });
  assert.equal(planBrickListing(vol({ options: { 'features.shard': 'off' } }), healthy(d), MOUNT, '/mnt/gluster').kind, 'bricks');
});

test('features.ctime off: times from the brick files themselves, as FUSE then shows them', () => {
  const d = vol({ options: { 'features.ctime': 'off' } });
  const plan = planBrickListing(d, healthy(d), MOUNT, '/mnt/gluster');
  assert.equal(plan.kind === 'bricks' && plan.mdata, false);
});

test('subOf: the listed root below the volume, through subdirectory mounts too', () => {
  assert.equal(subOf(MOUNT, '/mnt/gluster'), '');
  assert.equal(subOf(MOUNT, '/mnt/gluster/'), '');
  assert.equal(subOf(MOUNT, '/mnt/gluster/a/b'), 'a/b');
  assert.equal(subOf({ ...MOUNT, subdir: '/team' }, '/mnt/gluster/a'), 'team/a');
  assert.equal(subOf({ ...MOUNT, subdir: '/team' }, '/mnt/gluster'), 'team');
  assert.equal(subOf(MOUNT, '/mnt/glusterfs'), undefined, 'a sibling with the same prefix is not below the mount');
  assert.equal(subOf(MOUNT, '/mnt/gluster/./a'), 'a');
  assert.equal(subOf(MOUNT, '/mnt/gluster/..'), undefined);
});
