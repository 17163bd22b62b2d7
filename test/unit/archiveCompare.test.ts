// The comparison, on real trees: the filesystem side is `find` run locally with the argv the
// container will run, the archive side is what GNU tar wrote before the tree was changed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareArchive, compareArchiveWithListing, fileReader, fsListArgv, indexArchive, parseFsList, EntryTable, type TarIndexResult } from '../../src/core/archive';
import { buildAwkwardTree, removeTree, tar, tempDir, indexFile } from './helpers/archiveTree';

const work = tempDir('gb-compare-');
after(() => removeTree(work));

function listFs(root: string): EntryTable {
  const argv = fsListArgv(root);
  return parseFsList(execFileSync(argv[0], argv.slice(1), { maxBuffer: 1 << 28 }));
}

const index = indexFile;

test('find with fsListArgv lists every awkward name exactly', () => {
  const root = path.join(work, 'names');
  fs.mkdirSync(root);
  const exp = buildAwkwardTree(root);
  const t = listFs(root);
  const got = new Map(t.toArray().map((e) => [e.key, e]));
  assert.deepEqual([...got.keys()].sort(), exp.map((e) => e.key).sort());
  for (const e of exp) {
    const g = got.get(e.key)!;
    assert.equal(g.type, e.type === 'hardlink-or-file' ? 'file' : e.type, g.path);
    if (e.size !== undefined) assert.equal(g.size, e.size, g.path);
    if (e.link !== undefined) assert.equal(g.linkKey, e.link, g.path);
  }
});

for (const [format, z] of [
  ['gnu', false],
  ['pax', false],
  ['gnu', true],
] as const) {
  test(`unchanged tree, ${format}${z ? ' gzip' : ''}: complete, nothing missing, extra or changed`, async () => {
    const root = path.join(work, `same-${format}-${z}`);
    fs.mkdirSync(root);
    buildAwkwardTree(root);
    const file = path.join(work, `same-${format}.tar${z ? '.gz' : ''}`);
    tar(['-C', root, `--format=${format}`, z ? '-czf' : '-cf', file, '.']);
    const rep = compareArchive(await index(file), listFs(root));
    assert.equal(rep.verdict, 'complete', rep.summary);
    assert.equal(rep.missingFiles.count + rep.missingDirs.count + rep.missingOther.count + rep.extra.count + rep.changed.count, 0);
    assert.equal(rep.filesystem.entries, rep.archive.entries);
    assert.deepEqual(JSON.parse(JSON.stringify(rep)), rep, 'the report is plain JSON');
  });
}

