// The operator's path through a real code-server with the packaged VSIX, against the real test
// bed: the Nodes view, Stop All (confirmed in the real dialog), Start All, a backup with its
// progress webview and log lines, validating it, and a cut link. Steps run in order and share
// one window. UPDATE_SCREENSHOTS=1 copies the chosen screenshots to docs/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unthrottle, waitHealthy } from '../integration/helpers/testbed';
import {
  onNode,
  openWorkbench,
  outputText,
  REPO,
  rowDescription,
  runCommand,
  SHOTS,
  shot,
  showNodesView,
  step,
  widenSideBar,
  testbed,
  testbedHealthy,
  treeRow,
  waitFor,
  waitForNodeStates,
  type Workbench,
} from './helpers/workbench';

const NODES = ['node1', 'node2', 'node3'];
const ALL = (state: string) => Object.fromEntries(NODES.map((n) => [n, state]));
const DOCS: Record<string, string> = {
  '01-nodes.png': 'e2e-nodes.png',
  '02-stop-all-confirm.png': 'e2e-stop-all-confirm.png',
  '05-progress.png': 'e2e-progress.png',
  '07-validation.png': 'e2e-validation.png',
  '08-unreachable.png': 'e2e-unreachable.png',
};

describe('operator in code-server (browser end-to-end)', () => {
  let wb: Workbench;
  let archive = '';

  before(async () => {
    // The suite before may have just restored a cut link: mounts take a moment to reconnect.
    await waitHealthy();
    for (const n of NODES) onNode(n, 'sh', '-c', 'rm -f /opt/datarobot/data/backups/gluster/datarobot-gluster-backup-*');
    wb = await openWorkbench();
  });

  after(async () => {
    for (const n of NODES) unthrottle(n);
    testbed('restore-link', 'node3');
    await wb?.close();
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      for (const [from, to] of Object.entries(DOCS)) {
        if (fs.existsSync(path.join(SHOTS, from))) fs.copyFileSync(path.join(SHOTS, from), path.join(REPO, 'docs', to));
      }
    }
  });

  test('the Gluster Backup view shows the three nodes running', async () => {
    await step(wb.page, 'view', async () => {
      const { page } = wb;
      await showNodesView(page);
      await widenSideBar(page);
      await waitForNodeStates(page, ALL('running'));
      for (const n of NODES) assert.match(await rowDescription(page, n), /^running · root@10\.213\.51\.1\d:22$/);
      // Open node1: container, storage driver, volume health, backups.
      await treeRow(page, 'node1').click();
      await waitFor('node1 volume health', 30_000, async () => /bricks 3\/3 · peers 3\/3/.test(await rowDescription(page, 'volume gv0')), page);
      await shot(page, '01-nodes.png');
    });
  });

  test('Stop All asks in a dialog; confirmed, every node shows exited', async () => {
    await step(wb.page, 'stop-all', async () => {
      const { page } = wb;
      await runCommand(page, 'Gluster Backup: Stop Gluster on All Nodes');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /Stop gluster on 3 nodes: node1, node2, node3\?/);
      await shot(page, '02-stop-all-confirm.png');
      await dialog.locator('.monaco-button', { hasText: 'Stop Gluster' }).click();
      await waitForNodeStates(page, ALL('exited'), 60_000);
      for (const n of NODES) assert.equal(onNode(n, 'docker', 'inspect', '-f', '{{.State.Status}}', 'gluster').trim(), 'exited');
      await shot(page, '03-stopped.png');
    });
  });

  test('Start All: every node running again', async () => {
    await step(wb.page, 'start-all', async () => {
      const { page } = wb;
      await runCommand(page, 'Gluster Backup: Start Gluster on All Nodes');
      await waitForNodeStates(page, ALL('running'), 90_000);
      await waitFor('the test bed healthy after the start', 120_000, () => testbedHealthy());
      await shot(page, '04-started.png');
    });
  });

  test('a backup: the progress webview follows it, the log has its lines', async () => {
    await step(wb.page, 'backup', async () => {
      const { page } = wb;
      onNode('node1', 'docker', 'exec', 'gluster', 'sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none');
      await runCommand(page, 'Gluster Backup: Back Up…');
      const quick = page.locator('.quick-input-widget');
      await quick.locator('.monaco-list-row', { hasText: 'Uncompressed' }).click();
      const start = quick.locator('.monaco-list-row', { hasText: /Start the Backup on node\d/ });
      // Preflight measures the whole volume (100k files after the integration suite).
      await start.waitFor({ timeout: 300_000 });
      assert.match(await quick.locator('.quick-input-title').innerText(), /checks passed/);
      await start.click();
      // Slowed down once tar runs (preflight measures the whole volume first), so that the panel
      // shows a running job, not only its end.
      for (const n of NODES) onNode(n, 'docker', 'update', '--cpus', '0.3', 'gluster');
      // The status bar item opens the job's panel.
      const item = page.locator('.statusbar-item', { hasText: /Backup/ }).first();
      await item.waitFor({ timeout: 30_000 });
      await item.click();
      const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await web.locator('#badge').waitFor({ timeout: 30_000 });
      await waitFor('the panel to show the archive growing', 60_000, async () => (await web.locator('#size').innerText()) !== '0 B', page);
      assert.equal(await web.locator('#badge').innerText(), 'Running');
      await page.waitForTimeout(4000);
      await shot(page, '05-progress.png');
      for (const n of NODES) unthrottle(n);
      // The whole volume: 100k small files after the integration suite take minutes.
      await waitFor('the panel to show the job completed', 900_000, async () => (await web.locator('#badge').innerText()) === 'Completed', page);
      assert.match(await web.locator('#percent').innerText(), /^100%$/);

      await runCommand(page, 'Gluster Backup: Show Log');
      await waitFor('the backup lines in the Output panel', 20_000, async () => {
        const text = await outputText(page);
        const m = /\[(node\d)\] backup (datarobot-gluster-backup-[\d-]+) ended: completed/.exec(text);
        if (m) archive = `${m[2]}.tar`;
        return /preflight \[node\d\]: pass/.test(text) && /started: tar of \/mnt\/gluster/.test(text) && !!m;
      }, page);
      await shot(page, '06-output.png');
    });
  });

  test('validating the backup opens its report', async () => {
    await step(wb.page, 'validate', async () => {
      const { page } = wb;
      assert.ok(archive, 'the archive of the previous step');
      await runCommand(page, 'Gluster Backup: Validate Backup…');
      const quick = page.locator('.quick-input-widget');
      await quick.locator('.monaco-list-row', { hasText: archive }).first().click();
      const firstLine = page.locator('.part.editor .monaco-editor .view-lines .view-line').first();
      await waitFor('the report in an editor', 600_000, async () => (await firstLine.innerText()).replace(/\u00a0/g, ' ').startsWith(`# Validation of ${archive}`), page);
      await runCommand(page, 'Gluster Backup: Show Log');
      await waitFor('the validate summary in the log', 20_000, async () => new RegExp(`\\] validate ${archive.replace(/\./g, '\\.')}`).test(await outputText(page)), page);
      await shot(page, '07-validation.png');
    });
  });

  test('a cut link: that node unreachable, the others stay running', async () => {
    await step(wb.page, 'cut-link', async () => {
      const { page } = wb;
      await showNodesView(page);
      testbed('cut-link', 'node3');
      try {
        await page.locator('.part.sidebar .actions-container .action-label[aria-label="Refresh"]').first().click();
        await waitForNodeStates(page, { node1: 'running', node2: 'running', node3: 'unreachable' }, 60_000);
        await treeRow(page, 'node3').click();
        // The error row under it says why, with its fix actions.
        const why = page.locator('.part.sidebar .monaco-list-row', { hasText: /Cannot connect|Timed out/ });
        await waitFor('the reason under node3', 20_000, async () => (await why.count()) > 0, page);
        await shot(page, '08-unreachable.png');
      } finally {
        testbed('restore-link', 'node3');
      }
      await page.locator('.part.sidebar .actions-container .action-label[aria-label="Refresh"]').first().click();
      await waitForNodeStates(page, ALL('running'), 90_000);
    });
  });
});
