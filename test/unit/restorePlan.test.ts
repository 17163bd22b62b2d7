// The restore plan: an archive's members against the target's listing, by policy and include.
// Both sides are written out here as data (pinned sizes and mtimes), every edge form named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryTable, type EntryInput, type EntryMeta, type EntryType } from '../../src/core/archive/entryTable';
import type { TarIndexResult, TarProblem } from '../../src/core/archive/tarIndex';
import { blockingRefusals, overrideProblems } from '../../src/core/restore/refusal';
import { RESUME_CLOCK_SLACK_S, RestorePlanError, RestorePlanner, includeKey, oddMemberName, type PlanOptions, type RestorePlan, type ResumePoint } from '../../src/core/restore/plan';

const T = 1700000000;

function archive(entries: EntryInput[], problem?: TarProblem): TarIndexResult {
  return { entries: EntryTable.from(entries), bytesRead: 4096, reads: 1, archiveSize: 1 << 20, tarBytes: 1 << 20, compressed: false, rootEntries: 1, ...(problem ? { problem } : {}) };
}

const f = (key: string, size = 10): EntryInput => ({ key, type: 'file', size, mtime: T });
const d = (key: string): EntryInput => ({ key, type: 'dir', size: 0, mtime: T });
const l = (key: string, target: string): EntryInput => ({ key, type: 'symlink', size: 0, mtime: T, linkKey: target });
const h = (key: string, target: string): EntryInput => ({ key, type: 'hardlink', size: 0, mtime: T, linkKey: target });

/** The sample archive: a tree with every type, a hard link, a name that is not UTF-8. */
const SAMPLE = [d('a'), f('a/one', 100), f('a/two', 200), d('a/sub'), f('a/sub/deep', 300), l('a/link', 'one'), h('a/hard', 'a/one'), d('b'), f('b/x', 50), f('top', 7), f('bad\xff', 1)];

function plan(target: [string, EntryType][], opts: PlanOptions = {}, entries = SAMPLE, problem?: TarProblem): { plan: RestorePlan; actions: Record<string, string> } {
  const p = new RestorePlanner(archive(entries, problem), opts);
  for (const [key, type] of target) p.entry(key, type, 1, T);
  const actions: Record<string, string> = {};
  for (const e of p.entries()) actions[e.path] = e.action + (e.existing ? `<${e.existing}` : '');
  return { plan: p.finish(), actions };
}

test('an empty target: every member is written, the bytes are the files', () => {
  const { plan: r, actions } = plan([]);
  assert.deepEqual(r.refusals, []);
  assert.equal(r.selected.entries, 11);
  assert.deepEqual(r.selected, { entries: 11, files: 6, dirs: 3, symlinks: 1, hardlinks: 1, other: 0, bytes: 658 });
  assert.deepEqual(r.write, { count: 11, bytes: 658 });
  assert.equal(r.bytesToWrite, 658);
  assert.equal(r.merge, 0);
  assert.ok(Object.values(actions).every((a) => a === 'write'));
  assert.deepEqual(Object.keys(actions), ['a', 'a/hard', 'a/link', 'a/one', 'a/sub', 'a/sub/deep', 'a/two', 'b', 'b/x', 'bad\\xff', 'top']);
});

test('existing directories are merged into; existing files are refused by default, named and counted', () => {
  const { plan: r, actions } = plan([
    ['a', 'dir'],
    ['a/one', 'file'],
    ['a/link', 'symlink'],
    ['unrelated', 'file'],
    ['b', 'dir'],
  ]);
  assert.equal(r.merge, 2);
  assert.equal(r.conflicts.count, 2);
  assert.deepEqual(
    r.conflicts.items.map((c) => [c.path, c.archive, c.target, c.typeClash]),
    [
      ['a/link', 'symlink', 'symlink', false],
      ['a/one', 'file', 'file', false],
    ],
  );
  assert.deepEqual(r.refusals, [{ check: 'in-the-way', message: '2 files or links the restore would write already exist in the target: choose --existing skip (keep them) or --existing overwrite (replace them), or restore under --target' }]);
  assert.equal(r.targetOnly, 1, 'what the archive does not have is counted, never touched');
  assert.equal(actions['a'], 'merge<dir');
  assert.equal(actions['a/one'], 'conflict<file');
  assert.equal(actions['a/two'], 'write');
});

test('skip keeps what exists and writes the rest; overwrite replaces it', () => {
  const target: [string, EntryType][] = [
    ['a', 'dir'],
    ['a/one', 'file'],
    ['a/two', 'file'],
  ];
  const skip = plan(target, { policy: 'skip' }).plan;
  assert.deepEqual(skip.refusals, []);
  assert.deepEqual(skip.skip, { count: 2, bytes: 300 });
  assert.deepEqual(skip.write, { count: 8, bytes: 358 });
  assert.equal(skip.bytesToWrite, 358);
  const over = plan(target, { policy: 'overwrite' }).plan;
  assert.deepEqual(over.refusals, []);
  assert.deepEqual(over.overwrite, { count: 2, bytes: 300 });
  assert.equal(over.bytesToWrite, 658);
});

test('a directory against a non-directory is refused whatever the policy', () => {
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    const { plan: r, actions } = plan(
      [
        ['a', 'file'],
        ['top', 'dir'],
      ],
      { policy },
    );
    assert.equal(r.conflicts.typeClashes, 2, policy);
    assert.match(r.refusals.map((x) => `${x.check}: ${x.message}`).join('\n'), /type-clash: 2 entries are a directory on one side and not on the other \(archive and target\): no policy replaces them/);
    assert.equal(actions['a'], 'conflict<file');
    assert.equal(actions['top'], 'conflict<dir');
  }
});

test('--include takes a file or a whole directory, and nothing beside it', () => {
  const { plan: r, actions } = plan([['b/x', 'file'], ['a/two', 'file']], { include: ['a/sub', 'top'] });
  assert.deepEqual(Object.keys(actions), ['a/sub', 'a/sub/deep', 'top']);
  assert.deepEqual(r.refusals, [], 'files outside the included paths are not conflicts');
  assert.equal(r.bytesToWrite, 307);
  assert.equal(r.targetOnly, 2);
  // A prefix of a name is not its directory.
  assert.deepEqual(Object.keys(plan([], { include: ['a/su'] }).actions), []);
  assert.deepEqual(plan([], { include: ['a/su'] }).plan.refusals, [{ check: 'include', message: '--include a/su: not in the archive' }]);
  // Leading ./ and a trailing slash name the same directory.
  assert.deepEqual(Object.keys(plan([], { include: ['./a/sub/'] }).actions), ['a/sub', 'a/sub/deep']);
});

const UNTAKEN = (items: string) => ({ check: 'include', message: `1 hard link points at a file outside the included paths (${items}): tar would link it to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on it; add those files with --include` });

