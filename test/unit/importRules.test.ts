// The import rules of .dependency-cruiser.cjs (no cycles in src, core at the bottom, the CLI
// and the extension apart), checked by dependency-cruiser over the real sources, and shown to
// catch what they forbid on a small tree made for it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/repoRoot';

const ROOT = repoRoot();
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const BIN = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

/** depcruise's JSON answer for `src` of a tree: the violations and how many modules it read. */
function cruise(cwd: string): { violations: Violation[]; modules: number } {
  const r = spawnSync(process.execPath, [BIN, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(r.stdout.trim().startsWith('{'), `depcruise answered (exit ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: out.summary.violations, modules: out.summary.totalCruised };
}

const describe = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`;

test('src has no import cycle and no import against the layers', () => {
  const { violations, modules } = cruise(ROOT);
  assert.ok(modules > 100, `only ${modules} modules read: is the tsconfig found?`);
  assert.deepEqual(violations.map(describe), []);
});

test('the rules catch a cycle (types only too), core reaching up, and the CLI and extension crossing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-imports-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
    'src/core/a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
    'src/core/b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
    'src/core/up.ts': "import { x } from '../extension/x';\nexport const y = x;\n",
    'src/extension/x.ts': "import { c } from '../cli/c';\nexport const x = c;\n",
    'src/cli/c.ts': "import { w } from '../extension/w';\nexport const c = w;\n",
    'src/extension/w.ts': 'export const w = 1;\n',
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  try {
    const rules = new Set(cruise(dir).violations.map((v) => `${v.rule.name} ${v.from}`));
    for (const want of ['no-circular src/core/a.ts', 'core-is-the-bottom src/core/up.ts', 'extension-not-into-cli src/extension/x.ts', 'cli-without-the-extension src/cli/c.ts']) {
      assert.ok(rules.has(want), `${want} not reported; got ${[...rules].join(', ')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
