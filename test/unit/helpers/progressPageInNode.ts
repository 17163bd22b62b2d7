// The progress page's own code (render.ts and model.ts, bundled by esbuild as the real page is)
// run in node against a stand-in DOM: enough to see whether a saved state makes the page throw.
// The stand-in knows exactly the element ids of progressHtml, as the real page does; uPlot is
// replaced by a recorder (it needs a canvas), which checks the shape of the data it is handed.
// What a real browser does with the result is the webview suite's to check.
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { progressHtml } from '../../../src/extension/progress/progressHtml';
import type { HostMessage, PersistedState } from '../../../src/webview/protocol';
import { repoRoot } from '../../helpers/repoRoot';

class StandInElement {
  hidden = false;
  title = '';
  className = '';
  readonly clientWidth = 800;
  readonly dataset: Record<string, string> = {};
  readonly style: Record<string, string> = {};
  private text = '';
  private readonly attrs = new Map<string, string>();
  children: (StandInElement | string)[] = [];

  // As the DOM does: null clears, anything else is turned into a string.
  get textContent(): string {
    return this.text;
  }
  set textContent(v: unknown) {
    this.text = v === null ? '' : String(v);
    this.children = [];
  }
  setAttribute(k: string, v: unknown): void {
    this.attrs.set(k, String(v));
  }
  getAttribute(k: string): string | null {
    return this.attrs.get(k) ?? null;
  }
  removeAttribute(k: string): void {
    this.attrs.delete(k);
  }
  replaceChildren(...nodes: unknown[]): void {
    for (const n of nodes) if (!(n instanceof StandInElement) && typeof n !== 'string') throw new TypeError(`replaceChildren: ${String(n)} is not a node`);
    this.children = nodes as (StandInElement | string)[];
  }
  addEventListener(): void {}
}

/** The data uPlot gets: x and three series, all as long as x, numbers or gaps. */
function checkAligned(data: unknown): void {
  if (!Array.isArray(data) || data.length !== 4) throw new TypeError('uPlot: not [x, size, target, projection]');
  const n = (data[0] as unknown[]).length;
  for (const s of data) {
    if (!Array.isArray(s) || s.length !== n) throw new TypeError('uPlot: series of different lengths');
    for (const v of s) if (v !== null && typeof v !== 'number') throw new TypeError(`uPlot: ${String(v)} is not a number`);
  }
}

class RecordingPlot {
  constructor(_opts: unknown, data: unknown) {
    checkAligned(data);
  }
  setData(data: unknown): void {
    checkAligned(data);
  }
  setSize(): void {}
  destroy(): void {}
}

interface PageModule {
  ProgressModel: new () => { apply(m: HostMessage): void; persisted(): PersistedState | undefined };
  ProgressPage: new (post: (m: unknown) => void) => { render(model: unknown): void; tick(model: unknown): void };
}

type PageFactory = (...args: unknown[]) => void;
let factory: PageFactory | undefined;

/** render.ts and model.ts as one CommonJS module, run once per page: uPlot and the DOM's globals are its arguments. */
function bundle(): PageFactory {
  const text = buildSync({
    stdin: { contents: "export { ProgressModel } from './model';\nexport { ProgressPage } from './render';\n", resolveDir: path.join(repoRoot(), 'src', 'webview'), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2022',
    external: ['uplot'],
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return new Function('module', 'exports', 'require', 'document', 'getComputedStyle', 'ResizeObserver', 'Date', text) as PageFactory;
}

/** A fresh page: what the webview loads, with its clock fixed at `now` (ms since the epoch). */
export function pageInNode(now: number): { body: StandInElement; byId: (id: string) => StandInElement; mod: PageModule } {
  const html = progressHtml({ cspSource: 'https://x', scriptUri: 'https://x/p.js', styleUri: 'https://x/p.css', nonce: 'n' });
  const elements = new Map([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => [m[1], new StandInElement()]));
  const body = new StandInElement();
  const document = {
    title: '',
    body,
    getElementById: (id: string) => elements.get(id) ?? null,
    createElement: () => new StandInElement(),
  };
  class FixedDate extends Date {
    static override now(): number {
      return now;
    }
  }
  class ResizeObserver {
    observe(): void {}
  }
  const module = { exports: {} as PageModule };
  const require = (id: string) => {
    if (id === 'uplot') return { __esModule: true, default: RecordingPlot };
    throw new Error(`the page bundle asked for ${id}`);
  };
  const getComputedStyle = () => ({ getPropertyValue: () => '' });
  factory ??= bundle();
  factory(module, module.exports, require, document, getComputedStyle, ResizeObserver, FixedDate);
  return {
    body,
    byId: (id) => {
      const el = elements.get(id);
      if (!el) throw new Error(`no #${id}`);
      return el;
    },
    mod: module.exports,
  };
}

/**
 * What main.ts does with a saved state that passed its guard: paint it as an `init`, then a
 * tick of the clock. Throws what the page would throw.
 */
export function paintSaved(saved: PersistedState, now: number): void {
  const { mod } = pageInNode(now);
  const model = new mod.ProgressModel();
  const page = new mod.ProgressPage(() => {});
  model.apply({ type: 'init', ...saved, now, live: true });
  page.render(model);
  page.tick(model);
}
