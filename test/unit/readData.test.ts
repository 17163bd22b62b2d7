// --read-data's parts that need no node: tar --compare run here by its own argv on real files
// with odd names (its output parsed back to exact name bytes), that output mutated at random
// (fixed seed), and the subset cycle (ten runs at 10% check each member exactly once).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { storedNames } from '../../src/core/archive/paths';
import { TarListingFormatError } from '../../src/core/archive/tarListing';
import { NAMES_UNOPENED, TAR_COMPARE_ENV, TarCompareParser, archiveTroubleIn, notFoundIn, tarCompareArgv } from '../../src/core/validate/tarCompare';
import {
  MAX_READ_DATA_STATE_BYTES,
  ReadDataStateError,
  nextSlice,
  parseReadDataState,
  parseSubsetPercent,
  serializeReadDataState,
  stateAfter,
  type ReadDataState,
} from '../../src/core/validate/readDataState';
import { applyText, textMutation } from './helpers/archiveMutator';

const MTIME = new Date('2020-01-02T03:04:05Z');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-readdata-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

// Names as bytes (latin1 keys): a newline, a tab and quotes, a backslash, invalid UTF-8, a dash.
const ODD = ['plain', 'new\nline', 'tab\t"quoted"', 'back\\slash', Buffer.from([0x6e, 0x6f, 0x74, 0xff, 0xfe]).toString('latin1'), '-dash', 'd/deep file'];

/** A path whose name part is raw bytes (a key): fs takes a Buffer for those. */
function at(dir: string, key: string): Buffer {
  return Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(key, 'latin1')]);
}

function tree(): { src: string; archive: string } {
  const src = path.join(work, 'src');
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(path.join(src, 'd'), { recursive: true });
  for (const k of ODD) fs.writeFileSync(at(src, k), `data of ${k}\n`);
  fs.symlinkSync('plain', path.join(src, 'link'));
  for (const k of [...ODD, 'd']) fs.utimesSync(at(src, k), MTIME, MTIME);
  const archive = path.join(work, 'a.tar');
  assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${src}`, '--numeric-owner', '--sort=name', '.']).status, 0);
  return { src, archive };
}

function compare(archive: string, src: string, keys: string[]): { parser: TarCompareParser; code: number; stderr: string } {
  const names = path.join(work, 'names');
  fs.writeFileSync(names, storedNames(keys, 1));
  const [cmd, ...args] = tarCompareArgv(archive, src, names);
  const r = spawnSync(cmd, args, { env: Object.fromEntries(TAR_COMPARE_ENV.map((e) => e.split('='))), maxBuffer: 1 << 24 });
  assert.equal(fs.existsSync(names), false, 'the list of names is removed once tar has it open');
  const parser = new TarCompareParser();
  parser.push(r.stdout);
  parser.end();
  return { parser, code: r.status ?? -1, stderr: r.stderr.toString('latin1') };
}

test("the list of names is tar's from the open file, gone from the directory before tar reads a member; a list that is not there is said, and tar is not run", () => {
  const { src, archive } = tree();
  const names = path.join(work, 'names');
  fs.writeFileSync(names, storedNames(ODD, 1));
  // tar's first look at the archive finds the list already removed: the shell removed it
  // before it started tar, which read the names from its standard input.
  const bin = fs.mkdtempSync(path.join(work, 'bin-'));
  const seen = path.join(work, 'seen');
  const realTar = spawnSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\n[ -e ${names} ] && echo there > ${seen} || echo gone > ${seen}\nexec ${realTar} "$@"\n`, { mode: 0o755 });
  const [cmd, ...args] = tarCompareArgv(archive, src, names);
  const r = spawnSync(cmd, args, { env: { LC_ALL: 'C', PATH: `${bin}:${process.env.PATH}` }, maxBuffer: 1 << 24 });
  assert.equal(fs.readFileSync(seen, 'utf8'), 'gone\n');
  const parser = new TarCompareParser();
  parser.push(r.stdout);
  parser.end();
  assert.equal(parser.done, ODD.length, r.stderr.toString());
  assert.equal(r.status, 0, r.stderr.toString());

  const none = spawnSync(cmd, args, { env: { LC_ALL: 'C' }, encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.equal(none.stderr, `${NAMES_UNOPENED}${names}\n`);
  assert.equal(none.stdout, '', 'tar was not run');
});

/** Rewrites a file's data behind the same size and mtime. */
function swapData(src: string, key: string): void {
  const f = at(src, key);
  const b = fs.readFileSync(f);
  b[0] ^= 0x20;
  fs.writeFileSync(f, b);
  fs.utimesSync(f, MTIME, MTIME);
}

