// A backup job that could not publish its finished archive keeps it as its partial (KEPT_EXIT):
// that partial is then the archive's only copy, an archive and not a leftover. With the final
// name taken, the directory holds <name>.tar (another archive) beside <name>.tar.partial (the
// kept one) and the job's record, final, naming <name>.tar: the catalog must not give the
// partial, nor the job's record and log, to the other archive, and prune must never remove
// them with it. Real files on this machine (the local connection), mtimes pinned.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNodeCatalog } from '../../src/core/catalog/catalog';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { prune } from '../../src/core/catalog/prune';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { KEPT_PARTIAL } from '../../src/core/backup/keptPartial';
import { keptPartialText } from '../../src/core/catalog/keptPartials';
import { runList, runPrune } from '../../src/cli/catalog';
import { catalogArchive, catalogKeptPartial } from '../helpers/builders';
import { cliOut } from './helpers/cliOut';
import { catalogCluster } from './helpers/catalogCluster';
import { parseKeepRules, planText } from '../../src/extension/pruneText';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-prune-kept-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const P = 'datarobot-gluster-backup-';
const STEM = `${P}2026-12-04`;
const X = `${STEM}.tar`;
const NEWER = `${P}2026-13-04.tar`;

/**
 * The directory a kept archive leaves when its name was taken: as the job script and this
 * client's end of the job write it (the reason is keptEnd's; `kept` the record's own field,
 * or, as every record written before that field, the reason alone), plus a newer archive so
 * that keeping the last one removes <name>.tar.
 */
function keptDir(o: { field: boolean; version: 1 | 2; compression?: 'none' | 'gzip' }): { dir: string; partialBytes: Buffer } {
  const dir = fs.mkdtempSync(path.join(root, 'dir-'));
  const ext = o.compression === 'gzip' ? '.tar.gz' : '.tar';
  const name = `${STEM}${ext}`;
  const put = (n: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(dir, n), content);
    fs.utimesSync(path.join(dir, n), new Date(mtime), new Date(mtime));
  };
  const partialBytes = Buffer.alloc(20480, 7);
  put(name, Buffer.alloc(10240, 1), '2026-04-12T05:00:00Z');
  put(`${name}.partial`, partialBytes, '2026-04-12T06:10:00Z');
  put(NEWER, Buffer.alloc(10240, 2), '2026-04-13T06:00:00Z');
  const archive = `${dir}/${name}`;
  const line = `tar exit 0, but ${archive} already exists and is never overwritten (ln: failed to create hard link '${archive}': File exists): ${KEPT_PARTIAL}${archive}.partial`;
  put(`${STEM}.log`, `gluster-backup: ${line}\n`, '2026-04-12T06:10:00Z');
  const rec = {
    version: o.version,
    kind: 'backup',
    id: STEM,
    state: 'failed',
    archive,
    partial: `${archive}.partial`,
    log: `${dir}/${STEM}.log`,
    compression: o.compression ?? 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: '2026-04-12T06:00:00.000Z',
    endedAt: '2026-04-12T06:10:00.000Z',
    warnings: {},
    overrides: [],
    reason: `${line}; rename it to a name no file in the backups directory has (the next -N of its day) to use it (it has no checksum file)`,
    ...(o.field ? { kept: true } : {}),
  };
  put(`${STEM}.job.json`, JSON.stringify(rec, null, 2) + '\n', '2026-04-12T06:10:00Z');
  return { dir, partialBytes };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const c of [
  { label: 'version 2, kept: true', field: true, version: 2 as const },
  { label: 'version 2, said by its reason alone (written before the field)', field: false, version: 2 as const },
  { label: 'version 1, said by its reason alone (a client before version 2)', field: false, version: 1 as const },
]) {
  test(`the name taken, the finished archive kept as the partial (${c.label}): the plan removes the other archive alone, and says the partial stays`, async () => {
    const { dir } = keptDir(c);
    const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
    const plan = planPrune(n, { last: 1 });
    const x = plan.decisions.find((d) => d.archive.name === X)!;
    assert.equal(x.action, 'remove');
    // The other archive goes alone: the partial, and the record and log that say what it is, are the kept archive's.
    assert.deepEqual(x.files, [X]);
    assert.equal(x.archive.job, undefined, 'the record of the job that kept its archive is not the other archive\'s');
    assert.equal(x.archive.madeFrom, 'mtime');
    assert.deepEqual(
      plan.keptPartials.map((k) => [k.name, k.job.id, k.archive, k.nameTaken, k.files]),
      [[`${X}.partial`, STEM, X, true, [`${X}.partial`, `${STEM}.job.json`, `${STEM}.log`]]],
    );
    assert.deepEqual(n.foreign, []);
  });
}

