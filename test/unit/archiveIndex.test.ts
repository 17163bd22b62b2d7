// The tar index against archives GNU tar wrote from a tree of awkward names, in both GNU and
// PAX formats, plain and gzip; then the same archives cut short or damaged.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath, fileReader, indexArchive, isUtf8Key, indexTar, indexTarStream, type TarIndexResult } from '../../src/core/archive';
import { buildAwkwardTree, pinMtimes, removeTree, tar, tempDir, type Expected, indexFile } from './helpers/archiveTree';

const work = tempDir('gb-archive-');
after(() => removeTree(work));
const tree = path.join(work, 'tree');
fs.mkdirSync(tree);
const expected = buildAwkwardTree(tree);
pinMtimes(tree, expected);

const index = indexFile;

/** GNU format stores whole seconds; PAX the pinned fractions exactly. */
function assertSameAsTree(r: TarIndexResult, exp: Expected[], format: 'gnu' | 'pax'): void {
  assert.equal(r.problem, undefined, JSON.stringify(r.problem));
  const got = new Map(r.entries.toArray().map((e) => [e.key, e]));
  const want = new Map(exp.map((e) => [e.key, e]));
  const missing = [...want.keys()].filter((key) => !got.has(key));
  const extra = [...got.keys()].filter((key) => !want.has(key));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  assert.equal(r.entries.length, exp.length, 'no duplicate entries');
  let hardlinks = 0;
  for (const e of exp) {
    const g = got.get(e.key)!;
    if (e.type === 'hardlink-or-file') {
      assert.ok(g.type === 'file' || g.type === 'hardlink', `${g.path}: ${g.type}`);
      if (g.type === 'hardlink') {
        hardlinks++;
        assert.ok(g.linkKey === 'plain.txt' || g.linkKey === 'sub/hardlink-of-plain', String(g.linkKey));
      }
    } else assert.equal(g.type, e.type, g.path);
    if (e.size !== undefined && g.type === 'file') assert.equal(g.size, e.size, g.path);
    if (e.link !== undefined) assert.equal(g.linkKey, e.link, g.path);
    assert.equal(g.mtime, format === 'gnu' ? Math.floor(e.mtime!) : e.mtime, `${g.path}: mtime`);
  }
  assert.equal(hardlinks, 1, 'one of the two names is stored as a hard link');
}

test('the awkward tree has every case the issue names', () => {
  const keys = expected.map((e) => e.key);
  const bytes = (key: string) => Buffer.byteLength(key, 'latin1');
  assert.ok(keys.some((x) => x.includes('\n')));
  assert.ok(keys.some((x) => x.includes('$(')) && keys.some((x) => x.includes('`')));
  assert.ok(keys.some((x) => x.startsWith('-')));
  assert.ok(keys.some((x) => bytes(x) === 100) && keys.some((x) => bytes(x) === 255 && /^b+$/.test(x)));
  assert.ok(keys.some((x) => bytes(x) > 4096), 'a path over 4 KiB');
  assert.ok(keys.some((x) => x.includes('\xff')), 'a name that is not UTF-8');
  assert.ok(expected.some((e) => e.type === 'symlink') && expected.some((e) => e.type === 'hardlink-or-file'));
  assert.ok(expected.some((e) => e.type === 'file' && e.size === 0));
});

for (const format of ['gnu', 'pax'] as const) {
  test(`${format} format: the index lists exactly the tree`, async () => {
    const file = path.join(work, `${format}.tar`);
    tar(['-C', tree, `--format=${format}`, '-cf', file, '.']);
    const r = await index(file);
    assertSameAsTree(r, expected, format);
    assert.equal(r.rootEntries, 1, 'the ./ member is the root, not an entry');
    assert.equal(r.compressed, false);
    assert.equal(r.tarBytes <= r.archiveSize!, true);
  });

  test(`${format} format, gzip: the streamed index lists exactly the tree`, async () => {
    const file = path.join(work, `${format}.tar.gz`);
    tar(['-C', tree, `--format=${format}`, '-czf', file, '.']);
    const r = await index(file);
    assertSameAsTree(r, expected, format);
    assert.equal(r.compressed, true);
    // Read once, whole (plus the few bytes of magic that chose the streamed walk).
    const extra = r.bytesRead - fs.statSync(file).size;
    assert.ok(extra >= 0 && extra <= 6, `read ${extra} bytes more than the file`);
    // Same result from a plain Node stream.
    assertSameAsTree(await indexTarStream(fs.createReadStream(file)), expected, format);
  });

  test(`${format} format: names without a ./ prefix give the same index`, async () => {
    const file = path.join(work, `${format}-noprefix.tar`);
    // Node passes argv as UTF-8 strings, so names that are not UTF-8 cannot be given by name:
    // archive the others; this test is about the prefix, the others cover the names.
    const top = fs.readdirSync(tree, { encoding: 'buffer' }).map((b) => b.toString('latin1')).filter(isUtf8Key);
    tar(['-C', tree, `--format=${format}`, '-cf', file, '--', ...top.map(displayPath)]);
    const r = await index(file);
    const want = expected.filter((e) => top.includes(e.key.split('/')[0]));
    assertSameAsTree(r, want, format);
    assert.equal(r.rootEntries, 0);
  });
}

