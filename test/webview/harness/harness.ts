// Loads the real progress page (progressHtml + the built dist/webview bundle) in headless
// Chromium, as VS Code would: the same CSP, a stand-in for acquireVsCodeApi, the theme's
// --vscode-* variables. Requests go to a made-up origin answered from disk: no network.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { progressHtml } from '../../../src/extension/progress/progressHtml';
import type { HostMessage, WebviewMessage } from '../../../src/webview/protocol';
import { THEMES, type ThemeName } from './themes';
import { repoRoot } from '../../helpers/repoRoot';

export { repoRoot };

const ORIGIN = 'https://webview.test';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Runs in the page before the bundle: what VS Code's webview host provides. */
function fakeVscode(theme: ThemeName, savedState: unknown): string {
  const t = THEMES[theme];
  return `
(() => {
  const vars = ${JSON.stringify(t.vars)};
  for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  document.body.classList.add(${JSON.stringify(t.bodyClass)});
  window.__posted = [];
  window.__csp = [];
  window.__state = ${JSON.stringify(savedState ?? null)};
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => window.__posted.push(m),
      getState: () => window.__state,
      setState: (s) => { window.__state = s; },
    };
  };
})();`;
}

export function harnessPage(theme: ThemeName, savedState?: unknown): string {
  const nonce = 'harnessnonce0123456789';
  const html = progressHtml({
    cspSource: ORIGIN,
    scriptUri: `${ORIGIN}/dist/webview/progress.js`,
    styleUri: `${ORIGIN}/dist/webview/progress.css`,
    nonce,
  });
  return html.replace('<body>', `<body>\n<script nonce="${nonce}">${fakeVscode(theme, savedState)}</script>`);
}

export interface Harness {
  page: Page;
  /** What the host would post: delivered as VS Code does, as a window message event. */
  post(m: HostMessage): Promise<void>;
  posted(): Promise<WebviewMessage[]>;
  state(): Promise<unknown>;
  cspViolations(): Promise<string[]>;
  errors: string[];
  text(id: string): Promise<string>;
  visible(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  theme: ThemeName;
  /** The page's virtual clock starts here (ms since the epoch). */
  time: number;
  savedState?: unknown;
  width?: number;
  height?: number;
}

export async function openHarness(o: HarnessOptions): Promise<Harness> {
  const bundle = path.join(repoRoot(), 'dist', 'webview');
  for (const f of ['progress.js', 'progress.css']) {
    if (!fs.existsSync(path.join(bundle, f))) throw new Error(`${bundle}/${f} is missing: run \`node esbuild.mjs\` first`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-webview-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: o.width ?? 960, height: o.height ?? 900 },
    colorScheme: o.theme === 'light' ? 'light' : 'dark',
  });
  const errors: string[] = [];
  try {
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/harness.html') {
        return route.fulfill({ contentType: 'text/html', body: harnessPage(o.theme, o.savedState) });
      }
      const m = /^\/dist\/webview\/([\w.-]+)$/.exec(url.pathname);
      const file = m && path.join(bundle, m[1]);
      if (!file || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      return route.fulfill({ contentType: type, body: fs.readFileSync(file) });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    // The page loads a minute before the test's time (installed, the clock runs with real time),
    // then is paused at it: on a loaded machine a running clock had shown "0:01:02" after a
    // minute of runFor. Paused, the page's time moves only when a test moves it.
    await page.clock.install({ time: o.time - 60_000 });
    await page.goto(`${ORIGIN}/harness.html`);
    await page.waitForFunction(() => (globalThis as any).__posted.some((m: { type: string }) => m.type === 'ready'));
    await page.clock.pauseAt(o.time);
    return {
      page,
      errors,
      // Dispatched synchronously (window.postMessage would queue a task, and timers are fake
      // here), so the page has handled it when this resolves.
      post: (m) => page.evaluate((data) => void (globalThis as any).dispatchEvent(new MessageEvent('message', { data })), m as any),
      posted: () => page.evaluate(() => (globalThis as any).__posted),
      state: () => page.evaluate(() => (globalThis as any).__state),
      cspViolations: () => page.evaluate(() => (globalThis as any).__csp),
      text: (id) => page.locator(`#${id}`).innerText(),
      visible: (id) => page.locator(`#${id}`).isVisible(),
      close: async () => {
        await context.close();
        fs.rmSync(userData, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context.close();
    fs.rmSync(userData, { recursive: true, force: true });
    throw err;
  }
}
