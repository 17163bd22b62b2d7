import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trustPresentedKey } from '../../src/core/node/remoteConnection';

// A real ed25519 public key blob (type field "ssh-ed25519", 32 key bytes).
const KEY = `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]).toString('base64')}`;

test("a trusted key is written under the name the error gave (a jump host's, or the ssh config's HostName), else the node's", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-trust-'));
  try {
    const kh = path.join(dir, 'known_hosts');
    const node = { name: 'node3', host: '10.213.52.2', port: 2200 };
    await trustPresentedKey(kh, node, KEY, '10.213.51.11');
    await trustPresentedKey(kh, node, KEY, '[jump.example]:2222');
    await trustPresentedKey(kh, node, KEY);
    assert.deepEqual(
      fs.readFileSync(kh, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]),
      ['10.213.51.11', '[jump.example]:2222', '[10.213.52.2]:2200'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
