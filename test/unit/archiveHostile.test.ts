// Archives crafted to hurt the validation: PAX numbers that walk the archive backwards or that
// Number() reads but GNU tar refuses, base-256 sizes below zero, and long names that claim
// gigabytes from a few KiB of gzip. Each is corrupt, at the header that says so, plain and
// gzip, through the header walk and through GNU tar's listing; and each verdict comes after a
// bounded amount of work, counted in reads and bytes rather than timed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import {
  FS_LIST_FORMAT,
  FsListFormatError,
  FsListParser,
  indexArchive,
  indexTar,
  indexTarStream,
  MAX_FS_RECORD,
  MAX_LISTING_LINE,
  TarListingFormatError,
  TarListingParser,
  type TarIndexResult,
} from '../../src/core/archive';
import { base256SizeHeader, countingReader, END, feedGnuTarListing, fixChecksum, listWithGnuTar, longNamesGzip, paxMember, paxSizeArchive, setBase256 } from './helpers/archiveCraft';
import { paxData, rawHeader, removeTree, tempDir, withData } from './helpers/archiveTree';

const work = tempDir('gb-hostile-');
after(() => removeTree(work));

const MiB = 1 << 20;

function save(name: string, data: Buffer): string {
  const f = path.join(work, name);
  fs.writeFileSync(f, data);
  return f;
}

function problemOf(r: TarIndexResult) {
  return r.problem && { kind: r.problem.kind, offset: r.problem.offset, message: r.problem.message };
}

/**
 * The verdict on `data` every way the extension reads an archive: plain through positioned
 * reads (one header per read, so a walk that went back would exhaust the read budget instead
 * of spinning on a buffer it already holds) and with the default window, then gzipped through
 * the file reader and through a stream. All must agree; the plain verdict is returned.
 */
async function everyWay(data: Buffer, want: { kind: 'corrupt' | 'truncated'; offset: number; message: string }): Promise<TarIndexResult> {
  const narrow = countingReader(data, 64);
  const plain = await indexTar(narrow, { minRead: 512, window: 512 });
  assert.deepEqual(problemOf(plain), want, 'plain, one header a read');
  assert.ok(narrow.maxBlockReads() <= 2, `a block read ${narrow.maxBlockReads()} times`);
  const wide = countingReader(data, 64);
  assert.deepEqual(problemOf(await indexArchive(wide)), want, 'plain, default window');
  assert.ok(wide.bytes <= data.length + 6, `read ${wide.bytes} bytes of ${data.length}`);
  const gz = zlib.gzipSync(data);
  const viaReader = await indexArchive(countingReader(gz, 64));
  assert.equal(viaReader.compressed, true);
  assert.deepEqual(problemOf(viaReader), want, 'gzip through the reader');
  assert.ok(viaReader.tarBytes <= data.length);
  assert.deepEqual(problemOf(await indexTarStream(Readable.from([gz]))), want, 'gzip as a stream');
  return plain;
}

/** GNU tar on the same bytes, plain and gzip: it exits 2, and the listing's verdict is corrupt. */
function gnuTarRefuses(name: string, data: Buffer, stderr: RegExp): void {
  for (const [file, bytes] of [
    [`${name}.tar`, data],
    [`${name}.tar.gz`, zlib.gzipSync(data)],
  ] as const) {
    const l = listWithGnuTar(save(file, bytes));
    assert.equal(l.status, 2, `${file}: ${l.stderr}`);
    assert.match(l.stderr, stderr, file);
    assert.equal(l.result.problem?.kind, 'corrupt', `${file}: ${JSON.stringify(l.result.problem)}`);
  }
}

