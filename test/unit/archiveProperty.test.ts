// Property tests: archives GNU tar wrote (GNU and PAX formats, sparse files, long names and
// link targets, a global PAX header), plain and gzip, mutated at random: bytes flipped (mostly
// in headers), cut anywhere, blocks duplicated or removed, numbers rewritten (octal and base-256
// fields, PAX values and record lengths). Every run must end in a verdict (complete, truncated
// or corrupt) after bounded work: reads are budgeted, and the walk runs in a worker with a
// small heap, so a walk going round in circles fails the test instead of hanging it. tar's and
// find's listings, mutated likewise, give a result or their parser's format error, and nothing
// else. Fixed seeds: the runs are the same each time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { DEVICE, DeviceStatFormatError, DeviceStatParser, deviceStatBatches, EntryTable, FsListFormatError, FsListParser, fsListArgv, fsListPathsArgv, indexArchive, TarListingFormatError, TarListingParser, tarListArgv, type TarIndexResult } from '../../src/core/archive';
import { countingReader, END, listWithGnuTar, paxMember } from './helpers/archiveCraft';
import { applyTar, applyText, chunks, tarMutation, textMutation } from './helpers/archiveMutator';
import { deviceHeader, paxData, pinMtimes, rawHeader, removeTree, tar, tempDir, withData } from './helpers/archiveTree';
import { assertVerdict, type Verdicts } from './helpers/walkProperty';

const SEED = 4242;
const WALK_RUNS = 3000;
const HANG_MS = 120_000;

const work = tempDir('gb-property-');
after(() => removeTree(work));

// A small tree with every member kind the walk treats apart; data stays small so that a
// mutation is likely to land on something that matters.
const src = path.join(work, 'src');
fs.mkdirSync(path.join(src, 'd'), { recursive: true });
fs.writeFileSync(path.join(src, 'd', 'f'), 'x'.repeat(700));
fs.writeFileSync(path.join(src, 'd', 'n'.repeat(120)), 'long name');
fs.symlinkSync('t'.repeat(130), path.join(src, 'long-target'));
fs.linkSync(path.join(src, 'd', 'f'), path.join(src, 'hard'));
fs.writeFileSync(path.join(src, 'empty'), '');
spawnSync('mkfifo', [path.join(src, 'fifo')]);
const holes = fs.openSync(path.join(src, 'holes'), 'w');
fs.writeSync(holes, 'x', 200_000);
fs.writeSync(holes, 'y', 600_000);
fs.closeSync(holes);
pinMtimes(src);

const common = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-b', '2', '-C', src];
// atime and ctime change on every run; without them the seeds are the same bytes each time.
const paxOpts = ['--format=pax', '--pax-option=delete=atime,delete=ctime'];
function gnuTar(name: string, args: string[]): Buffer {
  const f = path.join(work, name);
  tar(['-cf', f, ...common, ...args]);
  return fs.readFileSync(f);
}
const globalHeader = paxData({ mtime: '1600000000.25', comment: 'seed' });
const seeds: Record<string, Buffer> = {
  // The sparse file only in the sparse seeds: stored whole it would be most of the bytes.
  gnu: gnuTar('gnu.tar', ['--format=gnu', '--exclude=./holes', '.']),
  pax: gnuTar('pax.tar', [...paxOpts, '--exclude=./holes', '.']),
  'gnu sparse': gnuTar('gnu-sparse.tar', ['--format=gnu', '-S', 'holes', 'd']),
  'pax sparse 1.0': gnuTar('pax-sparse.tar', [...paxOpts, '-S', '--sparse-version=1.0', 'holes', 'long-target']),
  'pax sparse 0.1': gnuTar('pax-sparse01.tar', [...paxOpts, '-S', '--sparse-version=0.1', 'holes']),
  'global and long': Buffer.concat([
    withData(rawHeader({ name: 'pax_global_header', type: 'g', size: globalHeader.length }), globalHeader),
    withData(rawHeader({ name: '././@LongLink', type: 'L', size: 301 }), Buffer.from('L'.repeat(300) + '\0')),
    withData(rawHeader({ name: 'cut', type: '0', size: 5 }), Buffer.from('12345')),
    paxMember({ path: 'p'.repeat(200), mtime: '-1.5', size: '3' }, { name: 'q', size: 0 }),
    Buffer.from('abc'.padEnd(512, '\0')),
    END,
  ]),
  // Device nodes and fifos: typeflags 3, 4 and 6 with devmajor and devminor (no root needed to
  // write them this way).
  devices: Buffer.concat([deviceHeader('null', '3', 1, 3), deviceHeader('sda', '4', 8, 0), deviceHeader('fifo', '6', 0, 0), withData(rawHeader({ name: 'f', type: '0', size: 2 }), Buffer.from('ab')), END]),
};
const seedNames = Object.keys(seeds);

