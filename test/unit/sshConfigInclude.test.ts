// `Include` in the ssh config, followed as ssh follows it, and the read cache that every
// connection goes through. Real files in a temporary directory; mtimes pinned, never waited on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupSshHost, readSshConfigFile } from '../../src/core/ssh/sshConfigFile';
import { parseSshConfigHosts } from '../../src/core/ssh/sshConfigHosts';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-sshcfg-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/** Sets a file's or directory's mtime to a fixed second, so a change is seen without waiting. */
const pin = (p: string, second: number) => fs.utimesSync(p, second, second);

test('Include: relative names from the config directory, wildcards sorted, first value wins, nesting', async () => {
  const dir = tree({
    config: 'Host node1\n  User early\nInclude config.d/*.conf "with space.conf" missing.conf\nHost *\n  Port 2201\n',
    'config.d/20-b.conf': 'Host node2\n  HostName 10.0.0.2\n  User ops\n',
    'config.d/10-a.conf': 'Host node1\n  HostName 10.0.0.1\n  User late\nInclude nested/deeper\n',
    'config.d/.hidden.conf': 'Host hidden\n  HostName 10.9.9.9\n',
    'config.d/notes.txt': 'Host notes\n',
    'nested/deeper': 'Host node3\n  ProxyJump node1\n',
    'with space.conf': 'Host node4\n  HostName 10.0.0.4\n',
  });
  try {
    const cfg = await readSshConfigFile(path.join(dir, 'config'));
    assert.ok(cfg);
    // In the order ssh reads them: 10-a.conf, then what it includes, then 20-b.conf.
    assert.deepEqual(parseSshConfigHosts(cfg).map((h) => h.alias), ['node1', 'node3', 'node2', 'node4']);
    const n1 = lookupSshHost(cfg, 'node1', { home: dir, localUser: 'me' });
    assert.deepEqual([n1.hostName, n1.user, n1.port], ['10.0.0.1', 'early', 2201], 'the value before the Include wins, as in ssh');
    assert.equal(lookupSshHost(cfg, 'node2', { home: dir }).hostName, '10.0.0.2');
    assert.equal(lookupSshHost(cfg, 'node3', { home: dir }).proxyJump, 'node1');
    assert.equal(lookupSshHost(cfg, 'node4', { home: dir }).hostName, '10.0.0.4');
    assert.equal(lookupSshHost(cfg, 'hidden', { home: dir }).hostName, undefined, 'a wildcard does not match hidden files');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Include: a config including itself, a wildcard before the last part, and too many bytes are refused by name', async () => {
  const dir = tree({
    loop: 'Host a\nInclude loop\n',
    wild: 'Include */config\n',
    big: `Include big.d/*\n`,
  });
  fs.mkdirSync(path.join(dir, 'big.d'));
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dir, 'big.d', `${i}`), `# ${'x'.repeat(400_000)}\n`, { flag: 'w' });
  try {
    await assert.rejects(readSshConfigFile(path.join(dir, 'loop')), /loop: Include nested more than 16 deep/);
    await assert.rejects(readSshConfigFile(path.join(dir, 'wild')), /wild: Include "\*\/config" has a wildcard before its last part/);
    await assert.rejects(readSshConfigFile(path.join(dir, 'big')), /big\.d\/2: the ssh config with what it includes is larger than 1048576 bytes/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the read is reused until a file it was made of, or an included directory, changes', async () => {
  const dir = tree({ config: 'Include conf.d/*\n', 'conf.d/a': 'Host a\n  HostName 10.0.0.1\n' });
  const file = path.join(dir, 'config');
  const d = path.join(dir, 'conf.d');
  try {
    pin(file, 1_000_000);
    pin(path.join(d, 'a'), 1_000_000);
    pin(d, 1_000_000);
    const first = await readSshConfigFile(file);
    assert.equal(await readSshConfigFile(file), first, 'nothing changed: the same parse');

    fs.writeFileSync(path.join(d, 'a'), 'Host a\n  HostName 10.0.0.9\n');
    pin(path.join(d, 'a'), 1_000_000); // same mtime and size: only the size could tell, and it is the same
    pin(d, 1_000_000);
    assert.equal(await readSshConfigFile(file), first, 'a change that keeps mtime and size is not seen (as make would not)');

    pin(path.join(d, 'a'), 1_000_001);
    const second = await readSshConfigFile(file);
    assert.notEqual(second, first);
    assert.equal(lookupSshHost(second!, 'a').hostName, '10.0.0.9');

    fs.writeFileSync(path.join(d, 'b'), 'Host b\n  HostName 10.0.0.2\n');
    pin(path.join(d, 'b'), 1_000_000);
    pin(d, 1_000_002);
    const third = await readSshConfigFile(file);
    assert.deepEqual(parseSshConfigHosts(third!).map((h) => h.alias), ['a', 'b'], 'a file added to an included directory is read');

    fs.rmSync(file);
    assert.equal(await readSshConfigFile(file), undefined, 'a config removed is no config');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