test('positioned reads of a tree of multi-MB files read under 1% of the archive', async () => {
  const big = path.join(work, 'big');
  fs.mkdirSync(big);
  for (let i = 0; i < 40; i++) {
    // Sizes vary (2-5 MB, not block aligned), so the skips are not all alike.
    const f = path.join(big, `f${i}.bin`);
    fs.writeFileSync(f, '');
    fs.truncateSync(f, 2_000_000 + i * 77_777);
  }
  fs.mkdirSync(path.join(big, 'd'));
  fs.writeFileSync(path.join(big, 'd', 'small'), 'x');
  const file = path.join(work, 'big.tar');
  tar(['-C', big, '--format=gnu', '-cf', file, '.']);
  const r = await index(file);
  assert.equal(r.problem, undefined);
  assert.equal(r.entries.length, 42);
  const ratio = r.bytesRead / r.archiveSize!;
  assert.ok(ratio <= 0.01, `read ${r.bytesRead} of ${r.archiveSize} bytes (${(ratio * 100).toFixed(3)}%)`);
  assert.ok(r.reads <= 45, `${r.reads} reads`);
  fs.rmSync(big, { recursive: true });
  fs.rmSync(file);
});

test('many small files are read in wide windows, not one read per header', async () => {
  const small = path.join(work, 'small');
  fs.mkdirSync(small);
  for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(small, `s${i}`), 'y'.repeat(i % 900));
  const file = path.join(work, 'small.tar');
  tar(['-C', small, '--format=gnu', '-cf', file, '.']);
  const r = await index(file);
  assert.equal(r.problem, undefined);
  assert.equal(r.entries.length, 2000);
  assert.ok(r.reads < 2000 / 20, `${r.reads} reads for 2000 members`);
  fs.rmSync(small, { recursive: true });
  fs.rmSync(file);
});

/** Member boundaries of the GNU archive: first header offset of each member, in order. */
async function layout(file: string): Promise<{ offsets: number[]; r: TarIndexResult }> {
  const r = await index(file);
  const offsets = r.entries.toArray().map((e) => e.offset!);
  return { offsets, r };
}

for (const format of ['gnu', 'pax'] as const) {
  test(`${format}: an archive cut anywhere is reported truncated at the cut, never complete`, async () => {
    const full = path.join(work, `${format}.tar`);
    if (!fs.existsSync(full)) tar(['-C', tree, `--format=${format}`, '-cf', full, '.']);
    const data = fs.readFileSync(full);
    const { offsets, r: whole } = await layout(full);
    const withData = whole.entries.toArray().find((e) => e.type === 'file' && e.size > 0 && e.key === 'plain.txt') ?? whole.entries.toArray().find((e) => e.type === 'file' && e.size > 0)!;
    const dataStart = offsets.filter((o) => o > withData.offset!)[0] - 512; // last block before the next member
    const cuts = new Map<string, number>([
      ['empty file', 0],
      ['inside the first header', 100],
      ['inside a middle header', offsets[10] + 200],
      ['inside data', dataStart + 3],
      ['at a member boundary', offsets[20]],
      ['before the end marker', whole.tarBytes - 1024],
      ['after one zero block', whole.tarBytes - 512],
      ['inside the second zero block', whole.tarBytes - 10],
    ]);
    for (const [what, cut] of cuts) {
      const f = path.join(work, `cut-${format}.tar`);
      fs.writeFileSync(f, data.subarray(0, cut));
      const r = await index(f);
      assert.equal(r.problem?.kind, 'truncated', `${what} (${cut}): ${JSON.stringify(r.problem)}`);
      assert.equal(r.problem!.offset, cut, what);
      assert.match(r.problem!.message, new RegExp(`byte ${cut}\\b`));
      // What was listed is an exact prefix of the whole index.
      const got = r.entries.toArray().map((e) => e.key);
      assert.deepEqual(got, whole.entries.toArray().slice(0, got.length).map((e) => e.key), what);
      assert.ok(r.entries.toArray().every((e) => e.offset! < cut));
    }
  });

  test(`${format}: a damaged header is reported corrupt at its offset`, async () => {
    const full = path.join(work, `${format}.tar`);
    const data = fs.readFileSync(full);
    const { offsets } = await layout(full);
    for (const [n, field] of [
      [5, 3], // name
      [12, 130], // size
      [17, 156], // type flag
    ]) {
      const bad = Buffer.from(data);
      bad[offsets[n] + field] ^= 0x01;
      const f = path.join(work, `bad-${format}.tar`);
      fs.writeFileSync(f, bad);
      const r = await index(f);
      assert.equal(r.problem?.kind, 'corrupt', JSON.stringify(r.problem));
      assert.equal(r.problem!.offset, offsets[n]);
      assert.match(r.problem!.message, /checksum/);
      assert.equal(r.entries.length, n);
    }
    // A zeroed header: GNU tar would stop there and silently drop the rest.
    const zeroed = Buffer.from(data);
    const target = (await layout(full)).r.entries.toArray().find((e) => e.type === 'file' && e.size > 0 && e.offset! > offsets[3])!;
    const hdr = offsets.indexOf(target.offset!);
    const realHeader = offsets[hdr + 1] - 1024; // the file's own header (after any L/x headers)
    zeroed.fill(0, realHeader, realHeader + 512);
    const f = path.join(work, `zero-${format}.tar`);
    fs.writeFileSync(f, zeroed);
    const r = await index(f);
    assert.ok(r.problem, 'a lone zero block is not the end of a valid archive');
    assert.equal(r.problem.kind, 'corrupt');
  });
}

