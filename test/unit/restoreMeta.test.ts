// Permission bits and numeric owners, the part of a restore's verification that names and sizes
// do not cover: the same values from the header walk, from GNU tar's own listing and from find
// on the extracted tree, and a mode or owner changed after extraction is named with both values.
// Real files, real GNU tar and find (the machine's, as root: chown needs it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ArchiveComparer,
  EntryTable,
  FsListParser,
  fileReader,
  fsListArgv,
  fsListPathsArgv,
  indexArchive,
  lastCopies,
  listedOwnerMode,
  TarListingParser,
  tarListArgv,
  TAR_LIST_ENV,
} from '../../src/core/archive';
import type { FsEntrySink } from '../../src/core/archive/entryTable';
import { changeText } from '../../src/core/restore/restoreText';
import { pinMtimes, removeTree, tempDir } from './helpers/archiveTree';

const work = tempDir('gb-meta-');
after(() => removeTree(work));

const src = path.join(work, 'src');
/** path → [mode, uid, gid]: every special bit, owners that exist nowhere, a directory of its own mode. */
const SHAPE: Record<string, [number, number, number]> = {
  'd': [0o750, 1234, 5678],
  'd/secret': [0o600, 1234, 5678],
  'd/setuid': [0o4755, 0, 0],
  'd/setgid-dir': [0o2775, 42, 4242],
  'sticky': [0o1777, 0, 0],
  'plain': [0o644, 1000, 1000],
  'odd': [0o7001, 65534, 65534],
};
fs.mkdirSync(src);
for (const [rel, [mode, uid, gid]] of Object.entries(SHAPE)) {
  const p = path.join(src, rel);
  if (rel === 'd' || rel.endsWith('-dir') || rel === 'sticky') fs.mkdirSync(p);
  else fs.writeFileSync(p, rel);
  fs.chownSync(p, uid, gid);
  fs.chmodSync(p, mode);
}
fs.symlinkSync('plain', path.join(src, 'link'));
fs.lchownSync(path.join(src, 'link'), 77, 88);
pinMtimes(src);

const archive = path.join(work, 'a.tar');
const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
run('tar', ['--create', `--file=${archive}`, '--numeric-owner', '--sort=name', '-C', src, '.']);

function metaByKey(t: EntryTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of t) out.set(e.key, `${(e.meta?.mode ?? -1).toString(8)} ${e.meta?.uid}:${e.meta?.gid}`);
  return out;
}

function parse(out: Buffer, o: { meta?: boolean; prefix?: string }): EntryTable {
  const p = new FsListParser(new EntryTable(), o);
  p.push(out);
  return p.end();
}

const expected = new Map(Object.entries(SHAPE).map(([k, [m, u, g]]) => [k, `${m.toString(8)} ${u}:${g}`]));

test('the header walk, GNU tar -tv and find agree on every mode and owner', async () => {
  const walked = metaByKey((await indexArchive(fileReader(archive))).entries);
  const listing = new TarListingParser();
  listing.push(run(tarListArgv(archive)[0], tarListArgv(archive).slice(1), Object.fromEntries(TAR_LIST_ENV.map((e) => e.split('=')))));
  const listed = metaByKey(listing.end(0, '', fs.statSync(archive).size, false).entries);
  const argv = fsListArgv(src, { meta: true });
  const found = metaByKey(parse(run(argv[0], argv.slice(1)), { meta: true }));
  for (const [k, want] of expected) {
    assert.equal(walked.get(k), want, `header walk: ${k}`);
    assert.equal(listed.get(k), want, `tar -tv: ${k}`);
    assert.equal(found.get(k), want, `find: ${k}`);
  }
  // A symlink's owner is its own (lchown); its mode is 0777 everywhere.
  assert.equal(walked.get('link'), '777 77:88');
  assert.equal(listed.get('link'), '777 77:88');
  assert.equal(found.get('link'), '777 77:88');
});

test("a resume's listing: find's mode, owner and ctime of every entry, the ctime to the second as lstat has it", () => {
  const argv = fsListArgv(src, { ctime: true });
  const got = new Map<string, string>();
  const p = new FsListParser<FsEntrySink>(
    {
      entry: (key, _t, _s, _m, _l, meta) => void got.set(key, `${(meta?.mode ?? -1).toString(8)} ${meta?.uid}:${meta?.gid} ${Math.floor(meta?.ctime ?? -1)}`),
      socket: () => undefined,
    },
    { meta: true, ctime: true },
  );
  p.push(run(argv[0], argv.slice(1)));
  p.end();
  for (const [k, want] of expected) {
    const ctime = fs.lstatSync(path.join(src, k), { bigint: true }).ctimeNs / 1_000_000_000n;
    assert.equal(got.get(k), `${want} ${ctime}`, k);
  }
});

