// What both launchers of the extension-host suites share: the repository layout, the settings
// that point VS Code at the real test bed, and the tally line test-all.sh adds up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SuiteResult } from '../index';

export const REPO = path.resolve(__dirname, '../../../..');
export const TESTS_ENTRY = path.join(REPO, 'out', 'test', 'vscode', 'index.js');

/** User settings for the test bed; fails loudly when it is not up (the suites need it). */
export function testbedSettings(): Record<string, unknown> {
  const file = path.join(process.env.TESTBED_DIR ?? path.join(REPO, '.testbed'), 'config.json');
  if (!fs.existsSync(file)) throw new Error(`the test bed is not up (${file} is missing): run bash testbed/testbed.sh up`);
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: unknown[]; knownHostsFile: string };
  return {
    'glusterBackup.nodes': cfg.nodes,
    'glusterBackup.knownHostsFile': cfg.knownHostsFile,
  };
}

export function checkBuilt(): void {
  for (const f of [path.join(REPO, 'dist', 'extension.js'), TESTS_ENTRY]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run npm run build && npx tsc -p tsconfig.test.json`);
  }
}

export function readResult(file: string): SuiteResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResult;
  } catch {
    return undefined;
  }
}

/** Prints `label: N passed, N failed` and appends it to $GB_TEST_TALLY; returns the exit code. */
export function report(label: string, r: { passes: number; failures: number; pending: number }): number {
  if (process.env.GB_TEST_TALLY) fs.appendFileSync(process.env.GB_TEST_TALLY, `${label} ${r.passes} ${r.failures} ${r.pending}\n`);
  console.log(`${label}: ${r.passes} passed, ${r.failures} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
  return r.failures === 0 && r.pending === 0 && r.passes > 0 ? 0 : 1;
}

export function arg(name: string, fallback?: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const v = hit?.slice(name.length + 3) ?? fallback;
  if (v === undefined) throw new Error(`--${name}=… is required`);
  return v;
}

/** Prints what the suites append to their report file while they run (Mocha's spec lines). */
export function tailReport(file: string): () => void {
  let offset = 0;
  const pump = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < offset) offset = 0;
      if (size === offset) return;
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      process.stdout.write(buf.toString('utf8').replace(/^/gm, '  '));
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(pump, 500);
  return () => {
    clearInterval(timer);
    pump();
  };
}
