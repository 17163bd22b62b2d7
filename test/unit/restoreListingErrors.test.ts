// What the restore's verification takes from find's stderr: "No such file" is a member that did
// not come back (reported missing); anything else is a hole in the listing, and no verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listingErrors } from '../../src/core/restore/restoreJob';

test('find complaints other than a missing include are holes in the listing', () => {
  const stderr = [
    "find: '/mnt/gluster/t/gone': No such file or directory",
    "find: '/mnt/gluster/t/d': Transport endpoint is not connected",
    '',
    "find: '/mnt/gluster/t/e': Input/output error",
    '   ',
  ].join('\n');
  assert.deepEqual(listingErrors(stderr), ["find: '/mnt/gluster/t/d': Transport endpoint is not connected", "find: '/mnt/gluster/t/e': Input/output error"]);
  assert.deepEqual(listingErrors("find: '/mnt/gluster/t/gone': No such file or directory\n"), []);
  assert.deepEqual(listingErrors(''), []);
  // A name that merely contains the words is not the message's end.
  assert.deepEqual(listingErrors("find: '/x/No such file or directory.txt': Permission denied"), ["find: '/x/No such file or directory.txt': Permission denied"]);
});
