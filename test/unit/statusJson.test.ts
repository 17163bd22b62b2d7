// `status --json` is documented with a volume's problems as a list of texts: the kinds the core
// marks them with stay inside, so the shape scripts read does not change with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatusTable, statusJson } from '../../src/cli/format';
import { nodeStatus } from '../helpers/builders';
import type { VolumeHealth } from '../../src/core/model';

const rep: VolumeHealth = {
  name: 'gvrep',
  type: 'Replicate',
  status: 'Started',
  bricks: 2,
  bricksOnline: 2,
  brickList: [],
  peersConnected: 2,
  peersTotal: 2,
  healEntries: 3,
  problems: [
    { text: '3 entries pending heal', kind: 'healPending' },
    { text: 'peer gluster-node2 is disconnected', kind: 'peerDisconnected' },
  ],
};

test('status --json gives the problems as their texts, in order', () => {
  const json = statusJson([nodeStatus({ volumes: [rep] })]);
  assert.deepEqual(json.nodes[0]!.volumes[0]!.problems, ['3 entries pending heal', 'peer gluster-node2 is disconnected']);
});

test('the status table shows each problem by its text', () => {
  const table = formatStatusTable([nodeStatus({ volumes: [rep] })]);
  assert.match(table, /\n {4}! 3 entries pending heal\n {4}! peer gluster-node2 is disconnected\n/);
});

test("the status table gives an archive's time as list does (UTC, to the second); --json keeps the ISO form", () => {
  const b = { name: 'datarobot-gluster-backup-2026-07-12.tar', path: '/b/datarobot-gluster-backup-2026-07-12.tar', size: 9961472, mtime: '2026-12-07T19:46:12.000Z', partial: false };
  const table = formatStatusTable([nodeStatus({ backups: [b, { ...b, name: `${b.name}.partial`, mtime: '2026-12-07T19:50:00Z', partial: true }] })]);
  assert.match(table, /\n {2}backup datarobot-gluster-backup-2026-07-12\.tar {2}9\.5 MiB {2}2026-12-07 19:46:12 UTC\n {2}backup datarobot-gluster-backup-2026-07-12\.tar\.partial {2}9\.5 MiB {2}2026-12-07 19:50:00 UTC {2}\(partial\)\n$/);
  assert.equal(statusJson([nodeStatus({ backups: [b] })]).nodes[0]!.backups[0]!.mtime, '2026-12-07T19:46:12.000Z');
});
