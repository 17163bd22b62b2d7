// A real code-server with the packaged VSIX installed, driven through Debian's chromium: the
// same clicks and keys an operator uses. Every step saves a screenshot in out/e2e.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '../../../..');
const SCRIPT = path.join(REPO, 'scripts', 'code-server.sh');
const TESTBED = path.join(REPO, 'testbed', 'testbed.sh');
export const SHOTS = path.join(REPO, 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NAME = 'e2e';

export interface Workbench {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

export function testbed(...args: string[]): string {
  return execFileSync('bash', [TESTBED, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

export function testbedHealthy(): boolean {
  return spawnSync('bash', [TESTBED, 'status', '-q'], { timeout: 120_000 }).status === 0;
}

export function onNode(node: string, ...argv: string[]): string {
  return execFileSync('bash', [TESTBED, 'exec', node, '--', ...argv], { encoding: 'utf8', timeout: 300_000 });
}

/** code-server with the VSIX from `npm run package`, settings pointing at the test bed. */
export async function openWorkbench(port = 18392): Promise<Workbench> {
  const vsix = path.join(REPO, 'gluster-backup.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package`);
  const config = path.join(REPO, '.testbed', 'config.json');
  if (!fs.existsSync(config)) throw new Error(`the test bed is not up (${config} missing)`);
  const cfg = JSON.parse(fs.readFileSync(config, 'utf8'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-e2e-'));
  const settings = path.join(tmp, 'settings.json');
  fs.writeFileSync(settings, JSON.stringify({ 'glusterBackup.nodes': cfg.nodes, 'glusterBackup.knownHostsFile': cfg.knownHostsFile }));
  const r = spawnSync('bash', [SCRIPT, 'start', NAME, '--port', String(port), '--vsix', vsix, '--settings', settings], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`code-server did not start (exit ${r.status})`);
  const url = execFileSync('bash', [SCRIPT, 'url', NAME], { encoding: 'utf8' }).trim();
  fs.mkdirSync(SHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
  return {
    page,
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      spawnSync('bash', [SCRIPT, 'stop', NAME], { stdio: 'inherit' });
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Shows the Nodes view; clicking its activity bar icon while it shows would hide it. */
export async function showNodesView(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  const title = page.locator('.part.sidebar .composite.title', { hasText: 'Gluster Backup' });
  if ((await page.locator('.part.sidebar').isVisible()) && (await title.count()) > 0) return;
  await page.locator('.activitybar .action-item a[aria-label^="Gluster Backup"]').click();
  await title.first().waitFor();
}

/** Wider side bar, so that node rows show their whole description in the screenshots. */
export async function widenSideBar(page: Page, by = 260): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 5 });
  await page.mouse.up();
}

/** Runs a step; on failure leaves a screenshot of the window as it was. */
export async function step(page: Page, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    await shot(page, `FAILED-${name}.png`).catch(() => undefined);
    throw err;
  }
}

export async function shot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, file) });
}

/** Runs a palette command by its full title ("Gluster Backup: Refresh"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}

/** The row of the Nodes view whose label is exactly `label`. */
export function treeRow(page: Page, label: string): Locator {
  const view = page.locator('.part.sidebar');
  return view.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

export async function rowDescription(page: Page, label: string): Promise<string> {
  return (await treeRow(page, label).locator('.label-description').first().innerText()).trim();
}

/** Waits until every named node row shows the state word first in its description. */
export async function waitForNodeStates(page: Page, want: Record<string, string>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  let seen: Record<string, string> = {};
  while (Date.now() < end) {
    seen = {};
    for (const n of Object.keys(want)) seen[n] = await rowDescription(page, n).catch(() => '(no row)');
    if (Object.entries(want).every(([n, s]) => seen[n].startsWith(`${s} ·`))) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`the Nodes view never showed ${JSON.stringify(want)}; last: ${JSON.stringify(seen)}`);
}

/** The text of the "Gluster Backup" output channel as the Output panel shows it. */
export async function outputText(page: Page): Promise<string> {
  // The panel wraps long lines over several view lines: read it as one run of words.
  const lines = page.locator('.part.panel .monaco-editor .view-lines .view-line');
  return (await lines.allInnerTexts()).join(' ').replace(/[\s\u00a0]+/g, ' ');
}

export async function waitFor(what: string, ms: number, fn: () => Promise<boolean> | boolean, page?: Page): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (page) await shot(page, `FAILED-${what.replace(/\W+/g, '-').slice(0, 60)}.png`).catch(() => undefined);
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
