// prune removes only what the operator confirmed: the plan shown (VS Code's Prune… shows it, then
// asks) is turned into the `approved` set, and an archive the plan made at run time would remove
// but that was not in it stays, with the reason. On the real test bed: a backups directory of
// small real tar files with pinned mtimes, changed between the plan and the confirmation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { readNodeCatalog } from '../../src/core/catalog/catalog';
import { prune } from '../../src/core/catalog/prune';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { onNode, testbedSettings } from './helpers/testbed';

const DIR = `/opt/datarobot/data/backups/prune-approved-${process.pid}`;
const P = 'datarobot-gluster-backup-';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const stem = (name: string) => name.replace(/\.tar$/, '');

/** Archive names are YYYY-DD-MM; only the mtimes date them here (no job records). */
const OLD = `${P}2026-01-03.tar`;
const NEWEST_AT_PLAN = `${P}2026-02-03.tar`;
const MADE_SINCE = `${P}2026-03-03.tar`;
const COPIED_BACK = `${P}2026-28-02.tar`;
const MTIME: Record<string, string> = {
  [COPIED_BACK]: '2026-02-28T10:00:00Z',
  [OLD]: '2026-03-01T10:00:00Z',
  [NEWEST_AT_PLAN]: '2026-03-02T10:00:00Z',
  [MADE_SINCE]: '2026-03-03T10:00:00Z',
};
const filesOf = (name: string) => [name, `${name}.sha256`, `${stem(name)}.log`];

/** Each archive a real tar of one file, with its checksum and log beside it, every mtime pinned. */
function add(names: string[], fresh: boolean): void {
  const lines = ['set -e', ...(fresh ? [`rm -rf ${q(DIR)}`] : []), `mkdir -p ${q(DIR)}`, `cd ${q(DIR)}`, 'echo data > /tmp/gb-approved-member'];
  for (const n of names) {
    lines.push(`tar -cf ${q(n)} -C /tmp gb-approved-member`, `sha256sum ${q(n)} > ${q(`${n}.sha256`)}`, `echo tar said nothing > ${q(`${stem(n)}.log`)}`);
    for (const f of filesOf(n)) lines.push(`touch -d ${q(MTIME[n])} ${q(f)}`);
  }
  lines.push('rm -f /tmp/gb-approved-member');
  onNode('node1', ['bash', '-s'], { input: lines.join('\n') + '\n' });
}

const namesOn = () => onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n').filter(Boolean).sort();

describe('prune keeps what the operator never confirmed', () => {
  let cluster: Cluster;
  before(() => {
    cluster = new Cluster(testbedSettings());
  });
  after(() => {
    cluster.dispose();
    onNode('node1', ['rm', '-rf', DIR], { allowFail: true });
  });

  test('archives that appeared between the plan and the confirmation are kept, with the reason; the confirmed one goes with its files', async () => {
    add([OLD, NEWEST_AT_PLAN], true);
    const policy = { last: 1 };
    // What Prune… shows and asks about: keep-last 1 removes only the older one.
    const shown = planPrune(await readNodeCatalog(cluster.connection('node1'), 'node1', DIR), policy);
    const approved = new Set(shown.decisions.filter((d) => d.action === 'remove').map((d) => d.archive.name));
    assert.deepEqual([...approved], [OLD]);

    // Meanwhile a backup finishes (newer: the archive newest at plan time is now the second) and
    // an old archive is copied back: the plan at run time would remove both.
    add([MADE_SINCE, COPIED_BACK], false);
    const atRunTime = planPrune(await readNodeCatalog(cluster.connection('node1'), 'node1', DIR), policy);
    assert.deepEqual(atRunTime.decisions.filter((d) => d.action === 'remove').map((d) => d.archive.name).sort(), [COPIED_BACK, OLD, NEWEST_AT_PLAN].sort());

    const r = (await prune(cluster, DIR, policy, { nodes: ['node1'], approved })).nodes[0];
    assert.equal(r.error, undefined);
    assert.deepEqual(r.removed.map((p) => p.slice(DIR.length + 1)).sort(), filesOf(OLD).sort());
    const refusal = 'not removed: it was not in the plan that was confirmed (the directory changed since)';
    assert.deepEqual(
      r.failed.sort((a, b) => a.path.localeCompare(b.path)),
      [COPIED_BACK, NEWEST_AT_PLAN].sort().map((n) => ({ path: `${DIR}/${n}`, error: refusal, refused: 'notConfirmed' })),
    );
    assert.deepEqual(namesOn(), [...filesOf(NEWEST_AT_PLAN), ...filesOf(MADE_SINCE), ...filesOf(COPIED_BACK)].sort());
  });

  test('without an approved set (the CLI, which shows no plan first) the same run removes what its own plan says', async () => {
    add([OLD, NEWEST_AT_PLAN, MADE_SINCE, COPIED_BACK], true);
    const r = (await prune(cluster, DIR, { last: 1 }, { nodes: ['node1'] })).nodes[0];
    assert.deepEqual(r.failed, []);
    assert.deepEqual(namesOn(), filesOf(MADE_SINCE).sort());
  });
});
