// Runs node:test files one at a time (integration tests share one test bed, so they must not
// interleave), shows the spec report live, and ends with the plain "N passed, N failed" line.
// No test files found is a failure, never a silent pass; so is a skipped or todo test: a test
// that did not run proves nothing, and a green run must mean every test ran and passed.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const label = args[0]?.startsWith('--label=') ? args.shift().slice(8) : 'tests';
const files = [];
const walk = (p) => {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.js')) files.push(p);
};
for (const a of args) {
  if (!statSync(a, { throwIfNoEntry: false })) {
    console.error(`run-node-tests: ${a} does not exist (did the TypeScript build run?)`);
    process.exit(1);
  }
  walk(a);
}
if (files.length === 0) {
  console.error(`run-node-tests: NO TEST FILES found under ${args.join(' ')}: refusing to report success`);
  process.exit(1);
}
// A file whose tests are done but which keeps a handle open (an SSH session kept alive) would
// hang the whole run: test-exit-guard.cjs, preloaded into each file's process, makes it exit a
// grace period after its last test and names what held it (below, after the summary). node's
// --test-force-exit is not used: it ends a file at once, and its last verdicts can be lost on
// the way here, the summary then counting fewer tests, all passed (seen: a unit run of 616
// where 619 ran). A file that hangs inside a test is stopped by the time limit, its whole
// process group with it (the file's own process is the runner's grandchild).
// The spec report goes to stderr (live) and the TAP report, whose summary counts, to stdout.
const LIMIT_MS = Number(process.env.GB_TEST_LIMIT_MS) || 60 * 60 * 1000;
const heldFile = join(mkdtempSync(join(tmpdir(), 'gb-held-')), 'held');
const guard = fileURLToPath(new URL('./test-exit-guard.cjs', import.meta.url));
const r = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    ['--test', '--test-concurrency=1', '--require', guard, '--test-reporter=spec', '--test-reporter-destination=stderr', '--test-reporter=tap', '--test-reporter-destination=stdout', ...files],
    { stdio: ['inherit', 'pipe', 'inherit'], detached: true, env: { ...process.env, GB_TEST_HELD: heldFile } },
  );
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => (killGroup(), process.exit(1)));
  const out = [];
  child.stdout.on('data', (b) => out.push(b));
  let hung = false;
  const timer = setTimeout(() => ((hung = true), killGroup()), LIMIT_MS);
  child.on('error', (error) => (clearTimeout(timer), resolve({ error, stdout: '', status: null })));
  child.on('close', (status) => {
    clearTimeout(timer);
    // Not the group now: daemons a test started on purpose (the test bed's) stay for the suites after.
    resolve({ stdout: Buffer.concat(out).toString('utf8'), status, ...(hung ? { error: { code: 'ETIMEDOUT' } } : {}) });
  });
});
const held = readFileSync(heldFile, { encoding: 'utf8', flag: 'a+' }).split('\n').filter(Boolean);
rmSync(dirname(heldFile), { recursive: true, force: true });
if (r.error) {
  const hung = r.error.code === 'ETIMEDOUT';
  console.error(hung ? `run-node-tests: ${label} did not end within ${LIMIT_MS / 60000} min (a test that never ends?): stopped, counted as failed` : `run-node-tests: the test runner could not run: ${r.error.message}`);
  process.exit(1);
}
const report = r.stdout;
const num = (k) => Number(report.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? NaN);
const pass = num('pass');
// A test cancelled because its suite's hook failed did not pass: it counts as failed.
const cancelled = num('cancelled') || 0;
let fail = num('fail') + cancelled;
const skipped = (num('skipped') || 0) + (num('todo') || 0);
if (Number.isNaN(pass)) {
  console.error(`run-node-tests: the test runner printed no summary (exit ${r.status})`);
  process.exit(1);
}
if (cancelled > 0) console.error(`run-node-tests: ${cancelled} test(s) CANCELLED in ${label} (a failed hook or timeout): counted as failed`);
if (r.status !== 0 && fail === 0) {
  console.error(`run-node-tests: the test runner exited ${r.status} with no failed test in its summary (a file or hook failed outside any test): counted as one failure`);
  fail = 1;
}
if (skipped > 0) console.error(`run-node-tests: ${skipped} test(s) SKIPPED or TODO in ${label} (see above): a skipped test fails the run`);
if (process.env.GB_TEST_FAILURES) {
  const lines = failuresOf(report).map((f) => `${label}: ${f}`);
  if (fail > 0 && lines.length === 0) lines.push(`${label}: failed outside any test (see the report above)`);
  if (lines.length) appendFileSync(process.env.GB_TEST_FAILURES, lines.join('\n') + '\n');
}
if (process.env.GB_TEST_TALLY) appendFileSync(process.env.GB_TEST_TALLY, `${label} ${pass} ${fail} ${skipped || 0}\n`);
// Not a verdict, and not hidden either: the end of the run says which files held it open.
for (const h of held) console.error(`run-node-tests: held open: ${h}`);
if (process.env.GB_TEST_HELD_LOG && held.length) appendFileSync(process.env.GB_TEST_HELD_LOG, held.map((h) => `${label}: ${h}`).join('\n') + '\n');
console.log(`${label}: ${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(r.status === 0 && fail === 0 && skipped === 0 && pass > 0 ? 0 : 1);

/**
 * Each failed test of a TAP report, as "suite > test: the error's first lines", so the end of a
 * long run names what failed even when only its last lines are kept. A suite that failed only
 * because a test under it did is not named again; a failed hook is, under its suite.
 */
function failuresOf(tap) {
  const out = [];
  const names = [];
  const lines = tap.split('\n');
  for (let i = 0; i < lines.length && out.length < 50; i++) {
    const sub = /^( *)# Subtest: (.*)$/.exec(lines[i]);
    if (sub) {
      names[sub[1].length / 4] = sub[2];
      names.length = sub[1].length / 4 + 1;
      continue;
    }
    const no = /^( *)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!no) continue;
    const depth = no[1].length / 4;
    const yaml = [];
    for (let j = i + 1; j < lines.length && j < i + 400 && !/^ *\.\.\.$/.test(lines[j]); j++) yaml.push(lines[j].trim());
    const type = yaml.find((l) => l.startsWith('failureType:')) ?? '';
    if (type.includes('subtestsFailed')) continue;
    const at = yaml.findIndex((l) => l.startsWith('error:'));
    let error = at < 0 ? type : yaml[at].slice(6).trim();
    if (/^[|>]-?$/.test(error)) error = yaml.slice(at + 1, at + 6).filter((l) => !/^[a-zA-Z]+:/.test(l)).join(' / ');
    else if (/^'.*'$/.test(error)) error = error.slice(1, -1).replace(/''/g, "'");
    out.push(`${[...names.slice(0, depth), no[2]].join(' > ')}${type.includes('hookFailed') ? ' (a hook)' : ''}: ${error.slice(0, 400)}`);
  }
  return out;
}
