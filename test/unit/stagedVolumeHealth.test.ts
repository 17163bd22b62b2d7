// How a refresh publishes volume rows when the heal summary (read one-shot, apart from the
// rest) has not come yet: the rows first with the count 'reading', then the rows with it; one
// stage when it is already there. The recorded outputs of a real cluster stand in for gluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHealSummary, parsePoolList, parseVolumeInfo, parseVolumeStatus, type GlusterHealInfo } from '../../src/core/gluster';
import { stagedVolumeHealth, knownVolumesOf, type SharedVolumeState } from '../../src/core/gluster/volumeProbe';
import { sample } from './helpers/samples';

const read = (f: string) => sample('status-healthy', f).stdout;
const pool = parsePoolList(read('pool-list.xml'));
const summary = parseHealSummary(read('heal-summary-gvrep.xml'));

function shared(heal: Promise<Map<string, GlusterHealInfo | undefined>>): SharedVolumeState {
  return { volumes: parseVolumeInfo(read('vol-info.xml')).map((info) => ({ info, status: parseVolumeStatus(read(`vol-status-${info.name}.xml`)) })), heal };
}

test('heal summary still on its way: rows now (heal reading), rows with the count later', async () => {
  let settle!: (m: Map<string, GlusterHealInfo | undefined>) => void;
  const staged = await stagedVolumeHealth(shared(new Promise((r) => (settle = r))), pool);
  assert.deepEqual(
    staged.volumes.map((v) => [v.name, v.bricksOnline, v.healState, v.healEntries]),
    [
      ['gv0', 2, undefined, undefined],
      ['gvrep', 2, 'reading', undefined],
    ],
  );
  assert.ok(staged.later, 'a second stage follows');
  settle(new Map([['gvrep', summary]]));
  const later = await staged.later;
  assert.deepEqual(later.map((v) => [v.name, v.healState, v.healEntries]), [
    ['gv0', undefined, undefined],
    ['gvrep', undefined, 0],
  ]);
});

test('heal summary already read (by another node of the round): one stage', async () => {
  const heal = Promise.resolve(new Map([['gvrep', summary]]));
  await heal;
  const staged = await stagedVolumeHealth(shared(heal), pool);
  assert.equal(staged.later, undefined);
  assert.equal(staged.volumes.find((v) => v.name === 'gvrep')?.healEntries, 0);
});

test('a heal read that failed leaves only that count unknown', async () => {
  let settle!: (m: Map<string, GlusterHealInfo | undefined>) => void;
  const staged = await stagedVolumeHealth(shared(new Promise((r) => (settle = r))), pool);
  settle(new Map([['gvrep', undefined]]));
  const later = await staged.later!;
  const rep = later.find((v) => v.name === 'gvrep')!;
  assert.equal(rep.healState, 'unknown');
  assert.equal(rep.bricksOnline, 2);
  assert.deepEqual(later.find((v) => v.name === 'gv0')!.problems, []);
});

test('no volume where heal applies: one stage, nothing reading', async () => {
  const s = shared(new Promise(() => undefined));
  s.volumes = s.volumes.filter((v) => v.info.name === 'gv0');
  const staged = await stagedVolumeHealth(s, pool);
  assert.equal(staged.later, undefined);
  assert.equal(staged.volumes[0].healState, undefined);
});

test('the next round knows which volumes to ask heal of before the list comes', () => {
  const s = shared(Promise.resolve(new Map()));
  assert.deepEqual(knownVolumesOf(s), { names: ['gv0', 'gvrep'], healing: ['gvrep'] });
  s.volumes[1].info = { ...s.volumes[1].info, status: 'Stopped' };
  assert.deepEqual(knownVolumesOf(s).healing, []);
});
