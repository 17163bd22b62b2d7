// The documents a gluster prompt prints, cut from its stdout however the stream chunks it: the
// recorded answers whole, at every split point, a byte at a time and at random splits (fixed
// seed) give the same documents; mutated answers and arbitrary bytes give documents that each
// end at their first end tag, no more text than came; a node's endless chunks cost time linear
// in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { CliDocuments, MAX_UNENDED_CHARS } from '../../src/core/gluster/cliDocuments';
import { SCENARIOS, samplesDir } from './helpers/samples';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261212;

/** Every recorded XML answer, as the prompt prints it (without the recorder's rc line). */
const FILES = SCENARIOS.flatMap((sc) =>
  fs
    .readdirSync(path.join(samplesDir(), sc))
    .filter((f) => f.endsWith('.xml.txt'))
    .map((f) => path.join(samplesDir(), sc, f)),
);
const RECORDED = FILES.map((f) => fs.readFileSync(f, 'utf8').replace(/\n?rc=\d+\s*$/, ''));

/** A brick path beyond ASCII: a chunk can end inside one of its characters. */
const WIDE = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cliOutput><opRet>0</opRet><path>/data/brïck-ü/€/𝄞</path></cliOutput>';
const USAGE = 'Usage: gluster [options] <help> <peer> <pool> <volume>\n';

/** Answers as the prompt prints them, each with its newline, and what it said last without an end. */
function transcript(docs: string[], after = USAGE): Buffer {
  return Buffer.from(docs.map((d) => `${d}\n`).join('') + after, 'utf8');
}

function read(chunks: Buffer[]): { docs: string[]; held: string } {
  const c = new CliDocuments();
  const docs = chunks.flatMap((b) => c.push(b));
  return { docs, held: c.held };
}

test('the recorded answers are found', () => {
  assert.ok(FILES.length >= 30, `recorded answers: ${FILES.length}`);
  assert.ok(RECORDED.every((d) => d.startsWith('<?xml') && d.endsWith('</cliOutput>')));
  const whole = read([transcript([...RECORDED, WIDE])]);
  assert.deepEqual(whole.docs, [...RECORDED, WIDE]);
  assert.equal(whole.held, `\n${USAGE}`);
});

test('every split point of every recorded answer, and of one beyond ASCII, gives the documents of the whole', () => {
  for (const doc of [...RECORDED, WIDE]) {
    const bytes = transcript([doc, WIDE]);
    const whole = read([bytes]);
    assert.deepEqual(whole.docs, [doc, WIDE]);
    for (let i = 0; i <= bytes.length; i++) assert.deepEqual(read([bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
  }
});

test('a byte at a time gives the documents of the whole', () => {
  const bytes = transcript([...RECORDED, WIDE]);
  const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
  assert.deepEqual(read(chunks), read([bytes]));
});

test('property: any chunking of recorded answers, with \\r\\n or no newline between them, gives the documents of the whole', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...RECORDED, WIDE), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n', ''),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }),
      (docs, nl, sizes) => {
        const bytes = Buffer.from(docs.map((d) => d + nl).join('') + USAGE, 'utf8');
        const chunks: Buffer[] = [];
        for (let at = 0, k = 0; at < bytes.length; k++) {
          const n = sizes[k % sizes.length];
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        const got = read(chunks);
        assert.deepEqual(got.docs, docs);
        assert.equal(got.held, nl + USAGE);
      },
    ),
    { seed: SEED, numRuns: 500 },
  );
});

test('property: mutated answers and arbitrary bytes, in any chunks: the documents of the whole, each ending at its one end tag, no more text than came', () => {
  const END = '</cliOutput>';
  const mutated = fc
    .tuple(fc.array(fc.constantFrom(...RECORDED, WIDE), { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 5 }))
    .map(([docs, ms]) => Buffer.from(ms.reduce(applyMutation, docs.map((d) => `${d}\n`).join('') + USAGE), 'utf8'));
  // Bytes that are not UTF-8 (a character's bytes cut, lone continuations) among end tags and their pieces.
  const piece = fc.oneof(fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)), fc.constantFrom(END, '</cliOut', 'put>', '<?xml', '\r\n', '\n', '€', '𝄞').map((t) => Buffer.from(t, 'utf8')));
  const noisy = fc.array(piece, { maxLength: 30 }).map((ps) => Buffer.concat(ps));
  fc.assert(
    fc.property(fc.oneof(mutated, noisy), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), (bytes, sizes) => {
      const whole = read([bytes]);
      const chunks: Buffer[] = [];
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length];
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(read(chunks), whole);
      for (const d of whole.docs) assert.ok(d.endsWith(END) && d.indexOf(END) === d.length - END.length, JSON.stringify(d.slice(-80)));
      const text = bytes.toString('utf8');
      assert.ok(whole.docs.length <= text.split(END).length - 1);
      assert.ok(whole.docs.reduce((n, d) => n + d.length, 0) + whole.held.length <= text.length);
    }),
    { seed: SEED, numRuns: 1000, includeErrorInReport: true },
  );
});

test("a node's text without an end, in small chunks, is searched once (each chunk with the few characters before it), and is overlong past the bound", { timeout: 30_000 }, () => {
  // Each chunk searched the whole text again (a copy of it first, V8's rope flattened): 2 MiB in
  // 64-byte chunks took 36 s; 4 MiB, the bound, minutes.
  const c = new CliDocuments();
  const chunk = Buffer.from(`${'x'.repeat(63)}<`);
  let docs = 0;
  let sent = 0;
  let pushes = 0;
  for (; sent <= MAX_UNENDED_CHARS; sent += chunk.length, pushes++) {
    assert.equal(c.overlong, false);
    docs += c.push(chunk).length;
  }
  // Work, not time: searching the whole text again on each chunk would be sent * pushes / 2.
  assert.ok(c.searched <= sent + pushes * ('</cliOutput>'.length - 1), `${c.searched} characters searched for ${sent} sent in ${pushes} chunks`);
  assert.equal(docs, 0);
  assert.equal(c.overlong, true);
  assert.equal(c.held.length, MAX_UNENDED_CHARS + chunk.length);
  // An end split across two chunks, after all that, still ends a document.
  assert.equal(c.push(Buffer.from('/cliOutput>')).length, 1);
  assert.equal(c.held, '');
  assert.equal(c.overlong, false);
});
