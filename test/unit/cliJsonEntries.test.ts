import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { writeJsonWithEntries } from '../../src/cli/jsonEntries';

/** A stream that takes one small write at a time and answers later, so write() says "wait". */
function slowSink(): { stream: Writable; text: () => string; waits: () => number } {
  let out = '';
  let waits = 0;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      setImmediate(cb);
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string) => {
    const ok = write(chunk);
    if (!ok) waits++;
    return ok;
  }) as typeof stream.write;
  return { stream, text: () => out, waits: () => waits };
}

const head = { dryRun: true, node: 'node1', plan: { write: { count: 2 } }, refusals: [] };

for (const n of [0, 1, 3, 5000]) {
  test(`the document with ${n} entries is the same JSON as stringified whole`, async () => {
    const entries = Array.from({ length: n }, (_, i) => ({ path: `dir/${'x'.repeat(i % 200)}/f${i}\n"quoted"`, action: i % 2 ? 'write' : 'skip', size: i }));
    const sink = slowSink();
    await writeJsonWithEntries(sink.stream, head, entries);
    assert.deepEqual(JSON.parse(sink.text()), { ...head, entries });
    assert.ok(sink.text().endsWith('\n'));
    // 5000 entries of up to 230 bytes cross the 64 KiB chunk: it waited for the sink.
    if (n === 5000) assert.ok(sink.waits() >= 2, `waited ${sink.waits()} times`);
  });
}

test('an empty head still gets its entries, and no entries means no array', async () => {
  const a = slowSink();
  await writeJsonWithEntries(a.stream, {}, [{ path: 'a' }]);
  assert.deepEqual(JSON.parse(a.text()), { entries: [{ path: 'a' }] });
  const b = slowSink();
  await writeJsonWithEntries(b.stream, head, undefined);
  assert.deepEqual(JSON.parse(b.text()), head);
});

test('entries are read once, as they are written', async () => {
  let made = 0;
  function* lazy() {
    for (let i = 0; i < 4; i++) {
      made++;
      yield { i };
    }
  }
  const s = slowSink();
  await writeJsonWithEntries(s.stream, head, { [Symbol.iterator]: lazy });
  assert.equal(made, 4);
  assert.deepEqual(JSON.parse(s.text()).entries, [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
});