test('--include of a hard link whose target is not included is refused, whether or not the target holds that path: tar would fail on it, or link to what is there', () => {
  const { plan: r } = plan([], { include: ['a/hard'] });
  assert.deepEqual(r.refusals, [UNTAKEN('a/hard -> a/one')]);
  assert.deepEqual(r.warnings, []);
  // The target holds a/one: tar would make a/hard a second name of that file, which the plan
  // neither writes nor compares (planned as a write before, and tar linked it).
  for (const type of ['file', 'symlink'] as const) {
    for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
      const { plan: there } = plan([['a', 'dir'], ['a/one', type]], { policy, include: ['a/hard'] });
      assert.deepEqual(there.refusals, [UNTAKEN('a/hard -> a/one')], `${type} ${policy}`);
      assert.deepEqual(blockingRefusals(there.refusals, [{ check: 'include', reason: 'x' }]), there.refusals);
    }
  }
  // Its target included too: the restore writes it (or keeps it, under skip) before the link.
  assert.deepEqual(plan([], { include: ['a'] }).plan.refusals, []);
  assert.deepEqual(plan([], { include: ['a/hard', 'a/one'] }).plan.refusals, []);
  assert.deepEqual(plan([['a', 'dir'], ['a/one', 'file']], { include: ['a/hard', 'a/one'], policy: 'skip' }).plan.refusals, []);
});

test('include paths that could leave the root, or name all of it, are refused', () => {
  for (const bad of ['', '.', './', '/', 'a/../b', '../etc', 'a//b', 'a/./b']) {
    assert.throws(() => includeKey(bad), RestorePlanError, JSON.stringify(bad));
  }
  assert.equal(includeKey('/a/b/'), 'a/b', 'a leading slash is the filesystem root, as validate-backup names paths');
  assert.equal(includeKey('ü'), '\xc3\xbc', 'the key is the UTF-8 bytes');
});

test('a damaged archive is refused with its offset; the members before it are still planned', () => {
  const problem: TarProblem = { kind: 'truncated', offset: 5120, message: 'the archive ends inside the data of a/two' };
  const { plan: r } = plan([], {}, [d('a'), f('a/one', 5)], problem);
  assert.deepEqual(r.refusals, [{ check: 'archive', message: 'the archive is truncated at offset 5120: the archive ends inside the data of a/two' }]);
  assert.equal(r.write.count, 2);
});

test('a corrupt tar header is refused by a check no reason lifts (tar goes on past it); a truncated archive or a failing gzip stream by one a reason can', () => {
  const cases: [TarProblem, string][] = [
    [{ kind: 'truncated', offset: 5120, message: 'archive ends at byte 5120 inside the data of a/two' }, 'archive'],
    [{ kind: 'truncated', offset: 5120, compressedOffset: 900, message: 'compressed archive ends early' }, 'archive'],
    [{ kind: 'corrupt', offset: 8192, compressedOffset: 1400, message: 'compressed data is corrupt' }, 'archive'],
    [{ kind: 'corrupt', offset: 8192, message: 'header checksum mismatch at byte 8192' }, 'corrupt'],
    [{ kind: 'corrupt', offset: 0, message: 'the archive is xz-compressed; only gzip and uncompressed archives can be read' }, 'corrupt'],
  ];
  for (const [problem, check] of cases) {
    const { plan: r } = plan([], { policy: 'skip' }, [d('a'), f('a/one', 5)], problem);
    assert.deepEqual(r.refusals.map((x) => x.check), [check], problem.message);
    const reason = [{ check, reason: 'the only copy' }];
    assert.deepEqual(blockingRefusals(r.refusals, reason).map((x) => x.check), check === 'corrupt' ? ['corrupt'] : [], problem.message);
    assert.deepEqual(overrideProblems(reason), check === 'corrupt' ? ['--override corrupt: cannot be overridden: past a bad header tar goes on with members the plan has not seen (into paths no check has looked at): restore another archive, or extract it by hand'] : []);
  }
});

test('a path stored twice is planned once, from its last copy (--existing overwrite: tar leaves the last copy too)', () => {
  const { plan: r, actions } = plan([], { policy: 'overwrite' }, [f('x', 1), f('x', 9)]);
  assert.equal(r.selected.entries, 1);
  assert.equal(r.bytesToWrite, 9);
  assert.deepEqual(Object.keys(actions), ['x']);
  assert.deepEqual(r.warnings, ['1 paths are stored more than once in the archive: the last copy is the one restored']);
});

test('conflicts beyond the listed ones are counted, the smallest paths named', () => {
  const many = Array.from({ length: 50 }, (_, i) => f(`f${String(i).padStart(2, '0')}`));
  const { plan: r } = plan(
    many.map((e) => [e.key, 'file'] as [string, EntryType]),
    {},
    many,
  );
  assert.equal(r.conflicts.count, 50);
  assert.equal(r.conflicts.items.length, 20);
  assert.equal(r.conflicts.omitted, 30);
  assert.equal(r.conflicts.items[0].path, 'f00');
  assert.equal(r.conflicts.items[19].path, 'f19');
});

test("today's archive: the last one made that day, .tar or .tar.gz, never another day's", async () => {
  const { pickTodays } = await import('../../src/core/restore/archiveChoice');
  // 3 December 2026: the seed's date form is YYYY-DD-MM.
  const day = new Date(Date.UTC(2026, 11, 3, 12, 0, 0));
  const names = [
    'datarobot-gluster-backup-2026-03-12.tar',
    'datarobot-gluster-backup-2026-03-12-2.tar.gz',
    'datarobot-gluster-backup-2026-03-12-10.tar',
    'datarobot-gluster-backup-2026-03-12-3.tar.gz.partial',
    'datarobot-gluster-backup-2026-03-12-11.log',
    'datarobot-gluster-backup-2026-02-12-40.tar',
    'datarobot-gluster-backup-2026-12-03.tar',
  ];
  assert.equal(pickTodays(names, day), 'datarobot-gluster-backup-2026-03-12-10.tar');
  assert.equal(pickTodays(names.slice(0, 1), day), 'datarobot-gluster-backup-2026-03-12.tar');
  assert.equal(pickTodays(names.slice(4), day), undefined, 'a log, a partial or another day is not an archive of today');
  assert.equal(pickTodays(['datarobot-gluster-backup-2026-03-12-2x.tar'], day), undefined);
});

test('the target look from the container is parsed with a guard', async () => {
  const { parseTargetLook, targetSubdir } = await import('../../src/core/restore/restorePlan');
  assert.deepEqual(parseTargetLook('dir\n/mnt/gluster/r\n/mnt/gluster\n1000 4096'), { kind: 'dir', resolved: '/mnt/gluster/r', rootResolved: '/mnt/gluster', freeBytes: 4096000 });
  assert.equal(parseTargetLook('none\n/mnt/gluster/new\n/mnt/gluster\n0 4096')?.freeBytes, 0);
  for (const bad of ['', 'dir', 'maybe\n/a\n/b\n1 1', 'dir\nrel\n/b\n1 1', 'dir\n/a\n/b\n-1 1', 'dir\n/a\n/b\n1 1\nx\ny', 'dir\n/a\n/b\n1'.padEnd(100000, '9')]) {
    assert.equal(parseTargetLook(bad), undefined, JSON.stringify(bad.slice(0, 40)));
  }
  assert.equal(targetSubdir(''), '');
  assert.equal(targetSubdir('./restored/'), 'restored');
  assert.equal(targetSubdir('a/b'), 'a/b');
  for (const bad of ['../x', 'a/../../x', 'a//b', 'a/./b']) assert.throws(() => targetSubdir(bad), /give a directory relative to the gluster filesystem's root/);
});

test('property: the target look parser gives a well-formed answer or none for any mutated output', async () => {
  const fc = (await import('fast-check')).default;
  const { parseTargetLook } = await import('../../src/core/restore/restorePlan');
  const base = 'dir\n/mnt/gluster/restored\n/mnt/gluster\n123456 4096';
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(), cut: fc.boolean(), ch: fc.string({ maxLength: 3 }) }), { minLength: 1, maxLength: 5 }), (ms) => {
      let s = base;
      for (const m of ms) {
        const at = m.at % (s.length + 1);
        s = m.cut ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + m.ch + s.slice(at);
      }
      const r = parseTargetLook(s);
      if (r === undefined) return;
      assert.ok(['dir', 'none', 'other'].includes(r.kind));
      assert.ok(r.resolved.startsWith('/') && r.rootResolved.startsWith('/'));
      assert.ok(Number.isFinite(r.freeBytes) && r.freeBytes >= 0, String(r.freeBytes));
    }),
    { seed: 20261203, numRuns: 2000 },
  );
});

