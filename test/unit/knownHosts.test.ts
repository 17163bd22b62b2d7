// known_hosts checked against files and keys made by the real ssh-keygen, so "like OpenSSH"
// is measured, not assumed (hashed names come from `ssh-keygen -H`, lookups are compared
// with `ssh-keygen -F`, fingerprints with `ssh-keygen -lf`).
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addKnownHost, checkHostKey, fingerprintSha256, keyTypeOfBlob, knownKeyTypes } from '../../src/core/ssh/knownHosts';

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

let dir: string;
const keys: Record<string, Key> = {};

function makeKey(name: string, type: string): Key {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  const [t, b64] = fs.readFileSync(file + '.pub', 'utf8').trim().split(/\s+/);
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: file + '.pub' };
}

/** `ssh-keygen -F name -f file`: does OpenSSH find the name in the file? */
function sshKeygenFinds(file: string, name: string): boolean {
  return spawnSync('ssh-keygen', ['-F', name, '-f', file]).status === 0;
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-knownhosts-'));
  keys.ed = makeKey('ed', 'ed25519');
  keys.ed2 = makeKey('ed2', 'ed25519');
  keys.ec = makeKey('ec', 'ecdsa');
  keys.rsa = makeKey('rsa', 'rsa');
  keys.ca = makeKey('ca', 'ed25519');
  keys.hashed = makeKey('hashed', 'ecdsa');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function kh(name: string, lines: string[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

const line = (hosts: string, k: Key, marker = '') => `${marker ? marker + ' ' : ''}${hosts} ${k.type} ${k.b64}`;

test('fingerprintSha256 prints what ssh-keygen -lf prints', () => {
  for (const k of Object.values(keys)) {
    const out = execFileSync('ssh-keygen', ['-lf', k.pubFile], { encoding: 'utf8' });
    assert.equal(fingerprintSha256(k.blob), out.split(/\s+/)[1]);
  }
});

test('keyTypeOfBlob reads the type inside the key', () => {
  assert.equal(keyTypeOfBlob(keys.ed.blob), 'ssh-ed25519');
  assert.equal(keyTypeOfBlob(keys.ec.blob), 'ecdsa-sha2-nistp256');
  assert.equal(keyTypeOfBlob(keys.rsa.blob), 'ssh-rsa');
  assert.equal(keyTypeOfBlob(Buffer.from('xx')), undefined);
});

test('plain hosts, comma lists, case and the [host]:port form', () => {
  const f = kh('plain', [
    '# a comment',
    '',
    line('node1', keys.ed),
    line('a.example,B.Example,10.0.0.7', keys.ec),
    line('[node2]:2222', keys.ed),
  ]);
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'NODE1', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'b.example', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, '10.0.0.7', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  // Port 22 uses the bare name only; other ports only [host]:port (as ssh-keygen -F agrees).
  assert.deepEqual(checkHostKey(f, 'node1', 2222, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
  assert.deepEqual(checkHostKey(f, 'node2', 2222, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'node2', 22, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
  assert.equal(sshKeygenFinds(f, '[node2]:2222'), true);
  assert.equal(sshKeygenFinds(f, 'node2'), false);
  assert.deepEqual(checkHostKey(f, 'other', 22, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
});

test('a different key for a known host is "changed", with the known types', () => {
  const f = kh('changed', [line('node1', keys.ed), line('[node3]:2200', keys.ec)]);
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.ed2.type, keys.ed2.blob), { verdict: 'changed', knownTypes: ['ssh-ed25519'] });
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.rsa.type, keys.rsa.blob), { verdict: 'changed', knownTypes: ['ssh-ed25519'] });
  assert.deepEqual(checkHostKey(f, 'node3', 2200, keys.ed.type, keys.ed.blob), {
    verdict: 'changed',
    knownTypes: ['ecdsa-sha2-nistp256'],
  });
  assert.deepEqual(knownKeyTypes(f, 'node3', 2200), ['ecdsa-sha2-nistp256']);
  assert.deepEqual(knownKeyTypes(f, 'node3', 22), []);
});

test('hashed entries written by ssh-keygen -H are matched', () => {
  const f = kh('hashed', [line('hashnode', keys.hashed), line('[hashnode]:2201', keys.ed), line('plainnode', keys.ec)]);
  execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
  const text = fs.readFileSync(f, 'utf8');
  assert.doesNotMatch(text, /hashnode/, 'ssh-keygen -H hashed the names');
  assert.match(text, /^\|1\|/m);
  assert.deepEqual(checkHostKey(f, 'hashnode', 22, keys.hashed.type, keys.hashed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'hashnode', 2201, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'hashnode', 2202, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
  assert.deepEqual(checkHostKey(f, 'plainnode', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'hashnode', 22, keys.ed2.type, keys.ed2.blob), {
    verdict: 'changed',
    knownTypes: ['ecdsa-sha2-nistp256'],
  });
});

test('@revoked keys are refused, @cert-authority lines ignored', () => {
  const f = kh('markers', [
    line('*', keys.rsa, '@revoked'),
    line('*.ca.test', keys.ca, '@cert-authority'),
    line('node1', keys.rsa),
    line('node1', keys.ed),
  ]);
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.rsa.type, keys.rsa.blob), { verdict: 'revoked' });
  assert.deepEqual(checkHostKey(f, 'elsewhere', 2222, keys.rsa.type, keys.rsa.blob), { verdict: 'revoked' });
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  // A CA line neither trusts its key as a host key nor makes the host "known".
  assert.deepEqual(checkHostKey(f, 'x.ca.test', 22, keys.ca.type, keys.ca.blob), { verdict: 'unknown' });
  assert.deepEqual(checkHostKey(f, 'x.ca.test', 22, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
});

test('wildcards and negation follow OpenSSH', () => {
  const f = kh('wild', [line('*.wild.test,!bad.wild.test', keys.ed), line('n?.q.test', keys.ec)]);
  assert.deepEqual(checkHostKey(f, 'x.wild.test', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'bad.wild.test', 22, keys.ed.type, keys.ed.blob), { verdict: 'unknown' });
  assert.deepEqual(checkHostKey(f, 'n1.q.test', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'n12.q.test', 22, keys.ec.type, keys.ec.blob), { verdict: 'unknown' });
  assert.equal(sshKeygenFinds(f, 'x.wild.test'), true);
  assert.equal(sshKeygenFinds(f, 'bad.wild.test'), false);
});

test('garbage, CRLF and a missing file are tolerated', () => {
  const f = path.join(dir, 'garbage');
  fs.writeFileSync(
    f,
    [
      'this is not a key line',
      'node1 ssh-ed25519 !!!notbase64!!!',
      `node1 ssh-rsa ${keys.ed.b64}`, // type field and key disagree: corrupt
      '@bogus node1 ' + `${keys.ed.type} ${keys.ed.b64}`,
      'onlytwo fields',
      '\t   ',
      line('node1', keys.ed) + ' trailing comment words',
      line('crlf', keys.ec) + '\r',
    ].join('\n'),
  );
  assert.deepEqual(checkHostKey(f, 'node1', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(f, 'crlf', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(path.join(dir, 'nope', 'known_hosts'), 'node1', 22, keys.ed.type, keys.ed.blob), {
    verdict: 'unknown',
  });
});

test('addKnownHost creates ~/.ssh 0700 and the file 0600, then appends without rewriting', async () => {
  const sshDir = path.join(dir, 'home', '.ssh');
  const f = path.join(sshDir, 'known_hosts');
  const written = await addKnownHost(f, 'node9', 2222, keys.ed.type, keys.ed.b64);
  assert.equal(written, `[node9]:2222 ${keys.ed.type} ${keys.ed.b64}`);
  assert.equal(fs.statSync(sshDir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(f).mode & 0o777, 0o600);
  assert.deepEqual(checkHostKey(f, 'node9', 2222, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.equal(sshKeygenFinds(f, '[node9]:2222'), true);

  // An operator's file without a final newline keeps every byte; ours starts on a new line.
  const g = path.join(dir, 'kh-nonl');
  const before = `# mine\n${line('node1', keys.ec)}`;
  fs.writeFileSync(g, before);
  await addKnownHost(g, 'node1', 22, keys.ed.type, keys.ed.b64);
  await addKnownHost(g, 'node2', 22, keys.ec.type, keys.ec.b64, { hash: true });
  const after = fs.readFileSync(g, 'utf8');
  assert.ok(after.startsWith(before + '\n'));
  assert.equal(after.split('\n').length, 5);
  assert.doesNotMatch(after, /node2/);
  assert.equal(sshKeygenFinds(g, 'node2'), true, 'ssh-keygen finds the hashed entry');
  assert.deepEqual(checkHostKey(g, 'node1', 22, keys.ed.type, keys.ed.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(g, 'node1', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
  assert.deepEqual(checkHostKey(g, 'node2', 22, keys.ec.type, keys.ec.blob), { verdict: 'known' });
});

test('addKnownHost refuses values that could inject lines', async () => {
  const f = path.join(dir, 'kh-inject');
  await assert.rejects(addKnownHost(f, 'a\nb', 22, keys.ed.type, keys.ed.b64));
  await assert.rejects(addKnownHost(f, 'a', 22, 'ssh-ed25519\n*', keys.ed.b64));
  await assert.rejects(addKnownHost(f, 'a', 22, keys.ed.type, keys.ed.b64 + '\n* ssh-rsa x'));
  await assert.rejects(addKnownHost(f, 'a', 22, 'ssh-rsa', keys.ed.b64), /not of type/);
  await assert.rejects(addKnownHost(f, 'a', 0, keys.ed.type, keys.ed.b64));
  assert.equal(fs.existsSync(f), false);
});