function extracted(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  run('tar', ['--extract', `--file=${archive}`, '--numeric-owner', '--same-owner', '--preserve-permissions', '-C', dir]);
  return dir;
}

async function verify(dir: string, keys?: string[]) {
  const A = (await indexArchive(fileReader(archive))).entries;
  const taken = new EntryTable();
  for (const r of lastCopies(A).rows) taken.push(A.key(r), A.type(r), A.size(r), A.mtime(r), A.linkKey(r), undefined, A.meta(r));
  const c = new ArchiveComparer(taken, { compareMeta: true });
  const l = keys ? fsListPathsArgv(dir, keys, { meta: true }) : { argv: fsListArgv(dir, { meta: true }), prefix: undefined };
  const p = new FsListParser(c, { meta: true, ...(l.prefix !== undefined ? { prefix: l.prefix } : {}) });
  p.push(run(l.argv[0], l.argv.slice(1)));
  p.end();
  return c.finish();
}

test('an extraction as the restore job runs it verifies clean, modes and owners included', async () => {
  const r = await verify(extracted('clean'));
  assert.equal(r.changed.count, 0, JSON.stringify(r.changed.items));
  assert.equal(r.extra.count, 0);
});

test('a mode or an owner changed after extraction is a difference, named with both values', async () => {
  const dir = extracted('changed');
  fs.chmodSync(path.join(dir, 'd/secret'), 0o644);
  fs.chownSync(path.join(dir, 'plain'), 0, 1000);
  fs.chmodSync(path.join(dir, 'd/setgid-dir'), 0o775);
  fs.lchownSync(path.join(dir, 'link'), 0, 0);
  const r = await verify(dir);
  const by = new Map(r.changed.items.map((c) => [c.path, c]));
  assert.deepEqual([...by.keys()].sort(), ['d/secret', 'd/setgid-dir', 'link', 'plain']);
  assert.deepEqual(by.get('d/secret')!.reasons, ['mode']);
  assert.equal(changeText(by.get('d/secret')!), 'mode 0600 in the archive, 0644 restored');
  assert.deepEqual(by.get('plain')!.reasons, ['owner']);
  assert.equal(changeText(by.get('plain')!), 'owner 1000:1000 in the archive, 0:1000 restored');
  assert.equal(changeText(by.get('d/setgid-dir')!), 'mode 2775 in the archive, 0775 restored');
  assert.deepEqual(by.get('link')!.reasons, ['owner']);
});

test('chosen paths are listed alone: a file, a directory and one that did not come back', async () => {
  const dir = extracted('chosen');
  fs.rmSync(path.join(dir, 'sticky'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'not-chosen'), 'x');
  const l = fsListPathsArgv(dir, ['plain', 'd'], { meta: true });
  const t = parse(run(l.argv[0], l.argv.slice(1)), { meta: true, prefix: l.prefix });
  assert.deepEqual(t.toArray().map((e) => e.key).sort(), ['d', 'd/secret', 'd/setgid-dir', 'd/setuid', 'plain']);
  // A path printed outside the operands is not taken as one of them.
  assert.throws(() => parse(Buffer.from('f 1 1.0 644 0 0 /elsewhere/x\0\0'), { meta: true, prefix: l.prefix }), /bad record/);
});

test('tar -tv mode strings: every special bit, set with and without execute', () => {
  const at = (mode: string) => listedOwnerMode(`block 0: ${mode} 1/2 0 2026-01-01 00:00:00 "x"`);
  assert.deepEqual(at('-rw-r--r--'), { mode: 0o644, uid: 1, gid: 2 });
  assert.deepEqual(at('-rwsr-sr-t'), { mode: 0o7755, uid: 1, gid: 2 });
  assert.deepEqual(at('-rwSr-Sr-T'), { mode: 0o7644, uid: 1, gid: 2 });
  assert.deepEqual(at('d---------'), { mode: 0, uid: 1, gid: 2 });
  // A form tar does not print gives nothing rather than a guess.
  assert.deepEqual(at('-rwxrwxrwxx'), {});
  assert.deepEqual(listedOwnerMode('block 0: -rw-r--r-- root/root 0 2026-01-01 00:00:00 "x"'), {});
});
