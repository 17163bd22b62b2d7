// Property tests of the numbers in GNU tar's verbose lines from a node: the member list a
// compressed backup's tar writes beside the archive (read back by restore from the node's disk),
// tar --list and tar --compare run in the container (TarListingParser, TarCompareParser).
// archiveProperty.test.ts and readData.test.ts flip bytes; here each number (block, size, date,
// time, fraction, owner) is rewritten to long runs of digits, a sign, leading zeros: an index
// whose offsets are exact and whose sizes and times are numbers, or TarListingFormatError,
// nothing else. Fixed seed: the runs are the same each time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { TarListingFormatError, TarListingParser, tarListArgv, TAR_LIST_ENV, type TarIndexResult } from '../../src/core/archive';
import { BACKUP_JOB_ENV, jobArgv, memberListOf } from '../../src/core/backup/jobScript';
import { jobPaths } from '../../src/core/backup/jobFile';
import { TarCompareParser } from '../../src/core/validate/tarCompare';
import { chunks } from './helpers/archiveMutator';
import { buildAwkwardTree, pinMtimes, removeTree, tempDir } from './helpers/archiveTree';
import { assertVerdict } from './helpers/walkProperty';

const SEED = 20261215;

const work = tempDir('gb-listing-numbers-');
after(() => removeTree(work));
const tree = path.join(work, 'tree');
fs.mkdirSync(tree);
buildAwkwardTree(tree);
pinMtimes(tree);
// A fraction in the member list's times (tar drops its trailing zeros), and a time before 1970.
execFileSync('touch', ['-h', '-d', '@1700000000.120000000', '--', 'with space.txt'], { cwd: tree });
execFileSync('touch', ['-h', '-d', '@-86401.5', '--', 'empty-file'], { cwd: tree });

// The job's own tar, as the job runs it (its environment, without its script): the archive and its member list.
const p = jobPaths(work, 'datarobot-gluster-backup-2026-10-03.tar.gz');
const argv = jobArgv(p, tree, 'gzip', '0600');
execFileSync('/usr/bin/tar', argv.slice(argv.indexOf(p.job) + 1), { env: { PATH: process.env.PATH, ...Object.fromEntries(BACKUP_JOB_ENV.map((kv) => kv.split('=') as [string, string])) }, stdio: ['ignore', 'ignore', 'pipe'] });
const MEMBER_LIST = fs.readFileSync(memberListOf(p.partial));
const [cmd, ...args] = tarListArgv(p.partial);
const listed = spawnSync(cmd, args, { env: { PATH: process.env.PATH, ...Object.fromEntries(TAR_LIST_ENV.map((kv) => kv.split('=') as [string, string])) } });
const LISTING = listed.stdout;
const ARCHIVE_BYTES = fs.statSync(p.partial).size;

/** The parser as restore reads a member list (`memberList`), or as validate reads tar --list's stdout. */
function parse(parts: Buffer[], memberList: boolean): TarIndexResult {
  const parser = new TarListingParser(memberList);
  for (const c of parts) parser.push(c);
  return parser.end(0, '', ARCHIVE_BYTES, true);
}

test('the seeds parse whole: every member, its time to the nanosecond in the list, before 1970 too', () => {
  assert.equal(listed.status, 0, listed.stderr.toString());
  const fromList = parse([MEMBER_LIST], true);
  const fromTar = parse([LISTING], false);
  assert.equal(fromList.problem, undefined);
  assert.equal(fromTar.problem, undefined);
  assert.ok(fromList.entries.length > 20);
  assert.deepEqual(fromList.entries.toArray().map((e) => e.key), fromTar.entries.toArray().map((e) => e.key));
  const at = (r: TarIndexResult, key: string) => r.entries.toArray().find((e) => e.key === key)?.mtime;
  assert.equal(at(fromTar, 'with space.txt'), 1700000000);
  assert.equal(at(fromTar, 'empty-file'), -86402);
  assert.equal(at(fromList, 'with space.txt'), 1700000000);
});

