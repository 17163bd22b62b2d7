// Pure parts: canonical paths, the find listing parser, and tar headers GNU tar does not write
// by default (global PAX headers, fractional mtimes, base-256 numbers), crafted by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { canonicalKey, compareArchive, displayPath, EntryTable, fsListArgv, FsListParser, indexTarStream, parseFsList, FS_LIST_FORMAT } from '../../src/core/archive';
import { paxData, rawHeader, withData } from './helpers/archiveTree';

test('canonicalKey strips leading ./ and / and trailing /, nothing else', () => {
  const cases: [string, string][] = [
    ['./a/b', 'a/b'],
    ['././a', 'a'],
    ['/abs/x', 'abs/x'],
    ['dir/', 'dir'],
    ['./dir//', 'dir'],
    ['./', ''],
    ['.', ''],
    ['a/./b', 'a/./b'],
    ['a//b', 'a//b'],
    ['..x', '..x'],
    ['.hidden', '.hidden'],
    ['./-rf', '-rf'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalKey(input), want, input);
});

test('displayPath keeps UTF-8 and shows invalid bytes as \\xNN', () => {
  assert.equal(displayPath(Buffer.from('日本').toString('latin1')), '日本');
  assert.equal(displayPath('in\xff\xfe.bin'), 'in\\xff\\xfe.bin');
  assert.equal(displayPath('latin1-\xe9'), 'latin1-\\xe9');
});

test('fsListArgv is argv only, and a root starting with "-" stays an operand', () => {
  assert.deepEqual(fsListArgv('/mnt/gluster'), ['find', '-P', '/mnt/gluster', '-mindepth', '1', '-printf', FS_LIST_FORMAT]);
  assert.equal(fsListArgv('-x')[2], './-x');
  assert.throws(() => fsListArgv(''));
});

test('parseFsList: NUL-separated records survive newlines, spaces and invalid bytes', () => {
  const rec = (y: string, size: number, t: string, p: Buffer | string, l = '') =>
    Buffer.concat([Buffer.from(`${y} ${size} ${t} `), Buffer.from(p), Buffer.from([0]), Buffer.from(l), Buffer.from([0])]);
  const buf = Buffer.concat([
    rec('d', 4096, '1700000000.5000000000', 'a dir'),
    rec('f', 12, '1700000001.2500000000', 'a dir/two\nlines'),
    rec('l', 7, '1700000002.0000000000', 'ln', 'tar get\n'),
    rec('f', 0, '1700000003.0000000000', Buffer.from([0x78, 0xff])),
    rec('s', 0, '1700000004.0000000000', 'sock'),
    rec('p', 0, '1700000005.0000000000', 'fifo'),
  ]);
  const t = parseFsList(buf);
  assert.deepEqual(
    t.toArray().map((e) => [e.key, e.type, e.size, e.mtime, e.linkKey]),
    [
      ['a dir', 'dir', 4096, 1700000000.5, undefined],
      ['a dir/two\nlines', 'file', 12, 1700000001.25, undefined],
      ['ln', 'symlink', 7, 1700000002, 'tar get\n'],
      ['x\xff', 'file', 0, 1700000003, undefined],
      ['fifo', 'other', 0, 1700000005, undefined],
    ],
  );
  assert.equal(t.skippedSockets, 1);
  // Fed in pieces that cut records anywhere, the result is the same.
  const p = new FsListParser();
  for (let i = 0; i < buf.length; i += 7) p.push(buf.subarray(i, i + 7));
  assert.deepEqual(p.end().toArray(), t.toArray());
  assert.throws(() => parseFsList(buf.subarray(0, buf.length - 3)), /ends inside a record/);
  assert.throws(() => parseFsList(Buffer.from('garbage\0\0')), /bad record/);
});

async function indexBytes(b: Buffer) {
  return indexTarStream(Readable.from([b]), { gzip: false });
}
const END = Buffer.alloc(1024);

test('PAX: global then local headers, fractional mtime, linkpath, binary names', async () => {
  const name = Buffer.from([0x64, 0x2f, 0xff, 0x0a, 0x41]); // "d/\xff\nA"
  const archive = Buffer.concat([
    withData(rawHeader({ name: 'pax_global_header', type: 'g', size: paxData({ mtime: '1600000000.25', comment: 'x' }).length }), paxData({ mtime: '1600000000.25', comment: 'x' })),
    rawHeader({ name: 'gets-global-mtime', type: '0', mtime: 1 }),
    withData(rawHeader({ name: 'PaxHeaders/x', type: 'x', size: paxData({ path: name, mtime: '1700000000.75', size: '3' }).length }), paxData({ path: name, mtime: '1700000000.75', size: '3' })),
    withData(rawHeader({ name: 'truncated-name', type: '0', size: 0 }), Buffer.from('abc')),
    withData(rawHeader({ name: 'PaxHeaders/l', type: 'x', size: paxData({ linkpath: 'L'.repeat(300) }).length }), paxData({ linkpath: 'L'.repeat(300) })),
    rawHeader({ name: 'sym', type: '2', linkname: 'short' }),
    END,
  ]);
  const r = await indexBytes(archive);
  assert.equal(r.problem, undefined, JSON.stringify(r.problem));
  assert.deepEqual(
    r.entries.toArray().map((e) => [e.key, e.type, e.size, e.mtime, e.linkKey]),
    [
      ['gets-global-mtime', 'file', 0, 1600000000.25, undefined],
      [name.toString('latin1'), 'file', 3, 1700000000.75, undefined],
      ['sym', 'symlink', 0, 1600000000.25, 'L'.repeat(300)],
    ],
  );
});

test('GNU long names (L, K) and base-256 numbers', async () => {
  const long = './' + 'x/'.repeat(2500) + 'file';
  const h = rawHeader({ name: 'big', type: '0' });
  // base-256 size: 8 GiB would not fit in 11 octal digits; here a small value in that form.
  h.fill(0, 124, 136);
  h[124] = 0x80;
  h.writeUInt32BE(5, 132);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  const archive = Buffer.concat([
    withData(rawHeader({ name: '././@LongLink', type: 'L', size: long.length + 1 }), Buffer.from(long + '\0')),
    withData(rawHeader({ name: '././@LongLink', type: 'K', size: 201 }), Buffer.from('T'.repeat(200) + '\0')),
    rawHeader({ name: 'cut-name', type: '2', linkname: 'cut-link' }),
    withData(h, Buffer.from('12345')),
    rawHeader({ name: 'olddir/', type: '\0' }),
    END,
  ]);
  const r = await indexBytes(archive);
  assert.equal(r.problem, undefined, JSON.stringify(r.problem));
  assert.deepEqual(
    r.entries.toArray().map((e) => [e.key, e.type, e.size, e.linkKey]),
    [
      [long.slice(2), 'symlink', 0, 'T'.repeat(200)],
      ['big', 'file', 5, undefined],
      ['olddir', 'dir', 0, undefined],
    ],
  );
});

test('an extended header with no member after it, and a bad PAX record, are corrupt', async () => {
  const x = paxData({ path: 'p' });
  const r1 = await indexBytes(Buffer.concat([withData(rawHeader({ name: 'x', type: 'x', size: x.length }), x), END]));
  assert.equal(r1.problem?.kind, 'corrupt');
  assert.equal(r1.problem?.offset, 1024);
  const bad = Buffer.from('99 path=p\n');
  const r2 = await indexBytes(Buffer.concat([withData(rawHeader({ name: 'x', type: 'x', size: bad.length }), bad), rawHeader({ name: 'f', type: '0' }), END]));
  assert.equal(r2.problem?.kind, 'corrupt');
  assert.equal(r2.problem?.offset, 0);
});

test('duplicates: the last copy is compared, as tar restores it', () => {
  const a = EntryTable.from([
    { key: 'f', type: 'file', size: 1, mtime: 100 },
    { key: 'f', type: 'file', size: 2, mtime: 100 },
    { key: 'h', type: 'hardlink', size: 0, mtime: 100, linkKey: 'f' },
  ]);
  const f = EntryTable.from([
    { key: 'f', type: 'file', size: 2, mtime: 100.4 },
    { key: 'h', type: 'file', size: 2, mtime: 100.4 },
  ]);
  const rep = compareArchive(a, f);
  assert.equal(rep.verdict, 'complete', rep.summary);
  assert.equal(rep.archive.duplicates, 1);
  const f2 = EntryTable.from([
    { key: 'f', type: 'file', size: 2, mtime: 100 },
    { key: 'h', type: 'file', size: 3, mtime: 100 },
  ]);
  assert.deepEqual(compareArchive(a, f2).changed.items.map((c) => [c.path, c.reasons, c.archive.size]), [['h', ['size'], 2]]);
});