test('resume after an interrupted restore (policy skip): the member it was writing is rewritten when cut short, kept when whole', () => {
  // tar began on a/two at T + 3600 (the members file's last write).
  const resume = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'a/two', since: T + 3600 };
  const cut = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
  for (const [k, t, size] of [['a', 'dir', 0], ['a/one', 'file', 100], ['a/two', 'file', 120]] as const) cut.entry(k, t, size, k === 'a/two' ? T + 3600 : T);
  const r = cut.finish();
  assert.deepEqual(r.resume, { from: resume.from, path: 'a/two', rewrite: true });
  assert.deepEqual(r.overwrite, { count: 1, bytes: 200 });
  assert.deepEqual(r.skip, { count: 1, bytes: 100 });
  assert.equal(r.bytesToWrite, 658 - 100);
  assert.equal([...cut.entries()].find((e) => e.path === 'a/two')?.action, 'overwrite');

  // Same size, archive mtime: tar had finished it.
  const whole = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
  whole.entry('a/two', 'file', 200, T);
  assert.deepEqual(whole.finish().resume, { from: resume.from, path: 'a/two', rewrite: false });
  // Right size, wrong time (tar sets the time last): cut short.
  const late = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume: { ...resume, since: T + 5 } });
  late.entry('a/two', 'file', 200, T + 5);
  assert.equal(late.finish().resume?.rewrite, true);
  // Not there at all: an ordinary write.
  const gone = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
  assert.equal(gone.finish().resume?.rewrite, false);
  // Another policy: no resume (refuse names it in the way; overwrite rewrites everything anyway).
  for (const policy of ['refuse', 'overwrite'] as const) {
    const o = new RestorePlanner(archive(SAMPLE), { policy, resume });
    o.entry('a/two', 'file', 120, T + 3600);
    assert.equal(o.finish().resume, undefined);
  }
});

test('resume: a file tar named but skipped (older than tar\'s line for it) is the operator\'s, kept though it differs', () => {
  const since = T + 3600;
  const resume = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'a/two', since };
  // The edge forms around tar's line: the clock slack below it, one second past the slack, and
  // a file changed long before the restore began.
  for (const [mtime, rewrite] of [
    [since, true],
    [since - RESUME_CLOCK_SLACK_S, true],
    [since - RESUME_CLOCK_SLACK_S - 0.5, false],
    [since - RESUME_CLOCK_SLACK_S - 1, false],
    [T - 86400, false],
  ] as const) {
    const p = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
    p.entry('a', 'dir', 0, T);
    p.entry('a/two', 'file', 120, mtime);
    const r = p.finish();
    assert.equal(r.resume?.rewrite, rewrite, `mtime since${mtime - since >= 0 ? '+' : ''}${mtime - since}`);
    assert.equal([...p.entries()].find((e) => e.path === 'a/two')?.action, rewrite ? 'overwrite' : 'skip', `mtime since${mtime - since}`);
  }
  // No time from the listing: nothing says tar wrote it, so it is kept.
  const untimed = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
  untimed.entry('a/two', 'file', 120);
  assert.equal(untimed.finish().resume?.rewrite, false);
});

test('a symlink or a file in the target above members restored is refused: tar would write through it or fail', () => {
  // --include a/sub/deep: a/sub is not selected, so no member's type is compared with it.
  const cases: [EntryType, PlanOptions][] = [
    ['symlink', { include: ['a/sub/deep'] }],
    ['file', { include: ['a/sub/deep'] }],
    ['symlink', { policy: 'skip' }],
    ['other', { policy: 'overwrite', include: ['a/sub'] }],
  ];
  for (const [type, opts] of cases) {
    const { plan: r } = plan([['a', 'dir'], ['a/sub', type]], opts);
    const above = r.refusals.filter((x) => x.message.includes('not a directory where'));
    assert.equal(above.length, opts.include?.[0] === 'a/sub' || !opts.include ? 0 : 1, `${type} ${JSON.stringify(opts)}: ${JSON.stringify(r.refusals)}`);
    if (above.length) {
      assert.deepEqual(above[0], { check: 'type-clash', message: `1 entry of the target is not a directory where the archive has members under it (a/sub (${type})): tar would write through a symlink, out of the paths restored, or fail on a file; move them aside or restore under --target` });
    } else {
      // a/sub itself selected: the archive's directory against it is the type clash, once.
      assert.equal(r.conflicts.typeClashes, 1, JSON.stringify(r.conflicts));
      assert.equal(r.refusals.filter((x) => x.check === 'type-clash').length, 1, JSON.stringify(r.refusals));
    }
  }
  // Members the archive has under a path whose own directory member it lacks.
  const { plan: bare } = plan([['d', 'symlink'], ['e', 'file'], ['f', 'symlink']], {}, [f('d/x'), f('d/y'), f('e/z'), f('f')]);
  assert.deepEqual(bare.refusals.filter((x) => x.check === 'type-clash').map((x) => x.message.split(': tar')[0]), ['2 entries of the target are not directories where the archive has members under them (d (symlink); e (file))']);
  // Not selected under it: nothing to refuse.
  const { plan: aside } = plan([['d', 'symlink']], { include: ['top'] }, [d('d'), f('d/x'), f('top')]);
  assert.deepEqual(aside.refusals, []);
  // A name that merely starts like it (d-x, d.x) is not under it.
  const { plan: near } = plan([['d', 'symlink']], {}, [f('d-x'), f('d.x'), f('d0/x')]);
  assert.deepEqual(near.refusals, []);
});

