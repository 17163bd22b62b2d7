// When the log calls a node's reason unchanged: a failed connect that keeps failing, whichever
// way the network says nothing answers, is one reason; other causes stay apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedReason } from '../../src/core/node/nodeErrors';
import { classifySshError } from '../../src/core/ssh/errors';

const WHERE = '10.213.51.12:22';
const errno = (code: string) => classifySshError(Object.assign(new Error(`connect ${code} ${WHERE}`), { code }), WHERE).nodeError;
const handshake = classifySshError(new Error('Timed out while waiting for handshake'), WHERE).nodeError;

test('host unreachable and a handshake timeout at the same address are the same reason', () => {
  assert.equal(loggedReason(errno('EHOSTUNREACH')), loggedReason(handshake));
  assert.equal(loggedReason(errno('ETIMEDOUT')), loggedReason(handshake));
  assert.equal(loggedReason(errno('ENETUNREACH')), loggedReason(handshake));
});

test('a refused connection, a silent link and an auth failure stay reasons of their own', () => {
  const reasons = [
    loggedReason(handshake),
    loggedReason(errno('ECONNREFUSED')),
    loggedReason(classifySshError(new Error('Keepalive timeout'), WHERE).nodeError),
    loggedReason(classifySshError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), WHERE).nodeError),
  ];
  assert.equal(new Set(reasons).size, reasons.length);
});

test('another address is another reason', () => {
  const other = classifySshError(new Error('Timed out while waiting for handshake'), '10.213.51.13:22').nodeError;
  assert.notEqual(loggedReason(other), loggedReason(handshake));
});

test('errors that are not about reaching the node compare by their message', () => {
  assert.equal(loggedReason({ kind: 'timeout', message: 'node2: docker ping: no answer within 18 s' }), 'node2: docker ping: no answer within 18 s');
});