/** What a number of a line becomes: digits past any time_t or off_t, a sign, zeros before it. */
const rewritten = fc.oneof(
  fc.integer({ min: 13, max: 400 }).map((n) => '9'.repeat(n)),
  fc.integer({ min: 13, max: 400 }).map((n) => `-${'9'.repeat(n)}`),
  fc.integer({ min: 1, max: 40 }).map((n) => `${'0'.repeat(n)}1`),
  fc.constantFrom('9007199254740993', '18446744073709551616', '999999999999999', '-0', '0', '-1', '99', '60'),
);
/** Rewrites the `nth` run of digits of the `line`-th line (of those that have one). */
const edit = fc.record({ line: fc.nat(), nth: fc.nat(), value: rewritten });

function applyEdit(text: Buffer, e: { line: number; nth: number; value: string }): Buffer {
  const lines = text.toString('latin1').split('\n');
  const numbered = lines.map((l, i) => [i, [...l.matchAll(/\d+/g)]] as const).filter(([, ns]) => ns.length);
  if (!numbered.length) return text;
  const [i, ns] = numbered[e.line % numbered.length];
  const m = ns[e.nth % ns.length];
  lines[i] = lines[i].slice(0, m.index) + e.value + lines[i].slice(m.index! + m[0].length);
  return Buffer.from(lines.join('\n'), 'latin1');
}

for (const [form, seed, memberList] of [
  ['the member list', () => MEMBER_LIST, true],
  ["tar --list's stdout", () => LISTING, false],
] as const) {
  test(`property: ${form} with its numbers rewritten: exact offsets, sizes and times that are numbers, or TarListingFormatError`, () => {
    const seen = { parsed: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (edits, cuts) => {
        const text = edits.reduce(applyEdit, seed());
        let r: TarIndexResult;
        try {
          r = parse(chunks(text, cuts), memberList);
        } catch (e) {
          assert.ok(e instanceof TarListingFormatError, String((e as Error)?.stack ?? e));
          seen.refused++;
          return;
        }
        seen.parsed++;
        assertVerdict(r, JSON.stringify(edits), false);
        assert.ok(Number.isSafeInteger(r.tarBytes) && r.tarBytes >= 0, `tarBytes ${r.tarBytes}`);
        assert.ok(r.entries.length <= text.toString('latin1').split('\n').length);
      }),
      { seed: SEED, numRuns: 1500, includeErrorInReport: true },
    );
    assert.ok(seen.parsed > 0 && seen.refused > 0, JSON.stringify(seen));
  });
}

/**
 * tar --compare's stdout as GNU tar 1.34 prints it for a changed file, with the lines it prints
 * for a header it skipped and for an archive cut short.
 */
const COMPARE = Buffer.from(
  ['block 1: "./"', 'block 2: "./link-to-plain"', 'block 3: "./plain"', '"./plain": Mod time differs', '"./plain": Size differs', 'block 5: ', 'block 6: "./after"', 'block 7: ** End of File **', ''].join('\n'),
  'latin1',
);

test("property: tar --compare's stdout with its numbers rewritten: a problem at an exact offset, or TarListingFormatError", () => {
  const whole = new TarCompareParser();
  whole.push(COMPARE);
  whole.end();
  // --compare numbers a header's block from 1: the skipped header is the one at 4 * 512.
  assert.deepEqual([whole.done, whole.changedCount, whole.problem?.kind, whole.problem?.offset], [4, 1, 'corrupt', 2048]);
  const seen = { parsed: 0, refused: 0 };
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (edits, cuts) => {
      const text = edits.reduce(applyEdit, COMPARE);
      const parser = new TarCompareParser(3);
      try {
        for (const c of chunks(text, cuts)) parser.push(c);
        parser.end();
      } catch (e) {
        assert.ok(e instanceof TarListingFormatError, String((e as Error)?.stack ?? e));
        seen.refused++;
        return;
      }
      seen.parsed++;
      const p = parser.problem;
      if (p) assert.ok(Number.isSafeInteger(p.offset) && p.offset >= 0 && p.message.includes(`byte ${p.offset}`), `${JSON.stringify(edits)}: ${p.offset}`);
      assert.ok(parser.done <= text.toString('latin1').split('\n').length);
    }),
    { seed: SEED, numRuns: 1500, includeErrorInReport: true },
  );
  assert.ok(seen.parsed > 0 && seen.refused > 0, JSON.stringify(seen));
});