for (const t of ['x', 'g'] as const) {
  test(`${t} header with size=-1536 (the 3 KiB archive that hung validation) is corrupt at its header`, async () => {
    const data = paxSizeArchive('-1536', t);
    assert.equal(data.length, 3072);
    const r = await everyWay(data, { kind: 'corrupt', offset: 0, message: `invalid ${t} header data (size="-1536" is not a non-negative decimal integer) at byte 0` });
    assert.equal(r.entries.length, 0);
    gnuTarRefuses(`neg-${t}`, data, /Extended header size=-1536 is out of range/);
    const listed = listWithGnuTar(path.join(work, `neg-${t}.tar`)).result.problem!;
    assert.match(listed.message, /^bad extended header before byte 2048 \(tar: Extended header size=-1536 is out of range/);
  });
}

test('size=0x200 (which Number() reads as 512) is corrupt, as GNU tar says', async () => {
  const data = paxSizeArchive('0x200');
  await everyWay(data, { kind: 'corrupt', offset: 0, message: 'invalid x header data (size="0x200" is not a non-negative decimal integer) at byte 0' });
  gnuTarRefuses('hex', data, /Malformed extended header: invalid size=0x200/);
});

test('PAX numbers: only the forms GNU tar reads are taken', async () => {
  const rejected: [string, string, boolean][] = [
    // key, value, whether GNU tar refuses it too (it reads "-0" as a size and "1e3" as a time)
    ['size', ' 5', true],
    ['size', '+5', true],
    ['size', '5 ', true],
    ['size', '-0', false],
    ['size', '1e3', true],
    ['size', '9007199254740993', false], // past what a double holds exactly; tar then finds no data
    ['GNU.sparse.realsize', '-5', true],
    ['GNU.sparse.size', 'abc', true],
    ['mtime', 'abc', true],
    ['mtime', '1.', false],
    ['mtime', '.5', true],
    ['mtime', '1e3', false],
    ['mtime', '9223372036854775808', true],
  ];
  for (const [key, value, tarRefuses] of rejected) {
    const data = Buffer.concat([paxMember({ [key]: value }, { name: 'f' }), END]);
    const what = `${key}=${JSON.stringify(value)}`;
    const r = await everyWay(data, { kind: 'corrupt', offset: 0, message: `invalid x header data (${what} is not ${key === 'mtime' ? 'a decimal number of seconds' : 'a non-negative decimal integer'}) at byte 0` });
    assert.equal(r.entries.length, 0, what);
    if (tarRefuses) gnuTarRefuses('pax-number', data, new RegExp(`${key}=`));
  }
  // An empty value in a member's own header has no number to give.
  const empty = Buffer.concat([paxMember({ size: '' }, { name: 'f' }), END]);
  await everyWay(empty, { kind: 'corrupt', offset: 0, message: 'invalid extended header (PAX size="") at byte 0' });

  const accepted: [string, string, number][] = [
    ['mtime', '-1.5', -1.5],
    ['mtime', '-9223372036854775808', -9223372036854775808],
    ['mtime', '1700000000.123456789', 1700000000.123456789],
    ['mtime', '0001', 1],
  ];
  for (const [key, value, mtime] of accepted) {
    const data = Buffer.concat([paxMember({ [key]: value }, { name: 'f' }), END]);
    const r = await indexArchive(countingReader(data, 8));
    assert.equal(r.problem, undefined, `${key}=${value}`);
    assert.equal(r.entries.toArray()[0].mtime, mtime);
  }
});

test('base-256 numbers: a negative or oversized size is corrupt; a negative mtime is a time', async () => {
  const member = (h: Buffer) => Buffer.concat([h, END]);
  await everyWay(member(base256SizeHeader('neg', -256n)), { kind: 'corrupt', offset: 0, message: 'invalid header (negative size) at byte 0' });
  await everyWay(member(base256SizeHeader('huge', 1n << 60n)), { kind: 'corrupt', offset: 0, message: 'invalid header (size out of range) at byte 0' });
  gnuTarRefuses('b256', member(base256SizeHeader('neg', -256n)), /out of off_t range/);
  // GNU tar marks base-256 with 0x80 or 0xff only.
  const odd = rawHeader({ name: 'odd', type: '0' });
  odd.fill(0, 124, 136);
  odd[124] = 0x81;
  fixChecksum(odd);
  await everyWay(member(odd), { kind: 'corrupt', offset: 0, message: 'invalid header (bad size field: lead byte 0x81) at byte 0' });
  gnuTarRefuses('b256-odd', member(odd), /where numeric off_t value expected/);
  // An old GNU sparse member whose real size is negative.
  const sparse = rawHeader({ name: 'sparse', type: 'S' });
  sparse.write('ustar  \0', 257, 8, 'latin1');
  setBase256(sparse, 483, 12, -1n);
  fixChecksum(sparse);
  await everyWay(member(sparse), { kind: 'corrupt', offset: 0, message: 'invalid header (negative sparse realsize) at byte 0' });

  const old = rawHeader({ name: 'old', type: '0' });
  setBase256(old, 136, 12, -2n);
  fixChecksum(old);
  const r = await indexArchive(countingReader(member(old)));
  assert.equal(r.problem, undefined);
  assert.equal(r.entries.toArray()[0].mtime, -2);
});

test('20 long names of 16 MiB in a 330 KiB gzip are refused at the first L header, without inflating them', async () => {
  const gz = longNamesGzip();
  assert.ok(gz.length < 400 * 1024, `${gz.length} bytes`);
  const want = { kind: 'corrupt' as const, offset: 0, message: 'L header announces 16777216 bytes of metadata (the limit is 1048576) at byte 0' };
  const r = await indexArchive(countingReader(gz));
  assert.deepEqual(problemOf(r), want);
  assert.equal(r.tarBytes, 512, 'only the L header itself was walked');

  // The same gzip inflated outside, counting every byte that leaves gunzip: the walk stops
  // the inflation within a few buffers of the header, far below one 16 MiB name.
  let inflated = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      inflated += chunk.length;
      done(null, chunk);
    },
  });
  const source = Readable.from([gz]).pipe(zlib.createGunzip()).pipe(counter);
  const s = await indexTarStream(source, { gzip: false });
  assert.deepEqual(problemOf(s), want);
  assert.ok(inflated <= 2 * MiB, `${inflated} bytes inflated`);

  // The plain form: the header claims 16 MiB that are not even there; nothing past it is read.
  const plain = Buffer.concat([rawHeader({ name: '././@LongLink', type: 'L', size: 16 * MiB }), Buffer.alloc(4096, 0x61)]);
  const reader = countingReader(plain, 4);
  assert.deepEqual(problemOf(await indexTar(reader)), want);
  assert.ok(reader.bytes <= plain.length);
});

