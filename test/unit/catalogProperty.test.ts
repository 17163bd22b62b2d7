// Property tests for what the catalog and prune read from a node: validation reports mutated at
// random give a summary or the guard's error, nothing else; directory names mutated at random
// are either exactly ours (and then only joined to the directory) or foreign; and for any
// archives and rules, prune's plan removes no more than the rules allow to go, never the newest
// clean archive nor one a job runs on. Fixed seeds: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CatalogArchive } from '../../src/core/catalog/catalog';
import { groupDir, OUR_ARCHIVE, roleOf } from '../../src/core/catalog/dirFiles';
import { removablePath } from '../../src/core/catalog/prune';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { parseValidationRecord, ValidationRecordError } from '../../src/core/catalog/validationRecord';
import { catalogArchive } from '../helpers/builders';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261204;
const DIR = '/opt/datarobot/data/backups/gluster';
const ARCHIVE = `${DIR}/datarobot-gluster-backup-2026-04-12.tar.gz`;

const REPORT = JSON.stringify(
  {
    node: 'node2',
    archive: ARCHIVE,
    archiveBytes: 1048576,
    root: '/mnt/gluster',
    method: 'container-tar',
    report: {
      verdict: 'incomplete',
      summary: '3 files missing',
      archive: { entries: 20, files: 17, dirs: 3, symlinks: 0, hardlinks: 0, other: 0, bytes: 1000, duplicates: 0 },
      missingFiles: { count: 3, bytes: 12, items: [{ path: 'a/b' }], omitted: 2, percentOfFsFiles: 15, percentOfFsBytes: 1.2 },
    },
    checksum: { state: 'ok' },
    cautions: [],
    startedAt: '2026-12-04T06:00:00.000Z',
  },
  null,
  2,
);

test('validation reports: mutated, they give a well-formed summary or the guard\'s error', () => {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      const text = ms.reduce(applyMutation, REPORT);
      let v;
      try {
        v = parseValidationRecord(text, `${ARCHIVE}.validation.json`, ARCHIVE, 1048576);
      } catch (e) {
        assert.ok(e instanceof ValidationRecordError, String((e as Error)?.stack ?? e));
        return;
      }
      assert.ok(['complete', 'incomplete', 'differs', 'truncated', 'corrupt'].includes(v.verdict));
      assert.ok(Number.isSafeInteger(v.missingFiles) && v.missingFiles >= 0);
      assert.ok(['ok', 'mismatch', 'absent', 'not-checked'].includes(v.checksum));
      assert.ok(Number.isFinite(Date.parse(v.at)));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

const NAMES = [
  'datarobot-gluster-backup-2026-04-12.tar.gz',
  'datarobot-gluster-backup-2026-04-12.tar.gz.sha256',
  'datarobot-gluster-backup-2026-04-12.tar.gz.validation.json',
  'datarobot-gluster-backup-2026-04-12.job.json',
  'datarobot-gluster-backup-2026-04-12.log',
  'datarobot-gluster-backup-2026-04-12-2.tar',
  'datarobot-gluster-backup-2026-04-12-2.tar.partial',
  'datarobot-gluster-backup-2026-04-12-2.tar.restore-20261204T060000Z.job.json',
  'datarobot-gluster-backup-2026-04-12-2.tar.restore-20261204T060000Z.members',
  'datarobot-gluster-backup-2026-04-12-2.tar.validation.json.tmp-4242-deadbeef',
  'datarobot-gluster-backup-2026-04-12-2.tar.read-data-0a1b2c3d.names',
  'notes.txt',
];

test('directory names: mutated, each is an archive, a file of one archive present, or foreign, and only a plain name of ours is removable', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(NAMES.length - 1), mutation), { maxLength: 6 }), (ms) => {
      const names = [...NAMES];
      for (const [i, m] of ms) names[i] = applyMutation(names[i], m);
      const g = groupDir(names.map((name) => ({ name, size: 1, mtimeMs: 0, isFile: true })));
      const claimed = new Set<string>();
      for (const a of g.archives) {
        assert.match(a.name, OUR_ARCHIVE);
        claimed.add(a.name);
        for (const n of [...Object.values(a.own), ...a.readDataNames, ...Object.values(a.job), ...[...a.restores.values()].flat(), ...a.temps]) {
          assert.ok(roleOf(n), n);
          assert.equal(removablePath(DIR, n), `${DIR}/${n}`);
          claimed.add(n);
        }
      }
      for (const f of g.foreign) assert.ok(!claimed.has(f), f);
      assert.deepEqual([...new Set(names)].sort(), [...new Set([...claimed, ...g.foreign])].sort());
      for (const n of names) if (n.includes('/') || !roleOf(n)) assert.throws(() => removablePath(DIR, n));
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

test('prune plans: kept by a rule at most the sum of the counts; the newest clean archive and running ones always stay', () => {
  const arch = fc.record({ offsetH: fc.nat(24 * 120), clean: fc.boolean(), running: fc.boolean() });
  const policy = fc.record({ last: fc.nat(4), daily: fc.nat(4), weekly: fc.nat(4), monthly: fc.nat(4) }).filter((p) => p.last + p.daily + p.weekly + p.monthly > 0);
  fc.assert(
    fc.property(fc.array(arch, { maxLength: 40 }), policy, (specs, p) => {
      const archives: CatalogArchive[] = specs.map((s, i) => {
        const name = `datarobot-gluster-backup-2026-01-01-${i + 2}.tar`;
        return catalogArchive({ node: 'n', bytes: 1, made: new Date(T0 + (s.offsetH * DAY) / 24).toISOString(), clean: s.clean, running: s.running ? ['job'] : [] }, { dir: DIR, name });
      });
      const plan = planPrune({ node: 'n', dir: DIR, archives, foreign: [], keptPartials: [] }, p);
      assert.equal(plan.decisions.length, archives.length);
      const byRule = plan.decisions.filter((d) => d.why.some((w) => /^(oldest )?(last|daily|weekly|monthly)$/.test(w)));
      assert.ok(byRule.length <= p.last + p.daily + p.weekly + p.monthly);
      const clean = archives.filter((a) => a.clean).sort((a, b) => b.made.localeCompare(a.made) || b.name.localeCompare(a.name))[0];
      for (const d of plan.decisions) {
        if (d === plan.decisions.find((x) => x.archive === clean) || d.archive.running.length) assert.equal(d.action, 'keep');
        assert.equal(d.action === 'remove', d.why.length === 0);
        if (d.action === 'remove') assert.equal(d.files.at(-1), d.archive.name);
      }
      if (archives.length) assert.equal(plan.decisions[0].action, 'keep', 'the newest archive is kept by any rule');
    }),
    { seed: SEED, numRuns: 1500 },
  );
});