test('added, removed and modified after the backup: missing, extra and changed, with shares', async () => {
  const root = path.join(work, 'changes');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(root, 'keep'));
  for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(root, 'keep', `k${i}`), Buffer.alloc(1000, 1));
  fs.writeFileSync(path.join(root, 'grows'), 'abc');
  fs.writeFileSync(path.join(root, 'retimed'), 'same');
  fs.writeFileSync(path.join(root, 'goes away'), '12345');
  fs.mkdirSync(path.join(root, 'dir goes away'));
  fs.symlinkSync('keep/k1', path.join(root, 'link'));
  fs.writeFileSync(path.join(root, 'becomes dir'), 'f');
  const file = path.join(work, 'changes.tar');
  tar(['-C', root, '--format=gnu', '-cf', file, '.']);

  fs.writeFileSync(path.join(root, 'new\nfile $(x)'), Buffer.alloc(3000, 2));
  fs.mkdirSync(path.join(root, 'new empty dir'));
  fs.writeFileSync(Buffer.from(`${root}/keep/new-\xff`, 'latin1'), 'z'); // not UTF-8
  // Grows within the same second as far as tar can tell: only the size differs.
  const g0 = fs.statSync(path.join(root, 'grows'));
  fs.appendFileSync(path.join(root, 'grows'), 'def');
  fs.utimesSync(path.join(root, 'grows'), g0.atime, g0.mtime);
  const t = fs.statSync(path.join(root, 'retimed')).mtimeMs / 1000;
  fs.utimesSync(path.join(root, 'retimed'), t, t + 100);
  fs.rmSync(path.join(root, 'goes away'));
  fs.rmdirSync(path.join(root, 'dir goes away'));
  fs.rmSync(path.join(root, 'link'));
  fs.symlinkSync('keep/k2', path.join(root, 'link'));
  fs.rmSync(path.join(root, 'becomes dir'));
  fs.mkdirSync(path.join(root, 'becomes dir'));
  // A file whose mtime moved by less than tar's whole-second resolution is not changed.
  const k3 = path.join(root, 'keep', 'k3');
  const m3 = Math.floor(fs.statSync(k3).mtimeMs / 1000);
  fs.utimesSync(k3, m3, m3 + 0.5);

  const rep = compareArchive(await index(file), listFs(root));
  assert.equal(rep.verdict, 'incomplete');
  const paths = (items: { path: string }[]) => items.map((i) => i.path);
  assert.deepEqual(paths(rep.missingFiles.items), ['keep/new-\\xff', 'new\nfile $(x)']);
  // The display form of a name that is not UTF-8 is lossy; the bytes come along.
  assert.equal(Buffer.from(rep.missingFiles.items[0].pathBase64!, 'base64').toString('latin1'), 'keep/new-\xff');
  assert.equal(rep.missingFiles.items[1].pathBase64, undefined);
  assert.equal(rep.missingFiles.count, 2);
  assert.equal(rep.missingFiles.bytes, 3001);
  assert.deepEqual(paths(rep.missingDirs.items), ['new empty dir']);
  assert.deepEqual(paths(rep.extra.items), ['dir goes away', 'goes away']);
  assert.equal(rep.extra.bytes, 5);
  assert.equal(rep.extra.files, 1);
  assert.equal(rep.extra.dirs, 1);
  const changed = Object.fromEntries(rep.changed.items.map((c) => [c.path, c.reasons]));
  assert.deepEqual(changed, { 'becomes dir': ['type'], grows: ['size'], link: ['linkname'], retimed: ['mtime'] });
  const grows = rep.changed.items.find((c) => c.path === 'grows')!;
  assert.equal(grows.archive.size, 3);
  assert.equal(grows.filesystem.size, 6);

  // fs now: 16 keep + new-\xff + grows + retimed + new file + link = 21 files.
  assert.equal(rep.filesystem.files, 21);
  assert.equal(rep.missingFiles.percentOfFsFiles, Math.round((2 / 21) * 1e6) / 1e4);
  assert.equal(rep.missingFiles.percentOfFsBytes, Math.round((3001 / rep.filesystem.bytes) * 1e6) / 1e4);
  assert.equal(rep.filesystem.bytes, 16000 + 1 + 6 + 4 + 3000);
  assert.match(rep.summary, /2 of 21 files/);

  // find's output streamed straight into the comparison gives the same report. The archive is
  // indexed before find starts: node resumes (and so drops) a child's unread output once the
  // child has exited, so find must not finish while the index is still being read.
  const argv = fsListArgv(root);
  const indexed = await index(file);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const streamed = await compareArchiveWithListing(indexed, child.stdout);
  assert.deepEqual(streamed, rep);
});

test('a truncated archive is never reported complete, even against a matching tree', async () => {
  const root = path.join(work, 'trunc');
  fs.mkdirSync(root);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, `f${i}`), Buffer.alloc(5000, i));
  const file = path.join(work, 'trunc.tar');
  tar(['-C', root, '--format=gnu', '-cf', file, '.']);
  const whole = fs.readFileSync(file);
  // Cut after the last member's data, before the end marker: every member is there.
  const full = await index(file);
  const cut = full.tarBytes - 1024;
  fs.writeFileSync(file, whole.subarray(0, cut));
  const rep = compareArchive(await index(file), listFs(root));
  assert.equal(rep.verdict, 'truncated');
  assert.equal(rep.archive.problem?.offset, cut);
  assert.equal(rep.missingFiles.count, 0);
  assert.match(rep.summary, /TRUNCATED/);
});

test('maxListed bounds the lists, never the counts', async () => {
  const root = path.join(work, 'many');
  fs.mkdirSync(root);
  const file = path.join(work, 'empty.tar');
  tar(['-C', root, '--format=gnu', '-cf', file, '.']);
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(root, `m${String(i).padStart(2, '0')}`), 'x');
  // Fed in reverse order, the list still holds the first 10 paths in byte order.
  const listed = listFs(root).toArray().reverse();
  const rep = compareArchive(await index(file), EntryTable.from(listed), { maxListed: 10 });
  assert.equal(rep.missingFiles.count, 50);
  assert.equal(rep.missingFiles.bytes, 50);
  assert.deepEqual(
    rep.missingFiles.items.map((i) => i.path),
    Array.from({ length: 10 }, (_, i) => `m0${i}`),
  );
  assert.equal(rep.missingFiles.omitted, 40);
  assert.equal(rep.missingFiles.percentOfFsFiles, 100);
});
