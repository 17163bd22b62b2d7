import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countEvents, parseTarLine } from '../../src/core/backup/tarWarnings';
import { LineSplitter, MAX_LOG_LINE } from '../../src/core/lineSplitter';
import fc from 'fast-check';

test('the messages GNU tar prints are typed', () => {
  const cases: [string, string, string | undefined, string][] = [
    ['tar: ./a/b c: file changed as we read it', 'changed', './a/b c', 'warning'],
    ['tar: ./x: File removed before we read it', 'removed', './x', 'warning'],
    ['tar: ./big: File shrank by 1024 bytes; padding with zeros', 'shrank', './big', 'warning'],
    ['tar: ./s: socket ignored', 'socketIgnored', './s', 'warning'],
    ['tar: ./p: Cannot open: Permission denied', 'cannotOpen', './p', 'warning'],
    ['tar: /b/x.tar.partial: Cannot write: No space left on device', 'noSpace', '/b/x.tar.partial', 'error'],
    ['tar: /b/x.tar.partial: Wrote only 8192 of 10240 bytes', 'noSpace', '/b/x.tar.partial', 'error'],
    ['tar: Error is not recoverable: exiting now', 'fatal', undefined, 'error'],
    ['tar: Exiting with failure status due to previous errors', 'fatal', undefined, 'error'],
    ['pigz: abort: write error on <stdout>', 'other', undefined, 'error'],
  ];
  for (const [line, kind, p, sev] of cases) {
    const e = parseTarLine(line)!;
    assert.equal(e.kind, kind, line);
    assert.equal(e.path, p, line);
    assert.equal(e.severity, sev, line);
  }
  assert.equal(parseTarLine(''), undefined);
});

test('real GNU tar output for an unreadable file parses', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-tarw-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'secret'), 'x');
  fs.chmodSync(path.join(dir, 'secret'), 0);
  // As root the file stays readable; run tar as nobody so that open fails for real.
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'tar', '-cf', '-', '-C', dir, '.'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const lines = r.stderr.split('\n').filter(Boolean);
  const events = lines.map(parseTarLine);
  assert.ok(events.some((e) => e?.kind === 'cannotOpen' && e.path === './secret'), r.stderr);
  assert.equal(countEvents(events.filter((e) => e !== undefined)).cannotOpen, 1);
  execFileSync('rm', ['-rf', dir]);
});

test('lines split across chunks are joined', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('tar: a: file chan'), []);
  assert.deepEqual(s.push('ged as we read it\ntar: b'), ['tar: a: file changed as we read it']);
  assert.deepEqual(s.flush(), ['tar: b']);
});

test('a log without newlines from the node: the splitter holds at most one line of 64 KiB, gives it out cut once, and the next line whole', () => {
  const s = new LineSplitter();
  const mib = 'x'.repeat(1 << 20);
  const out: string[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(...s.push(mib));
    assert.ok(s.held <= MAX_LOG_LINE, `held ${s.held} after ${i + 1} MiB`);
  }
  assert.deepEqual(out.map((l) => l.length), [MAX_LOG_LINE + ' [cut: the line is longer than 64 KiB]'.length]);
  assert.ok(out[0].endsWith(' [cut: the line is longer than 64 KiB]'));
  assert.deepEqual(s.push('tail of it\ntar: ./a: file changed as we read it\n'), ['tar: ./a: file changed as we read it']);
  assert.deepEqual(s.flush(), []);
  // A long line inside one chunk is cut too; one of exactly the bound is whole.
  assert.deepEqual(new LineSplitter().push('y'.repeat(MAX_LOG_LINE) + '\n').map((l) => l.length), [MAX_LOG_LINE]);
  assert.deepEqual(new LineSplitter().push('y'.repeat(MAX_LOG_LINE + 1) + '\nz\n').map((l) => l.slice(-3)), ['KiB]', 'z'].map((x) => x.slice(-3)));
});

test('property: any chunking of lines under the bound gives the lines of the whole text', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 40 }).map((l) => l.replace(/\n/g, '')), { maxLength: 30 }), fc.array(fc.nat(60), { maxLength: 20 }), fc.boolean(), (lines, cuts, endNl) => {
      const text = lines.join('\n') + (endNl && lines.length ? '\n' : '');
      const s = new LineSplitter();
      const got: string[] = [];
      let at = 0;
      for (const c of cuts) {
        got.push(...s.push(text.slice(at, at + c)));
        at += c;
      }
      got.push(...s.push(text.slice(at)), ...s.flush());
      const want = text === '' ? [] : text.split('\n');
      if (want.length && want[want.length - 1] === '') want.pop();
      assert.deepEqual(got, want);
    }),
    { seed: 20261206, numRuns: 1000 },
  );
});

test("a node's line of repeated phrases ending in U+2028 or \\r is read within the hang guard, and classed as tar's form says", { timeout: 30_000 }, () => {
  // Found by jobLinesProperty.test.ts: each `: Cannot write: ` made the first group backtrack to
  // it and `(.*)$` fail at the U+2028; 272 KB took 1.8 s, the 8 MiB a job's end reads, minutes.
  // No clock is read: the test's timeout is a hang guard the old rules exceed many times over;
  // the speed itself is the benchmarks' to measure.
  for (const phrase of [': Cannot write: ', ': Cannot open: ', ': Read error at byte ', ': Wrote only 1 of ', ': File shrank by 9']) {
    const line = `tar: ${phrase.repeat((8 << 20) / phrase.length)}\u2028`;
    const e = parseTarLine(line)!;
    assert.ok(e.message.length === line.length - 5, phrase);
  }
  assert.deepEqual(parseTarLine('tar: ./a\rb: Cannot open: Permission denied'), { kind: 'cannotOpen', path: './a\rb', message: './a\rb: Cannot open: Permission denied', severity: 'warning' });
  assert.deepEqual(parseTarLine('tar: ./a: Cannot write: No space\u2028left'), { kind: 'writeError', path: './a', message: './a: Cannot write: No space\u2028left', severity: 'error' });
});