test('member names with "." or ".." segments or doubled slashes inside are refused by a check no reason lifts: tar writes them elsewhere', () => {
  for (const [name, odd] of [
    ['a/./f', true],
    ['a//f', true],
    ['a/../f', true],
    ['../f', true],
    ['a/.', true],
    ['a/..', true],
    ['..', true],
    ['a/.f', false],
    ['a/..f', false],
    ['a/f.', false],
    ['a/...', false],
    ['.hidden', false],
  ] as const) {
    assert.equal(oddMemberName(name), odd, name);
    const { plan: r } = plan([], { policy: 'skip' }, [d('a'), f(name), f('b')]);
    const names = r.refusals.filter((x) => x.check === 'names');
    assert.deepEqual(names.map((x) => x.message), odd ? [`1 archive member has a name with a "." or ".." segment or a doubled slash (${name}): tar would write it elsewhere than the plan compared, or refuse it; our backups never store such names`] : [], name);
    assert.deepEqual(blockingRefusals(r.refusals, [{ check: 'names', reason: 'x' }]).map((x) => x.check), odd ? ['names'] : [], name);
  }
  // Only the members taken count; five are named, all counted.
  const many = ['x/./1', 'x/./2', 'x/./3', 'x/./4', 'x/./5', 'x/./6'].map((k) => f(k));
  const { plan: some } = plan([], { include: ['b'] }, [...many, f('b')]);
  assert.deepEqual(some.refusals, []);
  const { plan: all } = plan([], {}, [...many, f('b')]);
  assert.match(all.refusals.find((x) => x.check === 'names')?.message ?? '', /^6 archive members have names .* \(x\/\.\/1; x\/\.\/2; x\/\.\/3; x\/\.\/4; x\/\.\/5; …\): tar would write them/);
});

/** SAMPLE with its directories archived 0755, owned by 1000:1000. */
const OWNED = SAMPLE.map((e) => (e.type === 'dir' ? { ...e, meta: { mode: 0o755, uid: 1000, gid: 1000 } } : e));
/** A directory as tar run as root makes it and leaves it until it moves past it: 0700, root's, changed at `ctime`. */
const tarMade = (ctime: number) => ({ mode: 0o700, uid: 0, gid: 0, ctime });

test('resume: only the directories above the member each interrupted restore was on are set again (tar set the others as it moved past them)', () => {
  const resume = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'a/sub/deep', since: T + 60, start: T };
  const dirsOf = (opts: PlanOptions) => {
    const p = new RestorePlanner(archive(OWNED), opts);
    for (const k of ['a', 'a/sub', 'b']) p.entry(k, 'dir', 0, T + 30, undefined, tarMade(T + 30));
    return p.resumeDirs();
  };
  assert.deepEqual(dirsOf({ policy: 'skip', resume }), ['a', 'a/sub'], 'parents first, b left as it is');
  assert.deepEqual(dirsOf({ policy: 'skip', resume: { ...resume, key: 'top' } }), [], 'a member at the top: no directory waits');
  assert.deepEqual(dirsOf({ policy: 'skip', resume: { ...resume, key: 'a/two', earlier: ['b/x', 'a/sub/deep'] } }), ['a', 'a/sub', 'b'], 'the earlier interrupted restores too, each once');
  assert.deepEqual(dirsOf({ policy: 'skip', resume, include: ['a/sub/deep'] }), [], 'a and a/sub not selected: the skip leaves them');
  assert.deepEqual(dirsOf({ policy: 'skip', resume, include: ['a/sub'] }), ['a/sub']);
  assert.deepEqual(dirsOf({ policy: 'skip', resume: { ...resume, key: 'gone/x' } }), [], 'not in the archive');
  assert.deepEqual(dirsOf({ policy: 'overwrite', resume }), [], 'no resume but under skip');
});

test('resume: a directory above the stop point that the target held before the interrupted restore is left as the operator has it', () => {
  const resume = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'a/sub/deep', since: T + 60, start: T };
  // The target's a and a/sub, each as the interrupted restore made it or as the operator has it.
  const dirsOf = (a: EntryMeta | undefined, sub: EntryMeta | undefined, r: ResumePoint = resume, entries: EntryInput[] = OWNED) => {
    const p = new RestorePlanner(archive(entries), { policy: 'skip', resume: r });
    p.entry('a', 'dir', 0, T + 30, undefined, a);
    p.entry('a/sub', 'dir', 0, T + 30, undefined, sub);
    return p.resumeDirs();
  };
  assert.deepEqual(dirsOf(tarMade(T + 30), tarMade(T + 30)), ['a', 'a/sub'], 'both made by the interrupted restore');
  // The operator's a, its mtime and ctime moved by the a/sub that restore made in it: mode and owner tell.
  assert.deepEqual(dirsOf({ mode: 0o750, uid: 1000, gid: 1000, ctime: T + 30 }, tarMade(T + 30)), ['a/sub'], "the operator's 0750 a is not set to the archived 0755");
  assert.deepEqual(dirsOf({ mode: 0o700, uid: 1000, gid: 1000, ctime: T + 30 }, tarMade(T + 30)), ['a/sub'], "the operator's 0700 a owned by 1000: not root's");
  assert.deepEqual(dirsOf({ mode: 0o755, uid: 1000, gid: 1000, ctime: T + 30 }, tarMade(T + 30)), ['a/sub'], 'an a already as archived keeps its own mtime');
  assert.deepEqual(dirsOf(tarMade(T - 3), tarMade(T - 2)), ['a/sub'], 'changed before the first interrupted restore began (2 s of slack): the operator\'s');
  assert.deepEqual(dirsOf(tarMade(T + 30), tarMade(T + 30), { ...resume, start: undefined }), [], 'without the start no directory is taken for the restore\'s');
  assert.deepEqual(dirsOf({ mode: 0o700, uid: 0, gid: 0 }, undefined), [], 'a listing without ctime (or without meta) takes none');
  assert.deepEqual(dirsOf(tarMade(T + 30), tarMade(T + 30), resume, SAMPLE), [], 'an archive without modes takes none');
});

/** The target fed entry by entry as a resume's listing gives it: size, mtime, mode, owner and ctime. */
function resumed(entries: EntryInput[], r: ResumePoint, target: [string, EntryType, number, number, EntryMeta][]) {
  const p = new RestorePlanner(archive(entries), { policy: 'skip', resume: r });
  for (const [key, type, size, mtime, meta] of target) p.entry(key, type, size, mtime, undefined, meta);
  const actions: Record<string, string> = {};
  for (const e of p.entries()) if (e.existing) actions[e.path] = e.action;
  return { plan: p.finish(), actions, redo: p.resumeRedo() };
}

test('resume: files a full volume left short carry the archived mtime (tar sets it after a failed write): overwritten by size; the operator\'s are kept', () => {
  const r = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'b/x', since: T + 60, start: T + 50, until: T + 100 };
  const owner = (ctime: number): EntryMeta => ({ mode: 0o644, uid: 0, gid: 0, ctime });
  const { plan: got, actions, redo } = resumed(SAMPLE, r, [
    ['a/one', 'file', 40, T, owner(T + 70)],
    ['a/two', 'file', 200, T, owner(T + 70)],
    ['a/sub/deep', 'file', 10, T, owner(T - 3600)],
    ['top', 'file', 3, T + 70, owner(T + 70)],
    ['b/x', 'file', 10, T, owner(T + 70)],
    ['bad\xff', 'file', 0, T, owner(T + 200)],
  ]);
  assert.deepEqual(actions, {
    'a/one': 'overwrite',
    'a/two': 'skip',
    'a/sub/deep': 'skip',
    top: 'skip',
    'b/x': 'overwrite',
    'bad\\xff': 'skip',
  });
  assert.deepEqual(redo, ['a/one', 'b/x']);
  // b/x is where tar stopped, cut by the full volume, not by a kill: its mtime is the archived one.
  assert.deepEqual(got.resume, { from: r.from, path: 'b/x', rewrite: false, redo: 2 });
  assert.deepEqual(got.overwrite, { count: 2, bytes: 150 });
  assert.deepEqual(got.skip, { count: 4, bytes: 508 });
  assert.equal(got.bytesToWrite, 150, 'every file is there: only the two short ones are written');
  // The edges of the window, with its 2 s of slack; and without a start, nothing is the restores'.
  for (const [ctime, action] of [[T + 47, 'skip'], [T + 48, 'overwrite'], [T + 102, 'overwrite'], [T + 103, 'skip']] as const) {
    assert.equal(resumed(SAMPLE, r, [['a/one', 'file', 40, T, owner(ctime)]]).actions['a/one'], action, `ctime start${ctime - r.start >= 0 ? '+' : ''}${ctime - r.start}`);
  }
  assert.equal(resumed(SAMPLE, { ...r, start: undefined }, [['a/one', 'file', 40, T, owner(T + 70)]]).actions['a/one'], 'skip');
  assert.equal(resumed(SAMPLE, r, [['a/one', 'file', 40, T, { mode: 0o644, uid: 0, gid: 0 }]]).actions['a/one'], 'skip', 'a listing without ctime');
});

