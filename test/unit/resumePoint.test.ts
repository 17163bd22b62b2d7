// Where an interrupted restore stopped, from the tail of tar's members file: the last line,
// decoded from GNU tar's escape quoting; a cut last line, a missing end or a line longer than
// the tail give nothing. The file comes from a node, so mutated tails must never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { lastStartedMember, MEMBERS_TAIL_BYTES, unescapeName } from '../../src/core/restore/resumePoint';

const b = (s: string) => Buffer.from(s, 'latin1');

test('the last complete line names the member; escapes decode to the exact bytes', () => {
  assert.equal(lastStartedMember(b('./\n./a\n./dir/b c\n')), 'dir/b c');
  assert.equal(lastStartedMember(b('./a\n./new\\nline\n')), 'new\nline');
  assert.equal(lastStartedMember(b('./back\\\\slash\n')), 'back\\slash');
  assert.equal(lastStartedMember(b('./bad\\377byte\n')), 'bad\xffbyte');
  assert.equal(lastStartedMember(b('./tab\\there\n')), 'tab\there');
});

test('nothing to resume: empty, only the root, a last line cut short, a line longer than the tail, a bad escape', () => {
  assert.equal(lastStartedMember(Buffer.alloc(0)), undefined);
  assert.equal(lastStartedMember(b('./\n')), undefined);
  assert.equal(lastStartedMember(b('./a\n./b')), undefined);
  assert.equal(lastStartedMember(Buffer.concat([b('x'.repeat(MEMBERS_TAIL_BYTES - 1)), b('\n')])), undefined);
  assert.equal(lastStartedMember(b('./a\\q\n')), undefined);
  assert.equal(unescapeName('\\12'), undefined);
});

test('what GNU tar itself writes with --verbose --index-file decodes to every name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-members-'));
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const names = ['plain', 'with space', 'new\nline', 'back\\slash', 'tab\there', 'uni-ü', '"quoted"'];
    for (const n of names) fs.writeFileSync(path.join(src, n), 'x');
    fs.writeFileSync(Buffer.from(`${src}/bad\xffbyte`, 'latin1'), 'x');
    const tarFile = path.join(dir, 'a.tar');
    assert.equal(spawnSync('tar', ['-cf', tarFile, '-C', src, '.']).status, 0);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const idx = path.join(dir, 'members');
    assert.equal(spawnSync('tar', ['--extract', `--file=${tarFile}`, `--directory=${out}`, '--verbose', `--index-file=${idx}`], { env: { ...process.env, LC_ALL: 'C' } }).status, 0);
    const lines = fs.readFileSync(idx);
    // Each prefix of the file ends at a line: its last member is that line's name.
    const seen: string[] = [];
    for (let end = lines.indexOf(0x0a); end >= 0; end = lines.indexOf(0x0a, end + 1)) {
      const k = lastStartedMember(lines.subarray(0, end + 1));
      if (k !== undefined) seen.push(k);
    }
    assert.deepEqual(seen.sort(), [...names.map((n) => Buffer.from(n, 'utf8').toString('latin1')), 'bad\xffbyte'].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('mutated tails: a key or nothing, never a throw, never an absolute key', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('./a/b\n', './x\\303\\274\n', './\n'), (noise, seed) => {
      const tail = Buffer.concat([b(seed), Buffer.from(noise)]);
      const k = lastStartedMember(tail);
      if (k !== undefined) {
        assert.equal(typeof k, 'string');
        assert.ok(!k.startsWith('/'));
      }
    }),
    { seed: 4242, numRuns: 2000 },
  );
});