test('prune of the other archive of that name: the kept partial, its bytes, its record and its log survive', async () => {
  const { dir, partialBytes } = keptDir({ field: true, version: 2 });
  const conn = new LocalConnection({ name: 'local' });
  const r = (await prune(catalogCluster(conn), dir, { last: 1 })).nodes[0];
  assert.deepEqual(r.failed, []);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.removed, [`${dir}/${X}`]);
  assert.deepEqual(fs.readdirSync(dir).sort(), [`${STEM}.job.json`, `${STEM}.log`, `${X}.partial`, NEWER].sort());
  assert.equal(sha(fs.readFileSync(path.join(dir, `${X}.partial`))), sha(partialBytes));
  // Once the other archive is gone, the kept partial is still shown for what it is, and still left.
  const after = await readNodeCatalog(conn, 'local', dir);
  assert.deepEqual(after.keptPartials.map((k) => [k.name, k.nameTaken]), [[`${X}.partial`, false]]);
  assert.deepEqual(after.foreign, []);
  const again = (await prune(catalogCluster(conn), dir, { last: 1 })).nodes[0];
  assert.deepEqual(again.removed, []);
  assert.equal(sha(fs.readFileSync(path.join(dir, `${X}.partial`))), sha(partialBytes));
});

test('a compressed archive kept the same way: its partial stays, the other x.tar.gz goes alone', async () => {
  const { dir, partialBytes } = keptDir({ field: true, version: 2, compression: 'gzip' });
  const conn = new LocalConnection({ name: 'local' });
  const r = (await prune(catalogCluster(conn), dir, { last: 1 })).nodes[0];
  assert.deepEqual(r.removed, [`${dir}/${STEM}.tar.gz`]);
  assert.equal(sha(fs.readFileSync(path.join(dir, `${STEM}.tar.gz.partial`))), sha(partialBytes));
});

test('a failed job that kept nothing: its leftover partial still goes with the archive of its name, as before', async () => {
  const { dir } = keptDir({ field: false, version: 2 });
  const file = path.join(dir, `${STEM}.job.json`);
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  rec.reason = 'tar failed: /mnt/gluster/x: Cannot open: Permission denied; the partial archive was removed';
  rec.archive = `${dir}/${X}`;
  fs.writeFileSync(file, JSON.stringify(rec));
  fs.writeFileSync(path.join(dir, `${STEM}.log`), '');
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
  const plan = planPrune(n, { last: 1 });
  assert.deepEqual(plan.keptPartials, []);
  assert.deepEqual(plan.decisions.find((d) => d.archive.name === X)!.files, [`${X}.partial`, `${STEM}.job.json`, `${STEM}.log`, X]);
});

