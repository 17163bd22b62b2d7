// GNU tar's own listing (what runs inside the gluster container for a remote .tar.gz) against
// the header walk, on the same archives of awkward names: both must give the same entries, and
// a cut or damaged archive must never come out complete. Every mtime is pinned, so what tar
// prints (no fraction, a fraction with its trailing zeros dropped, all 9 digits) never depends
// on the clock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileReader, indexArchive, parseTarListing, TarListingFormatError, TarListingParser, tarListArgv, TAR_LIST_ENV, type TarIndexResult } from '../../src/core/archive';
import { BACKUP_JOB_ENV, jobArgv, memberListOf } from '../../src/core/backup/jobScript';
import { jobPaths } from '../../src/core/backup/jobFile';
import { buildAwkwardTree, indexFile, paxData, pinMtimes, rawHeader, removeTree, tar, tempDir, withData } from './helpers/archiveTree';

const work = tempDir('gb-listing-');
after(() => removeTree(work));
const tree = path.join(work, 'tree');
fs.mkdirSync(tree);
buildAwkwardTree(tree);
pinMtimes(tree);
// Decimal fractions a double cannot hold, set exactly by touch: tar prints .120000000 as .12.
for (const [name, at] of [
  ['with space.txt', '@1700000000.120000000'],
  ['empty-file', '@1700000000.123400000'],
  ['link-to-plain', '@1700000000.000000001'],
  ['fifo', '@1700000000.100000000'],
]) {
  execFileSync('touch', ['-h', '-d', at, '--', name], { cwd: tree });
}

