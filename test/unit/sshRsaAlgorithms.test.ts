// ssh-rsa (SHA-1) host key signatures: off unless allowed, as in OpenSSH since 8.8; RSA keys
// still offered through rsa-sha2-*; the known key types of the host first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostKeyAlgorithms } from '../../src/core/ssh/sshSession';
import { parseSettings } from '../../src/core/config';

test('by default: no ssh-rsa, RSA keys through rsa-sha2-512 and -256, ed25519 first', () => {
  assert.deepEqual(hostKeyAlgorithms([], false), ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256']);
});

test('an RSA key in known_hosts puts rsa-sha2 first, and still not ssh-rsa', () => {
  assert.deepEqual(hostKeyAlgorithms(['ssh-rsa'], false).slice(0, 2), ['rsa-sha2-512', 'rsa-sha2-256']);
  assert.ok(!hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519'], false).includes('ssh-rsa'));
});

test('allowed: ssh-rsa offered last, or after rsa-sha2 for a host known by its RSA key', () => {
  const all = hostKeyAlgorithms([], true);
  assert.equal(all[all.length - 1], 'ssh-rsa');
  assert.deepEqual(hostKeyAlgorithms(['ssh-rsa'], true).slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  // Each algorithm once.
  assert.equal(new Set(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519'], true)).size, hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519'], true).length);
});

test('the allowSshRsa setting: false by default, true when set, a problem for anything but a boolean', () => {
  assert.equal(parseSettings({}).settings.allowSshRsa, false);
  assert.equal(parseSettings({ allowSshRsa: true }).settings.allowSshRsa, true);
  const bad = parseSettings({ allowSshRsa: 'yes' });
  assert.equal(bad.settings.allowSshRsa, false);
  assert.deepEqual(bad.problems, [{ key: 'allowSshRsa', message: 'allowSshRsa must be true or false' }]);
});