test('resume: the empty mode-0 file tar leaves where a symlink goes until its end is replaced; an empty file of the operator\'s is kept', () => {
  const entries = [...SAMPLE, l('abs', '/etc/hostname'), l('up', '../top'), l('up2', '../x'), l('up3', '../y')];
  const r = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'up3', since: T + 60, start: T + 50, until: T + 100 };
  const { plan: got, actions, redo } = resumed(entries, r, [
    ['abs', 'file', 0, T + 70, { mode: 0, uid: 0, gid: 0, ctime: T + 70 }],
    ['up', 'file', 0, T + 70, { mode: 0o644, uid: 0, gid: 0, ctime: T + 70 }],
    ['up2', 'file', 0, T - 100, { mode: 0, uid: 0, gid: 0, ctime: T - 100 }],
    ['up3', 'file', 1, T + 70, { mode: 0, uid: 0, gid: 0, ctime: T + 70 }],
    ['a/link', 'symlink', 0, T + 70, { mode: 0o777, uid: 0, gid: 0, ctime: T + 70 }],
  ]);
  assert.deepEqual(actions, { abs: 'overwrite', up: 'skip', up2: 'skip', up3: 'skip', 'a/link': 'skip' });
  assert.deepEqual(redo, ['abs']);
  assert.deepEqual(got.resume, { from: r.from, path: 'up3', rewrite: false, redo: 1 });
  assert.deepEqual(got.refusals, []);
});

// The archive's own shape: GNU tar makes a symlink member with a relative target without ".."
// at once (no placeholder), so a later member under that path is written through it, wherever
// it leads; a path stored as a symlink and again as a directory is kept as the symlink under
// --keep-old-files or --skip-old-files, and the members under it go through it all the same.
const UNDER = 'archive member lies under a path the archive itself stores as a symlink, file or other non-directory';
const UNDER_END = 'tar would make that path first and then write through it, out of the paths restored and perhaps out of the volume, or fail on it; extract this archive by hand';

test('a member under a path the archive itself stores as a symlink is refused whatever the policy, and no reason lifts it: tar would write through the symlink', () => {
  // The target holds x -> / (any path); the archive a -> x, then a/evil.
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    const { plan: r } = plan([['x', 'symlink']], { policy }, [l('a', 'x'), f('a/evil', 5)]);
    assert.deepEqual(r.refusals, [{ check: 'archive-types', message: `1 ${UNDER} (a/evil under a (symlink)): ${UNDER_END}` }], policy);
    assert.deepEqual(blockingRefusals(r.refusals, [{ check: 'archive-types', reason: 'the only copy' }]), r.refusals, policy);
  }
  assert.deepEqual(overrideProblems([{ check: 'archive-types', reason: 'x' }]), [
    '--override archive-types: cannot be overridden: a symlink or file the archive stores above a member takes tar\'s writes elsewhere than the plan compared (above a hard link\'s target, its link too; a hard link to a path it does not store before it links to whatever the target holds there), and of a path stored as different types tar may keep either: extract this archive by hand',
  ]);
});

test('a path the archive stores as a symlink and again as a directory is refused whatever the policy, with the members under it: tar may keep the symlink', () => {
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    const { plan: r } = plan([['x', 'symlink']], { policy }, [l('a', 'x'), d('a'), f('a/evil', 5)]);
    assert.deepEqual(
      r.refusals,
      [
        { check: 'archive-types', message: `1 ${UNDER} (a/evil under a (symlink, then dir)): ${UNDER_END}` },
        { check: 'archive-types', message: '1 path is stored in the archive as different types (a (symlink, then dir)): which copy tar leaves depends on --existing, and it can keep a symlink and write the members under it through it; extract this archive by hand' },
      ],
      policy,
    );
    assert.equal(blockingRefusals(r.refusals, [{ check: 'archive-types', reason: 'x' }]).length, 2, policy);
  }
  // Different types with nothing under the path: still refused (which copy stays is tar's choice).
  const { plan: r } = plan([], { policy: 'overwrite' }, [f('p'), l('p', 'elsewhere')]);
  assert.deepEqual(r.refusals.map((x) => x.message.split(': which')[0]), ['1 path is stored in the archive as different types (p (file, then symlink))']);
});

test('members under a file, a hard link or another non-directory of the archive are refused too, deep or not, named escaped, five shown and all counted', () => {
  const { plan: r } = plan([], { policy: 'overwrite' }, [f('top'), f('b'), f('b/c/d'), h('h', 'top'), f('h/x'), { key: 'o', type: 'other', size: 0, mtime: T }, f('o/y'), l('q\xff', 'x'), f('q\xff/e')]);
  assert.deepEqual(r.refusals, [{ check: 'archive-types', message: `4 archive members lie under a path the archive itself stores as a symlink, file or other non-directory (b/c/d under b (file); h/x under h (hardlink); o/y under o (other); q\\xff/e under q\\xff (symlink)): ${UNDER_END}` }]);
  const seven = [l('a', 'x'), ...Array.from({ length: 7 }, (_, i) => f(`a/${i}`))];
  assert.match(plan([], { policy: 'skip' }, seven).plan.refusals[0]?.message ?? '', /^7 archive members lie under .* \(a\/0 under a \(symlink\); a\/1 under a \(symlink\); a\/2 under a \(symlink\); a\/3 under a \(symlink\); a\/4 under a \(symlink\); …\): tar would/);
});

test('what is not under a non-directory of the archive is not refused: a directory, a name that merely starts like it, a member not taken', () => {
  assert.deepEqual(plan([], { policy: 'skip' }, [d('a'), f('a/x'), l('a/link', '/etc'), f('b')]).plan.refusals, [], 'a symlink with nothing under it is an ordinary member');
  assert.deepEqual(plan([], {}, [l('a', 'x'), f('a-x'), f('a.x/y'), f('a0/x'), d('a.d'), f('a.d/z')]).plan.refusals, []);
  // Only the members taken count: a/evil not included.
  assert.deepEqual(plan([], { include: ['top'] }, [l('a', 'x'), f('a/evil'), f('top')]).plan.refusals, []);
  // An included member under a symlink of the archive is refused though the symlink is not taken.
  assert.deepEqual(plan([], { include: ['a/evil'] }, [l('a', 'x'), f('a/evil')]).plan.refusals.map((x) => x.check), ['archive-types']);
});