test('list shows the kept partial as a row of its own, saying what it is and what to do; prune --dry-run says it leaves it, --json names it', async () => {
  const { dir } = keptDir({ field: true, version: 2 });
  const cluster = catalogCluster(new LocalConnection({ name: 'local' }));
  const list = await cliOut((io) => runList(cluster, io, { dir, json: false }));
  assert.equal(list.code, 0);
  const why = `kept partial of job ${STEM}: the finished archive, never published (${X} is another archive); to keep it, move that archive away or prune it and publish this one (gluster-backup publish-kept --node local -f ${X}.partial, or Publish Kept Archive in the explorer), or rename it by hand to a name no file in the backups directory has (the next -N of its day); it has no checksum file. prune never removes it`;
  assert.ok(list.out.includes(`  ${X}.partial  20.0 KiB  KEPT PARTIAL  kept 2026-04-12 06:10:00 UTC\n    ${why}\n`), list.out);
  assert.ok(list.out.includes(`  ${X}  10.0 KiB  tar  made 2026-04-12 05:00:00 UTC (file mtime: no job record)\n`), list.out);
  assert.ok(!list.out.includes('left alone'), list.out);
  const dry = await cliOut((io) => runPrune(cluster, io, { dir, json: false, dryRun: true, policy: { last: 1 } }));
  assert.ok(dry.out.includes(`  would remove  ${X}  made 2026-04-12 05:00:00 UTC  with 0 sidecar files\n`), dry.out);
  assert.ok(dry.out.includes(`  leave         ${X}.partial  (${why})\n`), dry.out);
  const json = await cliOut((io) => runPrune(cluster, io, { dir, json: true, dryRun: true, policy: { last: 1 } }));
  const node = (JSON.parse(json.out) as { nodes: { remove: { path: string; files: string[] }[]; keptPartials: unknown[] }[] }).nodes[0];
  assert.deepEqual(node.remove.map((r) => r.files), [[`${dir}/${X}`]]);
  assert.deepEqual(node.keptPartials, [{ path: `${dir}/${X}.partial`, job: STEM, archive: `${dir}/${X}`, nameTaken: true, files: [`${dir}/${X}.partial`, `${dir}/${STEM}.job.json`, `${dir}/${STEM}.log`], why }]);
  // The explorer's plan, before its confirmation.
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
  const policy = parseKeepRules('last 1');
  const text = planText(planPrune(n, policy), policy, n.foreign);
  assert.ok(text.includes(`\n## Left: finished archives their job kept as its partial\n\n- ${X}.partial, 20 KiB: ${why}\n`), text);
});

test('kept because it could not be published (no file has its name): its own row, never foreign; with the name free it is to be published under it', async () => {
  const { dir } = keptDir({ field: true, version: 2 });
  fs.rmSync(path.join(dir, X));
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
  assert.deepEqual(n.foreign, []);
  assert.deepEqual(n.archives.map((a) => a.name), [NEWER]);
  assert.equal(n.keptPartials.length, 1);
  assert.equal(keptPartialText(n.keptPartials[0]), `kept partial of job ${STEM}: the finished archive, never published as ${X}; publish it to keep it (gluster-backup publish-kept --node local -f ${X}.partial, or Publish Kept Archive in the explorer); it has no checksum file. prune never removes it`);
});

test('a partial whose job still runs, or whose record names another archive of the stem, is no kept partial: the running job keeps the archive of its name', async () => {
  const { dir } = keptDir({ field: false, version: 2 });
  const file = path.join(dir, `${STEM}.job.json`);
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const k of ['endedAt', 'reason', 'warnings']) delete rec[k];
  rec.state = 'running';
  fs.writeFileSync(file, JSON.stringify(rec));
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
  assert.deepEqual(n.keptPartials, []);
  assert.deepEqual(planPrune(n, { last: 1 }).decisions.find((d) => d.archive.name === X)!.why, [`in use by a running job (${STEM})`]);
  // A compressed backup of the stem kept x.tar.gz.partial: x.tar.partial is not the one it kept.
  const gz = keptDir({ field: true, version: 2, compression: 'gzip' });
  fs.renameSync(path.join(gz.dir, `${STEM}.tar.gz.partial`), path.join(gz.dir, `${X}.partial`));
  const other = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', gz.dir);
  assert.deepEqual(other.keptPartials, []);
});

test('the plan never takes a kept partial\'s files, even from an archive whose files a catalog gave them to', () => {
  const dir = '/b';
  const kept = catalogKeptPartial({ node: 'n', files: [`${X}.partial`, `${STEM}.job.json`, `${STEM}.log`] }, { dir, archive: X });
  const a = (name: string, made: string, files: string[]) => catalogArchive({ node: 'n', made, madeFrom: 'job', files, job: { id: STEM, state: 'failed', warnings: 0, startedAt: made } }, { dir, name });
  const plan = planPrune({ node: 'n', dir, archives: [a(X, '2026-04-12T06:00:00.000Z', [X, `${X}.partial`, `${STEM}.job.json`, `${STEM}.log`, `${X}.sha256`]), a(NEWER, '2026-04-13T06:00:00.000Z', [NEWER])], foreign: [], keptPartials: [kept] }, { last: 1 });
  assert.deepEqual(plan.decisions.map((d) => [d.archive.name, d.action, d.files]), [
    [NEWER, 'keep', []],
    [X, 'remove', [`${X}.sha256`, X]],
  ]);
  assert.deepEqual(plan.keptPartials, [kept]);
});
