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

test('a file that keeps a handle open after its tests: stopped at the time limit and failed, unless the suite asks for --force-exit', () => {
  const leaks = passing + `setInterval(() => {}, 1000);\n`;
  const hung = runOn({ 'a.test.js': leaks }, { GB_TEST_LIMIT_MS: '3000' });
  assert.equal(hung.status, 1, hung.out);
  assert.match(hung.out, /run-node-tests: probe did not end within 0\.05 min \(a test file keeping a handle open\?\): stopped, counted as failed/);
  const forced = runOn({ 'a.test.js': leaks }, { GB_TEST_LIMIT_MS: '60000' }, ['--force-exit']);
  assert.equal(forced.status, 0, forced.out);
  assert.match(forced.out, /probe: 1 passed, 0 failed/);
});
