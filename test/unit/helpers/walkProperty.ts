// The header walk's property, run in a worker thread by archiveProperty.test.ts: a walk that
// went round in circles inside a buffer it already holds would never hand the event loop back,
// so no timer in its own thread could stop it; the test's thread can, by terminating this one.
import assert from 'node:assert/strict';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { DEFAULT_MAX_META_BYTES, DEVICE, indexArchive, type TarIndexResult } from '../../../src/core/archive';
import { countingReader } from './archiveCraft';
import { applyGz, applyTar, gzMutation, tarMutation } from './archiveMutator';

const WINDOW = 65536;

export type Verdicts = { complete: number; truncated: number; corrupt: number };

/**
 * What any verdict must look like, whatever the input. Members come in archive order from the
 * walk; a mutated listing can repeat or reorder its lines.
 */
export function assertVerdict(r: TarIndexResult, what: string, ordered = true): void {
  const p = r.problem;
  if (p) {
    assert.ok(p.kind === 'truncated' || p.kind === 'corrupt', what);
    assert.ok(Number.isSafeInteger(p.offset) && p.offset >= 0, `${what}: offset ${p.offset}`);
    assert.match(p.message, /\bbyte \d+/, what);
  }
  let last = -1;
  for (const e of r.entries) {
    if (ordered) assert.ok(e.offset! > last && e.offset! < r.tarBytes, `${what}: member at ${e.offset} after ${last}, walked ${r.tarBytes}`);
    else assert.ok(Number.isSafeInteger(e.offset) && e.offset! >= 0, `${what}: member at ${e.offset}`);
    last = e.offset!;
    assert.ok(Number.isFinite(e.size) && e.size >= 0 && Number.isFinite(e.mtime), `${what}: ${e.path} ${e.size} ${e.mtime}`);
    // A device's kind and numbers are kept only in their one form, and only for a device or fifo.
    if (e.meta?.device !== undefined) assert.ok(e.type === 'other' && DEVICE.test(e.meta.device), `${what}: ${e.path} ${e.type} device ${JSON.stringify(e.meta.device)}`);
  }
}

/** Mutated seeds, plain and gzip, through indexArchive: the verdicts reached, by kind. */
export async function walkProperty(seeds: Record<string, Buffer>, seed: number, numRuns: number): Promise<Verdicts> {
  const kinds: Verdicts = { complete: 0, truncated: 0, corrupt: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...Object.keys(seeds)),
      fc.array(tarMutation, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      // Mostly the tar inside is what is damaged: the gzip layer's CRC catches most of its own.
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: gzMutation, weight: 1 }),
      fc.constantFrom(undefined, 1024, 4096),
      async (name, mutations, gzip, gzMut, maxMetaBytes) => {
        const mutated = mutations.reduce(applyTar, seeds[name]);
        let bytes = mutated;
        if (gzip) {
          bytes = zlib.gzipSync(mutated);
          if (gzMut) bytes = applyGz(bytes, gzMut);
        }
        // One read per header at most, plus the magic; a loop that reads would run past this.
        const budget = Math.ceil(bytes.length / 512) + 4;
        const reader = countingReader(bytes, budget);
        const r = await indexArchive(reader, maxMetaBytes ? { maxMetaBytes } : {});
        const what = `${name} ${JSON.stringify(mutations, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `[${v.length} bytes]` : v))}`;
        assertVerdict(r, what);
        kinds[r.problem?.kind ?? 'complete']++;
        // What the walk holds at once: one read, at most the window or one extended header.
        assert.ok(reader.largest <= Math.max(WINDOW, maxMetaBytes ?? DEFAULT_MAX_META_BYTES), `${what}: a read of ${reader.largest}`);
        if (!gzip) {
          assert.ok(r.tarBytes <= bytes.length, what);
          // Positions only move forward: a block is read by at most two windows (and block 0
          // once more for the magic).
          assert.ok(reader.maxBlockReads() <= 3, `${what}: a block read ${reader.maxBlockReads()} times`);
        }
      },
    ),
    { seed, numRuns, includeErrorInReport: true },
  );
  return kinds;
}

if (!isMainThread && workerData?.walkProperty) {
  const { seeds, seed, numRuns } = workerData.walkProperty as { seeds: Record<string, Uint8Array>; seed: number; numRuns: number };
  // Buffers arrive as plain Uint8Arrays.
  const buffers = Object.fromEntries(Object.entries(seeds).map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.length)]));
  walkProperty(buffers, seed, numRuns).then(
    (kinds) => parentPort!.postMessage({ kinds }),
    (e: Error) => parentPort!.postMessage({ error: e.stack ?? String(e) }),
  );
}