test('property: the members refused as under a non-directory of the archive, the paths of two types and those stored twice are those a plain look at every pair finds', async () => {
  const fc = (await import('fast-check')).default;
  const { isUnderAny } = await import('../../src/core/restore/plan');
  // Names that sort between a path and the members under it (a-b, a.b) and names that start alike.
  const names = ['a', 'a/b', 'a/b/c', 'a/c', 'a-b', 'a.b', 'a.b/c', 'a0', 'ab/c', 'b', 'b/a', 'a/b-c', 'a/b-c/d'];
  const types: EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'other'];
  const member = fc.record({ name: fc.constantFrom(...names), type: fc.constantFrom(...types, 'dir', 'dir') });
  fc.assert(
    fc.property(fc.array(member, { minLength: 1, maxLength: 14 }), fc.subarray(names, { maxLength: 2 }), (ms, include) => {
      const entries = ms.map((m) => ({ key: m.name, type: m.type, size: 0, mtime: T, ...(m.type === 'symlink' || m.type === 'hardlink' ? { linkKey: 'b' } : {}) }));
      const { plan: r } = plan([], { policy: 'skip', include }, entries);
      const keys = [...new Set(ms.map((m) => m.name))];
      const taken = keys.filter((k) => !include.length || isUnderAny(k, include));
      const nonDir = new Set(ms.filter((m) => m.type !== 'dir').map((m) => m.name));
      const under = taken.filter((k) => [...nonDir].some((q) => k.startsWith(q + '/'))).length;
      const mixed = taken.filter((k) => new Set(ms.filter((m) => m.name === k).map((m) => m.type)).size > 1).length;
      const twice = taken.filter((k) => ms.filter((m) => m.name === k).length > 1 && new Set(ms.filter((m) => m.name === k).map((m) => m.type)).size === 1).length;
      const said = (re: RegExp) => Number(re.exec(r.refusals.filter((x) => x.check === 'archive-types' || x.check === 'duplicates').map((x) => x.message).join('\n'))?.[1] ?? 0);
      assert.equal(said(/^(\d+) archive members? lies? under/m), under, JSON.stringify({ ms, include, refusals: r.refusals }));
      assert.equal(said(/^(\d+) paths? (?:is|are) stored in the archive as different types/m), mixed, JSON.stringify({ ms, include, refusals: r.refusals }));
      assert.equal(said(/^(\d+) paths? (?:is|are) stored more than once/m), twice, JSON.stringify({ ms, include, refusals: r.refusals }));
    }),
    { seed: 20261204, numRuns: 3000 },
  );
});

test('a path stored more than once is refused under --existing refuse (tar fails at the second copy) and skip (tar keeps the first, the verification expects the last), and no reason lifts it', () => {
  const twice = [d('d'), f('d/f', 1), f('d/f', 9), f('d/g')];
  const refuse = plan([], {}, twice).plan;
  assert.deepEqual(refuse.refusals, [
    { check: 'duplicates', message: '1 path is stored more than once in the archive (d/f (2 copies)): with --existing refuse tar fails at the second copy, having written part of the tree; choose --existing overwrite (the last copy is restored, as the verification expects)' },
  ]);
  assert.deepEqual(refuse.warnings, [], 'refused: no word about which copy is restored');
  const skip = plan([], { policy: 'skip' }, twice).plan;
  assert.deepEqual(skip.refusals, [
    { check: 'duplicates', message: '1 path is stored more than once in the archive (d/f (2 copies)): with --existing skip tar keeps the first copy and the verification expects the last; choose --existing overwrite (the last copy is restored, as the verification expects)' },
  ]);
  assert.deepEqual(blockingRefusals(skip.refusals, [{ check: 'duplicates', reason: 'x' }]), skip.refusals);
  assert.deepEqual(overrideProblems([{ check: 'duplicates', reason: 'x' }]), ['--override duplicates: cannot be overridden: tar fails at the second copy (refuse) or keeps the first (skip): choose --existing overwrite']);
  // Overwrite: as before, the last copy wins, as tar does.
  const over = plan([], { policy: 'overwrite' }, twice).plan;
  assert.deepEqual(over.refusals, []);
  assert.deepEqual(over.warnings, ['1 paths are stored more than once in the archive: the last copy is the one restored']);
  // A directory stored twice too: --skip-old-files keeps the first copy's mode and time.
  assert.deepEqual(plan([], { policy: 'skip' }, [d('d'), f('d/f'), d('d')]).plan.refusals.map((x) => x.message.split(': with')[0]), ['1 path is stored more than once in the archive (d (2 copies))']);
  // Only the members taken count.
  assert.deepEqual(plan([], { include: ['d/g'] }, twice).plan.refusals, []);
  // Five named, all counted, with their copies.
  const many = [f('m0'), f('m0'), f('m0'), ...['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].flatMap((k) => [f(k), f(k)])];
  assert.match(plan([], {}, many).plan.refusals[0]?.message ?? '', /^7 paths are stored more than once in the archive \(m0 \(3 copies\); m1 \(2 copies\); m2 \(2 copies\); m3 \(2 copies\); m4 \(2 copies\); …\): with --existing refuse/);
});

test('resume: a file changed after the interrupted restore ended is not the one it was writing: kept, though it differs', () => {
  const since = T + 3600;
  const until = since + 60;
  const resume = { from: 'datarobot-gluster-backup-2026-03-12.tar.restore-20261204T040000Z', key: 'a/two', since, until };
  for (const [mtime, rewrite] of [
    [since, true],
    [until, true],
    [until + RESUME_CLOCK_SLACK_S, true],
    [until + RESUME_CLOCK_SLACK_S + 0.5, false],
    [until + 3 * 3600, false],
  ] as const) {
    const p = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume });
    p.entry('a', 'dir', 0, T);
    p.entry('a/two', 'file', 120, mtime);
    assert.equal(p.finish().resume?.rewrite, rewrite, `mtime until${mtime - until >= 0 ? '+' : ''}${mtime - until}`);
    assert.equal([...p.entries()].find((e) => e.path === 'a/two')?.action, rewrite ? 'overwrite' : 'skip', `mtime until+${mtime - until}`);
  }
  // A job record without its end: only the lower bound, as before.
  const p = new RestorePlanner(archive(SAMPLE), { policy: 'skip', resume: { from: resume.from, key: resume.key, since } });
  p.entry('a/two', 'file', 120, until + 3 * 3600);
  assert.equal(p.finish().resume?.rewrite, true);
});

test("resume: the window ends at the interrupted job's end when its record has one", async () => {
  const { resumeWindow } = await import('../../src/core/restore/restorePlan');
  assert.deepEqual(resumeWindow(T, { endedAt: new Date((T + 90.5) * 1000).toISOString() }), { since: T, until: T + 90.5 });
  assert.deepEqual(resumeWindow(T, {}), { since: T });
  assert.deepEqual(resumeWindow(T, { endedAt: 'not a time' }), { since: T });
});

