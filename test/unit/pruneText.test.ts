// Prune…'s keep rules as typed, and the plan text shown before the confirmation.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogArchive } from '../../src/core/catalog/catalog';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { parseKeepRules, planText } from '../../src/extension/pruneText';
import { catalogArchive } from '../helpers/builders';

test('keep rules: restic names with counts, in the forms an operator types', () => {
  assert.deepEqual(parseKeepRules('daily 7 weekly 4'), { last: 0, daily: 7, weekly: 4, monthly: 0 });
  assert.deepEqual(parseKeepRules(' last=3, monthly=12 '), { last: 3, daily: 0, weekly: 0, monthly: 12 });
  assert.deepEqual(parseKeepRules('--keep-daily 2 keep-weekly 1'), { last: 0, daily: 2, weekly: 1, monthly: 0 });
});

test('keep rules: bad text gets a message saying what is wrong; all zero is refused', () => {
  const msg = (t: string) => {
    try {
      parseKeepRules(t);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  assert.equal(msg(''), 'give at least one rule, e.g. "daily 7 weekly 4"');
  assert.equal(msg('hourly 3'), '"hourly" is not a rule: use last, daily, weekly, monthly');
  assert.equal(msg('daily'), 'daily needs a whole number from 0 up');
  assert.equal(msg('daily -1'), 'daily needs a whole number from 0 up (got "-1")');
  assert.equal(msg('daily 2 daily 3'), 'daily is given twice');
  assert.match(msg('daily 0'), /^no keep rule above 0: that would remove every archive, so nothing is removed/);
});

function archive(name: string, made: string, clean = false): CatalogArchive {
  return catalogArchive({ made, clean, files: [name, `${name}.sha256`] }, { dir: '/b', name });
}

test('the plan text lists what goes with its sidecars, and what stays with why', () => {
  const n = {
    node: 'node1',
    dir: '/b',
    foreign: ['notes.txt'],
    keptPartials: [],
    archives: [
      archive('datarobot-gluster-backup-2026-03-03.tar', '2026-03-03T02:00:00.000Z'),
      archive('datarobot-gluster-backup-2026-02-03.tar', '2026-03-02T02:00:00.000Z', true),
      archive('datarobot-gluster-backup-2026-01-03.tar', '2026-03-01T02:00:00.000Z'),
    ],
  };
  const policy = parseKeepRules('last 1');
  const text = planText(planPrune(n, policy), policy, n.foreign);
  assert.equal(
    text,
    [
      '# Prune plan for node1: /b',
      '',
      "Rules: keep last 1 (restic's forget rules; days, weeks and months in UTC).",
      '',
      '1 archive to remove, 2 kept. Nothing is removed until you confirm.',
      '',
      '## To remove',
      '',
      '- datarobot-gluster-backup-2026-01-03.tar  made 2026-03-01 02:00:00 UTC, 10 KiB, with 1 sidecar file',
      '',
      '## Kept',
      '',
      '- datarobot-gluster-backup-2026-03-03.tar  made 2026-03-03 02:00:00 UTC: last',
      '- datarobot-gluster-backup-2026-02-03.tar  made 2026-03-02 02:00:00 UTC: newest archive that validated clean',
      '',
      'Left alone (not an archive of ours, nor a file of one): notes.txt',
      '',
    ].join('\n'),
  );
});