test('tar --compare by its argv: odd names come back as their exact bytes; only data changed behind size and mtime is listed', () => {
  const { src, archive } = tree();
  const clean = compare(archive, src, ODD);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.parser.done, ODD.length);
  assert.deepEqual(clean.parser.contentOnly, []);

  for (const k of ['new\nline', ODD[4], 'd/deep file']) swapData(src, k);
  // An ordinary change (size and mtime) is not this check's to list.
  fs.writeFileSync(path.join(src, 'plain'), 'longer data than before\n');
  fs.rmSync(path.join(src, '-dash'));
  const r = compare(archive, src, ODD);
  assert.equal(r.code, 1, r.stderr);
  // Archive order (--sort=name): d's file, then the names after "d".
  assert.deepEqual(r.parser.contentOnly, ['d/deep file', 'new\nline', ODD[4]]);
  assert.equal(r.parser.contentOnlyCount, 3);
  assert.equal(r.parser.changedCount, 1);
  assert.equal((r.stderr.match(/Warning: Cannot stat: No such file or directory$/gm) ?? []).length, 1);
  assert.equal(archiveTroubleIn(r.stderr), undefined);
  assert.equal(notFoundIn(r.stderr), 0);

  // A slice: only the names given are read.
  const one = compare(archive, src, ['d/deep file']);
  assert.equal(one.parser.done, 1);
  assert.deepEqual(one.parser.contentOnly, ['d/deep file']);
});

test('a flipped byte in a member\'s data, a broken header, a cut archive: each is told with its member or offset', () => {
  const { src, archive } = tree();
  const bytes = fs.readFileSync(archive);
  const pos = bytes.indexOf('data of d/deep file');
  assert.ok(pos > 0);
  const flipped = path.join(work, 'flipped.tar');
  const b1 = Buffer.from(bytes);
  b1[pos + 3] ^= 0x01;
  fs.writeFileSync(flipped, b1);
  const f = compare(flipped, src, ODD);
  assert.deepEqual(f.parser.contentOnly, ['d/deep file']);
  assert.equal(f.parser.problem, undefined);

  // The header of the member holding "plain"'s data: 512 bytes before it.
  const broken = path.join(work, 'broken.tar');
  const b2 = Buffer.from(bytes);
  const hdr = bytes.indexOf('data of plain') - 512;
  b2[hdr + 148] ^= 0x07; // its checksum field
  fs.writeFileSync(broken, b2);
  const br = compare(broken, src, ODD);
  assert.equal(br.parser.problem?.kind, 'corrupt');
  assert.equal(br.parser.problem?.offset, hdr);
  assert.match(archiveTroubleIn(br.stderr) ?? '', /Skipping to next header/);

  const cut = path.join(work, 'cut.tar');
  fs.writeFileSync(cut, bytes.subarray(0, hdr + 512 + 512));
  const c = compare(cut, src, ODD);
  assert.ok(c.parser.problem !== undefined || archiveTroubleIn(c.stderr) !== undefined, `${c.stderr}`);
});

test('lines tar --compare never prints are refused', () => {
  for (const l of ['garbage\n', '"./a" Contents differ\n', 'block 1: "./a" trailing\n', '"./b": Contents differ\n', 'block x: "./a"\n', '"./a\n']) {
    const p = new TarCompareParser();
    assert.throws(() => {
      p.push(Buffer.from(`block 1: "./a"\n${l}`, 'latin1'));
      p.end();
    }, TarListingFormatError, l);
  }
  const long = new TarCompareParser();
  assert.throws(() => long.push(Buffer.alloc((1 << 20) + 10, 0x61)), /longer than/);
});

test('property: mutated tar --compare output gives a result or a format error, nothing else', () => {
  const { src, archive } = tree();
  swapData(src, 'tab\t"quoted"');
  const names = path.join(work, 'names');
  fs.writeFileSync(names, storedNames(ODD, 1));
  const [cmd, ...args] = tarCompareArgv(archive, src, names);
  const good = spawnSync(cmd, args, { env: { LC_ALL: 'C' } }).stdout;
  assert.ok(good.length > 0);
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 64 }), (ms, chunk) => {
      let b: Buffer = good;
      for (const m of ms) b = applyText(b, m, 0x0a);
      const p = new TarCompareParser(3);
      try {
        for (let i = 0; i < b.length; i += chunk) p.push(b.subarray(i, i + chunk));
        p.end();
      } catch (e) {
        assert.ok(e instanceof TarListingFormatError, String(e));
        return;
      }
      assert.ok(p.contentOnly.length <= 3);
      assert.ok(p.contentOnlyCount >= p.contentOnly.length);
      assert.ok(p.done <= b.length);
    }),
    { seed: 2121, numRuns: 2000 },
  );
});

