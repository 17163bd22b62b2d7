// The member list a --read-data run writes beside its archive (`<archive>.read-data-<8 hex>.names`)
// and a killed run leaves: the catalog gives it to its archive by that exact form only, list
// shows it under the archive, and prune removes it with the archive, never while the archive
// stays (a run without --read-data-subset holds no lock, so nothing proves it unused). Real
// files on this machine (the local connection), mtimes pinned.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNodeCatalog } from '../../src/core/catalog/catalog';
import { groupDir, roleOf } from '../../src/core/catalog/dirFiles';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { prune, removablePath } from '../../src/core/catalog/prune';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { runList, runPrune } from '../../src/cli/catalog';
import { cliOut } from './helpers/cliOut';
import { catalogCluster } from './helpers/catalogCluster';
import { parseKeepRules, planText } from '../../src/extension/pruneText';
import { readDataNamesPathOf } from '../../src/core/validate/readDataNames';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-read-data-names-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const P = 'datarobot-gluster-backup-';
const OLD = `${P}2026-01-10.tar`;
const NEW = `${P}2026-02-10.tar.gz`;
const OLD_NAMES = `${OLD}.read-data-0a1b2c3d.names`;
/** A killed writeAtomic of the names file: its temporary name. */
const OLD_NAMES_TMP = `${OLD_NAMES}.tmp-4242-0badc0de`;
const NEW_NAMES = `${NEW}.read-data-deadbeef.names`;
/** Names like a member list but not one: each is foreign, never listed for removal. */
const NEAR = [
  `${NEW}.read-data-0a1b2c3.names`,
  `${NEW}.read-data-0a1b2c3d4.names`,
  `${NEW}.read-data-0A1B2C3D.names`,
  `${NEW}.read-data-0a1b2c3g.names`,
  `${NEW}.read-data-0a1b2c3d.list`,
  `${NEW}.read-data-0a1b2c3d.names.bak`,
  `${NEW}.read-data0a1b2c3d.names`,
  `${NEW}.read-data-.names`,
  // Of an archive that is not there: left for the operator, as every other sidecar of one.
  `${P}2026-03-10.tar.read-data-0a1b2c3d.names`,
];

function names(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

function build(): string {
  const dir = fs.mkdtempSync(path.join(root, 'dir-'));
  const put = (n: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(dir, n), content);
    fs.utimesSync(path.join(dir, n), new Date(mtime), new Date(mtime));
  };
  put(OLD, Buffer.alloc(10240, 1), '2026-10-01T00:00:00Z');
  put(OLD_NAMES, 'a\nb\n', '2026-10-01T01:00:00Z');
  put(OLD_NAMES_TMP, 'a\n', '2026-10-01T01:00:00Z');
  put(NEW, Buffer.alloc(10240, 2), '2026-10-02T00:00:00Z');
  put(NEW_NAMES, 'c\n', '2026-10-02T05:00:00Z');
  for (const n of NEAR) put(n, 'x\n', '2026-10-02T05:00:00Z');
  return dir;
}

const said = (file: string, written: string) =>
  `${file}, written ${written}: the member list of a --read-data run of it, left by a run stopped before its comparison began (or by an earlier version's run), or about to be read by one starting now ` +
  `(a run without --read-data-subset holds no lock, so prune cannot tell). prune removes it only with the archive; remove it by hand once no --read-data run of this archive is going on`;

test('the name a --read-data run writes is its archive\'s member list; only 8 lowercase hex digits between .read-data- and .names make one', () => {
  const written = readDataNamesPathOf(`/opt/b/${NEW}`, 'deadbeef');
  assert.equal(written, `/opt/b/${NEW_NAMES}`);
  assert.deepEqual(roleOf(path.basename(written)), { role: { role: 'readDataNames', archive: NEW }, temp: false });
  assert.deepEqual(roleOf(OLD_NAMES_TMP), { role: { role: 'readDataNames', archive: OLD }, temp: true });
  for (const bad of ['0a1b2c3', '0a1b2c3d4', '0A1B2C3D', '0a1b2c3g', '']) assert.throws(() => readDataNamesPathOf(NEW, bad), /not 8 lowercase hex digits/, bad);
  const g = groupDir([OLD, OLD_NAMES, OLD_NAMES_TMP, NEW, NEW_NAMES, ...NEAR].map((name) => ({ name, size: 1, mtimeMs: 0, isFile: true })));
  assert.deepEqual(g.archives.map((a) => [a.name, a.readDataNames, a.temps, a.own]), [
    [OLD, [OLD_NAMES], [OLD_NAMES_TMP], {}],
    [NEW, [NEW_NAMES], [], {}],
  ]);
  assert.deepEqual(g.foreign, [...NEAR].sort());
  for (const n of NEAR.slice(0, -1)) {
    assert.equal(roleOf(n), undefined, n);
    assert.throws(() => removablePath('/opt/b', n), n);
  }
  // A directory with the form is no member list.
  assert.deepEqual(groupDir([{ name: NEW, size: 1, mtimeMs: 0, isFile: true }, { name: NEW_NAMES, size: 1, mtimeMs: 0, isFile: false }]).foreign, [NEW_NAMES]);
});

