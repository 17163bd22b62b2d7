// The explorer's archive rows from the listing and the catalog: a partial its backup job kept as
// the finished archive is shown as that (its own contextValue, which job kept it, why, and the
// catalog's words on what to do), a leftover partial as a partial, and a finished archive with
// its check or cross. Rows built from typed catalog entries with the time pinned (the catalog's
// reading of a kept partial is tested in pruneKeptPartial).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogArchive } from '../../src/core/catalog/catalog';
import { keptPartialText, type CatalogKeptPartial } from '../../src/core/catalog/keptPartials';
import type { BackupArchive } from '../../src/core/model';
import { ago, humanSize, md, shortDate } from '../../src/extension/format';
import { archiveRow } from '../../src/extension/tree/archiveRow';
import { ARCHIVE_CONTEXT } from '../../src/extension/tree/contextValues';
import { catalogArchive, catalogKeptPartial } from '../helpers/builders';

const NOW = Date.parse('2026-04-12T12:00:00Z');
const DIR = '/opt/datarobot/data/backups/gluster';
const STEM = 'datarobot-gluster-backup-2026-04-12';
const X = `${STEM}.tar`;
const PARTIAL = `${X}.partial`;
const KEPT_AT = '2026-04-12T06:10:00.000Z';
const REASON = `tar exit 0, but ${DIR}/${X} already exists and is never overwritten: the complete archive is kept as ${DIR}/${PARTIAL}`;

function listed(name: string, o: Partial<BackupArchive> = {}): BackupArchive {
  return { name, path: `${DIR}/${name}`, size: 20480, mtime: KEPT_AT, partial: name.endsWith('.partial'), ...o };
}

function kept(o: Partial<CatalogKeptPartial> = {}): CatalogKeptPartial {
  return catalogKeptPartial({ mtime: KEPT_AT, job: { id: STEM, state: 'failed', startedAt: '2026-04-12T06:00:00.000Z', endedAt: KEPT_AT, reason: REASON }, ...o }, { dir: DIR, archive: X });
}

const catalogued = (name: string, o: Partial<CatalogArchive> = {}) => catalogArchive(o, { dir: DIR, name });

/** The tooltip as the operator reads it: markdown escapes undone. */
const plain = (s: string) => s.replace(/\\(.)/g, '$1');

test('a kept partial is a complete archive of its own: its contextValue, an archive icon, and the row says to publish it', () => {
  const r = archiveRow(listed(PARTIAL), NOW, { kept: kept() });
  assert.equal(r.contextValue, ARCHIVE_CONTEXT.kept);
  assert.notEqual(r.contextValue, ARCHIVE_CONTEXT.partial);
  assert.notEqual(r.contextValue, ARCHIVE_CONTEXT.archive);
  assert.deepEqual(r.icon, { id: 'file-zip', color: 'warn' });
  assert.equal(r.description, `${humanSize(20480)} · ${shortDate(KEPT_AT)} · kept partial: a complete archive, publish it`);
});

test("a kept partial's tooltip: its size, the job that kept it, why (its name taken), and the catalog's words on what to do", () => {
  const k = kept();
  const tip = archiveRow(listed(PARTIAL), NOW, { kept: k }).tooltip;
  const text = plain(tip);
  assert.ok(text.startsWith(`**${PARTIAL}**\n\n${humanSize(20480)} (20480 bytes), ${shortDate(KEPT_AT)} (${ago(KEPT_AT, NOW)})  \n\`${DIR}/${PARTIAL}\``), text);
  assert.ok(
    text.includes(`**Kept partial**: a complete archive, not the leftover of a failed backup. Backup job ${STEM} (ended ${shortDate(KEPT_AT)}) finished it and kept it as its partial: its name ${X} was taken meanwhile by another archive.`),
    text,
  );
  assert.ok(text.includes(`The job said: ${REASON}`), text);
  // What to do is the catalog's text, as list and prune's plan say it, word for word.
  assert.ok(tip.includes(`${md(keptPartialText(k))}.`), tip);
  assert.match(text, /move that archive away or prune it and publish this one \(gluster-backup publish-kept --node node1 -f datarobot-gluster-backup-2026-04-12\.tar\.partial, or Publish Kept Archive in the explorer\), or rename it by hand to a name no file in the backups directory has \(the next -N of its day\)/);
  assert.match(text, /Validate and Restore take it once it has a name of its own\.$/);
  // None of the words of a leftover.
  assert.doesNotMatch(text, /never finished|Do not restore/);
});

