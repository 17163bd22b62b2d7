// Preflight's one walk of the filesystem (du with --time): the size the archive will take, and
// whether the platform is still writing. A quiet tree passes and is walked once; a tree with
// one entry changed lately warns and names an entry. On a distribute and on a replica volume.
// Times are pinned, never "now": old entries at 2001, the changed one in 2096, so the verdict
// does not depend on when the test runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs } from '../../src/core/backup/jobs';
import { preflight } from '../../src/core/backup/preflight';
import { inGluster, onNode, testbedSettings } from './helpers/testbed';

const TREES = [
  { volume: 'gv0', dir: '/mnt/gluster/pf-activity' },
  { volume: 'gvrep', dir: '/mnt/gluster-rep/pf-activity' },
];
const OLD = '@1000000000';
const LATER = '@4000000000';

after(() => {
  for (const t of TREES) inGluster('node1', ['rm', '-rf', t.dir], { allowFail: true });
});

/** What node1's gluster container was asked to run between two of node1's own times. */
function execsBetween(since: string, until: string): string[] {
  const out = onNode('node1', ['docker', 'events', '--since', since, '--until', until, '--filter', 'container=gluster', '--filter', 'event=exec_create', '--format', '{{.Action}}']).stdout;
  return out.split('\n').filter((l) => l.startsWith('exec_create: '));
}
const nodeNow = () => onNode('node1', ['date', '+%s.%N']).stdout.trim();

/** A small tree with every entry, the top included, pinned to OLD. */
function quietTree(dir: string): void {
  inGluster('node1', [
    'sh',
    '-c',
    `rm -rf "$1" && mkdir -p "$1/a/b" "$1/empty" && printf 12345 > "$1/a/f" && printf x > "$1/a/b/g" && ln -s f "$1/a/link" && find "$1" -exec touch -h -d ${OLD} {} +`,
    'pf',
    dir,
  ]);
}

for (const t of TREES) {
  test(`preflight on ${t.volume}: a quiet tree passes with its size, one changed entry warns and is named`, async () => {
    quietTree(t.dir);
    const du = inGluster('node1', ['du', '-s', '--apparent-size', '--block-size=1', t.dir]).stdout;
    const bytes = Number(du.split('\t')[0]);
    const cluster = new Cluster(testbedSettings({ glusterPath: t.dir }));
    try {
      const jobs = new BackupJobs(cluster);
      const since = nodeNow();
      const quiet = await preflight(cluster, jobs, { compression: 'none', node: 'node1' });
      const asked = execsBetween(since, nodeNow());
      assert.deepEqual(asked.filter((a) => /\b(du|find)\b/.test(a)), [`exec_create: du -s --apparent-size --block-size=1 --time --time-style=+%s ${t.dir}`], 'one walk, no find');
      assert.equal(quiet.sourceBytes, bytes, 'the size is du --apparent-size of the tree');
      const a = quiet.checks.find((c) => c.id === 'activity');
      assert.deepEqual(a, { id: 'activity', title: 'Platform quiet', verdict: 'pass', reason: 'no file changed in the last 2 minutes' });

      inGluster('node1', ['touch', '-h', '-d', LATER, `${t.dir}/a/b/g`]);
      const busy = await preflight(cluster, jobs, { compression: 'none', node: 'node1' });
      const b = busy.checks.find((c) => c.id === 'activity');
      assert.equal(b?.verdict, 'warn');
      assert.equal(b?.reason, 'files changed in the last 2 minutes (e.g. "a/b/g"): the platform may still be writing, so the archive may not be an exact copy');
      assert.equal(busy.sourceBytes, bytes, 'a time changed, not a size');
    } finally {
      cluster.dispose();
    }
  });
}
