// Preflight's one walk of the filesystem: the size the archive will take, and whether the
// platform is still writing. Through the mount (du with --time) a quiet tree is walked once;
// from the bricks (the listers' sum) not through the mount at all; both give the same size
// and verdict, and so does the race of the two a backup runs. A tree with one entry changed
// lately warns and names that entry. On a distribute and on a replica volume.
// Times are pinned, never "now": old entries at 2001, the changed one in 2096, so the verdict
// does not depend on when the test runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs } from '../../src/core/backup/jobs';
import { preflight, type PreflightResult } from '../../src/core/backup/preflight';
import type { WalkFrom } from '../../src/core/backup/volumeWalk';
import { inGluster, onNode, testbed, testbedSettings, waitHealthy } from './helpers/testbed';

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
  // As JSON: a command (the brick lister's script) may span lines.
  const out = onNode('node1', ['docker', 'events', '--since', since, '--until', until, '--filter', 'container=gluster', '--filter', 'event=exec_create', '--format', '{{json .Action}}']).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string)
    .filter((l) => l.startsWith('exec_create: '));
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

const DU = (dir: string) => new RegExp(`^exec_create: env GLUSTER_BACKUP_TAG=[0-9a-f-]{36} du -s --apparent-size --block-size=1 --time --time-style=\\+%s ${dir}$`);

for (const t of TREES) {
  test(`preflight on ${t.volume}: a quiet tree passes with its size, one changed entry warns and is named; the same from the bricks as through the mount`, async () => {
    quietTree(t.dir);
    const du = inGluster('node1', ['du', '-s', '--apparent-size', '--block-size=1', t.dir]).stdout;
    const bytes = Number(du.split('\t')[0]);
    const cluster = new Cluster(testbedSettings({ glusterPath: t.dir }));
    try {
      const jobs = new BackupJobs(cluster);
      const run = async (walkFrom: WalkFrom) => {
        const since = nodeNow();
        const r = await preflight(cluster, jobs, { compression: 'none', node: 'node1', walkFrom });
        const execs = execsBetween(since, nodeNow());
        return {
          r,
          walks: execs.filter((a) => /^exec_create: (env \S+ )?(du|find|sh -c find) /.test(a)),
          sums: execs.filter((a) => a.startsWith('exec_create: python3 -I -S -c') && a.includes('"sum":true')).length,
        };
      };
      const free = (r: PreflightResult) => r.checks.find((c) => c.id === 'freeSpace');

      // Through the mount: one walk, no find, no lister.
      const quiet = await run('mount');
      assert.equal(quiet.walks.length, 1, quiet.walks.join('\n'));
      assert.equal(quiet.sums, 0);
      assert.match(quiet.walks[0], DU(t.dir), 'one walk, no find');
      assert.equal(quiet.r.sourceBytes, bytes, 'the size is du --apparent-size of the tree');
      const a = quiet.r.checks.find((c) => c.id === 'activity');
      assert.deepEqual(a, { id: 'activity', title: 'Platform quiet', verdict: 'pass', reason: 'no file changed in the last 2 minutes' });
      assert.equal(free(quiet.r)?.notes, undefined);

      // From the bricks: no du through the mount at all, and the same answer.
      const fromBricks = await run('bricks');
      assert.deepEqual(fromBricks.walks, []);
      assert.equal(fromBricks.sums, 1, 'the lister on node1 (the others ran on their own nodes)');
      assert.equal(fromBricks.r.sourceBytes, bytes);
      assert.deepEqual(fromBricks.r.checks.find((c) => c.id === 'activity'), a);
      assert.deepEqual(free(fromBricks.r)?.notes, [`size and recent changes read from the ${t.volume === 'gv0' ? '3 bricks' : 'brick'} of volume ${t.volume}, not through the mount`]);

      // Both at once (what a backup runs): whichever answers first, the same answer.
      const auto = await run('auto');
      assert.equal(auto.r.sourceBytes, bytes);
      assert.deepEqual(auto.r.checks.find((c) => c.id === 'activity'), a);

      inGluster('node1', ['touch', '-h', '-d', LATER, `${t.dir}/a/b/g`]);
      for (const walkFrom of ['mount', 'bricks', 'auto'] as const) {
        const busy = (await run(walkFrom)).r;
        const b = busy.checks.find((c) => c.id === 'activity');
        assert.equal(b?.verdict, 'warn', walkFrom);
        assert.equal(b?.reason, 'files changed in the last 2 minutes (e.g. "a/b/g"): the platform may still be writing, so the archive may not be an exact copy', walkFrom);
        assert.equal(busy.sourceBytes, bytes, `a time changed, not a size (${walkFrom})`);
      }
    } finally {
      cluster.dispose();
    }
  });
}

test('preflight pinned to the bricks of a volume whose brick is offline: sized through the mount, and the note says why', async () => {
  // (the volume health check fails too; the size must still be there for the operator who overrides it)
  quietTree(TREES[0].dir);
  const cluster = new Cluster(testbedSettings({ glusterPath: TREES[0].dir }));
  testbed('kill-brick', 'node3');
  try {
    const r = await preflight(cluster, new BackupJobs(cluster), { compression: 'none', node: 'node1', walkFrom: 'bricks' });
    const free = r.checks.find((c) => c.id === 'freeSpace');
    assert.deepEqual(free?.notes, ['size read through the mount (not from the bricks: volume gv0: 1 brick(s) offline)']);
    assert.equal(r.checks.find((c) => c.id === 'volumeHealth')?.verdict, 'fail');
    assert.equal(typeof r.sourceBytes, 'number');
  } finally {
    testbed('start-bricks');
    await waitHealthy();
    cluster.dispose();
  }
});
