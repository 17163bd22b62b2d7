// An index holds a bounded number of entries and bytes of names, whatever the archive or the
// listing claims: a few MiB of gzip can announce millions of members or gigabytes of names.
// Past the bound each reader stops with EntryLimitError, having read a bounded part of its
// input, and the table is as it was before the refused entry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  DEFAULT_ENTRY_LIMITS,
  EntryLimitError,
  EntryTable,
  FsListParser,
  indexArchive,
  indexTarStream,
  TarListingParser,
} from '../../src/core/archive';
import { countingReader, END, feedGnuTarListing } from './helpers/archiveCraft';
import { rawHeader, removeTree, tempDir, withData } from './helpers/archiveTree';

const work = tempDir('gb-limits-');
after(() => removeTree(work));

/** `n` empty files named f0, f1, ...: 512 bytes of tar each, a few bytes of gzip. */
function manyMembers(n: number): Buffer {
  return Buffer.concat([...Array.from({ length: n }, (_, i) => rawHeader({ name: `f${i}`, type: '0' })), END]);
}

/** `n` members each named by an L header of `bytes` bytes ('a' repeated, then its number). */
function longNames(n: number, bytes: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const name = Buffer.alloc(bytes, 0x61);
    name.write(String(i).padStart(6, '0'), bytes - 7, 'latin1');
    name[bytes - 1] = 0;
    parts.push(withData(rawHeader({ name: '././@LongLink', type: 'L', size: bytes }), name), rawHeader({ name: 'f', type: '0' }));
  }
  return Buffer.concat([...parts, END]);
}

/** The gzip of `tar` as a stream of `chunk`-byte pieces that counts what was taken from it. */
function countedGzip(tar: Buffer, chunk = 65536): { stream: AsyncIterable<Buffer>; taken: () => number; total: number } {
  const gz = zlib.gzipSync(tar);
  let taken = 0;
  return {
    total: gz.length,
    taken: () => taken,
    stream: (async function* () {
      for (let at = 0; at < gz.length; at += chunk) {
        const c = gz.subarray(at, at + chunk);
        taken += c.length;
        yield c;
      }
    })(),
  };
}

test('the defaults: 16 Mi entries and 1 GiB of names, named in the message', () => {
  assert.deepEqual(DEFAULT_ENTRY_LIMITS, { maxEntries: 16_777_216, maxNameBytes: 1_073_741_824 });
  assert.equal(new EntryLimitError('entries', DEFAULT_ENTRY_LIMITS.maxEntries).message, 'more than 16,777,216 entries');
  assert.equal(new EntryLimitError('nameBytes', DEFAULT_ENTRY_LIMITS.maxNameBytes).message, 'more than 1,024 MiB of names');
});

test('a table refuses the entry past its limit and stays as it was', () => {
  const t = new EntryTable({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) t.push(k, 'file', 1, 0);
  assert.throws(
    () => t.push('d', 'file', 1, 0),
    (e: unknown) => e instanceof EntryLimitError && e.limit === 'entries' && e.max === 3 && e.message === 'more than 3 entries',
  );
  assert.equal(t.length, 3);
  assert.deepEqual([...t].map((e) => e.key), ['a', 'b', 'c']);

  // Names and link targets count together; an entry that would pass the bound is not stored,
  // and one that fits exactly is.
  const n = new EntryTable({ maxNameBytes: 10 });
  n.push('abcd', 'symlink', 0, 0, 'efg');
  assert.throws(() => n.push('hij', 'symlink', 0, 0, 'k'), (e: unknown) => e instanceof EntryLimitError && e.limit === 'nameBytes');
  assert.equal(n.length, 1);
  n.push('hi', 'file', 0, 0);
  assert.deepEqual([...n].map((e) => [e.key, e.linkKey]), [['abcd', 'efg'], ['hi', undefined]]);
  assert.throws(() => n.push('', 'symlink', 0, 0, 'xy'), EntryLimitError);

  // A filesystem listing fills a table through the same push.
  const fsT = new EntryTable({ maxEntries: 1 });
  const p = new FsListParser(fsT);
  assert.throws(() => p.push(Buffer.from('f 1 1700000000.0 a\0\0f 1 1700000000.0 b\0\0')), EntryLimitError);
  assert.equal(fsT.length, 1);
});

test('a gzip of many members stops at the entry bound, having inflated a bounded part', async () => {
  const tar = manyMembers(200_000);
  const g = countedGzip(tar);
  await assert.rejects(
    indexTarStream(g.stream, { limits: { maxEntries: 1000 } }),
    (e: unknown) => e instanceof EntryLimitError && e.message === 'more than 1,000 entries',
  );
  // 1001 headers are about 500 KiB of tar, a few KiB of gzip: far less than the whole was taken.
  assert.ok(g.taken() < g.total / 4, `${g.taken()} of ${g.total} compressed bytes taken`);
  // Within the bound it is indexed whole.
  const whole = await indexTarStream(countedGzip(manyMembers(1000)).stream, { limits: { maxEntries: 1000 } });
  assert.equal(whole.entries.length, 1000);
  assert.equal(whole.problem, undefined);
});

test('long names stop at the name bound: plain by positioned reads, gzip streamed', async () => {
  const tar = longNames(40, 1_000_000);
  // Eight names fit in 8 MB, the ninth does not.
  const limits = { maxNameBytes: 8_500_000 };
  const reader = countingReader(tar);
  await assert.rejects(indexArchive(reader, { limits }), (e: unknown) => e instanceof EntryLimitError && e.limit === 'nameBytes');
  assert.ok(reader.bytes < tar.length / 3, `${reader.bytes} of ${tar.length} bytes read`);
  // A 1 MB name of one letter is about 1 KiB of gzip: the stream comes in 1 KiB pieces.
  const g = countedGzip(tar, 1024);
  await assert.rejects(indexTarStream(g.stream, { limits }), (e: unknown) => e instanceof EntryLimitError && e.limit === 'nameBytes');
  assert.ok(g.taken() < g.total / 2, `${g.taken()} of ${g.total} compressed bytes taken`);
  const eight = await indexArchive(countingReader(longNames(8, 1_000_000)), { limits });
  assert.equal(eight.entries.length, 8);
});

test("GNU tar's listing of a crafted gzip stops at the bound, with tar stopped", async () => {
  const file = path.join(work, 'many.tar.gz');
  fs.writeFileSync(file, zlib.gzipSync(manyMembers(100_000)));
  const parser = new TarListingParser(false, { maxEntries: 500 });
  const { err } = await feedGnuTarListing(file, parser);
  assert.ok(err instanceof EntryLimitError, String(err));
  assert.equal(err.message, 'more than 500 entries');
  assert.equal(parser.entries.length, 500);
});