test('gzip: cut short is truncated, damaged is corrupt, never complete', async () => {
  const gz = fs.readFileSync(path.join(work, 'gnu.tar.gz'));
  for (const cut of [10, Math.floor(gz.length / 2), gz.length - 4]) {
    const f = path.join(work, 'cut.tar.gz');
    fs.writeFileSync(f, gz.subarray(0, cut));
    const r = await index(f);
    assert.equal(r.problem?.kind, 'truncated', `cut ${cut}: ${JSON.stringify(r.problem)}`);
  }
  const bad = Buffer.from(gz);
  bad[Math.floor(gz.length / 2)] ^= 0xff;
  const f = path.join(work, 'bad.tar.gz');
  fs.writeFileSync(f, bad);
  const r = await index(f);
  assert.ok(r.problem, 'a flipped byte in the compressed data is found (gzip CRC at the latest)');
});

test('indexTar reports bytes read and reads for a plain archive', async () => {
  const file = path.join(work, 'gnu.tar');
  const reader = fileReader(file);
  const r = await indexTar(reader);
  await reader.close?.();
  assert.ok(r.bytesRead > 0 && r.bytesRead <= r.archiveSize!);
  assert.ok(r.reads >= 1);
});

test('sparse files (tar -S, GNU and PAX 0.1/1.0 maps) are listed with their real size', async () => {
  const sp = path.join(work, 'sparse');
  fs.mkdirSync(sp);
  const fd = fs.openSync(path.join(sp, 'holes.bin'), 'w');
  fs.writeSync(fd, 'x', 5_000_000);
  fs.writeSync(fd, 'y', 9_000_000);
  fs.closeSync(fd);
  fs.writeFileSync(path.join(sp, 'after'), 'after');
  for (const extra of [['--format=gnu'], ['--format=pax'], ['--format=pax', '--sparse-version=1.0']]) {
    const file = path.join(work, 'sparse.tar');
    tar(['-C', sp, '-S', ...extra, '-cf', file, '.']);
    const r = await index(file);
    assert.equal(r.problem, undefined, extra.join(' '));
    assert.deepEqual(
      r.entries.toArray().map((e) => [e.key, e.type, e.size]).sort(),
      [
        ['after', 'file', 5],
        ['holes.bin', 'file', 9_000_001],
      ],
      extra.join(' '),
    );
  }
});

test('other compressions are named, and a failing source is an error, not a verdict', async () => {
  const file = path.join(work, 'x.tar.xz');
  tar(['-C', tree, '-cJf', file, 'plain.txt']);
  const r = await index(file);
  assert.equal(r.problem?.kind, 'corrupt');
  assert.match(r.problem!.message, /xz-compressed/);

  const failing = (async function* () {
    yield fs.readFileSync(path.join(work, 'gnu.tar.gz')).subarray(0, 100);
    throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
  })();
  await assert.rejects(indexTarStream(failing), /connection lost/);
});