// A hard link's target, as tar makes it: linkat(2) resolves every symlink on the way to the
// target's last name (not the last name itself), so a link to a/secret where a is a symlink
// (the archive's own, made at once, or one already in the target) gives a file out of the paths
// restored, anywhere in the same volume, a second name: a later write to one writes the other.
const LINK_UNDER = 'under a path the archive itself stores as a symlink, file or other non-directory';
const LINK_UNDER_END = 'tar would make that path first and then link through it, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on it; extract this archive by hand';
const LINK_ABOVE = 'under an entry of the target that is not a directory';
const LINK_ABOVE_END = 'tar would link through a symlink, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on a file; move them aside or restore under --target';
/** The link target is not a path the archive stores (before the link): refused as well, see below. */
const UNSTORED_1 = (items: string) => ({ check: 'archive-types', message: `1 hard link of the archive points at a path the archive does not store before it (${items}): tar would link it to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on it; extract this archive by hand` });
const UNSTORED_N = (n: number, items: string) => ({ check: 'archive-types', message: `${n} hard links of the archive point at a path the archive does not store before them (${items}): tar would link them to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on them; extract this archive by hand` });

test('a hard link whose target lies under a symlink the archive itself stores is refused whatever the policy, and no reason lifts it: tar would link through the symlink', () => {
  // The target holds x -> a directory elsewhere in the volume; the archive a -> x, then h linked to a/secret.
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    const { plan: r } = plan([['x', 'symlink']], { policy }, [l('a', 'x'), h('h', 'a/secret')]);
    assert.deepEqual(r.refusals, [{ check: 'archive-types', message: `1 hard link of the archive points ${LINK_UNDER} (h -> a/secret under a (symlink)): ${LINK_UNDER_END}` }, UNSTORED_1('h -> a/secret')], policy);
    assert.deepEqual(blockingRefusals(r.refusals, [{ check: 'archive-types', reason: 'the only copy' }]), r.refusals, policy);
    // Only the hard link taken: the symlink is not, and the link is refused all the same.
    const { plan: one } = plan([['x', 'symlink']], { policy, include: ['h'] }, [l('a', 'x'), h('h', 'a/secret')]);
    assert.deepEqual(one.refusals.filter((x) => x.check === 'archive-types'), r.refusals, policy);
  }
  // Stored as a symlink in one copy and a directory in another, either way round.
  for (const [entries, kinds] of [
    [[l('a', 'x'), d('a'), h('h', 'a/secret')], 'symlink, then dir'],
    [[d('a'), l('a', 'x'), h('h', 'a/secret')], 'dir, then symlink'],
  ] as const) {
    const { plan: r } = plan([], { policy: 'overwrite' }, [...entries]);
    assert.deepEqual(r.refusals, [
      { check: 'archive-types', message: `1 path is stored in the archive as different types (a (${kinds})): which copy tar leaves depends on --existing, and it can keep a symlink and write the members under it through it; extract this archive by hand` },
      { check: 'archive-types', message: `1 hard link of the archive points ${LINK_UNDER} (h -> a/secret under a (${kinds})): ${LINK_UNDER_END}` },
      UNSTORED_1('h -> a/secret'),
    ]);
  }
});

test('hard links under a file, a hard link or another non-directory of the archive are refused too, deep or not, named escaped, five shown and all counted', () => {
  const { plan: r } = plan([], { policy: 'overwrite' }, [f('b'), h('hb', 'b/c/d'), f('top'), h('k', 'top'), h('hk', 'k/x'), { key: 'o', type: 'other', size: 0, mtime: T }, h('ho', 'o/y'), l('q\xff', 'x'), h('hq', 'q\xff/e')]);
  assert.deepEqual(r.refusals, [{ check: 'archive-types', message: `4 hard links of the archive point ${LINK_UNDER} (hb -> b/c/d under b (file); hk -> k/x under k (hardlink); ho -> o/y under o (other); hq -> q\\xff/e under q\\xff (symlink)): ${LINK_UNDER_END}` }, UNSTORED_N(4, 'hb -> b/c/d; hk -> k/x; ho -> o/y; hq -> q\\xff/e')]);
  const seven = [l('a', 'x'), ...Array.from({ length: 7 }, (_, i) => h(`h${i}`, `a/${i}`))];
  assert.match(plan([], { policy: 'skip' }, seven).plan.refusals[0]?.message ?? '', /^7 hard links of the archive point under a path .* \(h0 -> a\/0 under a \(symlink\); h1 -> a\/1 under a \(symlink\); h2 -> a\/2 under a \(symlink\); h3 -> a\/3 under a \(symlink\); h4 -> a\/4 under a \(symlink\); …\): tar would/);
});

test('a hard link to a non-directory of the archive itself, beside it, or not taken is not refused', () => {
  // h -> a: linkat makes a second name of the symlink a, not of what it leads to.
  assert.deepEqual(plan([], {}, [l('a', 'x'), f('a-x'), f('a.x'), f('a0'), h('h1', 'a-x'), h('h2', 'a.x'), h('h3', 'a0'), h('h4', 'a')]).plan.refusals, []);
  assert.deepEqual(plan([], { policy: 'skip' }, [d('a'), f('a/x'), h('h', 'a/x')]).plan.refusals, []);
  assert.deepEqual(plan([], { include: ['top'] }, [l('a', 'x'), h('h', 'a/secret'), f('top')]).plan.refusals, [], 'the hard link not taken');
});

test('a hard link whose target lies under a symlink or a file already in the target is refused whatever the policy, and no reason lifts it: tar would link through it', () => {
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    for (const [type, to] of [
      ['symlink', 'x/secret'],
      ['file', 'x/secret'],
      ['symlink', 'x/d/e/secret'],
    ] as const) {
      const { plan: r } = plan([['x', type]], { policy }, [f('top'), h('h', to)]);
      const above = { check: 'type-clash', message: `1 hard link of the archive points ${LINK_ABOVE} (h -> ${to} under x (${type})): ${LINK_ABOVE_END}` };
      assert.deepEqual(r.refusals, [UNSTORED_1(`h -> ${to}`), above], `${policy} ${type} ${to}`);
      assert.deepEqual(blockingRefusals(r.refusals, [{ check: 'type-clash', reason: 'x' }, { check: 'archive-types', reason: 'x' }]), r.refusals);
      const { plan: one } = plan([['x', type]], { policy, include: ['h'] }, [f('top'), h('h', to)]);
      assert.deepEqual(one.refusals, r.refusals, `${policy} ${type} ${to} --include h`);
    }
  }
  // Named escaped, five shown, all counted.
  const { plan: many } = plan([['q\xff', 'symlink'], ['x', 'symlink']], {}, [f('top'), h('hq', 'q\xff/e'), ...Array.from({ length: 6 }, (_, i) => h(`h${i}`, `x/${i}`))]);
  assert.deepEqual(many.refusals, [UNSTORED_N(7, 'hq -> q\\xff/e; h0 -> x/0; h1 -> x/1; h2 -> x/2; h3 -> x/3; …'), { check: 'type-clash', message: `7 hard links of the archive point ${LINK_ABOVE} (hq -> q\\xff/e under q\\xff (symlink); h0 -> x/0 under x (symlink); h1 -> x/1 under x (symlink); h2 -> x/2 under x (symlink); h3 -> x/3 under x (symlink); …): ${LINK_ABOVE_END}` }]);
});