test('GNU tar lists the 16 MiB names; the listing parser refuses the first line at its 1 MiB cap', async () => {
  const file = save('long-names.tar.gz', longNamesGzip());
  const { err, fed } = await feedGnuTarListing(file, new TarListingParser());
  assert.ok(err instanceof TarListingFormatError, String(err));
  assert.match((err as Error).message, /^line from tar longer than 1048576 bytes/);
  assert.ok(fed <= MAX_LISTING_LINE + 256 * 1024, `${fed} bytes of listing read`);
});

test('extended headers are bounded per member and in total, with maxMetaBytes', async () => {
  const x = (n: number) => {
    const d = Buffer.from(`${String(n).padStart(4, '0')} comment=${'c'.repeat(n - 14)}\n`);
    assert.equal(d.length, n);
    return withData(rawHeader({ name: 'PaxHeaders/f', type: 'x', size: n }), d);
  };
  // Three x headers of 2000 bytes before one member: each fits 4096, together they do not.
  const three = Buffer.concat([x(2000), x(2000), x(2000), rawHeader({ name: 'f', type: '0' }), END]);
  const r = await indexTarStream(Readable.from([three]), { gzip: false, maxMetaBytes: 4096 });
  assert.deepEqual(problemOf(r), { kind: 'corrupt', offset: 5120, message: "x header brings the member's extended headers to 6000 bytes (the limit is 4096) at byte 5120" });
  assert.equal((await indexTarStream(Readable.from([three]), { gzip: false })).problem, undefined, 'within the default 1 MiB');
  // Global headers between them do not reset the count: the x records are still held.
  const comment = paxData({ comment: 'c' });
  const bareG = withData(rawHeader({ name: 'pax_global_header', type: 'g', size: comment.length }), comment);
  const interleaved = Buffer.concat([x(2000), bareG, x(2000), bareG, x(2000), rawHeader({ name: 'f', type: '0' }), END]);
  const i = await indexTarStream(Readable.from([interleaved]), { gzip: false, maxMetaBytes: 4096 });
  assert.deepEqual(problemOf(i), { kind: 'corrupt', offset: 7168, message: "x header brings the member's extended headers to 6000 bytes (the limit is 4096) at byte 7168" });

  // Global headers: each replaces what it names, so repeating one key does not grow the state;
  // new keys do, up to the bound.
  const g = (key: string) => paxMember({ [key]: 'v'.repeat(1500) }, { name: `f-${key}` }, 'g');
  const same = Buffer.concat([...Array(10).fill(g('comment')), END]);
  assert.equal((await indexTarStream(Readable.from([same]), { gzip: false, maxMetaBytes: 4096 })).problem, undefined);
  const many = Buffer.concat([g('k1'), g('k2'), g('k3'), END]);
  const m = await indexTarStream(Readable.from([many]), { gzip: false, maxMetaBytes: 4096 });
  // Each g() is a g header, 1536 bytes of records and a member: the third g header is at 5120.
  assert.deepEqual(problemOf(m), { kind: 'corrupt', offset: 5120, message: 'global PAX headers hold more than 4096 bytes at byte 5120' });

  // One PAX header over the bound, and a long link name (K) over it.
  const big = Buffer.concat([rawHeader({ name: 'PaxHeaders/f', type: 'x', size: 2 * MiB }), Buffer.alloc(1024)]);
  assert.deepEqual(problemOf(await indexArchive(countingReader(big, 4))), { kind: 'corrupt', offset: 0, message: 'x header announces 2097152 bytes of metadata (the limit is 1048576) at byte 0' });
  const k = Buffer.concat([rawHeader({ name: '././@LongLink', type: 'K', size: MiB + 1 }), Buffer.alloc(1024)]);
  assert.deepEqual(problemOf(await indexArchive(countingReader(k, 4))), { kind: 'corrupt', offset: 0, message: 'K header announces 1048577 bytes of metadata (the limit is 1048576) at byte 0' });
});

