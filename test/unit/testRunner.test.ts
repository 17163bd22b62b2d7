// The runner every node:test suite goes through (unit, integration, e2e, scale) decides what
// "green" means for CI: a skipped or todo test must fail the run, as a failed one does.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const RUNNER = path.resolve(__dirname, '../../../scripts/run-node-tests.mjs');

function runOn(files: Record<string, string>, extraEnv: Record<string, string> = {}, flags: string[] = []): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-runner-'));
  try {
    for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
    const env = { ...process.env };
    delete env.GB_TEST_TALLY;
    // Set by the node:test run this file is in; inherited, it makes the inner run skip its files.
    delete env.NODE_TEST_CONTEXT;
    delete env.GB_TEST_FAILURES;
    // The outer run's list of files held open: the inner run's probes are not among them.
    delete env.GB_TEST_HELD_LOG;
    delete env.GB_TEST_HELD;
    Object.assign(env, extraEnv);
    const r = spawnSync(process.execPath, [RUNNER, '--label=probe', ...flags, dir], { encoding: 'utf8', env });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const passing = `const { test } = require('node:test'); test('runs', () => {});\n`;

test('a run where every test ran and passed exits 0', () => {
  const r = runOn({ 'a.test.js': passing });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /probe: 1 passed, 0 failed/);
});

test('a skipped test fails the run, and says so', () => {
  const r = runOn({ 'a.test.js': passing + `test('not run', { skip: 'no reason' }, () => {});\n` });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /probe: 1 passed, 0 failed, 1 skipped/);
  assert.match(r.out, /SKIPPED or TODO in probe .*a skipped test fails the run/);
});

test('a todo test fails the run too', () => {
  const r = runOn({ 'a.test.js': passing + `test('later', { todo: true }, () => {});\n` });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /1 skipped/);
});

test('a directory without test files fails the run', () => {
  const r = runOn({ 'README.md': 'nothing here\n' });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /NO TEST FILES/);
});

test('each failed test is written to GB_TEST_FAILURES with its suites and error; a failed hook is named as one', () => {
  const list = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gb-failures-')), 'failures');
  try {
    const r = runOn(
      {
        'a.test.js': [
          `const { describe, test, after } = require('node:test'); const assert = require('node:assert');`,
          `describe('restore', () => { describe('resume', () => { test('cut', () => { assert.equal(1, 2, 'the cut file\\nwas not rewritten'); }); }); test('fine', () => {}); });`,
          `describe('cleanup', () => { after(() => { throw new Error('rm failed'); }); test('ok', () => {}); });`,
        ].join('\n'),
      },
      { GB_TEST_FAILURES: list },
    );
    assert.equal(r.status, 1, r.out);
    assert.deepEqual(fs.readFileSync(list, 'utf8').split('\n'), [
      'probe: restore > resume > cut: the cut file / was not rewritten',
      'probe: cleanup (a hook): rm failed',
      '',
    ]);
  } finally {
    fs.rmSync(path.dirname(list), { recursive: true, force: true });
  }
});

test('a file that keeps a handle open after its tests: made to exit after the grace, every verdict kept, and named', () => {
  const leaks = passing + `test('second', async () => { await new Promise((r) => setTimeout(r, 50)); });\nsetInterval(() => {}, 1000);\n`;
  const r = runOn({ 'a.test.js': leaks, 'b.test.js': passing }, { GB_TEST_EXIT_GRACE_MS: '1000', GB_TEST_LIMIT_MS: '60000' });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /probe: 3 passed, 0 failed/);
  assert.match(r.out, /run-node-tests: held open: \S*a\.test\.js was held open 1 s after its last test by [^\n]*Timeout[^\n]*: made to exit/);
  assert.doesNotMatch(r.out, /b\.test\.js was held open/);
  // Made to exit with the code it had: a failed test in it still fails the run.
  const failing = runOn({ 'a.test.js': leaks + `test('fails', () => { throw new Error('boom'); });\n` }, { GB_TEST_EXIT_GRACE_MS: '1000', GB_TEST_LIMIT_MS: '60000' });
  assert.equal(failing.status, 1, failing.out);
  assert.match(failing.out, /probe: 2 passed, 1 failed/);
});

test('a test that never ends: stopped at the time limit with the file\'s whole process group, and failed', () => {
  const pidFile = path.join(os.tmpdir(), `gb-runner-pid-${process.pid}`);
  fs.rmSync(pidFile, { force: true });
  try {
    const never = `const { test } = require('node:test'); const fs = require('node:fs');\ntest('never ends', async () => { fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); await new Promise(() => setInterval(() => {}, 1000)); });\n`;
    const r = runOn({ 'a.test.js': never }, { GB_TEST_LIMIT_MS: '3000' });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /run-node-tests: probe did not end within 0\.05 min \(a test that never ends\?\): stopped, counted as failed/);
    const filePid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(filePid > 0);
    // The file's process (the runner's grandchild) went with it, not left running: killed, it
    // is gone or a zombie until init reaps it.
    const state = fs.existsSync(`/proc/${filePid}/stat`) ? fs.readFileSync(`/proc/${filePid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] : 'gone';
    assert.ok(state === 'gone' || state === 'Z', `the file's process ${filePid} is in state ${state}`);
  } finally {
    fs.rmSync(pidFile, { force: true });
  }
});
