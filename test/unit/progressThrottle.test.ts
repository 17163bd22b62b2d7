// The host posts to a progress webview at most once a second, whatever the sampling rate, and
// always ends with the latest value of each kind.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageThrottle, type Timers } from '../../src/extension/progress/messageThrottle';
import type { HostMessage } from '../../src/webview/protocol';

function fakeTimers() {
  let now = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      queue.push({ at: now + ms, fn, id: ++ids });
      return ids;
    },
    clearTimeout: (h) => {
      queue = queue.filter((q) => q.id !== h);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = queue.filter((q) => q.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      queue = queue.filter((q) => q !== next);
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { timers, advance, now: () => now };
}

test('ten samples a second become one post a second, with the latest sample', () => {
  const clock = fakeTimers();
  const posts: { at: number; m: HostMessage }[] = [];
  const th = new MessageThrottle((m) => posts.push({ at: clock.now(), m }), 1000, clock.timers);
  for (let i = 0; i < 50; i++) {
    th.queue({ type: 'sample', t: i * 100, bytes: i });
    clock.advance(100);
  }
  clock.advance(2000);
  for (let i = 1; i < posts.length; i++) assert.ok(posts[i].at - posts[i - 1].at >= 1000, 'posted twice within a second');
  assert.ok(posts.length >= 5 && posts.length <= 6, `${posts.length} posts`);
  assert.deepEqual(posts.at(-1)!.m, { type: 'sample', t: 4900, bytes: 49 });
});

test('several kinds in one second go as one batch, the state last', () => {
  const clock = fakeTimers();
  const posts: HostMessage[] = [];
  const th = new MessageThrottle((m) => posts.push(m), 1000, clock.timers);
  th.queue({ type: 'sample', t: 1, bytes: 1 });
  th.queue({ type: 'state', state: 'completed', exitCode: 0 });
  th.queue({ type: 'sample', t: 2, bytes: 2 });
  th.queue({ type: 'warnings', count: 1, last: ['x'] });
  clock.advance(1000);
  assert.equal(posts.length, 2);
  assert.deepEqual(posts[1], {
    type: 'batch',
    messages: [
      { type: 'sample', t: 2, bytes: 2 },
      { type: 'warnings', count: 1, last: ['x'] },
      { type: 'state', state: 'completed', exitCode: 0 },
    ],
  });
});

test('a read-data run’s members go in the batch before its end: none is dropped for want of a place', () => {
  const clock = fakeTimers();
  const posts: HostMessage[] = [];
  const th = new MessageThrottle((m) => posts.push(m), 1000, clock.timers);
  th.queue({ type: 'sample', t: 1, bytes: 1 });
  th.queue({ type: 'state', state: 'completed', exitCode: 0, reason: 'done' });
  th.queue({ type: 'readData', phase: 'reading data', members: 39, membersTotal: 40 });
  th.queue({ type: 'readData', phase: 'saving the report beside the archive', members: 40, membersTotal: 40 });
  th.queue({ type: 'target', bytes: 9, sourceBytes: 9, estimated: false });
  clock.advance(1000);
  assert.equal(posts.length, 2);
  assert.deepEqual(posts[1], {
    type: 'batch',
    messages: [
      { type: 'target', bytes: 9, sourceBytes: 9, estimated: false },
      { type: 'readData', phase: 'saving the report beside the archive', members: 40, membersTotal: 40 },
      { type: 'state', state: 'completed', exitCode: 0, reason: 'done' },
    ],
  });
});

test('reset drops what is pending (an init carried it)', () => {
  const clock = fakeTimers();
  const posts: HostMessage[] = [];
  const th = new MessageThrottle((m) => posts.push(m), 1000, clock.timers);
  th.queue({ type: 'sample', t: 1, bytes: 1 });
  th.queue({ type: 'sample', t: 2, bytes: 2 });
  th.reset();
  clock.advance(5000);
  assert.equal(posts.length, 1);
});
