// What a restore must leave alone, on the real test bed (gv0 through node1's mount): a symlink
// in the target above the paths restored (tar would write through it, out of the volume), and
// a file an interrupted `--existing skip` restore named but skipped (tar names a member before
// it decides to skip it, so the resume must not take that file for the one it was writing);
// what an archive stores above its own members (a symlink tar would write through), a path
// it stores twice (tar fails at the second copy, or keeps the first), and a file elsewhere in the
// volume a hard link of the archive would name through a symlink (or a file of the target it
// would name without storing it).
// Each archive is GNU tar's, made in the container from a few pinned files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/backup/types';
import { inGluster, onNode, waitHealthy } from './helpers/testbed';
import { cli } from './helpers/cli';

const DIR = '/opt/datarobot/data/backups/gluster';
const SYM_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-07.tar`;
const KEEP_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-08.tar`;
const ODD_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-09.tar`;
const BAD_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-10.tar`;
const DIRS_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-11.tar`;
const SELF_LINK_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-12.tar`;
const LINK_THEN_DIR_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-13.tar`;
const TWICE_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-14.tar`;
const LINK_UNDER_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-15.tar`;
const LINK_ABOVE_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-16.tar`;
const LINK_UNSTORED_ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-01-17.tar`;
const SYM_TARGET = '/mnt/gluster/restore-symlink';
const KEEP_TARGET = '/mnt/gluster/restore-keep';
const TWICE_TARGET = '/mnt/gluster/restore-twice';
/** Outside the volume, in the container: where a write through the symlink would land. */
const OUTSIDE = '/tmp/restore-symlink-outside';
/** In the volume but outside the target: a hard link cannot leave the volume, so its file is here. */
const LINK_OUTSIDE = '/mnt/gluster/restore-hardlink-outside';
const VOLUME = '/mnt/gluster';

/** Type, mode, size, mtime and content of every entry under `dir` in node1's container. */
function state(dir: string): string {
  return inGluster('node1', ['sh', '-c', 'cd "$1" && find . -printf "%y %m %s %T@ %p -> %l\\n" | LC_ALL=C sort && find . -type f -exec sha256sum {} + | LC_ALL=C sort', 'state', dir]).stdout;
}

/** Every entry of the whole volume: type, mode, size, mtime, path and link target (no contents). */
function volumeState(): string {
  return inGluster('node1', ['sh', '-c', 'find "$1" -printf "%y %m %s %T@ %p -> %l\\n" | LC_ALL=C sort', 'volume', VOLUME]).stdout;
}

function clean() {
  inGluster('node1', ['rm', '-rf', SYM_TARGET, KEEP_TARGET, TWICE_TARGET, OUTSIDE, LINK_OUTSIDE, '/tmp/restore-keeps-src']);
  onNode('node1', ['sh', '-c', 'for a in "$@"; do rm -f "$a" "$a".*; done', 'clean', SYM_ARCHIVE, KEEP_ARCHIVE, ODD_ARCHIVE, BAD_ARCHIVE, DIRS_ARCHIVE, SELF_LINK_ARCHIVE, LINK_THEN_DIR_ARCHIVE, TWICE_ARCHIVE, LINK_UNDER_ARCHIVE, LINK_ABOVE_ARCHIVE, LINK_UNSTORED_ARCHIVE]);
}

describe('restore leaves alone', () => {
  before(async () => {
    await waitHealthy();
    clean();
  });
  after(clean);

  test('a symlink in the target above an included path: refused, nothing written through it or beside it', () => {
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src"; mkdir -p "$src/conf/sub" "$1/conf" "$2"
printf 'archived\n' > "$src/conf/sub/app.yaml"
touch -d @1700000000 "$src/conf/sub/app.yaml" "$src/conf/sub" "$src/conf"
tar -cf "$3" -C "$src" conf
rm -rf "$src"
# The target holds conf/sub as a symlink to a directory outside the volume.
ln -s "$2" "$1/conf/sub"
printf 'outside\n' > "$2/app.yaml"
touch -d @1600000000 "$2/app.yaml"
`, 'prepare', SYM_TARGET, OUTSIDE, SYM_ARCHIVE]);
    const target = state(SYM_TARGET);
    const outside = state(OUTSIDE);
    for (const policy of ['refuse', 'skip', 'overwrite']) {
      const r = cli(['restore', '--archive', SYM_ARCHIVE, '--include', 'conf/sub/app.yaml', '--target', 'restore-symlink', '--existing', policy]);
      assert.equal(r.code, 2, `${policy}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /refused, nothing was written:\n(?: {2}- .*\n)* {2}- 1 entry of the target is not a directory where the archive has members under it \(conf\/sub \(symlink\)\): tar would write through a symlink, out of the paths restored, or fail on a file; move them aside or restore under --target \[type-clash\]/,
        policy,
      );
      assert.equal(state(SYM_TARGET), target, `${policy}: the target as it was`);
      assert.equal(state(OUTSIDE), outside, `${policy}: the directory the symlink leads to as it was`);
    }
    // Restoring the whole directory instead: conf/sub itself is compared, a type clash as before.
    const whole = cli(['restore', '--archive', SYM_ARCHIVE, '--include', 'conf', '--target', 'restore-symlink', '--existing', 'skip']);
    assert.equal(whole.code, 2, whole.stderr);
    assert.match(whole.stderr, /1 entry is a directory on one side and not on the other/);
    assert.doesNotMatch(whole.stderr, /not a directory where the archive has members/);
    assert.equal(state(OUTSIDE), outside);
  });

  // The target holds x -> a directory outside the volume; the archive ./a -> x (relative, no
  // "..": GNU tar makes it at once, no placeholder), then ./a/evil. On the old code no policy
  // refused it, and tar wrote evil into the directory outside.
  const prepareSelfLink = (archive: string, thenDir: boolean) =>
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src" "$1" "$2"; mkdir -p "$src/link" "$src/dir/a" "$1" "$2"
ln -s x "$src/link/a"
printf 'evil\n' > "$src/dir/a/evil"
touch -d @1700000000 "$src/dir/a/evil" "$src/dir/a"
tar -cf "$3" -C "$src/link" ./a
if [ "$4" = 1 ]; then tar -rf "$3" -C "$src/dir" --no-recursion ./a ./a/evil
else tar -rf "$3" -C "$src/dir" --no-recursion ./a/evil; fi
rm -rf "$src"
ln -s "$2" "$1/x"
printf 'outside\n' > "$2/kept"
touch -d @1600000000 "$2/kept"
`, 'prepare', SYM_TARGET, OUTSIDE, archive, thenDir ? '1' : '0']);

  const refusedSelfLink = (archive: string, expected: RegExp[]) => {
    const target = state(SYM_TARGET);
    const outside = state(OUTSIDE);
    const volume = volumeState();
    for (const extra of [['--existing', 'refuse'], ['--existing', 'skip'], ['--existing', 'overwrite'], ['--existing', 'overwrite', '--override', 'archive-types:the only copy']]) {
      const r = cli(['restore', '--archive', archive, '--target', 'restore-symlink', ...extra]);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      if (extra.includes('--override')) {
        assert.match(r.stderr, /--override archive-types: cannot be overridden: a symlink or file the archive stores above a member takes tar's writes elsewhere than the plan compared/);
      } else {
        for (const re of expected) assert.match(r.stderr, re, extra.join(' '));
      }
      assert.equal(state(OUTSIDE), outside, `${extra.join(' ')}: nothing written outside, through the archive's symlink`);
      assert.doesNotMatch(state(OUTSIDE), /evil/);
      assert.equal(state(SYM_TARGET), target, `${extra.join(' ')}: the target as it was`);
      assert.equal(volumeState(), volume, `${extra.join(' ')}: the volume as it was`);
    }
    const dry = cli(['restore', '--dry-run', '--archive', archive, '--target', 'restore-symlink', '--existing', 'overwrite']);
    assert.equal(dry.code, 2, dry.stderr);
    assert.match(dry.stdout, /the restore would be REFUSED:/);
  };

  test("a member under a symlink the archive itself stores: refused whatever the policy or reason, nothing written through it or anywhere in the volume", () => {
    prepareSelfLink(SELF_LINK_ARCHIVE, false);
    assert.equal(inGluster('node1', ['tar', '-tvf', SELF_LINK_ARCHIVE]).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^(\S)\S* .* (\.\/.*)$/, '$1 $2')).join('\n'), 'l ./a -> x\n- ./a/evil');
    refusedSelfLink(SELF_LINK_ARCHIVE, [
      /refused, nothing was written:\n(?: {2}- .*\n)* {2}- 1 archive member lies under a path the archive itself stores as a symlink, file or other non-directory \(a\/evil under a \(symlink\)\): tar would make that path first and then write through it, out of the paths restored and perhaps out of the volume, or fail on it; extract this archive by hand \[archive-types\]/,
    ]);
  });

  test('a path the archive stores as a symlink and again as a directory, with a member under it: refused whatever the policy (tar keeps the symlink under refuse and skip), nothing written', () => {
    prepareSelfLink(LINK_THEN_DIR_ARCHIVE, true);
    assert.equal(inGluster('node1', ['tar', '-tvf', LINK_THEN_DIR_ARCHIVE]).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^(\S)\S* .* (\.\/.*)$/, '$1 $2')).join('\n'), 'l ./a -> x\nd ./a/\n- ./a/evil');
    refusedSelfLink(LINK_THEN_DIR_ARCHIVE, [
      /refused, nothing was written:\n(?: {2}- .*\n)* {2}- 1 archive member lies under a path the archive itself stores as a symlink, file or other non-directory \(a\/evil under a \(symlink, then dir\)\): tar would make that path first and then write through it, out of the paths restored and perhaps out of the volume, or fail on it; extract this archive by hand \[archive-types\]/,
      /\n {2}- 1 path is stored in the archive as different types \(a \(symlink, then dir\)\): which copy tar leaves depends on --existing, and it can keep a symlink and write the members under it through it; extract this archive by hand \[archive-types\]/,
    ]);
  });

  // Hard links: tar makes one with linkat(2), which follows every symlink on the way to the last
  // name of the link target. The target holds x -> a directory elsewhere in the volume, holding
  // secret, and op, a file of its own; the archive holds ./h, a hard link to a path through a
  // symlink (its own ./a -> x, or the target's x), or to op, which it does not store. The old
  // code refused none of them under any policy, and GNU tar 1.34 (tried by hand off the bed)
  // makes h a second name of that secret (or of op): a later write to h changes it. GNU tar
  // stores the first name of a file whole and the next as a link to it: ./s and ./h, the link
  // target renamed (--transform flags R and S leave member names and symlink targets alone),
  // then ./s dropped.
  const prepareHardLink = (archive: string, to: string, members: string[]) =>
    inGluster('node1', ['sh', '-c', String.raw`
set -e
t=$1 out=$2 archive=$3 to=$4; shift 4
src=/tmp/restore-keeps-src
rm -rf "$src" "$t" "$out"; mkdir -p "$src" "$t" "$out"
ln -s x "$src/a"
printf 'archived\n' > "$src/s"
ln "$src/s" "$src/h"
touch -d @1700000000 "$src/s"
tar -cf "$archive" -C "$src" --no-recursion --transform "s,^\./s\$,./$to,RS" "$@"
tar --delete -f "$archive" ./s
rm -rf "$src"
ln -s "$out" "$t/x"
printf 'outside\n' > "$out/secret"
printf 'operator\n' > "$t/op"
touch -d @1600000000 "$out/secret" "$t/op"
`, 'prepare', SYM_TARGET, LINK_OUTSIDE, archive, to, ...members]);

  /** Content, link count, size and mtime of the file outside the target, and of the target's op. */
  const linkedFiles = () => inGluster('node1', ['sh', '-c', 'for f in "$1/secret" "$2/op"; do cat "$f"; stat -c "%h %s %Y" "$f"; done', 'files', LINK_OUTSIDE, SYM_TARGET]).stdout;

  /** `s` as a regular expression that matches exactly it. */
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  const refusedHardLink = (archive: string, check: string, expected: [string, string][]) => {
    const files = linkedFiles();
    assert.equal(files, 'outside\n1 8 1600000000\noperator\n1 9 1600000000\n');
    const target = state(SYM_TARGET);
    const volume = volumeState();
    const line = (message: string, c: string) => new RegExp(`\n {2}- ${literal(message)} \\[${c}\\]`);
    for (const extra of [['--existing', 'refuse'], ['--existing', 'skip'], ['--existing', 'overwrite'], ['--existing', 'overwrite', '--override', `${check}:the only copy`]]) {
      const r = cli(['restore', '--archive', archive, '--target', 'restore-symlink', ...extra]);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /refused, nothing was written:\n/, extra.join(' '));
      if (extra.includes('--override')) {
        assert.ok(r.stderr.includes(`--override ${check}: cannot be overridden: `), `${extra.join(' ')}: ${r.stderr}`);
      } else {
        for (const [message, c] of expected) assert.match(r.stderr, line(message, c), extra.join(' '));
      }
      assert.equal(linkedFiles(), files, `${extra.join(' ')}: the file outside the target and the target's op as they were, one name each`);
      assert.equal(state(SYM_TARGET), target, `${extra.join(' ')}: the target as it was`);
      assert.equal(inGluster('node1', ['test', '-e', `${SYM_TARGET}/h`], { allowFail: true }).status, 1, `${extra.join(' ')}: no h`);
      assert.equal(volumeState(), volume, `${extra.join(' ')}: the volume as it was`);
    }
    const dry = cli(['restore', '--dry-run', '--archive', archive, '--target', 'restore-symlink', '--existing', 'overwrite']);
    assert.equal(dry.code, 2, dry.stderr);
    assert.match(dry.stdout, /the restore would be REFUSED:/);
  };

  const listing = (archive: string) => inGluster('node1', ['tar', '-tvf', archive]).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^(\S)\S* \S+ +\d+ \S+ \S+ (.*)$/, '$1 $2')).join('\n');
  const UNSTORED = (link: string) => `1 hard link of the archive points at a path the archive does not store before it (${link}): tar would link it to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on it; extract this archive by hand`;

  test('a hard link to a path under a symlink the archive itself stores: refused whatever the policy or reason, the file it would name elsewhere in the volume as it was', () => {
    prepareHardLink(LINK_UNDER_ARCHIVE, 'a/secret', ['./a', './s', './h']);
    assert.equal(listing(LINK_UNDER_ARCHIVE), 'l ./a -> x\nh ./h link to ./a/secret');
    refusedHardLink(LINK_UNDER_ARCHIVE, 'archive-types', [
      ['1 hard link of the archive points under a path the archive itself stores as a symlink, file or other non-directory (h -> a/secret under a (symlink)): tar would make that path first and then link through it, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on it; extract this archive by hand', 'archive-types'],
      [UNSTORED('h -> a/secret'), 'archive-types'],
    ]);
  });

  test('a hard link to a path under a symlink already in the target: refused whatever the policy or reason, the file it would name elsewhere in the volume as it was', () => {
    prepareHardLink(LINK_ABOVE_ARCHIVE, 'x/secret', ['./s', './h']);
    assert.equal(listing(LINK_ABOVE_ARCHIVE), 'h ./h link to ./x/secret');
    refusedHardLink(LINK_ABOVE_ARCHIVE, 'type-clash', [
      [UNSTORED('h -> x/secret'), 'archive-types'],
      ['1 hard link of the archive points under an entry of the target that is not a directory (h -> x/secret under x (symlink)): tar would link through a symlink, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on a file; move them aside or restore under --target', 'type-clash'],
    ]);
  });

  test('a hard link to a path the archive does not store, which the target holds: refused whatever the policy or reason, that file as it was', () => {
    prepareHardLink(LINK_UNSTORED_ARCHIVE, 'op', ['./s', './h']);
    assert.equal(listing(LINK_UNSTORED_ARCHIVE), 'h ./h link to ./op');
    refusedHardLink(LINK_UNSTORED_ARCHIVE, 'archive-types', [[UNSTORED('h -> op'), 'archive-types']]);
  });

  test('a path the archive stores twice: refused under --existing refuse and skip, whatever the reason, nothing written; overwrite restores the last copy and verifies', () => {
    // ./d/f stored twice: "first", then "second copy". On the old code --existing refuse wrote
    // d/ and d/f, failed at the second copy ("File exists", exit 2) and went on to d/g;
    // --existing skip kept "first" and its verification then compared it with the last copy.
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src" "$1"; mkdir -p "$src/d"
printf 'first\n' > "$src/d/f"
printf 'g\n' > "$src/d/g"
touch -d @1700000000 "$src/d/f" "$src/d/g" "$src/d"
tar -cf "$2" -C "$src" --no-recursion ./d ./d/f ./d/g
printf 'second copy\n' > "$src/d/f"
touch -d @1700000100 "$src/d/f"
tar -rf "$2" -C "$src" --no-recursion ./d/f
rm -rf "$src"
`, 'prepare', TWICE_TARGET, TWICE_ARCHIVE]);
    assert.equal(inGluster('node1', ['tar', '-tvf', TWICE_ARCHIVE]).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^(\S)\S* .* (\.\/.*)$/, '$1 $2')).join('\n'), 'd ./d/\n- ./d/f\n- ./d/g\n- ./d/f');
    const volume = volumeState();
    const args = ['restore', '--archive', TWICE_ARCHIVE, '--target', 'restore-twice'];
    for (const [policy, what] of [
      ['refuse', 'with --existing refuse tar fails at the second copy, having written part of the tree'],
      ['skip', 'with --existing skip tar keeps the first copy and the verification expects the last'],
    ]) {
      const r = cli([...args, '--existing', policy]);
      assert.equal(r.code, 2, `${policy}: ${r.stderr}`);
      assert.match(r.stderr, /refused, nothing was written:\n(?: {2}- .*\n)* {2}- 1 path is stored more than once in the archive \(d\/f \(2 copies\)\): (.*); choose --existing overwrite \(the last copy is restored, as the verification expects\) \[duplicates\]/, policy);
      assert.ok(r.stderr.includes(`(d/f (2 copies)): ${what}; choose`), `${policy}: ${r.stderr}`);
      const reason = cli([...args, '--existing', policy, '--override', 'duplicates:the only copy']);
      assert.equal(reason.code, 2, `${policy}: ${reason.stderr}`);
      assert.match(reason.stderr, /--override duplicates: cannot be overridden: tar fails at the second copy \(refuse\) or keeps the first \(skip\): choose --existing overwrite/);
      assert.equal(inGluster('node1', ['test', '-e', TWICE_TARGET], { allowFail: true }).status, 1, `${policy}: the target was not made`);
      assert.equal(volumeState(), volume, `${policy}: the volume as it was`);
    }
    // Overwrite: tar writes each copy in turn, the last stays, and the verification compares it.
    const over = cli([...args, '--existing', 'overwrite']);
    assert.equal(over.code, 0, over.stderr);
    assert.match(over.stdout, /verified: all \d+ archive members are in \/mnt\/gluster\/restore-twice as archived/);
    assert.equal(inGluster('node1', ['cat', `${TWICE_TARGET}/d/f`]).stdout, 'second copy\n');
  });

  test('resume after a failed --existing skip run: the file tar named last but skipped is the operator\'s, kept though it differs', () => {
    // Members a, a name of 300 bytes (gluster refuses it: tar goes on and exits 2), zz. The
    // target already holds zz, older and different: --existing skip keeps it, and tar's last
    // line names it.
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src"; mkdir -p "$src" "$1"
printf 'archived a\n' > "$src/a"
printf 'long\n' > "$src/n"
printf 'archived zz\n' > "$src/zz"
touch -d @1700000000 "$src/a" "$src/n" "$src/zz"
long=$(printf 'x%.0s' $(seq 1 300))
tar -cf "$2" -C "$src" --transform "s,^n\$,$long," a n zz
rm -rf "$src"
printf 'the operator kept this zz\n' > "$1/zz"
touch -d @1600000000 "$1/zz"
`, 'prepare', KEEP_TARGET, KEEP_ARCHIVE]);
    const zz = () => inGluster('node1', ['sh', '-c', 'cat "$1/zz"; stat -c "%s %Y" "$1/zz"', 'zz', KEEP_TARGET]).stdout;
    const kept = zz();
    assert.equal(kept, 'the operator kept this zz\n26 1600000000\n');
    const args = ['--archive', KEEP_ARCHIVE, '--target', 'restore-keep', '--existing', 'skip'];

    const first = cli(['--json', 'restore', ...args]);
    assert.equal(first.code, 2, first.stderr);
    const job = (JSON.parse(first.stdout) as { job: JobRecord }).job;
    assert.equal(job.state, 'failed', first.stderr);
    assert.match(first.stderr, /File name too long/);
    assert.equal(zz(), kept, 'the first run skipped it');
    assert.equal(inGluster('node1', ['cat', `${KEEP_TARGET}/a`]).stdout, 'archived a\n');
    const members = onNode('node1', ['cat', `${DIR}/${job.id}.members`]).stdout;
    assert.match(members, /\nzz\n$/, 'tar named zz last, though it skipped it');

    const plan = JSON.parse(cli(['--json', 'restore', '--dry-run', ...args]).stdout) as { plan: { resume?: { from: string; path: string; rewrite: boolean }; skip: { count: number } } };
    assert.deepEqual(plan.plan.resume, { from: job.id, path: 'zz', rewrite: false });
    assert.equal(plan.plan.skip.count, 2, 'a and zz are there and kept');

    const again = cli(['--json', 'restore', ...args]);
    assert.equal(again.code, 2, again.stderr);
    assert.equal(zz(), kept, 'the resume kept it: its content and its time');
  });

  test('member names with a "." segment inside: refused naming them, nothing written, whatever the policy or reason', () => {
    // conf/sub/app.yaml stored as conf/./sub/app.yaml: tar would write it to conf/sub/app.yaml,
    // which the target holds and the plan would not have compared.
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src" "$1"; mkdir -p "$src/conf/sub" "$1/conf/sub"
printf 'archived
' > "$src/conf/sub/app.yaml"
touch -d @1700000000 "$src/conf/sub/app.yaml"
tar -cf "$2" -C "$src" --transform 's,^conf/sub/app,conf/./sub/app,' conf/sub/app.yaml
rm -rf "$src"
printf 'live
' > "$1/conf/sub/app.yaml"
touch -d @1600000000 "$1/conf/sub/app.yaml"
`, 'prepare', SYM_TARGET, ODD_ARCHIVE]);
    assert.match(inGluster('node1', ['tar', '-tf', ODD_ARCHIVE]).stdout, /^conf\/\.\/sub\/app\.yaml$/m);
    const target = state(SYM_TARGET);
    for (const extra of [['--existing', 'overwrite'], ['--existing', 'skip', '--override', 'names:"the only copy"']]) {
      const r = cli(['restore', '--archive', ODD_ARCHIVE, '--target', 'restore-symlink', ...extra]);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      if (extra.includes('--override')) assert.match(r.stderr, /--override names: cannot be overridden: tar would write those members elsewhere than the plan compared: extract this archive by hand/);
      else assert.match(r.stderr, /refused, nothing was written:\n(?: {2}- .*\n)* {2}- 1 archive member has a name with a "\." or "\.\." segment or a doubled slash \(conf\/\.\/sub\/app\.yaml\): tar would write it elsewhere than the plan compared, or refuse it; our backups never store such names \[names\]/);
      assert.equal(state(SYM_TARGET), target, extra.join(' '));
    }
  });

  test('a corrupt header inside the archive: refused, and no reason lifts it (tar would go on past it, unplanned); nothing written', () => {
    // Members a, b, c of 100 bytes each: b's header starts at byte 1024. A byte of its name
    // changed breaks its checksum; GNU tar skips to c and extracts it, which no plan has seen.
    inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src" "$1"; mkdir -p "$src" "$1"
for m in a b c; do printf '%0100d' 0 | tr 0 "$m" > "$src/$m"; done
touch -d @1700000000 "$src"/*
tar -cf "$2" -C "$src" a b c
rm -rf "$src"
printf X | dd of="$2" bs=1 seek=1024 conv=notrunc 2>/dev/null
printf 'live c
' > "$1/c"
touch -d @1600000000 "$1/c"
`, 'prepare', SYM_TARGET, BAD_ARCHIVE]);
    const target = state(SYM_TARGET);
    const plain = cli(['restore', '--archive', BAD_ARCHIVE, '--target', 'restore-symlink', '--existing', 'overwrite']);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /refused, nothing was written:\n(?: {2}- .*\n)* {2}- the archive is corrupt at offset 1024: .* \[corrupt\]\n/);
    for (const check of ['corrupt', 'archive']) {
      const r = cli(['restore', '--archive', BAD_ARCHIVE, '--target', 'restore-symlink', '--existing', 'overwrite', '--override', `${check}:the only copy`]);
      assert.equal(r.code, 2, `${check}: ${r.stderr}`);
      assert.match(r.stderr, check === 'corrupt' ? /--override corrupt: cannot be overridden: past a bad header tar goes on with members the plan has not seen/ : /the archive is corrupt at offset 1024: .* \[corrupt\]/, check);
      assert.equal(state(SYM_TARGET), target, check);
    }
  });

  test('a resume sets again only the directories above where tar stopped: the rest of the target, and directories that were there, stay as they are', () => {
    // Members in this order: pre/ (0700), pre/p, keep/, keep/a, keep/<300 bytes> (gluster refuses
    // the name: tar goes on and exits 2, its last line naming it), other/, other/x.
    const prepare = (keepOther: boolean) =>
      inGluster('node1', ['sh', '-c', String.raw`
set -e
src=/tmp/restore-keeps-src
rm -rf "$src" "$1"; mkdir -p "$src/pre" "$src/keep" "$src/other" "$1"
printf 'archived p
' > "$src/pre/p"; printf 'archived a
' > "$src/keep/a"; printf 'long
' > "$src/keep/n"; printf 'archived x
' > "$src/other/x"
chmod 0700 "$src/pre"
touch -d @1700000000 "$src"/*/* "$src"/*
long=$(printf 'x%.0s' $(seq 1 300))
tar -cf "$2" -C "$src" --no-recursion --transform "s,^keep/n\$,keep/$long," pre pre/p keep keep/a keep/n other other/x
rm -rf "$src"
# What the operator has: pre/ and its file, other/x.
mkdir -m 0755 "$1/pre" "$1/other"
printf 'live p
' > "$1/pre/p"; printf 'live x
' > "$1/other/x"
touch -d @1600000000 "$1/pre/p" "$1/other/x" "$1/pre" "$1/other"
[ "$3" = 1 ] || rm -rf "$1/other"
`, 'prepare', KEEP_TARGET, DIRS_ARCHIVE, keepOther ? '1' : '0']);
    const args = ['--archive', DIRS_ARCHIVE, '--target', 'restore-keep', '--existing', 'skip'];
    const firstRun = (includes: string[]) => {
      const r = cli(['--json', 'restore', ...args, ...includes.flatMap((i) => ['--include', i])]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /File name too long/);
      return (JSON.parse(r.stdout) as { job: JobRecord }).job;
    };
    const resumed = (includes: string[], from: string, code: number) => {
      const plan = JSON.parse(cli(['--json', 'restore', '--dry-run', ...args, ...includes.flatMap((i) => ['--include', i])]).stdout) as { plan: { resume?: { from: string; path: string; rewrite: boolean } } };
      assert.equal(plan.plan.resume?.from, from);
      assert.match(plan.plan.resume?.path ?? '', /^keep\/x{300}$/);
      const r = cli(['--json', 'restore', ...args, ...includes.flatMap((i) => ['--include', i])]);
      assert.equal(r.code, code, r.stderr);
      return r;
    };

    // Only a file taken the second time: no directory to set again (an empty list given to tar
    // would have taken every member, other/x with them).
    prepare(true);
    const other = state(`${KEEP_TARGET}/other`);
    const one = firstRun(['keep']);
    resumed(['keep/a'], one.id, 0);
    assert.equal(state(`${KEEP_TARGET}/other`), other, 'other/x and its directory as the operator had them');
    assert.equal(inGluster('node1', ['cat', `${KEEP_TARGET}/keep/a`]).stdout, 'archived a\n');

    // pre/ was there before: the skip leaves its mode and time, the resume too (tar stopped
    // under keep/, not under pre/).
    prepare(false);
    const pre = state(`${KEEP_TARGET}/pre`);
    assert.match(pre, /^d 755 \d+ 1600000000\.\d+ \. -> \n/);
    const two = firstRun(['pre', 'keep']);
    assert.equal(state(`${KEEP_TARGET}/pre`), pre, 'the first run skipped it');
    // Exit 1: the verification names pre/ and pre/p, kept as they were, as differing from the archive.
    const r = resumed(['pre', 'keep/a'], two.id, 1);
    assert.match(r.stderr, /pre\/p/);
    assert.equal(state(`${KEEP_TARGET}/pre`), pre, 'pre/ and pre/p as the operator had them');
  });
});
