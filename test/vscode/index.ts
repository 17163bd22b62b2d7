// The extension-host entry point: exactly what @vscode/test-electron (desktop) and the smoke-test
// driver of code-server load as extensionTestsPath. Runs every suite under ./suite with Mocha
// and writes the counts where the launcher reads them; a pending (skipped) test is a failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export const RESULT_FILE = process.env.GB_VSCODE_RESULT ?? path.resolve(__dirname, '../../test-results/vscode.json');
/** The spec report, line by line as it happens: the extension host's console is not ours to read. */
export const reportFileOf = (resultFile: string) => resultFile.replace(/\.json$/, '') + '.log';

export interface SuiteResult {
  passes: number;
  failures: number;
  pending: number;
  failed: string[];
  vscodeVersion: string;
  /** What the suites measured (e.g. activation time), printed by the launcher. */
  measures?: string[];
}

export async function run(): Promise<void> {
  // Loaded here, not at the top: this module is also imported by the launchers, outside VS Code.
  const vscode = await import('vscode');
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  const dir = path.join(__dirname, 'suite');
  const only = process.env.GB_VSCODE_GREP;
  const except = process.env.GB_VSCODE_EXCLUDE;
  if (only) mocha.grep(new RegExp(only));
  // A run that leaves suites out says so in its label (test-all.sh); they are not "skipped".
  else if (except) mocha.grep(new RegExp(except)).invert();
  // Order matters a little: activation first, settings changes last (they rebuild the Cluster).
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(dir, f));
  fs.mkdirSync(path.dirname(RESULT_FILE), { recursive: true });
  fs.rmSync(RESULT_FILE, { force: true });
  const reportFd = fs.openSync(reportFileOf(RESULT_FILE), 'w');
  const toConsole = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    fs.writeSync(reportFd, format(...args) + '\n');
    toConsole(...args);
  };
  const result: SuiteResult = { passes: 0, failures: 0, pending: 0, failed: [], vscodeVersion: vscode.version };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => result.passes++);
    runner.on('fail', (t, err: Error) => {
      result.failures++;
      result.failed.push(`${t.fullTitle()}: ${err?.message ?? err}`);
    });
    runner.on('pending', (t) => {
      result.pending++;
      result.failed.push(`${t.fullTitle()}: SKIPPED (not allowed)`);
    });
  });
  Mocha.reporters.Base.consoleLog = toConsole;
  fs.closeSync(reportFd);
  result.measures = (await import('./helpers/measures')).measures;
  fs.writeFileSync(RESULT_FILE, JSON.stringify(result, null, 2));
  console.log(`extension-host suites in VS Code ${vscode.version}: ${result.passes} passed, ${result.failures} failed${result.pending ? `, ${result.pending} skipped` : ''}`);
  if (result.failures > 0 || result.pending > 0 || result.passes === 0) {
    throw new Error(`${result.failures} failed, ${result.pending} skipped, ${result.passes} passed`);
  }
}
