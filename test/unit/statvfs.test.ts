// The free space a node's sftp-server reports: ssh2's field names, and a reply that is not numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableBytes } from '../../src/core/ssh/statvfs';

// As ssh2 parsed a full 4 MiB tmpfs on the test bed, and one with room.
const FULL = { f_bsize: 4096, f_frsize: 4096, f_blocks: 1024, f_bfree: 0, f_bavail: 0, f_files: 3085474, f_ffree: 3085472, f_favail: 3085472, f_sid: 1, f_flag: 0, f_namemax: 255 };

test('available bytes are f_bavail blocks of f_frsize bytes', () => {
  assert.equal(availableBytes(FULL), 0);
  assert.equal(availableBytes({ ...FULL, f_bavail: 300, f_bfree: 310 }), 1_228_800);
  assert.equal(availableBytes({ ...FULL, f_frsize: 1024, f_bsize: 4096, f_bavail: 3 }), 3072);
});

test('a reply without usable numbers is an error, never NaN or a guess', () => {
  assert.throws(() => availableBytes({ bavail: 0, frsize: 4096 }), { message: 'statvfs answered no usable f_bavail (undefined)' });
  assert.throws(() => availableBytes({ ...FULL, f_bavail: -1 }), { message: 'statvfs answered no usable f_bavail (-1)' });
  assert.throws(() => availableBytes({ ...FULL, f_frsize: 1.5 }), { message: 'statvfs answered no usable f_frsize (1.5)' });
  assert.throws(() => availableBytes({ ...FULL, f_bavail: '12' }), { message: 'statvfs answered no usable f_bavail (string)' });
  assert.throws(() => availableBytes(null), { message: 'statvfs answered no usable f_bavail (undefined)' });
  assert.throws(() => availableBytes({ ...FULL, f_bavail: 2 ** 40, f_frsize: 2 ** 20 }), { message: `statvfs answered more free space than a number holds (${2 ** 60})` });
});