test('a kept partial whose name is free: the tooltip says it could not be published and names the name to give it', () => {
  const k = kept({ nameTaken: false, job: { id: STEM, state: 'failed', startedAt: '2026-04-12T06:00:00.000Z' } });
  const text = plain(archiveRow(listed(PARTIAL), NOW, { kept: k }).tooltip);
  assert.ok(text.includes(`Backup job ${STEM} finished it and kept it as its partial: it could not be published as ${X}.`), text);
  assert.ok(text.includes(`never published as ${X}; publish it to keep it`), text);
  assert.doesNotMatch(text, /The job said/, 'no reason recorded, none made up');
});

test("what came from the node is escaped in a kept partial's tooltip: its reason cannot inject markdown", () => {
  const k = kept({ job: { id: STEM, state: 'failed', startedAt: KEPT_AT, reason: 'see [here](command:glusterBackup.removeNode) `x`' } });
  const tip = archiveRow(listed(PARTIAL), NOW, { kept: k }).tooltip;
  assert.ok(tip.includes(`The job said: ${md('see [here](command:glusterBackup.removeNode) `x`')}`), tip);
  assert.doesNotMatch(tip, /\]\(command:/);
});

test('a partial the catalog does not say was kept is a plain partial: without a catalog, with none kept, or with another kept', () => {
  for (const catalog of [undefined, {}, { kept: kept({ name: `${STEM}.tar.gz.partial`, path: `${DIR}/${STEM}.tar.gz.partial` }) }]) {
    const r = archiveRow(listed(PARTIAL), NOW, catalog);
    assert.equal(r.contextValue, ARCHIVE_CONTEXT.partial, JSON.stringify(catalog));
    assert.deepEqual(r.icon, { id: 'warning', color: 'warn' });
    assert.equal(r.description, `${humanSize(20480)} · ${shortDate(KEPT_AT)} · partial`);
    assert.match(plain(r.tooltip), /\*\*Partial\*\*: a backup still being written, or one that never finished\. Do not restore from it\.$/);
  }
});

test('a finished archive is never taken for a kept one, even given a kept row of its name', () => {
  const r = archiveRow(listed(X, { mtime: '2026-04-12T05:00:00.000Z' }), NOW, { entry: catalogued(X), kept: kept({ name: X }) });
  assert.equal(r.contextValue, ARCHIVE_CONTEXT.archive);
  assert.deepEqual(r.icon, { id: 'error', color: 'warn' });
  assert.match(r.description, / · not yet validated$/);
});

test('finished archives: a check when validated clean, a cross saying why, the zip icon when the catalog was not read', () => {
  const clean = archiveRow(listed(X, { partial: false }), NOW, {
    entry: catalogued(X, { clean: true, checksum: 'ok', validation: { at: '2026-04-12T10:00:00.000Z', verdict: 'complete', missingFiles: 0, checksum: 'ok' } }),
  });
  assert.deepEqual([clean.contextValue, clean.icon], [ARCHIVE_CONTEXT.archive, { id: 'pass', color: 'green' }]);
  assert.match(clean.description, / · validated clean$/);
  assert.match(plain(clean.tooltip), /validated clean 2 h ago/);
  const unknown = archiveRow(listed(X), NOW, {});
  assert.deepEqual([unknown.icon, unknown.description], [{ id: 'error', color: 'warn' }, `${humanSize(20480)} · ${shortDate(KEPT_AT)} · state unknown`]);
  const unread = archiveRow(listed(X), NOW);
  assert.deepEqual([unread.contextValue, unread.icon, unread.description], [ARCHIVE_CONTEXT.archive, { id: 'file-zip' }, `${humanSize(20480)} · ${shortDate(KEPT_AT)}`]);
});
