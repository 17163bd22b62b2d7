// Every IdentityFile of ~/.ssh/config tried in turn, as OpenSSH does, against a real OpenSSH
// server (helpers/sshd.ts): a key the server refuses is followed by the next, an encrypted key
// without its passphrase is left out with a line in the log, and when nothing is accepted the
// error names every key offered.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { nodeError } from './helpers/nodeError';
import { SshSession, type SshSessionOptions } from '../../src/core/ssh/sshSession';
import { makeKey, startSshd, type Sshd } from './helpers/sshd';

let sshd: Sshd;
let kh: string;
let stranger: string; // a key the server does not know
let stranger2: string;
let locked: string; // in authorized_keys, but encrypted
const sessions: SshSession[] = [];

before(async () => {
  sshd = await startSshd({ hostKeyTypes: ['ed25519'] });
  kh = path.join(sshd.dir, 'known_hosts');
  fs.writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${sshd.hostKeys.ed25519.type} ${sshd.hostKeys.ed25519.b64}\n`);
  stranger = path.join(sshd.dir, 'stranger');
  stranger2 = path.join(sshd.dir, 'stranger2');
  makeKey(stranger, 'ed25519');
  makeKey(stranger2, 'ecdsa');
  locked = path.join(sshd.dir, 'locked');
  const k = makeKey(locked, 'ed25519', 'sesame');
  fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), `${k.type} ${k.b64}\n`);
});

after(async () => {
  for (const s of sessions) s.close();
  await sshd?.dispose();
});

/** A session whose keys come only from an ssh config listing `keys` for the node, in that order. */
function viaConfig(keys: string[], extra: Partial<SshSessionOptions> = {}): { s: SshSession; lines: string[] } {
  const cfg = path.join(sshd.dir, `ssh_config_${sessions.length}`);
  fs.writeFileSync(cfg, `Host 127.0.0.1\n  User ${sshd.user}\n${keys.map((k) => `  IdentityFile ${k}\n`).join('')}`);
  const lines: string[] = [];
  const s = new SshSession({
    node: { name: 'n1', host: '127.0.0.1', port: sshd.port },
    knownHostsFile: kh,
    sshConfigFile: cfg,
    timeouts: { connectMs: 5000, keepaliveMs: 1000 },
    agent: false,
    defaultIdentityFiles: [],
    debug: (m) => lines.push(`debug ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    ...extra,
  });
  sessions.push(s);
  return { s, lines };
}

test('a first IdentityFile the server refuses, a second it accepts: connects, having offered both in order', async () => {
  const { s, lines } = viaConfig([stranger, sshd.clientKey]);
  await s.connect();
  assert.ok(s.connected);
  const offered = lines.filter((l) => / offering /.test(l));
  assert.deepEqual(offered, [`debug ssh 127.0.0.1:${sshd.port}: offering ${stranger}`, `debug ssh 127.0.0.1:${sshd.port}: offering ${sshd.clientKey}`]);
  s.close();
});

test('no IdentityFile accepted: an auth error that names the user and every key offered', async () => {
  const { s } = viaConfig([stranger, stranger2]);
  const e = await nodeError(s.connect());
  assert.equal(e.kind, 'auth');
  assert.equal(e.message, `SSH authentication as ${sshd.user} to 127.0.0.1:${sshd.port} failed: none of these was accepted: ${stranger}, ${stranger2}`);
});

test('an encrypted key without its passphrase is left out with a warning, and the next key connects', async () => {
  const asked: string[] = [];
  const { s, lines } = viaConfig([locked, sshd.clientKey], { passphrase: async (file) => (asked.push(file), undefined) });
  await s.connect();
  assert.deepEqual(asked, [locked]);
  assert.ok(lines.includes(`warn ssh 127.0.0.1:${sshd.port}: key ${locked} is encrypted and no passphrase was given: not offered`), lines.join('\n'));
  s.close();
});

test('nothing accepted while a key waits for its passphrase: a passphrase error for that key, naming the others', async () => {
  const { s } = viaConfig([stranger, locked]);
  const e = await nodeError(s.connect());
  assert.equal(e.kind, 'passphrase');
  assert.equal(e.keyFile, locked);
  assert.equal(
    e.message,
    `SSH authentication as ${sshd.user} to 127.0.0.1:${sshd.port} failed: none of these was accepted: ${stranger}; not offered: ${locked} is encrypted and no passphrase was given`,
  );
});

test('the passphrase asked names the key it is for, and with it the encrypted key connects', async () => {
  const asked: string[] = [];
  const { s } = viaConfig([stranger, locked], { passphrase: async (file) => (asked.push(file), 'sesame') });
  await s.connect();
  assert.deepEqual(asked, [locked]);
  s.close();
});

test('a missing IdentityFile in the config is passed over, as ssh does', async () => {
  const { s } = viaConfig([path.join(sshd.dir, 'no-such-key'), sshd.clientKey]);
  await s.connect();
  s.close();
});
