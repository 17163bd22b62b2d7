// GNU tar's own listing (what runs inside the gluster container for a remote .tar.gz) against
// the header walk, on the same archives of awkward names: both must give the same entries, and
// a cut or damaged archive must never come out complete.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileReader, indexArchive, parseTarListing, TarListingParser, tarListArgv, TAR_LIST_ENV, type TarIndexResult } from '../../src/core/archive';
import { buildAwkwardTree, removeTree, tar, tempDir, indexFile } from './helpers/archiveTree';

const work = tempDir('gb-listing-');
after(() => removeTree(work));
const tree = path.join(work, 'tree');
fs.mkdirSync(tree);
buildAwkwardTree(tree);

function gnuList(file: string): TarIndexResult {
  const [cmd, ...args] = tarListArgv(file);
  const env = Object.fromEntries(TAR_LIST_ENV.map((kv) => kv.split('=') as [string, string]));
  const r = spawnSync(cmd, args, { env: { PATH: process.env.PATH, ...env }, maxBuffer: 1 << 28 });
  return parseTarListing(r.stdout, r.status ?? 2, r.stderr.toString('utf8'), fs.statSync(file).size, file.endsWith('.gz'));
}

const walk = indexFile;

function rows(r: TarIndexResult) {
  return r.entries.toArray().map((e) => ({ key: e.key, type: e.type, size: e.size, mtime: Math.floor(e.mtime), link: e.linkKey }));
}

for (const format of ['gnu', 'pax'] as const) {
  for (const z of [false, true]) {
    test(`${format}${z ? ' gzip' : ''}: tar's listing gives exactly the entries of the header walk`, async () => {
      const file = path.join(work, `${format}.tar${z ? '.gz' : ''}`);
      tar(['-C', tree, `--format=${format}`, z ? '-czf' : '-cf', file, '.']);
      const listed = gnuList(file);
      const walked = await walk(file);
      assert.equal(listed.problem, undefined, JSON.stringify(listed.problem));
      assert.equal(walked.problem, undefined);
      assert.ok(listed.entries.length > 20);
      assert.deepEqual(rows(listed), rows(walked));
      assert.equal(listed.rootEntries, 1);
      assert.equal(listed.bytesRead, 0, 'nothing of the archive came to the client');
    });
  }
}

test('a cut archive is truncated, plain and gzip, never complete', async () => {
  const plain = path.join(work, 'gnu.tar');
  const data = fs.readFileSync(plain);
  // tar pads archives to whole records: cut inside what precedes the padding.
  const end = (await walk(plain)).tarBytes;
  for (const cut of [100, 5000, Math.floor(end / 2), end - 1024, end - 512]) {
    const f = path.join(work, 'cut.tar');
    fs.writeFileSync(f, data.subarray(0, cut));
    const r = gnuList(f);
    assert.equal(r.problem?.kind, 'truncated', `cut at ${cut}: ${JSON.stringify(r.problem)}`);
    assert.ok(r.problem!.offset <= cut, `offset ${r.problem!.offset} within the ${cut} bytes`);
    const whole = rows(gnuList(plain));
    assert.deepEqual(rows(r), whole.slice(0, r.entries.length), 'what was listed is a prefix of the whole');
    if (cut < end - 1024) assert.ok(r.entries.length < whole.length, "members after the cut are not listed");
  }
  const gz = fs.readFileSync(path.join(work, 'gnu.tar.gz'));
  const f = path.join(work, 'cut.tar.gz');
  fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const r = gnuList(f);
  assert.equal(r.problem?.kind, 'truncated', JSON.stringify(r.problem));
});

test('a damaged header is corrupt, with the offset tar reached', async () => {
  const plain = path.join(work, 'gnu.tar');
  const whole = await walk(plain);
  const target = whole.entries.toArray()[8];
  const bad = fs.readFileSync(plain);
  bad[target.offset! + 3] ^= 0x01;
  const f = path.join(work, 'bad.tar');
  fs.writeFileSync(f, bad);
  const r = gnuList(f);
  assert.equal(r.problem?.kind, 'corrupt', JSON.stringify(r.problem));
  assert.ok(r.problem!.offset <= target.offset! + 512, `${r.problem!.offset} vs ${target.offset}`);
});

test('lines split across chunks parse the same; garbage is an error, not an empty archive', () => {
  const out = spawnSync('tar', tarListArgv(path.join(work, 'pax.tar')).slice(1), { env: { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' } }).stdout;
  const p = new TarListingParser();
  for (let i = 0; i < out.length; i += 7) p.push(out.subarray(i, i + 7));
  const r = p.end(0, '', undefined, false);
  assert.deepEqual(rows(r), rows(parseTarListing(out, 0, '')));
  assert.throws(() => parseTarListing(Buffer.from('hello world\n'), 0, ''), /unexpected line/);
});
