// The CLI's --read-data progress line: members and bytes done, rate and ETA, drawn in place on a
// terminal and every 10 s otherwise. A pinned clock: no real time is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readDataProgress } from '../../src/cli/validate';

function capture(tty: boolean) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  let now = 1_000_000;
  const bar = readDataProgress(out, tty, () => now);
  return { bar, advance: (ms: number) => (now += ms), text: () => text };
}

test('on a terminal: one line redrawn, with members, bytes, percent, rate and an ETA once stable', () => {
  const c = capture(true);
  const total = { membersTotal: 100, bytesTotal: 100 * 2 ** 20 };
  for (let i = 0; i <= 60; i++) {
    c.bar.update({ members: i, bytes: i * 2 ** 20, ...total });
    c.advance(500);
  }
  c.bar.end();
  const frames = c.text().split('\r\x1b[K').filter(Boolean);
  const last = frames[frames.length - 1];
  assert.match(last, /^read data: 60\/100 members, 60\.0 MiB of 100\.0 MiB \(60\.0%\), 2\.0 MiB\/s, ETA 20s, 30 s\n$/);
  assert.ok(frames.length > 20);
});

test('not a terminal: a plain line every 10 s, no control characters', () => {
  const c = capture(false);
  for (let i = 0; i <= 30; i++) {
    c.bar.update({ members: i, bytes: i * 1000, membersTotal: 30, bytesTotal: 30_000 });
    c.advance(1000);
  }
  c.bar.end();
  const lines = c.text().split('\n').filter(Boolean);
  assert.equal(lines.length, 4);
  assert.ok(lines.every((l) => l.startsWith('read data: ') && !l.includes('\x1b')));
});
