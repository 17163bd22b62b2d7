// The same suites in desktop VS Code, on a machine that can download it (not this one: the
// test-electron download fails here, so CI uses launch/codeServer.ts). Settings go in through
// a fresh user-data dir, as in the code-server run.
//   node out/test/vscode/launch/electron.js [--version=1.82.0|stable]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { reportFileOf } from '../index';
import { arg, checkBuilt, readResult, report, REPO, tailReport, testbedSettings, TESTS_ENTRY } from './common';

async function main(): Promise<number> {
  const label = arg('label', 'vscode-desktop');
  const version = arg('version', 'stable');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-vscode-desktop-'));
  const resultFile = path.join(tmp, 'result.json');
  try {
    checkBuilt();
    const userData = path.join(tmp, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, ...testbedSettings() }));
    fs.mkdirSync(path.join(tmp, 'workspace'));
    const stopTail = tailReport(reportFileOf(resultFile));
    await runTests({
      version,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: TESTS_ENTRY,
      extensionTestsEnv: { GB_VSCODE_RESULT: resultFile },
      launchArgs: [path.join(tmp, 'workspace'), '--user-data-dir', userData, '--disable-extensions', '--disable-workspace-trust'],
    });
    stopTail();
    const result = readResult(resultFile);
    if (!result) throw new Error('the suites wrote no result');
    return report(label, result);
  } catch (err) {
    console.error(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    const partial = readResult(resultFile);
    return report(label, { passes: partial?.passes ?? 0, failures: (partial?.failures ?? 0) + 1, pending: partial?.pending ?? 0 });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
