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
