// validate-backup over a 100k-file tree on the real test bed. It runs after every other suite:
// GlusterFS creates cost ~2-10 ms each over FUSE here (idle vs busy machine), so the tree
// takes 4-14 min to make, and once it is on the volume every whole-volume backup of the other
// suites would read it too.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { JobRecord } from '../../src/core/backup/types';
import type { ValidationResult } from '../../src/core/validate/validateBackup';
import { REPO, TESTBED_DIR, inGluster, onNode, waitHealthy } from '../integration/helpers/testbed';

const CLI = path.join(REPO, 'dist', 'cli.js');
const CONFIG = path.join(TESTBED_DIR, 'config.json');
const DIR = '/opt/datarobot/data/backups/gluster';

/** 100,000 empty files in ten directories, made once per test bed; a directory at a time so an interrupted run resumes. */
const MANY = String.raw`
set -e; d=/mnt/gluster/many; [ -e $d/.complete ] && exit 0; mkdir -p $d; cd $d
for i in 0 1 2 3 4 5 6 7 8 9; do [ -e d$i.done ] && continue; mkdir -p d$i; (cd d$i && seq -f "f%05g" 1 10000 | xargs -P 4 -n 500 touch); : > d$i.done; done
rm -f d?.done; : > .complete
`;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--config', CONFIG, ...args], { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function validate(archive: string): { code: number | null; result: ValidationResult } {
  const r = cli(['--json', 'validate-backup', '--archive', archive]);
  assert.ok(r.stdout.trim().startsWith('{'), `validate printed a report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, result: JSON.parse(r.stdout) as ValidationResult };
}

describe('validate-backup at scale', () => {
  before(async () => {
    await waitHealthy();
    onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
    const t0 = Date.now();
    inGluster('node1', ['sh', '-c', MANY], { timeoutMs: 40 * 60_000 });
    console.log(`100k-file tree ready in ${Math.round((Date.now() - t0) / 1000)} s`);
  });

  test('a 100k-file tree: every file compared, removals found without a new backup', () => {
    const b = cli(['--json', 'backup', '--node', 'node1']);
    assert.ok(b.code === 0 || b.code === 1, `backup: ${b.code} ${b.stderr}`);
    const job = JSON.parse(b.stdout) as JobRecord;
    const { code, result: r } = validate(job.archive);
    assert.equal(code, 0, r.report.summary);
    assert.ok(r.report.filesystem.files >= 100_000, `${r.report.filesystem.files} files`);
    // When it is not, what differed says why (a rehearsal once saw `differs` here unexplained).
    assert.equal(r.report.verdict, 'complete', JSON.stringify({ summary: r.report.summary, changed: r.report.changed, extra: r.report.extra }).slice(0, 4000));
    assert.ok(r.report.archive.bytesRead! / r.archiveBytes < 0.05, `headers only: ${r.report.archive.bytesRead} of ${r.archiveBytes}`);
    inGluster('node1', ['rm', '/mnt/gluster/many/d3/f00007', '/mnt/gluster/many/d9/f10000']);
    try {
      const again = validate(job.archive);
      assert.equal(again.code, 0, 'nothing missing');
      assert.equal(again.result.report.verdict, 'differs');
      assert.deepEqual(again.result.report.extra.items.map((i) => i.path), ['many/d3/f00007', 'many/d9/f10000']);
      assert.equal(again.result.report.extra.count, 2);
    } finally {
      inGluster('node1', ['touch', '/mnt/gluster/many/d3/f00007', '/mnt/gluster/many/d9/f10000']);
      onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
    }
  });
});
