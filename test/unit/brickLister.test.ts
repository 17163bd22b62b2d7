// What the brick listers say on stderr comes from the nodes: read with a guard and a bound, and
// a summary that fails its guard never counts as a brick listed. checkBrickListing accepts the
// listers' work only when every planned brick was listed once with the same directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { brickListArgv, checkBrickListing, parseListerStderr, type ListerRun } from '../../src/core/bricks/brickLister';
import type { BrickPlan } from '../../src/core/bricks/brickPlan';
import { applyMutation, mutation } from './helpers/textMutation';

const U = (i: number) => `00000000-0000-0000-0000-00000000000${i}`;
const PLAN: Extract<BrickPlan, { kind: 'bricks' }> = {
  kind: 'bricks',
  volume: 'gv0',
  sub: '',
  mdata: true,
  bricks: [1, 2, 3].map((i) => ({ name: `n${i}:/bricks/gv0`, path: '/bricks/gv0', uuid: U(i), dirs: i === 1 })),
};

const summary = (o: object) => `GBL1 ${JSON.stringify({ brick: '/bricks/gv0', dirs: 17, digest: '25084b855cce2ae3', files: 60, linkfiles: 7, ...o })}`;
const run = (i: number, lines: string[], exitCode = 0): ListerRun => ({ node: `node${i}`, exitCode, report: parseListerStderr([`GBL1 {"node": "${U(i)}"}`, ...lines].join('\n') + '\n') });

test('the argv carries the plan as one JSON argument, no shell', () => {
  const argv = brickListArgv(PLAN);
  assert.equal(argv[0], 'python3');
  assert.deepEqual(argv.slice(1, 4), ['-I', '-S', '-c']);
  assert.deepEqual(JSON.parse(argv[5]), { v: 1, sub: '', mdata: true, bricks: PLAN.bricks.map((b) => ({ path: b.path, uuid: b.uuid, dirs: b.dirs })) });
  assert.equal(JSON.parse(brickListArgv(PLAN, { sum: true })[5]).sum, true, 'sum mode is asked in the same argument');
});

test('sum mode: bytes and the newest entry come together and well formed, or the summary is not one', () => {
  const ok = parseListerStderr(summary({ bytes: 9762234, newest: '1796528260.123456789', newestPath: 'logs/2024/\udce9' }) + '\n' + summary({ bytes: 0 }));
  assert.deepEqual(ok.bricks.map((b) => ({ bytes: b.bytes, newest: b.newest })), [
    { bytes: 9762234, newest: { s: 1796528260, ns: 123456789, path: 'logs/2024/\udce9' } },
    { bytes: 0, newest: undefined },
  ]);
  // Before 1970 is a time too (a restored tree can hold one).
  assert.deepEqual(parseListerStderr(summary({ bytes: 1, newest: '-5.000000001', newestPath: 'x' })).bricks[0].newest, { s: -5, ns: 1, path: 'x' });
  for (const bad of [
    { bytes: -1 },
    { bytes: 1.5 },
    { bytes: '12' },
    { bytes: 2 ** 53 },
    { newest: '1.000000000', newestPath: 'x' },
    { bytes: 1, newest: '1.000000000' },
    { bytes: 1, newestPath: 'x' },
    { bytes: 1, newest: '1.00000000', newestPath: 'x' },
    { bytes: 1, newest: '1.0000000000', newestPath: 'x' },
    { bytes: 1, newest: '1e3.000000000', newestPath: 'x' },
    { bytes: 1, newest: '1234567890123456.000000000', newestPath: 'x' },
    { bytes: 1, newest: 1.5, newestPath: 'x' },
    { bytes: 1, newest: '1.000000000', newestPath: '' },
    { bytes: 1, newest: '1.000000000', newestPath: 'x'.repeat(1025) },
  ]) {
    const r = parseListerStderr(summary(bad));
    assert.deepEqual([r.bricks.length, r.problemCount], [0, 1], JSON.stringify(bad));
  }
});

test('summaries, the node line, a half-migrated file and plain errors are told apart', () => {
  const r = parseListerStderr(
    [
      'GBL1 {"node": "abc"}',
      "[Errno 13] Permission denied: b'/bricks/gv0/locked'",
      summary({}),
      'GBL1 {"unsure": "a/b", "brick": "/bricks/gv0"}',
      'GBL1 {"brick": "/x", "dirs": -1, "digest": "0000000000000000", "files": 0, "linkfiles": 0}',
      'GBL1 {"brick": "/x", "dirs": 1.5, "digest": "0000000000000000", "files": 0, "linkfiles": 0}',
      'GBL1 {"brick": "/x", "dirs": 1, "digest": "ZZ", "files": 0, "linkfiles": 0}',
      'GBL1 not json',
      'GBL1 [1,2]',
      '',
    ].join('\n'),
  );
  assert.equal(r.node, 'abc');
  assert.deepEqual(r.bricks, [{ brick: '/bricks/gv0', dirs: 17, digest: '25084b855cce2ae3', files: 60, linkfiles: 7 }]);
  assert.deepEqual(r.unsure, { path: 'a/b', brick: '/bricks/gv0' });
  assert.equal(r.problemCount, 6);
  assert.equal(r.problems.length, 3, 'only the first few are kept');
});

