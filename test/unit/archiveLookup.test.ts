// Where an archive is not: the message an operator sees when validate or restore cannot find
// the archive named, with nodes that answered, nodes that could not be asked, or both.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { notFoundOn } from '../../src/core/validate/validateBackup';

const A = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2026-07-12.tar';
const said = (names: string[], errors: [string, string][]) => {
  try {
    notFoundOn(A, names, new Map(errors));
  } catch (e) {
    return (e as Error).message;
  }
  return 'nothing thrown';
};

test('every node answered: not found on each of them', () => {
  assert.equal(said(['node1', 'node2', 'node3'], []), `${A} not found on node1, node2, node3`);
});

test('no node could be asked: the archive was not looked for, and each reason is named once', () => {
  assert.equal(said(['node1'], [['node1', 'node1: the cluster was closed']]), `${A} could not be looked for: node1: the cluster was closed`);
});

test('some answered, some could not be asked: not found only where it was looked for', () => {
  assert.equal(
    said(['node1', 'node2', 'node3'], [['node2', 'node2: connect timed out after 8000 ms']]),
    `${A} not found on node1, node3; not looked for on node2: connect timed out after 8000 ms`,
  );
});