test('the seeds are valid: each is complete, as GNU tar lists it', async () => {
  for (const name of seedNames) {
    const r = await indexArchive(countingReader(seeds[name]));
    assert.equal(r.problem, undefined, `${name}: ${JSON.stringify(r.problem)}`);
    assert.ok(r.entries.length > 0, name);
    const f = path.join(work, 'seed.tar');
    fs.writeFileSync(f, seeds[name]);
    const l = listWithGnuTar(f);
    assert.equal(l.status, 0, `${name}: ${l.stderr}`);
    // The header walk and tar's listing agree on the kind and numbers of devices too.
    assert.deepEqual(
      l.result.entries.toArray().map((e) => [e.key, e.type, e.meta?.device]),
      r.entries.toArray().map((e) => [e.key, e.type, e.meta?.device]),
      name,
    );
  }
});

test('mutated archives, plain and gzip: a verdict after bounded reads, never a throw or a hang', async () => {
  const worker = new Worker(path.join(__dirname, 'helpers', 'walkProperty.js'), {
    workerData: { walkProperty: { seeds, seed: SEED, numRuns: WALK_RUNS } },
    // A walk that loops while it adds entries runs out of this, rather than of the machine.
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  const outcome = await new Promise<{ kinds?: Verdicts; error?: string }>((resolve) => {
    // A watchdog, not a timing: the runs take seconds; only a walk that never ends reaches it.
    const watchdog = setTimeout(() => resolve({ error: `no verdict after ${HANG_MS / 1000} s: a walk that never ends` }), HANG_MS);
    const settle = (o: { kinds?: Verdicts; error?: string }) => {
      clearTimeout(watchdog);
      resolve(o);
    };
    worker.once('message', settle);
    worker.once('error', (e) => settle({ error: e.stack ?? String(e) }));
    worker.once('exit', (code) => settle({ error: `the property's worker exited (${code}) without a verdict` }));
  });
  await worker.terminate();
  assert.equal(outcome.error, undefined, outcome.error);
  // The mutations reach every verdict, not only the checksum's.
  const k = outcome.kinds!;
  assert.equal(k.complete + k.truncated + k.corrupt, WALK_RUNS);
  assert.ok(k.complete > 0 && k.truncated > 0 && k.corrupt > 0, JSON.stringify(k));
});

/** Real tar listings of the seeds and of a few cut and damaged copies, for the parser. */
function listingOf(bytes: Buffer): { stdout: Buffer; stderr: string; status: number; size: number } {
  const f = path.join(work, 'listed.tar');
  fs.writeFileSync(f, bytes);
  const r = spawnSync('tar', tarListArgv(f).slice(1), { env: { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' }, maxBuffer: 1 << 26 });
  return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), status: r.status ?? 2, size: bytes.length };
}
const listings = seedNames.map((n) => listingOf(seeds[n]));

function parseListing(parts: Buffer[], l: { stderr: string; status: number; size: number }): TarIndexResult {
  const p = new TarListingParser();
  for (const c of parts) p.push(c);
  return p.end(l.status, l.stderr, l.size, false);
}

function rows(r: TarIndexResult) {
  return r.entries.toArray().map((e) => [e.key, e.type, e.size, e.mtime, e.linkKey]);
}

test("tar's listing, split anywhere and padded with spaces between columns, parses the same", () => {
  fc.assert(
    fc.property(fc.nat(listings.length - 1), fc.array(fc.nat(), { maxLength: 30 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })), { maxLength: 8 }), (i, cuts, pads) => {
      const l = listings[i];
      const want = rows(parseListing([l.stdout], l));
      // tar pads its columns with runs of spaces: widen some of them, line by line.
      const lines = l.stdout.toString('latin1').split('\n');
      for (const [pick, n] of pads) {
        const k = pick % lines.length;
        if (!lines[k].includes('"')) continue;
        // Before the name (the time column) or before the size (the owner column).
        lines[k] = n % 2 ? lines[k].replace(/(\d) "/, `$1${' '.repeat(n + 1)}"`) : lines[k].replace(/^(block \d+: \S+ \S+) /, `$1${' '.repeat(n + 1)}`);
      }
      const padded = Buffer.from(lines.join('\n'), 'latin1');
      assert.deepEqual(rows(parseListing(chunks(padded, cuts), l)), want);
    }),
    { seed: SEED, numRuns: 300, includeErrorInReport: true },
  );
});

test("mutated tar listings: a result or TarListingFormatError, nothing else", () => {
  let errors = 0;
  fc.assert(
    fc.property(fc.nat(listings.length - 1), fc.array(textMutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), fc.constantFrom(0, 2), (i, mutations, cuts, status) => {
      const l = listings[i];
      const text = mutations.reduce((t, m) => applyText(t, m, 0x0a), l.stdout);
      try {
        const r = parseListing(chunks(text, cuts), { ...l, status });
        assertVerdict(r, JSON.stringify(mutations), false);
        // tar's own failure is never taken as a complete archive.
        if (status !== 0) assert.ok(r.problem, 'exit 2 is never complete');
      } catch (e) {
        if (!(e instanceof TarListingFormatError)) throw e;
        errors++;
      }
    }),
    { seed: SEED, numRuns: 1000, includeErrorInReport: true },
  );
  assert.ok(errors > 0, 'some mutations are format errors');
});

test('GNU tar on mutated archives: the parsed listing is never complete when tar fails', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seedNames), fc.array(tarMutation, { minLength: 1, maxLength: 3 }), (seed, mutations) => {
      const l = listingOf(mutations.reduce(applyTar, seeds[seed]));
      try {
        const r = parseListing([l.stdout], l);
        assertVerdict(r, `${seed} ${l.stderr}`, false);
        if (l.status !== 0) assert.ok(r.problem, `tar exited ${l.status}: ${l.stderr}`);
      } catch (e) {
        if (!(e instanceof TarListingFormatError)) throw e;
      }
    }),
    { seed: SEED, numRuns: 80, includeErrorInReport: true },
  );
});

const findOut: Buffer = spawnSync(fsListArgv(src)[0], fsListArgv(src).slice(1)).stdout;
// The restore verification's forms: mode and owner before the path, and paths given as operands.
const metaArgv = fsListArgv(src, { meta: true });
const findMetaOut: Buffer = spawnSync(metaArgv[0], metaArgv.slice(1)).stdout;
const paths = fsListPathsArgv(src, ['d', 'hard', 'long-target'], { meta: true });
const findPathsOut: Buffer = spawnSync(paths.argv[0], paths.argv.slice(1)).stdout;

// find's %y names a fifo's kind ("p"), kept as its device (mkfifo needs no root, mknod does).
const fifos = path.join(work, 'fifos');
fs.mkdirSync(fifos);
for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(fifos, n), n);
assert.equal(spawnSync('mkfifo', [path.join(fifos, 'pipe')]).status, 0);
const fifoArgv = fsListArgv(fifos, { meta: true });
const findFifoOut: Buffer = spawnSync(fifoArgv[0], fifoArgv.slice(1)).stdout;

const FS_FORMS: { name: string; out: Buffer; opts: { meta?: boolean; prefix?: string } }[] = [
  { name: 'a fifo among files, with mode and owner', out: findFifoOut, opts: { meta: true } },
  { name: 'names, sizes, times', out: findOut, opts: {} },
  { name: 'with mode and owner', out: findMetaOut, opts: { meta: true } },
  { name: 'chosen paths, with mode and owner', out: findPathsOut, opts: { meta: true, prefix: paths.prefix } },
];

for (const form of FS_FORMS) {
  const parseFs = (parts: Buffer[]) => {
    const p = new FsListParser(new EntryTable(), form.opts);
    for (const c of parts) p.push(c);
    return p.end();
  };

  test(`find's listing (${form.name}): split anywhere, the same entries; mutated, entries or FsListFormatError only`, () => {
    const want = parseFs([form.out]).toArray();
    assert.ok(want.length >= 4);
    if (form.opts.meta) for (const e of want) assert.ok(e.meta && e.meta.mode !== undefined && e.meta.uid !== undefined, `mode and owner of ${e.path}`);
    if (form.out === findFifoOut) assert.deepEqual(want.filter((e) => e.meta?.device !== undefined).map((e) => [e.path, e.type, e.meta?.device]), [['pipe', 'other', 'p']]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(parseFs(chunks(form.out, cuts)).toArray(), want);
      }),
      { seed: SEED, numRuns: 200, includeErrorInReport: true },
    );
    let errors = 0;
    fc.assert(
      fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), (mutations, cuts) => {
        const text = mutations.reduce((t, m) => applyText(t, m, 0), form.out);
        try {
          for (const e of parseFs(chunks(text, cuts))) {
            assert.equal(typeof e.key, 'string');
            if (e.meta?.mode !== undefined) assert.ok(e.meta.mode >= 0 && e.meta.mode <= 0o7777);
            if (e.meta?.device !== undefined) assert.ok(e.type === 'other' && DEVICE.test(e.meta.device), `${e.type} ${e.meta.device}`);
          }
        } catch (e) {
          if (!(e instanceof FsListFormatError)) throw e;
          errors++;
        }
      }),
      { seed: SEED, numRuns: 1000, includeErrorInReport: true },
    );
    assert.ok(errors > 0);
  });
}

// The device pass of a restore's verification (device numbers): the real program's output for
// two character devices every Linux has, a path that is not there and one that is a directory,
// split anywhere the same; mutated, a record for each path asked in order, devices in their one
// form, or DeviceStatFormatError, nothing else.
const STAT_KEYS = ['null', 'zero', 'nope', 'shm'];
const [statPass] = deviceStatBatches('/dev', STAT_KEYS);
const statOut: Buffer = spawnSync(statPass.argv[0], statPass.argv.slice(1), { env: { PATH: process.env.PATH, LC_ALL: 'C' } }).stdout;

test("the device pass's output: split anywhere, the same numbers; mutated, devices in their one form or DeviceStatFormatError", () => {
  const parse = (parts: Buffer[]) => {
    const p = new DeviceStatParser(statPass.keys);
    for (const c of parts) p.push(c);
    const numbers = [...p.end()].sort();
    // Every path asked for has exactly one answer.
    assert.equal(numbers.length + p.others.size + p.unreadable.length, STAT_KEYS.length);
    return { numbers, others: [...p.others].sort() };
  };
  const want = parse([statOut]);
  assert.deepEqual(want, {
    numbers: [
      ['null', 'c 1,3'],
      ['zero', 'c 1,5'],
    ],
    others: [
      ['nope', 'absent'],
      ['shm', 'dir'],
    ],
  });
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
      assert.deepEqual(parse(chunks(statOut, cuts)), want);
    }),
    { seed: SEED, numRuns: 200, includeErrorInReport: true },
  );
  let errors = 0;
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), (mutations, cuts) => {
      const text = mutations.reduce((t, m) => applyText(t, m, 0), statOut);
      try {
        for (const [key, d] of parse(chunks(text, cuts)).numbers) {
          assert.ok(STAT_KEYS.includes(key), key);
          assert.ok(DEVICE.test(d) && d[0] !== 'p' && d.length > 1, d);
        }
      } catch (e) {
        if (!(e instanceof DeviceStatFormatError)) throw e;
        errors++;
      }
    }),
    { seed: SEED, numRuns: 1000, includeErrorInReport: true },
  );
  assert.ok(errors > 0);
});