test('property: mutated stderr gives a report bounded by its input, and a brick only from a well-formed summary', () => {
  const base = [
    `GBL1 {"node": "${U(1)}"}`,
    'an error',
    summary({}),
    summary({ brick: '/bricks/other', dirs: 3, bytes: 4242, newest: '1796528260.000000001', newestPath: 'a/b' }),
    'GBL1 {"unsure": "x", "brick": "/bricks/gv0"}',
  ].join('\n');
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (ms) => {
      const text = ms.reduce(applyMutation, base);
      const r = parseListerStderr(text);
      const lines = text.split('\n').filter(Boolean).length;
      assert.ok(r.bricks.length + r.problemCount + (r.node !== undefined ? 1 : 0) + (r.unsure ? 1 : 0) <= lines + 1);
      assert.ok(r.problems.length <= 3);
      for (const b of r.bricks) {
        assert.ok(Number.isSafeInteger(b.dirs) && b.dirs >= 0 && Number.isSafeInteger(b.files) && b.files >= 0 && Number.isSafeInteger(b.linkfiles));
        assert.match(b.digest, /^[0-9a-f]{16}$/);
        assert.equal(typeof b.brick, 'string');
        if (b.bytes !== undefined) assert.ok(Number.isSafeInteger(b.bytes) && b.bytes >= 0);
        if (b.newest) {
          assert.ok(b.bytes !== undefined, 'a newest entry only with its sum');
          assert.ok(Number.isSafeInteger(b.newest.s) && Number.isInteger(b.newest.ns) && b.newest.ns >= 0 && b.newest.ns < 1e9);
          assert.ok(typeof b.newest.path === 'string' && b.newest.path.length > 0 && b.newest.path.length <= 1024);
        }
      }
    }),
    { seed: 20261206, numRuns: 2000 },
  );
});

test('a flood of summary lines is read up to its bound only', () => {
  const r = parseListerStderr(Array.from({ length: 5000 }, () => summary({})).join('\n'));
  assert.equal(r.bricks.length, 4096);
  assert.equal(r.problemCount, 5000 - 4096);
});

test('checkBrickListing: every brick once, on the node that holds it, with the same directories', () => {
  const ok = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, [summary({ linkfiles: 3 })]), run(3, [summary({ linkfiles: 3 })])]);
  assert.ok(ok.ok);
  assert.deepEqual({ ...ok, summaries: undefined }, { ok: true, problems: [], linkfiles: 13, summaries: undefined });
  // The summaries matched to the plan, in its order: node2 and node3 say the same, each its own.
  assert.deepEqual(ok.summaries.map((x) => x.linkfiles), [7, 3, 3]);
  assert.notEqual(ok.summaries[1], ok.summaries[2]);

  const missing = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, [summary({})]), { node: 'node3', error: 'connect ETIMEDOUT' }]);
  assert.deepEqual(missing, { ok: false, why: 'brick n3:/bricks/gv0 was not listed (node3: connect ETIMEDOUT)' });

  const unknownNode = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, [summary({})])]);
  assert.deepEqual(unknownNode, { ok: false, why: 'brick n3:/bricks/gv0 was not listed: no configured node is the one gluster says holds it' });

  const differ = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, [summary({ dirs: 18, digest: '0000000000000001' })]), run(3, [summary({})])]);
  assert.deepEqual(differ, { ok: false, why: 'bricks n1:/bricks/gv0 and n2:/bricks/gv0 hold different directories (17 and 18): one is being created or removed, or a brick lacks one' });

  const sameCountOtherDirs = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, [summary({ digest: '0000000000000001' })]), run(3, [summary({})])]);
  assert.equal(sameCountOtherDirs.ok, false, 'the same number of directories with other names is not the same directories');

  const moving = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, ['GBL1 {"unsure": "d/f", "brick": "/bricks/gv0"}'], 3), run(3, [summary({})])]);
  assert.deepEqual(moving, { ok: false, why: 'd/f on brick /bricks/gv0 of node2 looks like a file a rebalance is moving' });

  const crashed = checkBrickListing(PLAN, [run(1, [summary({})]), run(2, ['Traceback (most recent call last):'], 2), run(3, [summary({})])]);
  assert.deepEqual(crashed, { ok: false, why: 'brick n2:/bricks/gv0 was not listed (node2: the lister ended with exit 2: Traceback (most recent call last):)' });

  const withErrors = checkBrickListing(PLAN, [run(1, ['[Errno 13] Permission denied', summary({})], 1), run(2, [summary({})]), run(3, [summary({})])]);
  assert.deepEqual(
    { ...withErrors, summaries: undefined },
    { ok: true, problems: ['the brick listers reported 1 problem(s) (files they could not read are not compared): [Errno 13] Permission denied'], linkfiles: 21, summaries: undefined },
  );

  const twiceOnOneNode = checkBrickListing({ ...PLAN, bricks: [PLAN.bricks[0], { ...PLAN.bricks[0], name: 'n1:/bricks/gv0 again' }] }, [run(1, [summary({})])]);
  assert.equal(twiceOnOneNode.ok, false, 'one summary does not stand for two bricks');
});
