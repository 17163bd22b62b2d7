// --json's stderr: every line one JSON object, messages and status lines in the order written;
// --read-data's status lines from a pinned clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ndjsonIo, statusFigures, type NdjsonLine, type StatusLine } from '../../src/cli/ndjson';
import { readDataStatus } from '../../src/cli/validate';

function capture() {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (b: Buffer) => (text += b.toString()));
  const { io, flush } = ndjsonIo({ stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} });
  return { io, flush, lines: () => text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as NdjsonLine), text: () => text };
}

test('text written in any pieces becomes one message line per line, in order with status lines; blank lines are dropped', () => {
  const c = capture();
  const status: StatusLine = { message_type: 'status', kind: 'backup', job: 'j', node: 'n', ...statusFigures({ now: 2000, since: 0, bytes: 5, total: 10, rate: 2.4, finishAt: 4600 }), warnings: 0 };
  c.io.stderr.write('preflight (tar will run on node1):\n  ok   Nodes: 3 of');
  c.io.stderr.write(' 3 reachable\n\n');
  c.io.status!(status);
  c.io.stderr.write('tar: ./a "quoted"\\name: file changed as we read it\nno newline at the end');
  c.flush();
  assert.ok(c.text().endsWith('\n'));
  assert.deepEqual(c.lines(), [
    { message_type: 'message', text: 'preflight (tar will run on node1):' },
    { message_type: 'message', text: '  ok   Nodes: 3 of 3 reachable' },
    { message_type: 'status', kind: 'backup', job: 'j', node: 'n', seconds_elapsed: 2, bytes_done: 5, total_bytes: 10, percent_done: 0.5, rate: 2, eta_seconds: 3, warnings: 0 },
    { message_type: 'message', text: 'tar: ./a "quoted"\\name: file changed as we read it' },
    { message_type: 'message', text: 'no newline at the end' },
  ]);
});

test('figures not known yet are null, never a guess; done past the target is 100%', () => {
  assert.deepEqual(statusFigures({ now: 500, since: 1000, bytes: 0, total: undefined, rate: undefined, finishAt: undefined }), {
    seconds_elapsed: 0,
    bytes_done: 0,
    total_bytes: null,
    percent_done: null,
    rate: null,
    eta_seconds: null,
  });
  assert.equal(statusFigures({ now: 0, since: 0, bytes: 12, total: 10, rate: 1, finishAt: undefined }).percent_done, 1);
});

test('--read-data with --json: a status line a second at most, and always the last member', () => {
  const lines: StatusLine[] = [];
  let now = 1_000_000;
  const bar = readDataStatus((s) => lines.push(s), () => now);
  for (let i = 1; i <= 40; i++) {
    bar.update({ members: i, bytes: i * 2 ** 20, membersTotal: 40, bytesTotal: 40 * 2 ** 20 });
    now += 250;
  }
  bar.end();
  // Updates at 0, 250, …, 9750 ms: one line per whole second (10), plus the 40th member.
  assert.deepEqual(lines.map((l) => l.members_done), [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 40]);
  const last = lines[lines.length - 1];
  assert.deepEqual({ ...last, rate: typeof last.rate, eta_seconds: last.eta_seconds }, {
    message_type: 'status',
    kind: 'read-data',
    seconds_elapsed: 10,
    bytes_done: 40 * 2 ** 20,
    total_bytes: 40 * 2 ** 20,
    percent_done: 1,
    rate: 'number',
    eta_seconds: null,
    members_done: 40,
    total_members: 40,
  });
  // 4 MiB/s: one MiB every 250 ms.
  assert.ok(Math.abs(lines[8].rate! - 4 * 2 ** 20) < 0.05 * 4 * 2 ** 20, String(lines[8].rate));
});
