// A kept partial in the explorer: a backup job whose archive name was taken meanwhile (another
// client made <name>.tar while it ran) keeps its finished archive as <name>.tar.partial and
// says so in its record (`kept: true`). node2 gets its own backups directory holding that
// partial, the other archive under its name, and the job's record and log, written through the
// bed with every mtime pinned; the view's clock is pinned too. The partial's row must say it is
// a complete archive to publish, never a leftover, and leave every file where it is; Publish
// Kept Archive… on it is refused while the other archive has its name, and publishes it once
// that archive is moved away.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PublishKeptResult } from '../../../src/core/catalog/publishKept';
import { activated, eventually } from '../helpers/extension';
import { pinnedView } from '../helpers/pinnedView';
import { onNode } from '../helpers/testbed';
import { childRows, iconOf, plain, tooltipOf } from '../helpers/tree';
import { Operator } from '../helpers/user';

// Inside the directory the gluster container mounts: publishing links the archive there.
const DIR = `/opt/datarobot/data/backups/gluster/vsc-kept-${process.pid}`;
const STEM = 'datarobot-gluster-backup-2026-04-12';
const X = `${STEM}.tar`;
const PARTIAL = `${X}.partial`;
const NOW = Date.parse('2026-04-12T12:00:00Z');
const KEPT_AT = '2026-04-12T06:10:00.000Z';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The record the client writes for a job that kept its archive (state failed, `kept`, the reason keptEnd gives). */
function keptRecord(): string {
  const archive = `${DIR}/${X}`;
  return JSON.stringify({
    version: 2,
    kind: 'backup',
    id: STEM,
    state: 'failed',
    archive,
    partial: `${archive}.partial`,
    log: `${DIR}/${STEM}.log`,
    compression: 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: '2026-04-12T06:00:00.000Z',
    endedAt: KEPT_AT,
    exitCode: 3,
    warnings: {},
    overrides: [],
    reason: `tar exit 0, but ${archive} already exists and is never overwritten: the complete archive is kept as ${archive}.partial`,
    kept: true,
  });
}

function build(): void {
  const lines = ['set -e', `rm -rf ${q(DIR)}`, `mkdir -p ${q(DIR)}`, `cd ${q(DIR)}`, 'echo data > /tmp/gb-kept-member'];
  lines.push(`tar -cf ${q(X)} -C /tmp gb-kept-member`, `touch -d 2026-04-12T05:00:00Z ${q(X)}`);
  lines.push(`tar -cf ${q(PARTIAL)} -C /tmp gb-kept-member`, `touch -d ${q(KEPT_AT)} ${q(PARTIAL)}`);
  lines.push(`printf '%s' ${q(keptRecord())} > ${q(`${STEM}.job.json`)}`, `printf 'gluster-backup: kept\\n' > ${q(`${STEM}.log`)}`);
  lines.push(`touch -d ${q(KEPT_AT)} ${q(`${STEM}.job.json`)} ${q(`${STEM}.log`)}`, 'rm -f /tmp/gb-kept-member');
  onNode('node2', ['bash', '-s'], { input: lines.join('\n') + '\n' });
}

const namesNow = () => onNode('node2', ['ls', '-1A', DIR]).stdout.split('\n').filter(Boolean).sort();

