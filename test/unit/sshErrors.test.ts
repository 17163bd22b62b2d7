// The error kinds the explorer's fix actions depend on, from the errors ssh2 and net produce.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classifySshError, NodeErrorException, toNodeError } from '../../src/core/ssh/errors';

const err = (message: string, props: Record<string, string> = {}) => Object.assign(new Error(message), props);

test('socket errors and keepalive are unreachable, with host:port', () => {
  for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND']) {
    const e = classifySshError(err(`connect ${code} 10.0.0.1:22`, { code, level: 'client-socket' }), '10.0.0.1:22');
    assert.equal(e.kind, 'unreachable', code);
    assert.match(e.message, /10\.0\.0\.1:22/);
  }
  assert.equal(classifySshError(err('Keepalive timeout', { level: 'client-timeout' }), 'h:22').kind, 'unreachable');
  assert.equal(classifySshError(err('Timed out while waiting for handshake'), 'h:22').kind, 'unreachable');
  assert.equal(classifySshError(err('No response from server'), 'h:22').kind, 'unreachable');
});

test('auth, channel open failure and the rest', () => {
  const auth = classifySshError(err('All configured authentication methods failed', { level: 'client-authentication' }), 'h:22');
  assert.equal(auth.kind, 'auth');
  assert.equal(classifySshError(err('(SSH) Channel open failure: open failed'), 'h:22').kind, 'dockerUnavailable');
  assert.equal(classifySshError(err('something odd'), 'h:22').kind, 'other');
  const known = new NodeErrorException({ kind: 'hostKeyChanged', message: 'x', fingerprint: 'SHA256:abc' });
  assert.equal(classifySshError(known, 'h:22'), known);
  assert.deepEqual(toNodeError(known), { kind: 'hostKeyChanged', message: 'x', fingerprint: 'SHA256:abc' });
  assert.deepEqual(toNodeError('boom'), { kind: 'other', message: 'boom' });
});
