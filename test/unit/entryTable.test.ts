// The table keeps its keys as bytes in chunks: reading a key back, sorting and looking up must
// give exactly what the same keys as strings give, whatever their bytes and lengths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EntryTable, findKey, lastCopies, lowerBound, storedNames, storedNamesOf } from '../../src/core/archive';

/** A latin1 key (one char per byte) from a small alphabet, so keys share prefixes and repeat. */
const byteKey = (maxLength: number) =>
  fc.array(fc.constantFrom(0x2f, 0x61, 0x62, 0x7f, 0x80, 0xe9, 0xff), { maxLength }).map((a) => String.fromCharCode(...a));

/** Keys of every length: empty, short, around 128 bytes, a few hundred. */
const anyKey = fc.oneof(byteKey(6), byteKey(40), fc.constantFrom(127, 128, 129, 300).chain((n) => byteKey(4).map((k) => k + 'a'.repeat(n - k.length))));

function table(keys: string[]): EntryTable {
  const t = new EntryTable();
  keys.forEach((k, i) => t.push(k, 'file', i, 0));
  return t;
}

/** What the table replaced: a string sort, equal keys in row order. */
function stringOrder(keys: string[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
}

function naiveLowerBound(keys: string[], rows: Uint32Array, key: string): number {
  let p = 0;
  while (p < rows.length && keys[rows[p]] < key) p++;
  return p;
}

test('keys come back byte for byte, and sort and look up as the strings do', () => {
  fc.assert(
    fc.property(fc.array(anyKey, { maxLength: 60 }), fc.array(anyKey, { maxLength: 20 }), (keys, probes) => {
      const t = table(keys);
      assert.equal(t.length, keys.length);
      keys.forEach((k, i) => assert.equal(t.key(i), k));
      assert.deepEqual([...t.sortedOrder()], stringOrder(keys));
      const { rows, duplicates } = lastCopies(t);
      assert.equal(duplicates, keys.length - new Set(keys).size);
      // Each table key, a prefix of it, one longer and the other probes.
      for (const k of [...keys, ...keys.map((k) => k.slice(0, k.length >> 1)), ...keys.map((k) => k + '\xff'), ...probes]) {
        const want = naiveLowerBound(keys, rows, k);
        assert.equal(lowerBound(t, rows, k), want, JSON.stringify(k));
        const found = findKey(t, rows, k);
        assert.equal(found, want < rows.length && keys[rows[want]] === k ? want : -1);
        if (found >= 0) assert.equal(t.key(rows[found]), k);
      }
    }),
    { numRuns: 300 },
  );
});

test('the last copy of a repeated key is the one kept, with its row', () => {
  const t = table(['b', 'a', 'b', 'ab', 'b']);
  const { rows, duplicates } = lastCopies(t);
  assert.equal(duplicates, 2);
  assert.deepEqual([...rows].map((r) => [t.key(r), t.size(r)]), [['a', 1], ['ab', 3], ['b', 4]]);
});

test('byte order, not the order of decoded names: 0x7f before 0x80 before 0xff, a prefix first', () => {
  const keys = ['\xff', 'a\x80', 'a', '\x7f', 'a\x7f', '', 'a/b', 'a\xe9'];
  const t = table(keys);
  assert.deepEqual([...t.sortedOrder()].map((r) => t.key(r)), ['', 'a', 'a/b', 'a\x7f', 'a\x80', 'a\xe9', '\x7f', '\xff']);
});

test('keys at and past the chunk sizes: one that fills a chunk, one longer than any chunk', () => {
  // The first chunk holds 16 KiB: after 'a', a key of 16 KiB less one byte fills it exactly,
  // the next starts a new chunk; a key over 1 MiB (the largest chunk) gets a chunk of its own.
  const fill = 'f'.repeat(16 * 1024 - 1);
  const huge = 'h'.repeat(1024 * 1024 + 1);
  const keys = ['a', fill, 'b', huge, 'c', 'x'.repeat(128), 'y'.repeat(127)];
  for (let i = 0; i < 3000; i++) keys.push(`d/${i}/${'z'.repeat(i % 200)}`);
  const t = table(keys);
  keys.forEach((k, i) => assert.equal(t.key(i), k, `row ${i}`));
  assert.deepEqual([...t.sortedOrder()], stringOrder(keys));
  const { rows } = lastCopies(t);
  for (const k of [fill, huge, 'x'.repeat(128), 'y'.repeat(127), 'd/2999/' + 'z'.repeat(199)]) assert.equal(t.key(rows[findKey(t, rows, k)]), k);
  assert.equal(findKey(t, rows, huge + 'h'), -1);
  assert.equal(findKey(t, rows, fill.slice(1)), -1);
});

test('the names of chosen rows for tar --files-from: each key\'s bytes, ./ before it or not, a NUL after; the same from strings', () => {
  fc.assert(
    fc.property(fc.array(anyKey, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (keys, picks, dotSlash) => {
      const t = table(keys);
      const rows = Uint32Array.from(keys.length ? picks.map((p) => p % keys.length) : []);
      const want = Buffer.concat([...rows].flatMap((r) => [Buffer.from(dotSlash ? './' : ''), Buffer.from(keys[r], 'latin1'), Buffer.from([0])]));
      assert.deepEqual(storedNamesOf(t, rows, dotSlash ? 1 : 0), want);
      assert.deepEqual(storedNames([...rows].map((r) => keys[r]), dotSlash ? 1 : 0), want);
    }),
    { numRuns: 200 },
  );
});
