// Property tests of the small parsers of what a node sends as lines: the job's status file, the
// restore wait's read positions, docker's event stream, and the NUL-terminated records of find's
// and stat's listings. Valid forms mutated byte by byte,
// and arbitrary text: each parser answers with a bounded value or "nothing", never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseStatus, restoreWaitPositions } from '../../src/core/backup/jobScript';
import { EventActions, eventAction } from '../../src/core/docker/events';
import { LineSplitter, MAX_LOG_LINE, NulRecords } from '../../src/core/lineSplitter';

const RUNS = { seed: 20261206, numRuns: 3000 };

/** A valid form with up to three edits: a character replaced, inserted or removed. */
function mutated(seeds: string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(' ', '\n', '-', '.', '9', '0', 'x', '%', '"', '{', '}', '\0', 'é'));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 3 })).map(([s, edits]) => {
    let out = s;
    for (const [at, kind, ch] of edits) {
      const i = out.length ? at % (out.length + 1) : 0;
      out = kind === 'replace' ? out.slice(0, i) + ch + out.slice(i + 1) : kind === 'insert' ? out.slice(0, i) + ch + out.slice(i) : out.slice(0, i) + out.slice(i + 1);
    }
    return out;
  });
}

test('the status file: examples of each form and the edges of each bound', () => {
  assert.deepEqual(parseStatus('running 4294967295 1 1796125123.1\n'), { phase: 'running', shPid: 4294967295, tarPid: 1, at: 1796125123100 });
  assert.deepEqual(parseStatus('running 12345678901 1'), { phase: 'none' }, 'a pid of 11 digits');
  assert.deepEqual(parseStatus('exit 255'), { phase: 'exit', code: 255 });
  assert.deepEqual(parseStatus('exit 256'), { phase: 'none' });
  assert.deepEqual(parseStatus('exit 0 1796125124.1234567890'), { phase: 'exit', code: 0 }, 'ten fraction digits are not date +%N: the time is left out');
  assert.deepEqual(parseStatus('exit 0 trailing words'), { phase: 'none' });
  assert.deepEqual(parseStatus('exit 0\nrunning 1 2'), { phase: 'none' }, 'two lines are no status');
  assert.deepEqual(parseStatus('exit 1e2'), { phase: 'none' });
});

test('property: the status file, mutated or arbitrary, gives a bounded status or none', () => {
  const seeds = ['running 12 34\n', 'running 12 34 1796125123.158955685\n', 'exit 0 1796125124.000400000\n', 'exit 2 1796125124.%N\n', 'exit 143\n'];
  fc.assert(
    fc.property(fc.oneof(mutated(seeds), fc.string({ maxLength: 80 })), (text) => {
      const s = parseStatus(text);
      if (s.phase === 'running') {
        for (const pid of [s.shPid, s.tarPid]) assert.ok(Number.isSafeInteger(pid) && pid >= 0 && pid <= 9999999999, text);
      } else if (s.phase === 'exit') {
        assert.ok(Number.isInteger(s.code) && s.code >= 0 && s.code <= 255, text);
      } else assert.deepEqual(s, { phase: 'none' });
      if (s.phase !== 'none' && s.at !== undefined) assert.ok(Number.isSafeInteger(s.at) && s.at >= 0, text);
    }),
    RUNS,
  );
});

test('property: read positions, mutated or arbitrary, are safe integers, one a line at most', () => {
  const seeds = ['pos 0\npos 1048576\n', 'pos 999999999999999\n', '.\npos 12\n.\n'];
  fc.assert(
    fc.property(fc.oneof(mutated(seeds), fc.string({ maxLength: 80 })), (text) => {
      const p = restoreWaitPositions(text);
      assert.ok(p.length <= text.split('\n').length);
      for (const n of p) assert.ok(Number.isSafeInteger(n) && n >= 0, `${n} from ${JSON.stringify(text)}`);
    }),
    RUNS,
  );
  assert.deepEqual(restoreWaitPositions('pos 9999999999999999\n'), [], 'sixteen digits could pass the safe integers');
});

test("docker's events: the action of an object line, else nothing", () => {
  assert.equal(eventAction('{"status":"die","id":"x","Action":"die"}'), 'die');
  assert.equal(eventAction('{"status":"start"}'), 'start');
  assert.equal(eventAction('{"Type":"container"}'), 'unknown');
  for (const line of ['', '   ', 'null', '[]', '"die"', '{"Action":5}', '{"Action":null}', '{"Action"', 'not json', '{"status":{}}']) assert.equal(eventAction(line), undefined, line);
  assert.equal(eventAction(`{"Action":"${'a'.repeat(1000)}"}`)?.length, 200);
});

test("property: docker's event lines, mutated or arbitrary, give a short action or nothing; the stream's lines stay bounded", () => {
  const seeds = ['{"status":"die","id":"abc","from":"gluster","Type":"container","Action":"die","Actor":{"ID":"abc"}}', '{"Action":"exec_start: gluster volume list"}', '{"status":"start"}'];
  fc.assert(
    fc.property(fc.oneof(mutated(seeds), fc.string({ maxLength: 120 }), fc.json()), (line) => {
      const a = eventAction(line);
      assert.ok(a === undefined || (typeof a === 'string' && a.length <= 200), JSON.stringify(line));
    }),
    RUNS,
  );
  // A stream with no newline: the splitter holds at most one line's bound.
  const s = new LineSplitter();
  for (let i = 0; i < 4; i++) s.push('{'.repeat(1 << 20));
  assert.ok(s.held <= MAX_LOG_LINE);
});