test('a hard link beside a symlink of the target, under a directory of it, or not taken is not refused; under one the archive has as a directory, the type clash is the refusal', () => {
  assert.deepEqual(plan([['x', 'symlink']], {}, [f('x-y'), f('x.y'), f('x0/z'), h('h1', 'x-y'), h('h2', 'x.y'), h('h3', 'x0/z')]).plan.refusals, []);
  assert.deepEqual(plan([['x', 'dir'], ['x/secret', 'file']], { policy: 'overwrite' }, [d('x'), f('x/secret'), h('h', 'x/secret')]).plan.refusals, []);
  assert.deepEqual(plan([['x', 'symlink']], { include: ['top'] }, [f('top'), h('h', 'x/secret')]).plan.refusals, [], 'the hard link not taken');
  // x a directory in the archive and a symlink in the target: that clash is refused, once.
  const { plan: r } = plan([['x', 'symlink']], {}, [d('x'), f('x/secret'), h('h', 'x/secret')]);
  assert.deepEqual(r.refusals.map((x) => x.message.split(' (')[0].split(':')[0]), ['1 entry is a directory on one side and not on the other']);
});

test('property: the hard links refused as pointing under a non-directory of the archive or of the target, at a path not stored before them, or outside the included paths are those a plain look at every pair finds', async () => {
  const fc = (await import('fast-check')).default;
  const { isUnderAny } = await import('../../src/core/restore/plan');
  const names = ['a', 'a/b', 'a/b/c', 'a-b', 'a.b', 'a.b/c', 'b', 'b/a', 'h', 'h/a'];
  const targets = [...names, 'a/x', 'a/b/x', 'a-b/x', 'b/x/y', 'x/y'];
  const types: EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'hardlink', 'other'];
  const member = fc.record({ name: fc.constantFrom(...names), type: fc.constantFrom(...types, 'dir'), to: fc.constantFrom(...targets) });
  const there = fc.record({ name: fc.constantFrom(...names, 'x'), type: fc.constantFrom<EntryType>('file', 'dir', 'symlink') });
  fc.assert(
    fc.property(fc.array(member, { minLength: 1, maxLength: 12 }), fc.array(there, { maxLength: 5 }), fc.subarray(names, { maxLength: 2 }), (ms, ts, include) => {
      const entries = ms.map((m) => ({ key: m.name, type: m.type, size: 0, mtime: T, ...(m.type === 'symlink' || m.type === 'hardlink' ? { linkKey: m.to } : {}) }));
      // What find lists: one entry per name, nothing under a non-directory.
      const listed: [string, EntryType][] = [];
      for (const t of ts) if (!listed.some(([k, ty]) => k === t.name || (ty !== 'dir' && t.name.startsWith(k + '/')) || (t.type !== 'dir' && k.startsWith(t.name + '/')))) listed.push([t.name, t.type]);
      listed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const { plan: r } = plan(listed, { policy: 'overwrite', include }, entries);
      const taken = (k: string) => !include.length || isUnderAny(k, include);
      const links = [...new Set(ms.filter((m) => m.type === 'hardlink' && taken(m.name)).map((m) => `${m.name}\0${m.to}`))].map((s) => s.split('\0')[1]);
      const nonDir = new Set(ms.filter((m) => m.type !== 'dir').map((m) => m.name));
      const last = (k: string) => ms.filter((m) => m.name === k).at(-1)?.type;
      const under = links.filter((to) => [...nonDir].some((q) => to.startsWith(q + '/'))).length;
      const above = links.filter((to) => listed.some(([q, ty]) => ty !== 'dir' && to.startsWith(q + '/') && !(taken(q) && last(q) === 'dir'))).length;
      const said = (re: RegExp) => Number(re.exec(r.refusals.map((x) => x.message).join('\n'))?.[1] ?? 0);
      const why = JSON.stringify({ ms, listed, include, refusals: r.refusals });
      assert.equal(said(/^(\d+) hard links? of the archive points? under a path/m), under, why);
      assert.equal(said(/^(\d+) hard links? of the archive points? under an entry of the target/m), above, why);
      // The first copy of each (link, target) pair: is its target a path stored before it, and taken?
      const firsts = ms.map((m, i) => ({ ...m, i })).filter((m, i) => m.type === 'hardlink' && taken(m.name) && ms.findIndex((o) => o.type === 'hardlink' && o.name === m.name && o.to === m.to) === i);
      const before = (m: { to: string; i: number }) => ms.slice(0, m.i).some((o) => o.name === m.to);
      assert.equal(said(/^(\d+) hard links? of the archive points? at a path the archive does not store/m), firsts.filter((m) => !before(m)).length, why);
      assert.equal(said(/^(\d+) hard links? points? at (?:a file|files) outside the included paths/m), firsts.filter((m) => before(m) && !taken(m.to)).length, why);
    }),
    { seed: 20261207, numRuns: 3000 },
  );
});

test('a hard link to a path the archive does not store before it is refused whatever the policy, and no reason lifts it: tar would link to whatever the target holds there, or fail', () => {
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    for (const target of [[], [['op', 'file']], [['op', 'symlink']]] as [string, EntryType][][]) {
      const { plan: r } = plan(target, { policy }, [f('top'), h('h', 'op')]);
      assert.deepEqual(r.refusals, [UNSTORED_1('h -> op')], `${policy} ${JSON.stringify(target)}`);
      assert.deepEqual(blockingRefusals(r.refusals, [{ check: 'archive-types', reason: 'the only copy' }]), r.refusals);
    }
  }
  // Stored only after the link (GNU tar stores the first name it meets whole, so it never writes
  // this): when tar comes to the link, that path is whatever the target holds.
  assert.deepEqual(plan([['t', 'file']], { policy: 'overwrite' }, [h('h', 't'), f('t')]).plan.refusals, [UNSTORED_1('h -> t')]);
  // A link to itself: tar takes the target's h for it ("File exists" with the same name is success).
  assert.deepEqual(plan([['h', 'file']], { policy: 'overwrite' }, [h('h', 'h')]).plan.refusals, [UNSTORED_1('h -> h')]);
  // Names tar changes before it links (a leading / or ../, and all up to a last ../: x/../op is op) are no stored path.
  assert.deepEqual(plan([], {}, [f('op'), h('h', 'x/../op'), h('h2', 'etc/passwd')]).plan.refusals, [UNSTORED_N(2, 'h2 -> etc/passwd; h -> x/../op')]);
  // Stored before it and taken: the restore writes it first (or keeps it, under skip).
  for (const policy of ['refuse', 'skip', 'overwrite'] as const) {
    assert.deepEqual(plan([], { policy }, [d('d'), f('d/t'), h('d/h', 'd/t'), h('e', 'd/h')]).plan.refusals, [], policy);
  }
  assert.deepEqual(plan([['d', 'dir'], ['d/t', 'file']], { policy: 'skip' }, [d('d'), f('d/t'), h('d/h', 'd/t')]).plan.refusals, []);
  // Only the links taken count; named escaped, five shown, all counted.
  assert.deepEqual(plan([], { include: ['top'] }, [f('top'), h('h', 'op')]).plan.refusals, []);
  const seven = [f('top'), ...Array.from({ length: 7 }, (_, i) => h(`h${i}`, `n\xff${i}`))];
  assert.deepEqual(plan([], {}, seven).plan.refusals, [UNSTORED_N(7, 'h0 -> n\\xff0; h1 -> n\\xff1; h2 -> n\\xff2; h3 -> n\\xff3; h4 -> n\\xff4; …')]);
});
