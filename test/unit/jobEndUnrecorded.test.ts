// A job's end that its job file cannot take (the backups directory full): the observer says
// what ended and why it is not recorded, instead of failing the look (which every caller showed
// as "unknown", the node unreachable). The decision alone; the integration test "disk still
// full at the end" runs it on the test bed with a real full directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unrecordedEnd } from '../../src/core/backup/jobEnd';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
const FILE = `/b/datarobot-gluster-backup-2026-04-12.job.json`;
const failed: JobRecord = { ...backupJob({ node: 'node1' }, { dir: '/b', archive: NAME }), state: 'failed', exitCode: 2, reason: 'the backups directory ran out of space (./a/big: Cannot write: No space left on device); the partial archive was removed' };

test('ENOSPC, or SFTP\'s "Failure" with the directory under the full mark: the end is shown, saying it is not recorded and why', () => {
  const tail = `not recorded on the node: the backups directory is full (0 bytes left), and writing ${FILE} failed (Failure); the first look after space is freed there records it`;
  assert.deepEqual(unrecordedEnd(failed, FILE, { message: 'Failure', code: 4 }, 0), { ...failed, reason: `${failed.reason}; ${tail}` });
  assert.deepEqual(unrecordedEnd(failed, FILE, { message: 'ENOSPC: no space left on device, write', code: 'ENOSPC' }, undefined)?.reason, `${failed.reason}; not recorded on the node: the backups directory is full, and writing ${FILE} failed (ENOSPC: no space left on device, write); the first look after space is freed there records it`);
  // A completed job has no reason of its own: the sentence is the reason.
  const done: JobRecord = { ...failed, state: 'completed', exitCode: 0, reason: undefined };
  assert.equal(unrecordedEnd(done, FILE, { message: 'Failure', code: 4 }, 1024 * 1024 - 1)?.reason, `not recorded on the node: the backups directory is full (1048575 bytes left), and writing ${FILE} failed (Failure); the first look after space is freed there records it`);
});

test('any other failure to write, with room in the directory or its room unknown, is not taken for a full directory', () => {
  for (const free of [1024 * 1024, 5 * 1024 * 1024, undefined]) {
    assert.equal(unrecordedEnd(failed, FILE, { message: 'EACCES: permission denied, open', code: 'EACCES' }, free), undefined, String(free));
    assert.equal(unrecordedEnd(failed, FILE, { message: 'Failure', code: 4 }, free), undefined, String(free));
  }
});