test('list shows each member list under its archive with when it was written, never as a file left alone', async () => {
  const dir = build();
  const conn = new LocalConnection({ name: 'local' });
  const n = await readNodeCatalog(conn, 'local', dir);
  assert.deepEqual(n.foreign, [...NEAR].sort());
  const by = new Map(n.archives.map((a) => [a.name, a]));
  assert.deepEqual(by.get(OLD)!.readDataNames, [{ file: OLD_NAMES, written: '2026-10-01T01:00:00.000Z' }]);
  assert.deepEqual(by.get(OLD)!.files, [OLD, OLD_NAMES, OLD_NAMES_TMP]);
  assert.deepEqual(by.get(NEW)!.readDataNames, [{ file: NEW_NAMES, written: '2026-10-02T05:00:00.000Z' }]);
  assert.deepEqual(by.get(NEW)!.files, [NEW, NEW_NAMES]);

  const text = await cliOut((io) => runList(catalogCluster(conn), io, { dir, json: false }));
  assert.equal(text.code, 0);
  assert.ok(text.out.includes(`  ${NEW}  10.0 KiB  gzip  made 2026-10-02 00:00:00 UTC (file mtime: no job record)\n    not validated\n    checksum: absent\n    ${said(NEW_NAMES, '2026-10-02 05:00:00 UTC')}\n`), text.out);
  assert.ok(text.out.includes(`\n    ${said(OLD_NAMES, '2026-10-01 01:00:00 UTC')}\n`), text.out);
  // Only the near misses are left alone.
  assert.ok(text.out.includes(`  left alone (no archive of ours, nor a file of one): ${[...NEAR].sort().join(', ')}\n`), text.out);
  const json = JSON.parse((await cliOut((io) => runList(catalogCluster(conn), io, { dir, json: true }))).out) as { nodes: { archives: { name: string; readDataNames?: unknown }[] }[] };
  assert.deepEqual(json.nodes[0].archives.map((a) => [a.name, a.readDataNames]), [
    [OLD, [{ file: OLD_NAMES, written: '2026-10-01T01:00:00.000Z' }]],
    [NEW, [{ file: NEW_NAMES, written: '2026-10-02T05:00:00.000Z' }]],
  ]);
});

test("prune's dry run says the member list goes with its archive and is left with one that stays; prune does so", async () => {
  const dir = build();
  const conn = new LocalConnection({ name: 'local' });
  const cluster = catalogCluster(conn);
  const before = names(dir);
  const dry = await cliOut((io) => runPrune(cluster, io, { dir, json: false, dryRun: true, policy: { last: 1 } }));
  assert.equal(dry.code, 0);
  assert.ok(dry.out.includes(`  would remove  ${OLD}  made 2026-10-01 00:00:00 UTC  with 2 sidecar files, 1 of them a --read-data run's member list\n`), dry.out);
  assert.ok(dry.out.includes(`  keep          ${NEW}  made 2026-10-02 00:00:00 UTC  (last)\n    leaves ${said(NEW_NAMES, '2026-10-02 05:00:00 UTC')}\n`), dry.out);
  const json = JSON.parse((await cliOut((io) => runPrune(cluster, io, { dir, json: true, dryRun: true, policy: { last: 1 } }))).out) as { nodes: { keep: { path: string; leaves?: string[] }[]; remove: { path: string; files: string[] }[] }[] };
  assert.deepEqual(json.nodes[0].remove.map((r) => r.files), [[OLD_NAMES, OLD_NAMES_TMP, OLD].map((f) => `${dir}/${f}`)]);
  assert.deepEqual(json.nodes[0].keep.map((k) => [k.path, k.leaves]), [[`${dir}/${NEW}`, [`${dir}/${NEW_NAMES}`]]]);
  assert.deepEqual(names(dir), before, 'a dry run removes nothing');
  // The explorer's plan, before its confirmation.
  const policy = parseKeepRules('last 1');
  const n = await readNodeCatalog(conn, 'local', dir);
  const plan = planText(planPrune(n, policy), policy, n.foreign);
  assert.ok(plan.includes(`- ${OLD}  made 2026-10-01 00:00:00 UTC, 10 KiB, with 2 sidecar files, 1 of them a --read-data run's member list\n`), plan);
  assert.ok(plan.includes(`\n  - leaves ${said(NEW_NAMES, '2026-10-02 05:00:00 UTC')}\n`), plan);

  const r = (await prune(cluster, dir, { last: 1 })).nodes[0];
  assert.deepEqual([r.error, r.failed], [undefined, []]);
  assert.deepEqual(r.removed, [OLD_NAMES, OLD_NAMES_TMP, OLD].map((f) => `${dir}/${f}`));
  assert.deepEqual(names(dir), [NEW, NEW_NAMES, ...NEAR].sort());
  // The archive stays, and so does its member list, prune after prune.
  await prune(cluster, dir, { last: 1 });
  assert.deepEqual(names(dir), [NEW, NEW_NAMES, ...NEAR].sort());
});

test('a --read-data run that writes its member list after the plan, before the mark: the list goes with the archive all the same', async () => {
  const dir = fs.mkdtempSync(path.join(root, 'late-'));
  const put = (n: string, mtime: string) => {
    fs.writeFileSync(path.join(dir, n), Buffer.alloc(10240));
    fs.utimesSync(path.join(dir, n), new Date(mtime), new Date(mtime));
  };
  put(OLD, '2026-10-01T00:00:00Z');
  put(NEW, '2026-10-02T00:00:00Z');
  const conn = new LocalConnection({ name: 'local' });
  const create = conn.createExclusive.bind(conn);
  conn.createExclusive = async (file, data) => {
    if (file.endsWith('.prune')) fs.writeFileSync(path.join(dir, OLD_NAMES), 'a\n');
    return create(file, data);
  };
  const r = (await prune(catalogCluster(conn), dir, { last: 1 })).nodes[0];
  assert.deepEqual(r.failed, []);
  assert.deepEqual(r.removed, [OLD_NAMES, OLD].map((f) => `${dir}/${f}`));
  assert.deepEqual(names(dir), [NEW]);
});
