// Runs the extension-host suites in a real code-server, as @vscode/test-electron runs them in
// desktop VS Code: the smoke-test driver loads this repository as the extension under
// development and out/test/vscode/index.js as its tests, and reports the exit code to the page.
//   node out/test/vscode/launch/codeServer.js --label=vscode --version=4.139.1 [--port=18391]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { reportFileOf } from '../index';
import { arg, checkBuilt, readResult, report, REPO, tailReport, testbedSettings, TESTS_ENTRY } from './common';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCRIPT = path.join(REPO, 'scripts', 'code-server.sh');
const TIMEOUT_MS = Number(process.env.GB_VSCODE_TIMEOUT_MS ?? 20 * 60_000);

function codeServer(...args: string[]): void {
  const r = spawnSync('bash', [SCRIPT, ...args], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`code-server.sh ${args.join(' ')} exited ${r.status}`);
}

/**
 * The workbench ended the run before any suite began: VS Code's own extension host failed to
 * start (seen once in a rehearsal of code-server 4.17.1: its web worker host's "unexpected
 * error", exit 81, with two of its resources answered 404), not a test of ours that failed.
 */
class StartFailed extends Error {}

async function main(): Promise<number> {
  const label = arg('label', 'vscode');
  const version = arg('version', spawnSync('bash', [SCRIPT, 'newest'], { encoding: 'utf8' }).stdout.trim());
  const port = Number(arg('port', '18391'));
  // Started once more after such a start failure, said in the output and at the end of
  // test-all ($GB_TEST_RESTARTS): every suite still runs, in full, in a code-server of its own.
  try {
    return await once(label, version, port);
  } catch (e) {
    if (!(e instanceof StartFailed)) throw e;
    // The first start's console is kept beside the second's.
    const consoleOf = (suffix: string) => path.join(REPO, 'out', `${label}-console${suffix}.log`);
    fs.renameSync(consoleOf(''), consoleOf('-first-start'));
    console.log(`${label}: ${e.message.replace(`${label}-console.log`, `${label}-console-first-start.log`)}; code-server is started once more`);
    if (process.env.GB_TEST_RESTARTS) fs.appendFileSync(process.env.GB_TEST_RESTARTS, `${label}: ${e.message.replace(`${label}-console.log`, `${label}-console-first-start.log`)}\n`);
    return once(label, version, port, true);
  }
}

async function once(label: string, version: string, port: number, last = false): Promise<number> {
  const name = `tests-${version}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-vscode-'));
  const resultFile = path.join(tmp, 'result.json');
  process.env.GB_VSCODE_RESULT = resultFile;
  const started = Date.now();
  // Stopped from outside (Ctrl-C, a CI timeout): the code-server this run started goes too.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      spawnSync('bash', [SCRIPT, 'stop', name], { stdio: 'inherit' });
      process.exit(1);
    });
  }
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    checkBuilt();
    const settings = path.join(tmp, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify(testbedSettings()));
    codeServer('start', name, '--version', version, '--port', String(port), '--settings', settings, '--smoke');
    const runDir = path.join(process.env.GB_CODE_SERVER_RUN ?? path.join(REPO, '.code-server'), name);
    const authority = `127.0.0.1:${port}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${authority}${REPO}`],
      ['extensionTestsPath', `vscode-remote://${authority}${TESTS_ENTRY}`],
    ]);
    const url = `http://${authority}/?folder=${encodeURIComponent(path.join(runDir, 'workspace'))}&payload=${encodeURIComponent(payload)}`;

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    // Extension host output (Mocha's spec report among it) reaches the page's console.
    // The workbench's own console, for diagnosis when the extension host never reports.
    const consoleLog = fs.createWriteStream(path.join(REPO, 'out', `${label}-console.log`));
    page.on('console', (m) => consoleLog.write(`${m.type()} ${m.text()}\n`));
    await page.exposeFunction('codeAutomationLog', () => undefined);
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.goto(url);
    const stopTail = tailReport(reportFileOf(resultFile));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), TIMEOUT_MS)));
    const code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    stopTail();
    if (code === -1) {
      await page.screenshot({ path: path.join(REPO, 'out', `${label}-timeout.png`) }).catch(() => undefined);
      throw new Error(`the extension host did not finish within ${TIMEOUT_MS / 60000} min (screenshot: out/${label}-timeout.png)`);
    }
    const result = readResult(resultFile);
    if (!result && !last && !fs.existsSync(reportFileOf(resultFile))) {
      throw new StartFailed(`the extension host exited ${code} before any suite began (the workbench or the tests' entry failed to start; its console: out/${label}-console.log)`);
    }
    if (!result) throw new Error(`the extension host exited ${code} without writing ${resultFile}: the suites did not run`);
    for (const f of result.failed) console.log(`  FAILED: ${f}`);
    if (process.env.GB_TEST_FAILURES && result.failed.length) fs.appendFileSync(process.env.GB_TEST_FAILURES, result.failed.map((f) => `${label}: ${f.split('\n').slice(0, 5).join(' / ').slice(0, 400)}\n`).join(''));
    for (const m of result.measures ?? []) console.log(`${label}: ${m}`);
    console.log(`${label}: VS Code ${result.vscodeVersion} (code-server ${version}), ${Math.round((Date.now() - started) / 1000)} s`);
    if (code !== 0 && result.failures === 0) result.failures = 1;
    return report(label, result);
  } catch (err) {
    if (err instanceof StartFailed) throw err;
    console.error(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.GB_TEST_FAILURES) fs.appendFileSync(process.env.GB_TEST_FAILURES, `${label}: ${(err instanceof Error ? err.message : String(err)).slice(0, 400)}\n`);
    const partial = readResult(resultFile);
    return report(label, { passes: partial?.passes ?? 0, failures: (partial?.failures ?? 0) + 1, pending: partial?.pending ?? 0 });
  } finally {
    await context?.close().catch(() => undefined);
    spawnSync('bash', [SCRIPT, 'stop', name], { stdio: 'inherit' });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
