// src/webview runs in a browser page, where `vscode` does not exist and Node built-ins do not
// either: such an import would bundle (or fail) only at run time. The host, in turn, must only
// reach src/webview through protocol.ts, the one file both sides share.
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
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

const importsOf = (file: string) => ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);

test('nothing under src/webview imports vscode or a Node built-in', () => {
  const root = repoRoot();
  const files = tsFiles(path.join(root, 'src', 'webview'));
  assert.ok(files.some((f) => f.endsWith('protocol.ts')));
  const offences = files.flatMap((f) =>
    importsOf(f)
      .filter((s) => s === 'vscode' || s.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'child_process'].includes(s))
      .map((s) => `${path.relative(root, f)} imports ${s}`),
  );
  assert.deepEqual(offences, []);
});

test('src/extension reaches src/webview only through protocol.ts', () => {
  const root = repoRoot();
  const offences: string[] = [];
  for (const f of tsFiles(path.join(root, 'src', 'extension'))) {
    for (const s of importsOf(f).filter((x) => x.startsWith('.'))) {
      const target = path.relative(root, path.resolve(path.dirname(f), s));
      if (target.startsWith(path.join('src', 'webview')) && target !== path.join('src', 'webview', 'protocol')) {
        offences.push(`${path.relative(root, f)} imports ${s}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});
