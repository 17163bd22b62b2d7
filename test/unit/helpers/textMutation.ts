// Text mutations for property tests of what is read from a node: bytes flipped, cut anywhere,
// stretches duplicated or dropped, numbers rewritten to values a parser must refuse.
import fc from 'fast-check';
import { applyText, type TextMutation } from './archiveMutator';

export type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'cut'; at: number }
  | { kind: 'dup'; at: number; len: number }
  | { kind: 'number'; nth: number; value: string }
  | { kind: 'drop'; at: number; len: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant('number' as const),
    nth: fc.nat(),
    value: fc.constantFrom('-1', '99999999999999999999', '0x10', '', 'N/A', '-', '1e400', 'NaN', '3.5', '  7 '),
  }),
);

export function applyMutation(text: string, m: Mutation): string {
  const at = text.length ? m.kind === 'number' ? 0 : (m as { at: number }).at % text.length : 0;
  switch (m.kind) {
    case 'flip':
      return text.slice(0, at) + String.fromCharCode(m.byte) + text.slice(at + 1);
    case 'cut':
      return text.slice(0, at);
    case 'dup':
      return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    case 'drop':
      return text.slice(0, at) + text.slice(at + m.len);
    case 'number': {
      const nums = [...text.matchAll(/\d+/g)];
      if (!nums.length) return text;
      const hit = nums[m.nth % nums.length];
      return text.slice(0, hit.index) + m.value + text.slice(hit.index! + hit[0].length);
    }
  }
}

/**
 * A one-line JSON record (fields separated by commas) mutated as bytes (`bytes`: flips, cuts,
 * fields duplicated or dropped), then as text (`texts`: numbers rewritten and the rest), read
 * back as latin1 so every byte survives: what a guard of a record on a node is given.
 */
export function mutatedRecord(good: string, bytes: readonly TextMutation[], texts: readonly Mutation[]): Buffer {
  let b: Buffer = Buffer.from(good);
  for (const m of bytes) b = applyText(b, m, 0x2c);
  let t = b.toString('latin1');
  for (const m of texts) t = applyMutation(t, m);
  return Buffer.from(t, 'latin1');
}