function listingText(file: string): string {
  return spawnSync('tar', tarListArgv(file).slice(1), { env: { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' } }).stdout.toString('latin1');
}

function gnuList(file: string): TarIndexResult {
  const [cmd, ...args] = tarListArgv(file);
  const env = Object.fromEntries(TAR_LIST_ENV.map((kv) => kv.split('=') as [string, string]));
  const r = spawnSync(cmd, args, { env: { PATH: process.env.PATH, ...env }, maxBuffer: 1 << 28 });
  return parseTarListing(r.stdout, r.status ?? 2, r.stderr.toString('utf8'), fs.statSync(file).size, file.endsWith('.gz'));
}

const walk = indexFile;

function rows(r: TarIndexResult) {
  return r.entries.toArray().map((e) => ({ key: e.key, type: e.type, size: e.size, mtime: e.mtime, link: e.linkKey }));
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
      const mtime = (key: string) => listed.entries.toArray().find((e) => e.key === key)?.mtime;
      // GNU format keeps whole seconds; PAX keeps the fraction, to the nanosecond.
      assert.equal(mtime('with space.txt'), format === 'pax' ? 1700000000.12 : 1700000000);
      assert.equal(mtime('empty-file'), format === 'pax' ? 1700000000.1234 : 1700000000);
      if (format === 'pax') {
        const text = listingText(file);
        assert.match(text, /:\d\d {2,}"/, 'a time without a fraction, padded to the widest');
        assert.match(text, /:\d\d\.12 +"\.\/with space\.txt"/, 'trailing zeros dropped');
        assert.match(text, /:\d\d\.5 +"/, 'a one-digit fraction');
        assert.match(text, /:\d\d\.1234 +"/);
        assert.match(text, /:\d\d\.\d{9} +"/, 'a 9-digit fraction');
        assert.match(text, /:\d\d\.000000001 "/, 'leading zeros kept');
      }
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
  const out = Buffer.from(listingText(path.join(work, 'pax.tar')), 'latin1');
  const p = new TarListingParser();
  for (let i = 0; i < out.length; i += 7) p.push(out.subarray(i, i + 7));
  const r = p.end(0, '', undefined, false);
  assert.deepEqual(rows(r), rows(parseTarListing(out, 0, '')));
  assert.throws(() => parseTarListing(Buffer.from('hello world\n'), 0, ''), /unexpected line/);
});

/** The one entry of a one-line listing, or its problem. */
function one(line: string) {
  const r = parseTarListing(Buffer.from(line + '\nblock 99: ** Block of NULs **\n', 'latin1'), 0, '');
  const e = r.entries.toArray()[0];
  return { entry: e && { key: e.key, type: e.type, size: e.size, mtime: e.mtime, link: e.linkKey }, problem: r.problem, rootEntries: r.rootEntries };
}

test('listing lines in every time form tar prints (fixtures from GNU tar 1.34)', () => {
  const cases: [string, number][] = [
    // The reviewed line: a fraction shorter than 9 digits and two spaces before the name.
    ['block 30: prw-r--r-- 0/0   0 2026-12-03 06:35:39.69194358  "./fifo"', 1796279739.69194358],
    ['block 0: drwxr-xr-x 0/0               0 2026-12-03 08:34:52 "./d"', 1796286892],
    ['block 5: -rw-r--r-- 0/0               2 2023-11-14 22:13:20           "./b"', 1700000000],
    ['block 14: prw-r--r-- 0/0               0 2023-11-14 22:13:20.5         "./fifo"', 1700000000.5],
    ['block 17: -rw-r--r-- 0/0               2 2023-11-14 22:13:20.123456789 "./c"', 1700000000.123456789],
    ['block 21: -rw-r--r-- 0/0               3 2023-11-14 22:13:20.1234      "./a"', 1700000000.1234],
    ['block 21: -rw-r--r-- 0/0               3 2023-11-14 22:13:20.12 "./a"', 1700000000.12],
    ['block 2: -rw-r--r-- 0/0               0 2023-11-14 22:13:20.000000001 "./a"', 1700000000.000000001],
    // Before 1970 tar prints the second after and the fraction back to it: -1.25.
    ['block 2: -rw-r--r-- 0/0               0 1969-12-31 23:59:59.25 "f0"', -1.25],
    ['block 11: -rw-r--r-- 0/0               0 1969-12-31 23:59:59    "f3"', -1],
    ['block 53: -rw-r--r-- 0/0               0 1969-12-31 00:00:00.000000001 "f17"', -86400.000000001],
    // Second 0 with a fraction is +0.5 or -0.5: the sign is not printed, the later is taken.
    ['block 8: -rw-r--r-- 0/0               0 1970-01-01 00:00:00.5  "f2"', 0.5],
    ['block 50: -rw-r--r-- 0/0               0 1970-01-01 00:00:01.123456789 "f16"', 1.123456789],
    // Years are not padded, and may be 0 or negative (proleptic Gregorian, as glibc).
    ['block 14: -rw-r--r-- 0/0               0 0-01-01 00:00:00       "f4"', -62167219200],
    ['block 17: -rw-r--r-- 0/0               0 0-01-01 00:00:00.5     "f5"', -62167219200.5],
    ['block 20: -rw-r--r-- 0/0               0 -1-01-01 00:00:00      "f6"', -62198755200],
    ['block 23: -rw-r--r-- 0/0               0 -1199-02-15 14:13:21   "f7"', -99999999999],
    ['block 29: -rw-r--r-- 0/0               0 10000-01-01 00:00:00   "f9"', 253402300800],
    ['block 32: -rw-r--r-- 0/0               0 33658-09-27 01:46:40   "f10"', 1e12],
    // A year beyond struct tm: bare seconds, right-aligned in the column.
    ['block 35: -rw-r--r-- 0/0               0 100000000000000000     "f11"', 1e17],
    ['block 38: -rw-r--r-- 0/0               0 -100000000000000000    "f12"', -1e17],
    ['block 41: -rw-r--r-- 0/0               0 9223372036854775807    "f13"', 9223372036854775807],
    ['block 44: -rw-r--r-- 0/0               0 -9223372036854775808   "f14"', -9223372036854775808],
    ['block 44: -rw-r--r-- 0/0               0   100000000000000000.5 "f15"', 100000000000000000.5],
  ];
  for (const [line, mtime] of cases) {
    const { entry, problem } = one(line);
    assert.equal(problem, undefined, line);
    assert.equal(entry?.mtime, mtime, line);
  }
  // Other columns and what tar prints after the name for special types.
  assert.deepEqual(one('block 2: crw-r--r-- 0/0             1,3 2026-12-03 08:34:57.55325752 "cdev"').entry, { key: 'cdev', type: 'other', size: 0, mtime: 1796286897.55325752, link: undefined });
  assert.deepEqual(one('block 2: Crw-r--r-- 0/0               7 2023-11-14 22:13:20 "cont"').entry, { key: 'cont', type: 'file', size: 7, mtime: 1700000000, link: undefined });
  assert.deepEqual(one('block 0: ?rw-r--r-- 0/0               0 2023-11-14 22:13:20 "unk" unknown file type \'Q\'').entry, { key: 'unk', type: 'other', size: 0, mtime: 1700000000, link: undefined });
  const label = one('block 0: V--------- 0/0               0 2026-12-03 08:34:52 "mylabel"--Volume Header--');
  assert.deepEqual([label.entry, label.problem], [undefined, undefined], 'a volume label is no entry');
  const cont = one('block 1: Mrw-r--r-- 0/0               0 2023-11-14 22:13:20 "mv"--Continued at byte 0--');
  assert.equal(cont.problem?.kind, 'corrupt');
  assert.match(cont.problem!.message, /multi-volume continuation member .* at byte 512$/);
  assert.deepEqual(one('block 3: lrwxrwxrwx 0/0 0 2023-11-14 22:13:20  "l" -> "t a"').entry, { key: 'l', type: 'symlink', size: 0, mtime: 1700000000, link: 't a' });
  assert.deepEqual(one('block 3: hrw-r--r-- 0/0 0 2023-11-14 22:13:20 "./h" link to "./t"').entry, { key: 'h', type: 'hardlink', size: 0, mtime: 1700000000, link: 't' });
  for (const bad of [
    'block 1: -rw-r--r-- 0/0 0 2023-11-14 22:13:20.1234567890 "a"', // tar prints at most 9 digits
    'block 1: -rw-r--r-- 0/0 0 2023-11-14 22:13:20. "a"',
    'block 1: -rw-r--r-- 0/0 0 2023-11-14 22:13:20"a"',
    'block 1: -rw-r--r-- 0/0 0 2023-11-14 22:13:20 "a" trailing',
    'block 1: lrwxrwxrwx 0/0 0 2023-11-14 22:13:20 "a" -> "b" trailing',
  ]) {
    assert.throws(() => one(bad), (e: unknown) => e instanceof TarListingFormatError, bad);
  }
});

test('every mtime tar can print round-trips: the listing gives the header walk\'s value', async () => {
  // PAX mtimes of every form: pre-1970 with fractions, year 0 and negative years, years past
  // 9999, and times whose year does not fit a struct tm (tar then prints bare seconds).
  const mtimes = ['-1.25', '-1', '-62167219200', '-62167219200.5', '-62198755200', '-99999999999', '253402300800', '1000000000000', '100000000000000000', '-100000000000000000', '100000000000000000.5', '9223372036854775807', '-9223372036854775808', '1.123456789', '-86400.000000001', '1700000000.12', '1700000000.000000001', '1700000000'];
  const parts = mtimes.map((m, i) => {
    const x = paxData({ mtime: m });
    return Buffer.concat([withData(rawHeader({ name: `PaxHeaders/f${i}`, type: 'x', size: x.length }), x), rawHeader({ name: `f${i}`, type: '0' })]);
  });
  const file = path.join(work, 'mtimes.tar');
  fs.writeFileSync(file, Buffer.concat([...parts, Buffer.alloc(1024)]));
  const listed = gnuList(file);
  const walked = await walk(file);
  assert.equal(listed.problem, undefined, JSON.stringify(listed.problem));
  assert.equal(walked.problem, undefined, JSON.stringify(walked.problem));
  assert.deepEqual(rows(listed), rows(walked));
  assert.deepEqual(
    walked.entries.toArray().map((e) => e.mtime),
    mtimes.map(Number),
  );
});

test('the member list a compressed backup job has tar write gives the entries of the archive it describes', async () => {
  const p = jobPaths(work, 'datarobot-gluster-backup-2026-10-03.tar.gz');
  const argv = jobArgv(p, tree, 'gzip', '0600');
  // The job's own tar arguments, run as the job runs them (its environment), without its script.
  const tarArgs = argv.slice(argv.indexOf(p.job) + 1);
  execFileSync('/usr/bin/tar', tarArgs, { env: { PATH: process.env.PATH, ...Object.fromEntries(BACKUP_JOB_ENV.map((kv) => kv.split('=') as [string, string])) }, stdio: ['ignore', 'ignore', 'pipe'] });
  // Published as the script publishes them: the archive, then the list tar wrote beside the partial.
  fs.renameSync(p.partial, p.archive);
  fs.renameSync(memberListOf(p.partial), memberListOf(p.archive));
  const list = fs.readFileSync(memberListOf(p.archive));
  // As written at creation: times to the nanosecond, no end-of-archive line.
  assert.match(list.toString('latin1'), /:\d\d\.12 +"\.\/with space\.txt"\n/);
  assert.match(list.toString('latin1'), /:\d\d\.123456789 +"/);
  assert.doesNotMatch(list.toString('latin1'), /Block of NULs/);
  const parser = new TarListingParser(true);
  for (let i = 0; i < list.length; i += 4096) parser.push(list.subarray(i, i + 4096));
  const fromList = parser.end(0, '', fs.statSync(p.archive).size, true);
  const listed = gnuList(p.archive);
  assert.equal(fromList.problem, undefined);
  assert.equal(listed.problem, undefined);
  assert.ok(listed.entries.length > 20);
  // The archive (GNU format) keeps whole seconds: the list's times come out as the archive's.
  assert.deepEqual(rows(fromList), rows(listed));
  assert.equal(fromList.rootEntries, listed.rootEntries);
  assert.equal(fromList.dotSlashNames, listed.dotSlashNames);
  // The same text read as tar's listing of an archive is not complete: no end marker.
  assert.equal(parseTarListing(list, 0, '', undefined, true).problem?.kind, 'truncated');
});

test('a hostile stderr (the words tar uses for a broken header, repeated without end) is read in bounded time and is a corrupt archive', { timeout: 10_000 }, () => {
  // Cubic on the old whole-text regex: about 40 s for these 64 KiB.
  const stderr = 'Archive contains  where numeric '.repeat(2048);
  const r = parseTarListing(Buffer.alloc(0), 2, stderr, 10_240, true);
  assert.equal(r.problem?.kind, 'corrupt', JSON.stringify(r.problem));
  const lines = `${'x'.repeat(5000)}\ntar: Archive contains ‘\\x01’ where numeric off_t value expected\n`;
  assert.match(parseTarListing(Buffer.alloc(0), 2, lines, 10_240, true).problem?.message ?? '', /^broken header after byte 0 /);
});

test('a block number or size past what a double holds exactly is an unreadable line, not Infinity in the plan', () => {
  const ok = 'block 2: -rw-r--r-- 0/0 123456789012345 2026-12-03 08:34:57 "big"';
  assert.equal(one(ok).entry?.size, 123456789012345);
  for (const line of [
    'block 2: -rw-r--r-- 0/0 1234567890123456 2026-12-03 08:34:57 "huge"',
    `block ${'9'.repeat(400)}: -rw-r--r-- 0/0 1 2026-12-03 08:34:57 "far"`,
    'block 2: crw-r--r-- 0/0 12345678901,3 2026-12-03 08:34:57 "cdev"',
  ]) {
    assert.throws(() => parseTarListing(Buffer.from(line + '\n', 'latin1'), 0, ''), /unexpected line/, line.slice(0, 60));
  }
});
