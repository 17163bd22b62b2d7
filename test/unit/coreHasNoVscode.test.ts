// src/core is shared by the CLI, which runs without VS Code: a `vscode` import there would
// only fail at run time, on the CLI. The check reads the sources (no bundle or esbuild
// metafile needed) and uses TypeScript's own import scanner, which sees every form:
// import/export ... from, bare import, import x = require(), require() and import().
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ts from 'typescript';
import { repoRoot } from '../helpers/repoRoot';

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return /\.(ts|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

const isVscode = (spec: string) => spec === 'vscode' || spec.startsWith('vscode/');

test('the import scanner sees every form of importing vscode', () => {
  const forms = [
    "import * as vscode from 'vscode';",
    "import { window } from 'vscode';",
    "import type { Uri } from 'vscode';",
    "import 'vscode';",
    "export { window } from 'vscode';",
    "import vscode = require('vscode');",
    "const vscode = require('vscode');",
    "const m = await import('vscode');",
    'const vscode = require("vscode")',
  ];
  for (const src of forms) assert.ok(importsOf(src).some(isVscode), `not detected: ${src}`);
  assert.ok(!importsOf("// import * as vscode from 'vscode'\nconst s = 'vscode';").some(isVscode), 'comments and strings are not imports');
});

test('no file under src/core imports vscode, directly or through a module outside src/core', () => {
  const root = repoRoot();
  const core = path.join(root, 'src', 'core');
  const files = tsFiles(core);
  assert.ok(files.length > 0, `no .ts files under ${core}`);
  const offences: string[] = [];
  for (const file of files) {
    const rel = path.relative(root, file);
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      if (isVscode(spec)) offences.push(`${rel} imports "${spec}"`);
      // A relative import leaving src/core could reach code that imports vscode (src/extension).
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (path.relative(core, target).startsWith('..')) offences.push(`${rel} imports "${spec}", outside src/core`);
      }
    }
  }
  assert.deepEqual(offences, []);
});
