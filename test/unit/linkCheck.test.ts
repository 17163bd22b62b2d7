// The verification of a restore's hard links, on real files: GNU tar's archive of two pairs of
// hard links, extracted as the restore job does, then one pair broken into two files with the
// same content, size, mtime, mode and owner (what the comparison by name alone cannot tell),
// listed by the real find and checked as verifyRestore checks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArchiveComparer, FsListParser, fileReader, fsListArgv, fsListPathsArgv, indexArchive } from '../../src/core/archive';
import { LinkCheck } from '../../src/core/restore/linkCheck';
import { takenMembers, type RestoreVerification } from '../../src/core/restore/restoreJob';
import { verificationText } from '../../src/core/restore/restoreText';

const MTIME = 1700000000;

function tree(): { dir: string; archive: string; target: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-links-'));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'd'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a'), 'first');
  fs.writeFileSync(path.join(src, 'd/b'), 'second');
  fs.linkSync(path.join(src, 'a'), path.join(src, 'h'));
  fs.linkSync(path.join(src, 'd/b'), path.join(src, 'd/h2'));
  for (const p of ['a', 'd/b', 'd']) fs.utimesSync(path.join(src, p), MTIME, MTIME);
  const archive = path.join(dir, 'a.tar');
  // Named in this order (a directory's own order is the filesystem's): a and d/b stored whole, h and d/h2 as links to them.
  assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${src}`, '--numeric-owner', '--no-recursion', '.', './a', './h', './d', './d/b', './d/h2']).status, 0);
  const target = path.join(dir, 'vol');
  fs.mkdirSync(target);
  assert.equal(spawnSync('tar', ['--extract', `--file=${archive}`, `--directory=${target}`, '--numeric-owner', '--same-owner', '--preserve-permissions']).status, 0);
  return { dir, archive, target };
}

/** d/h2 made a file of its own: a copy with the same bytes, mode, owner and mtime. */
function unlink(target: string): void {
  const h2 = path.join(target, 'd/h2');
  const st = fs.statSync(h2);
  fs.copyFileSync(h2, `${h2}.copy`);
  fs.chmodSync(`${h2}.copy`, st.mode & 0o7777);
  fs.chownSync(`${h2}.copy`, st.uid, st.gid);
  fs.utimesSync(`${h2}.copy`, MTIME, MTIME);
  fs.renameSync(`${h2}.copy`, h2);
  fs.utimesSync(path.join(target, 'd'), MTIME, MTIME);
}

async function check(archive: string, target: string, includes: string[] = []) {
  const { taken, links } = takenMembers(await indexArchive(fileReader(archive)), includes);
  const comparer = new ArchiveComparer(taken, { maxListed: 1000, compareMeta: true });
  const l = includes.length ? fsListPathsArgv(target, includes, { meta: true, inode: true }) : { argv: fsListArgv(target, { meta: true, inode: true }), prefix: undefined };
  const c = new LinkCheck(comparer, links);
  const p = new FsListParser(c, { meta: true, inode: true, ...(l.prefix !== undefined ? { prefix: l.prefix } : {}) });
  const found = spawnSync(l.argv[0], l.argv.slice(1));
  assert.equal(found.status, 0, found.stderr.toString());
  p.push(found.stdout);
  p.end();
  return { links, report: comparer.finish(), unlinked: c.finish(1000) };
}

test('hard links of the archive restored as one file: none unlinked; one broken into two files: named, though the comparison by name finds nothing', async () => {
  const { dir, archive, target } = tree();
  try {
    const whole = await check(archive, target);
    assert.deepEqual(whole.links, [{ key: 'd/h2', to: 'd/b' }, { key: 'h', to: 'a' }]);
    assert.deepEqual(whole.unlinked, { count: 0, items: [] });
    unlink(target);
    const broken = await check(archive, target);
    assert.equal(broken.report.changed.count + broken.report.extra.count, 0, 'the same bytes, size, mtime, mode and owner');
    assert.deepEqual(broken.unlinked, { count: 1, items: [{ path: 'd/h2', linkTarget: 'd/b' }] });
    // Only the included paths, listed by name (find %p, the prefix cut off).
    assert.deepEqual((await check(archive, target, ['d'])).unlinked, { count: 1, items: [{ path: 'd/h2', linkTarget: 'd/b' }] });
    assert.deepEqual((await check(archive, target, ['a', 'h'])).unlinked, { count: 0, items: [] });
    // A name gone is the comparison's to report (missing), not counted twice.
    fs.rmSync(path.join(target, 'd/h2'));
    const gone = await check(archive, target);
    assert.deepEqual([gone.report.extra.count, gone.unlinked.count], [1, 0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the verification text names the hard link restored as a file of its own', () => {
  const v: RestoreVerification = {
    verdict: 'differs',
    differences: 1,
    archive: '/b/a.tar',
    targetDir: '/mnt/gluster',
    members: 6,
    missing: { count: 0, bytes: 0, items: [], omitted: 0, files: 0, dirs: 0, percentOfArchiveEntries: 0, percentOfArchiveBytes: 0 },
    changed: { count: 0, bytes: 0, items: [], omitted: 0, percentOfFsFiles: 0, percentOfFsBytes: 0 },
    unlinked: { count: 1, items: [{ path: 'd/h2', linkTarget: 'd/b' }] },
    targetOnly: { files: 0, dirs: 0 },
    compared: 'x',
    archiveSide: 'read',
    checkedAt: '2026-12-07T00:00:00.000Z',
  };
  assert.equal(
    verificationText(v),
    'DIFFERENCES: 1 of 6 archive members are not in /mnt/gluster as archived (0 missing, 0 different, 1 not linked)\n  not linked d/h2 (archived as a hard link of d/b, restored as a file of its own)\n',
  );
});