test('--read-data-subset: the share is read strictly', () => {
  assert.equal(parseSubsetPercent('10%'), 1000);
  assert.equal(parseSubsetPercent('2.5%'), 250);
  assert.equal(parseSubsetPercent('100'), 10000);
  for (const bad of ['0%', '101%', '-5%', '10%%', 'ten', '', '1e1%', '0.001%']) assert.throws(() => parseSubsetPercent(bad), ReadDataStateError, bad);
});

test('ten runs at 10% check every member exactly once, for any member count; then the cycle starts over', () => {
  for (const members of [0, 1, 5, 9, 10, 11, 99, 1000, 20229]) {
    const seen = new Uint8Array(members);
    let state: ReadDataState | undefined;
    for (let run = 1; run <= 10; run++) {
      const s = nextSlice(state, 12345, members, 1000);
      assert.equal(s.run, run);
      for (let i = s.from; i < s.to; i++) seen[i]++;
      state = stateAfter(s, 12345, members, new Date(0));
      assert.deepEqual(parseReadDataState(Buffer.from(serializeReadDataState(state))), state);
    }
    assert.ok(seen.every((n) => n === 1), `${members} members`);
    assert.equal(state!.position, 0);
    const again = nextSlice(state, 12345, members, 1000);
    assert.equal(again.from, 0);
    assert.equal(again.run, 1);
  }
  // Another archive (size or member count differ): from the start.
  const s = stateAfter(nextSlice(undefined, 100, 50, 1000), 100, 50, new Date(0));
  assert.equal(nextSlice(s, 101, 50, 1000).from, 0);
  assert.equal(nextSlice(s, 100, 51, 1000).restarted, true);
  assert.equal(nextSlice(s, 100, 50, 1000).from, 5);
});

test('property: any share tiles the members with no gap and no overlap over a cycle', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 10000 }), (members, share) => {
      const seen = new Uint8Array(members);
      let state: ReadDataState | undefined;
      for (let run = 0; run < Math.ceil(10000 / share); run++) {
        const s = nextSlice(state, 1, members, share);
        for (let i = s.from; i < s.to; i++) seen[i]++;
        state = stateAfter(s, 1, members, new Date(0));
      }
      assert.ok(seen.every((n) => n === 1));
      assert.equal(state!.position, 0);
    }),
    { seed: 2122, numRuns: 300 },
  );
});

test('the subset state file: a guard on every field, a bound on its size, a newer version refused', () => {
  const good = serializeReadDataState({ version: 1, archiveBytes: 10, members: 3, position: 1000, runs: 1, updatedAt: '2026-12-04T00:00:00.000Z' });
  assert.equal(parseReadDataState(Buffer.from(good)).position, 1000);
  const o = JSON.parse(good);
  const bad: [unknown, RegExp][] = [
    [{ ...o, version: 2 }, /newer gluster-backup/],
    [{ ...o, version: 0 }, /not one this/],
    [{ ...o, position: 10000 }, /position/],
    [{ ...o, position: -1 }, /position/],
    [{ ...o, position: 1.5 }, /position/],
    [{ ...o, members: '3' }, /members/],
    [{ ...o, archiveBytes: null }, /archiveBytes/],
    [{ ...o, updatedAt: 'yesterday' }, /updatedAt/],
    [{ ...o, extra: 1 }, /unknown field/],
    [[o], /not a JSON object/],
  ];
  for (const [v, why] of bad) assert.throws(() => parseReadDataState(Buffer.from(JSON.stringify(v))), why, JSON.stringify(v));
  assert.throws(() => parseReadDataState(Buffer.from('{"version":1,')), /not JSON/);
  assert.throws(() => parseReadDataState(Buffer.alloc(MAX_READ_DATA_STATE_BYTES + 1, 0x20)), /larger than/);
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let b: Buffer = Buffer.from(good);
      for (const m of ms) b = applyText(b, m, 0x0a);
      try {
        const s = parseReadDataState(b);
        assert.ok(s.position >= 0 && s.position < 10000 && Number.isInteger(s.members));
      } catch (e) {
        assert.ok(e instanceof ReadDataStateError, String(e));
      }
    }),
    { seed: 2123, numRuns: 2000 },
  );
});