test('the listing parsers hold at most 1 MiB of an unfinished line or record', () => {
  // tar's listing: a line without its newline, fed in chunks, is refused once it passes the cap.
  const p = new TarListingParser();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let pushed = 0;
  assert.throws(() => {
    for (;;) {
      p.push(chunk);
      pushed += chunk.length;
    }
  }, (e: unknown) => e instanceof TarListingFormatError && /^line from tar longer than 1048576 bytes/.test(e.message));
  assert.ok(pushed <= MAX_LISTING_LINE);
  // A whole line over the cap in one chunk, too.
  assert.throws(() => new TarListingParser().push(Buffer.alloc(MAX_LISTING_LINE + 2, 0x61).fill(0x0a, MAX_LISTING_LINE + 1)), TarListingFormatError);
  // A long name under the cap, fed a few bytes at a time, parses (and in linear time: only the
  // new bytes are searched for the line end).
  const name = 'n'.repeat(300 * 1024);
  const line = Buffer.from(`block 0: -rw-r--r-- 0/0 5 2023-11-14 22:13:20.5  "${name}"\nblock 2: ** Block of NULs **\n`);
  const q = new TarListingParser();
  for (let i = 0; i < line.length; i += 100) q.push(line.subarray(i, i + 100));
  const r = q.end(0, '', undefined, false);
  assert.deepEqual(r.entries.toArray().map((e) => [e.key.length, e.mtime]), [[name.length, 1700000000.5]]);

  // find's listing: no NUL, or only the first of a record's two, past the cap.
  for (const head of [Buffer.alloc(0), Buffer.from('f 1 1700000000.0 name\0')]) {
    const f = new FsListParser();
    f.push(head);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) f.push(chunk);
    }, (e: unknown) => e instanceof FsListFormatError && /record longer than 1048576 bytes at byte 0/.test(e.message));
  }
  const whole = Buffer.concat([Buffer.from('f 1 1700000000.0 '), Buffer.alloc(MAX_FS_RECORD, 0x61), Buffer.from('\0\0')]);
  assert.throws(() => new FsListParser().push(whole), FsListFormatError);
  const longPath = Buffer.from(`f 3 1700000000.5000000000 ${'p/'.repeat(150 * 1024)}x\0\0`);
  const g = new FsListParser();
  for (let i = 0; i < longPath.length; i += 100) g.push(longPath.subarray(i, i + 100));
  assert.equal(g.end().toArray()[0].key.length, 300 * 1024 + 1);
});

