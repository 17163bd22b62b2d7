// Property tests of the --read-data-subset state file read back from beside an archive on the
// node (parseReadDataState): the file as written, mutated at random (bytes flipped, cut,
// duplicated, dropped; numbers rewritten), any value in any field, and any state written: a
// state the next slice can use, read back as written, or the guard's ReadDataStateError,
// nothing else. The example-based checks of each field are in readData.test.ts. Fixed seed:
// the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_READ_DATA_STATE_BYTES, ReadDataStateError, nextSlice, parseReadDataState, serializeReadDataState, type ReadDataState } from '../../src/core/validate/readDataState';
import { textMutation } from './helpers/archiveMutator';
import { mutatedRecord, mutation } from './helpers/textMutation';

const SEED = 20261216;
/** As a 10% run writes it after its third slice of an archive of 40 members. */
const STATE: ReadDataState = { version: 1, archiveBytes: 123456789, members: 40, position: 3000, runs: 3, updatedAt: '2026-12-04T10:00:00.000Z' };

/** What any state the guard lets through must be: within the cycle, usable by nextSlice, and read back the same. */
function assertSound(s: ReadDataState, text: string): void {
  assert.equal(s.version, 1);
  for (const n of [s.archiveBytes, s.members, s.position, s.runs]) assert.ok(Number.isSafeInteger(n) && n >= 0, `${n} in ${text}`);
  assert.ok(s.position < 10_000 && s.runs <= 1_000_000, text);
  assert.ok(s.updatedAt.length <= 40 && !Number.isNaN(Date.parse(s.updatedAt)), s.updatedAt);
  assert.deepEqual(Object.keys(s).sort(), Object.keys(STATE).sort());
  assert.deepEqual(parseReadDataState(Buffer.from(serializeReadDataState(s))), s);
  const slice = nextSlice(s, s.archiveBytes, s.members, 1000);
  assert.ok(Number.isSafeInteger(slice.from) && Number.isSafeInteger(slice.to) && 0 <= slice.from && slice.from <= slice.to && slice.to <= s.members, JSON.stringify(slice));
}

/** Parses `buf`: true when read (and sound), false when the guard refused it; anything else fails. */
function readOrRefused(buf: Buffer): boolean {
  let s: ReadDataState;
  try {
    s = parseReadDataState(buf);
  } catch (e) {
    assert.ok(e instanceof ReadDataStateError, String((e as Error)?.stack ?? e));
    assert.ok(e.message.length <= 400, e.message);
    return false;
  }
  assertSound(s, buf.toString('latin1'));
  return true;
}

test('property: the state file mutated at random is a sound state or the guard\'s refusal', () => {
  const good = serializeReadDataState(STATE);
  assert.deepEqual(parseReadDataState(Buffer.from(good)), STATE);
  const seen = { read: 0, refused: 0 };
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), fc.array(mutation, { maxLength: 3 }), (bytes, texts) => {
      const mutated = mutatedRecord(good, bytes, texts);
      seen[readOrRefused(mutated) ? 'read' : 'refused']++;
    }),
    { seed: SEED, numRuns: 2000, includeErrorInReport: true },
  );
  assert.ok(seen.read > 0 && seen.refused > 0, JSON.stringify(seen));
});

test('property: any value in any field, or any field added, or any bytes: a sound state or the guard\'s refusal', () => {
  const field = fc.constantFrom(...Object.keys(STATE), 'extra', '__proto__', 'constructor');
  // Strings of any code unit, numbers at every edge, and what JSON cannot say.
  const value = fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: -2, max: 2 ** 33 }), fc.constantFrom(9999, 10_000, 1_000_000, 1_000_001, 2 ** 53, 2 ** 53 - 1, -0), fc.double());
  const edited = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce((text, [k, v]) => text.replace(/}$/, `,${JSON.stringify(k)}:${JSON.stringify(v)}}`), JSON.stringify(STATE)));
  fc.assert(
    fc.property(fc.oneof({ arbitrary: edited.map((t) => Buffer.from(t)), weight: 4 }, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? ''))), (buf) => {
      readOrRefused(buf);
    }),
    { seed: SEED, numRuns: 3000, includeErrorInReport: true },
  );
  assert.throws(() => parseReadDataState(Buffer.alloc(MAX_READ_DATA_STATE_BYTES + 1, 0x20)), ReadDataStateError);
});

test('property: every state a run writes is read back as written', () => {
  const state = fc.record({
    version: fc.constant(1 as const),
    archiveBytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    members: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    position: fc.nat(9999),
    runs: fc.nat(1_000_000),
    updatedAt: fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString()),
  });
  fc.assert(
    fc.property(state, (drawn) => {
      // fast-check's records have no prototype; the guard returns plain objects.
      const s: ReadDataState = { ...drawn };
      assert.deepEqual(parseReadDataState(Buffer.from(serializeReadDataState(s))), s);
    }),
    { seed: SEED, numRuns: 1000, includeErrorInReport: true },
  );
});