describe('a kept partial in the explorer: a complete archive to publish, not a leftover', function () {
  this.timeout(300_000);
  const view = pinnedView(DIR, NOW);
  before(() => view.open(build));
  after(async () => {
    await view.restore();
    onNode('node2', ['rm', '-rf', DIR], { allowFail: true });
  });

  it('its row: its own contextValue, an archive icon, and a tooltip naming the job, why, and the name to give it', async () => {
    const api = await activated();
    const before = namesNow();
    const rows = await eventually('node2 › backups to show the kept partial', 60_000, async () => {
      const r = await childRows(api, 'node2', /^backups$/);
      return r.some((a) => a.label === PARTIAL && a.contextValue === 'archive:kept') ? r : undefined;
    });
    const kept = rows.find((a) => a.label === PARTIAL)!;
    assert.equal(iconOf(kept), 'file-zip/list.warningForeground');
    assert.match(kept.description, / · kept partial: a complete archive, publish it$/);
    const tip = plain(tooltipOf(kept));
    assert.match(tip, /^\*\*datarobot-gluster-backup-2026-04-12\.tar\.partial\*\*\n\n10 KiB \(10240 bytes\), /);
    assert.ok(tip.includes(`Backup job ${STEM} (ended `), tip);
    assert.ok(tip.includes(`its name ${X} was taken meanwhile by another archive`), tip);
    assert.ok(tip.includes(`move that archive away or prune it and publish this one (gluster-backup publish-kept --node node2 -f ${PARTIAL}, or Publish Kept Archive in the explorer)`), tip);
    assert.doesNotMatch(tip, /never finished|Do not restore/);
    // The archive under the name it could not take is another archive, with a row of its own.
    assert.equal(rows.find((a) => a.label === X)?.contextValue, 'archive');
    const backups = (await childRows(api, 'node2')).find((r) => r.contextValue === 'backups');
    assert.match(backups?.description ?? '', /^1 archive in .* · 1 kept partial to publish$/);
    // Reading the view touched nothing.
    assert.deepEqual(namesNow(), before);
    assert.deepEqual(before, [X, PARTIAL, `${STEM}.job.json`, `${STEM}.log`].sort());
  });

  it('Publish Kept Archive… on its row: refused while another archive has its name, nothing changed; that archive moved away, published, and its row is the archive its job completed, with Validate Now offered', async () => {
    const api = await activated();
    const row = async () => {
      const r = (await childRows(api, 'node2', /^backups$/)).find((a) => a.label === PARTIAL);
      assert.ok(r, 'the kept partial has its row');
      return r;
    };
    const asks = new RegExp(`^Publish ${PARTIAL.replace(/[.]/g, '[.]')} on node2 as ${X.replace(/[.]/g, '[.]')}\\?\\nThe finished archive its backup job ${STEM} kept as its partial\\.`);
    const user = new Operator();
    try {
      const before = namesNow();
      user.will('modal', asks, 'Publish');
      assert.equal(await vscode.commands.executeCommand('glusterBackup.publishKept', (await row()).node), undefined);
      assert.ok(user.asked[0]?.text.includes(`A file named ${X} is there now`), user.asked[0]?.text);
      assert.ok(user.notifications.some((n) => n.includes(`${DIR}/${X} exists on node2 (another archive): ${PARTIAL} is never published over it. Move that archive away or prune it, then publish again`)), user.notifications.join('\n'));
      assert.deepEqual(namesNow(), before, 'refused: nothing changed');

      // The other archive moved away, as the refusal says; the row then names the free name.
      onNode('node2', ['mv', `${DIR}/${X}`, `${DIR}.moved-${X}`]);
      await vscode.commands.executeCommand('glusterBackup.refresh');
      await eventually('the kept partial to name its free name', 60_000, async () => (plain(tooltipOf(await row())).includes(`never published as ${X}; publish it to keep it`) ? true : undefined));
      user.will('modal', asks, 'Publish');
      const r = await vscode.commands.executeCommand<PublishKeptResult | undefined>('glusterBackup.publishKept', (await row()).node);
      assert.deepEqual([r?.archive, r?.job.state, r?.job.exitCode, r?.job.kept, r?.resumed], [`${DIR}/${X}`, 'completed', 0, undefined, false]);
      assert.deepEqual(namesNow(), [X, `${STEM}.job.json`, `${STEM}.log`].sort());
      assert.ok(
        user.offered.some((o) => o.message === `Gluster Backup: ${PARTIAL} on node2 is published as ${X}; its job ${STEM} is completed (tar exit 0). It has no checksum file: validate it.` && o.items.includes('Validate Now')),
        JSON.stringify(user.offered),
      );
      const rows = await eventually(`node2 › backups to show ${X} as its job's archive`, 60_000, async () => {
        const all = await childRows(api, 'node2', /^backups$/);
        return all.some((a) => a.label === X && a.contextValue === 'archive') && !all.some((a) => a.label === PARTIAL) ? all : undefined;
      });
      assert.match(plain(tooltipOf(rows.find((a) => a.label === X)!)), /tar exit 0/);
      user.expectDone();
    } finally {
      user.dispose();
      onNode('node2', ['rm', '-f', `${DIR}.moved-${X}`], { allowFail: true });
    }
  });
});