test('a stream source that fails is still an error, not a verdict', async () => {
  // The tightened walk must not swallow a failing source as corruption.
  const src = new PassThrough();
  const p = indexTarStream(src, { gzip: false });
  src.write(rawHeader({ name: 'f', type: '0', size: 4096 }));
  src.destroy(Object.assign(new Error('connection lost'), { code: 'ECONNRESET' }));
  await assert.rejects(p, /connection lost/);
});

test("find's listing: a size or an mtime in any form find does not print is refused with its offset", () => {
  const rec = (size: string, mtime: string) => Buffer.from(`f 1 1700000000.0000000000 ok\0\0f ${size} ${mtime} x\0\0`);
  const bad = (size: string, mtime: string) =>
    assert.throws(() => new FsListParser().push(rec(size, mtime)), (e: unknown) => e instanceof FsListFormatError && e.message === 'bad size or mtime at byte 30', `${JSON.stringify(size)} ${JSON.stringify(mtime)}`);
  for (const size of ['-5', '1e3', '0x10', '1.0', '+1', 'Infinity', 'NaN', '9'.repeat(17)]) bad(size, '1700000000.0000000000');
  for (const mtime of ['1e9', '0x10', '+1', '.5', '1.', 'Infinity', '--1', '1.5.5', '1.00000000001']) bad('1', mtime);
  // A field that is empty: two spaces, so the path's own first byte would be taken for it.
  assert.throws(() => new FsListParser().push(Buffer.from('f  1700000000.0 x\0\0')), FsListFormatError);
  // The forms find prints: whole seconds, ten fraction digits, before 1970, a size of 0.
  for (const [size, mtime, want] of [
    ['0', '1700000000.0000000000', 1700000000],
    ['4096', '1700000000', 1700000000],
    ['7', '-1.0000000000', -1],
    // find prints -1.5 s as -2.5: the seconds below it, the fraction forward.
    ['7', '-2.5000000000', -1.5],
    ['9007199254740991', '0.5000000000', 0.5],
  ] as const) {
    const p = new FsListParser();
    p.push(rec(size, mtime));
    const e = p.end().toArray()[1];
    assert.deepEqual([e.size, e.mtime], [Number(size), want]);
  }
});

test("find's own listing of a file from before 1970 reads to its time (find prints -1.5 s as -2.5)", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-1969-'));
  try {
    fs.writeFileSync(path.join(d, 'old'), 'x');
    assert.equal(spawnSync('touch', ['-d', '@-1.5', path.join(d, 'old')]).status, 0);
    const out = spawnSync('find', ['-P', d, '-mindepth', '1', '-printf', FS_LIST_FORMAT]);
    assert.equal(out.status, 0);
    assert.match(out.stdout.toString('latin1'), / -2\.5000000000 old\0/, 'find as it prints it');
    const p = new FsListParser();
    p.push(out.stdout);
    assert.deepEqual(p.end().toArray().map((e) => [e.key, e.mtime]), [['old', -1.5]]);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