test("docker's event stream cut anywhere, a character's bytes between two chunks too: the same actions as whole, our exec_* events left out", () => {
  const stream = Buffer.from(['{"Action":"start","Actor":{"Attributes":{"owner":"équipe ☃"}}}', '{"Action":"exec_start: gluster volume list"}', '{"Action":"redémarré"}', '{"status":"die"}', ''].join('\n'));
  const expected = ['start', 'redémarré', 'die'];
  assert.deepEqual(new EventActions().push(stream), expected);
  for (let cut = 0; cut <= stream.length; cut++) {
    const e = new EventActions();
    assert.deepEqual([...e.push(stream.subarray(0, cut)), ...e.push(stream.subarray(cut))], expected, `cut at ${cut}`);
  }
  const e = new EventActions();
  const byByte: string[] = [];
  for (let i = 0; i < stream.length; i++) byByte.push(...e.push(stream.subarray(i, i + 1)));
  assert.deepEqual(byByte, expected, 'a byte at a time');
});

const EVENT_SEEDS = ['{"status":"die","Type":"container","Action":"die","Actor":{"Attributes":{"owner":"équipe ☃"}}}', '{"Action":"exec_start: gluster volume list"}', '{"Action":"redémarré"}'];

test("property: docker's event stream, event lines mutated and arbitrary bytes, in arbitrary chunks: short actions or none, never our exec_* ones, the same whatever the cuts", () => {
  fc.assert(
    fc.property(fc.array(mutated(EVENT_SEEDS), { maxLength: 4 }), fc.uint8Array({ maxLength: 100 }), fc.array(fc.nat(600), { maxLength: 6 }), (lines, bytes, cuts) => {
      // Event lines (with é and ☃ in them), mutated, then bytes of any kind.
      const b = Buffer.concat([Buffer.from(lines.map((l) => `${l}\n`).join('')), Buffer.from(bytes)]);
      const whole = new EventActions().push(b);
      const e = new EventActions();
      const got: string[] = [];
      let at = 0;
      for (const c of [...cuts].sort((x, y) => x - y)) {
        const to = Math.min(c, b.length);
        got.push(...e.push(b.subarray(at, Math.max(at, to))));
        at = Math.max(at, to);
      }
      got.push(...e.push(b.subarray(at)));
      assert.deepEqual(got, whole);
      for (const a of got) assert.ok(a.length <= 200 && !a.startsWith('exec_'), a);
    }),
    RUNS,
  );
});

test("property: NUL records, fed in any chunks, are the stream's records at their offsets; the held tail stays bounded", () => {
  /** Each record as its fields and its offset, split from the whole stream at once. */
  const whole = (b: Buffer, nuls: 1 | 2) => {
    const out: string[] = [];
    let p = 0;
    for (;;) {
      const z1 = b.indexOf(0, p);
      const z2 = z1 < 0 ? -1 : nuls === 1 ? z1 : b.indexOf(0, z1 + 1);
      if (z2 < 0) return { out, rest: b.length - p };
      out.push(`${p}:${b.toString('latin1', p, z1)}|${b.toString('latin1', z1 + 1, z2)}`);
      p = z2 + 1;
    }
  };
  const bytes = fc.array(fc.constantFrom(0, 0x61, 0x20, 0x0a, 0xff), { maxLength: 60 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(bytes, fc.array(fc.nat({ max: 61 }), { maxLength: 8 }), fc.constantFrom<1 | 2>(1, 2), (b, cuts, nuls) => {
      const r = new NulRecords(nuls, 1000, (m) => new Error(m));
      const got: string[] = [];
      let p = 0;
      for (const c of [...cuts.map((x) => Math.min(x, b.length)).sort((x, y) => x - y), b.length]) {
        r.push(b.subarray(p, Math.max(p, c)), (buf, start, z1, z2) => got.push(`${r.at(start)}:${buf.toString('latin1', start, z1)}|${buf.toString('latin1', z1 + 1, z2)}`));
        p = Math.max(p, c);
      }
      const want = whole(b, nuls);
      assert.deepEqual(got, want.out);
      if (want.rest) assert.throws(() => r.end('listing'), { message: `listing ends inside a record at byte ${b.length - want.rest}` });
      else r.end('listing');
    }),
    RUNS,
  );
  const r = new NulRecords(2, 10, (m) => new RangeError(m));
  r.push(Buffer.from('abc\0\0'), () => undefined);
  assert.throws(() => r.push(Buffer.from('0123456789x'), () => undefined), { name: 'RangeError', message: 'record longer than 10 bytes at byte 5' }, 'no end in the bound: refused, not held');
  const one = new NulRecords(1, 4, (m) => new Error(m));
  assert.throws(() => one.push(Buffer.from('ab\0abcde\0'), () => undefined), { message: 'record longer than 4 bytes at byte 3' }, 'a whole record over the bound is refused too');
});
