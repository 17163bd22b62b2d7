// Mutations of valid archives and listings for the property tests. A mutation is plain data
// (drawn by fast-check) that names what to change by index or fraction; apply() maps it onto
// the bytes at hand, so mutations compose and shrink.
import fc from 'fast-check';
import { BLOCK, padded } from '../../../src/core/archive';
import { fixChecksum, headerOffsets, setBase256 } from './archiveCraft';

export type FieldValue =
  | { form: 'octal'; n: number }
  | { form: 'base256'; n: bigint }
  | { form: 'lead'; byte: number }
  | { form: 'bytes'; bytes: Uint8Array }
  | { form: 'blank' };

export type TarMutation =
  | { k: 'flip'; header: boolean; pick: number; at: number; xor: number; fix: boolean }
  | { k: 'cut'; at: number }
  | { k: 'dup'; pick: number }
  | { k: 'drop'; pick: number }
  | { k: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { k: 'field'; pick: number; field: 'size' | 'mtime' | 'realsize'; value: FieldValue; fix: boolean }
  | { k: 'pax'; pick: number; key: string; value: string; length: 'right' | 'junk' | number };

const FIELDS = { size: 124, mtime: 136, realsize: 483 } as const;

/** Offsets inside a header, weighted toward what the walk decodes: numbers, type, sparse flags. */
const headerByte = fc.oneof(
  { arbitrary: fc.integer({ min: 124, max: 159 }), weight: 4 }, // size, mtime, checksum, type
  { arbitrary: fc.integer({ min: 482, max: 511 }), weight: 1 }, // sparse realsize, extension flag
  { arbitrary: fc.integer({ min: 0, max: 511 }), weight: 3 },
);

const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.record({ form: fc.constant('octal' as const), n: fc.oneof(fc.nat(1 << 20), fc.constant(8 ** 11 - 1)) }),
  fc.record({ form: fc.constant('base256' as const), n: fc.bigInt({ min: -(1n << 90n), max: 1n << 90n }) }),
  fc.record({ form: fc.constant('base256' as const), n: fc.bigInt({ min: -4096n, max: 4096n }) }),
  fc.record({ form: fc.constant('lead' as const), byte: fc.integer({ min: 0x81, max: 0xfe }) }),
  fc.record({ form: fc.constant('bytes' as const), bytes: fc.uint8Array({ minLength: 12, maxLength: 12 }) }),
  fc.constant({ form: 'blank' as const }),
);

const PAX_KEYS = ['size', 'mtime', 'GNU.sparse.size', 'GNU.sparse.realsize', 'GNU.sparse.numblocks', 'GNU.sparse.offset', 'GNU.sparse.numbytes', 'GNU.sparse.map', 'GNU.sparse.name', 'path', 'linkpath', 'atime', 'uid'];

const paxValue = fc.oneof(
  fc.constantFrom('-1536', '-1', '-0', '0x200', '1e3', '', ' 5', '5 ', 'abc', '1.5', '-1.5', '.5', '1.', '0', '512', '1048576', '4294967296', '9007199254740993', '99999999999999999999999', '9223372036854775808'),
  fc.integer({ min: -1_000_000, max: 1_000_000_000 }).map(String),
  fc.string({ maxLength: 12 }),
);

export const tarMutation: fc.Arbitrary<TarMutation> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('flip' as const), header: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }), pick: fc.nat(), at: fc.oneof(headerByte, fc.nat()), xor: fc.integer({ min: 1, max: 255 }), fix: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('cut' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('dup' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('drop' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat(1024), insert: fc.uint8Array({ maxLength: 600 }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('field' as const), pick: fc.nat(), field: fc.constantFrom('size' as const, 'mtime' as const, 'realsize' as const), value: fieldValue, fix: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('pax' as const), pick: fc.nat(), key: fc.constantFrom(...PAX_KEYS), value: paxValue, length: fc.oneof({ arbitrary: fc.constant('right' as const), weight: 4 }, fc.constant('junk' as const), fc.integer({ min: -5, max: 5 })) }), weight: 4 },
);

function writeField(b: Buffer, at: number, v: FieldValue): void {
  switch (v.form) {
    case 'octal':
      b.write(v.n.toString(8).padStart(11, '0') + '\0', at, 12, 'latin1');
      break;
    case 'base256':
      setBase256(b, at, 12, v.n);
      break;
    case 'lead':
      b[at] = v.byte;
      break;
    case 'bytes':
      b.set(v.bytes, at);
      break;
    case 'blank':
      b.fill(0x20, at, at + 11);
      b[at + 11] = 0;
  }
}

/** `<len> key=value\n` records of a PAX payload, as far as they parse; the rest is dropped. */
function paxRecords(data: Buffer): [string, string][] {
  const out: [string, string][] = [];
  const s = data.toString('latin1');
  for (let p = 0; p < s.length; ) {
    const m = /^(\d+) ([^=\n]*)=/.exec(s.slice(p, p + 64));
    const len = m ? Number(m[1]) : 0;
    if (!m || len < m[0].length + 1 || p + len > s.length) break;
    out.push([m[2], s.slice(p + m[0].length, p + len - 1)]);
    p += len;
  }
  return out;
}

function record(key: string, value: string, length: 'right' | 'junk' | number): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return (length === 'right' ? String(len) : length === 'junk' ? 'x1' : String(len + length)) + body;
}

/** The octal size of the header at `h`, or undefined when it is not plain octal. */
function octalSize(b: Buffer, h: number): number | undefined {
  const t = b.toString('latin1', h + 124, h + 136).replace(/[\0 ]+$/, '');
  return /^[0-7]+$/.test(t) ? parseInt(t, 8) : undefined;
}

export function applyTar(tar: Buffer, m: TarMutation): Buffer {
  const b = Buffer.from(tar);
  const headers = headerOffsets(b);
  const blocks = Math.floor(b.length / BLOCK);
  switch (m.k) {
    case 'flip': {
      if (b.length === 0) return b;
      const at = m.header && headers.length ? headers[m.pick % headers.length] + (m.at % BLOCK) : m.at % b.length;
      if (at >= b.length) return b;
      b[at] ^= m.xor;
      if (m.fix && m.header && headers.length) fixChecksum(b, at - (at % BLOCK));
      return b;
    }
    case 'cut':
      return b.subarray(0, m.at % (b.length + 1));
    case 'dup': {
      if (!blocks) return b;
      const i = (m.pick % blocks) * BLOCK;
      return Buffer.concat([b.subarray(0, i + BLOCK), b.subarray(i, i + BLOCK), b.subarray(i + BLOCK)]);
    }
    case 'drop': {
      if (!blocks) return b;
      const i = (m.pick % blocks) * BLOCK;
      return Buffer.concat([b.subarray(0, i), b.subarray(i + BLOCK)]);
    }
    case 'splice': {
      const at = m.at % (b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(m.insert), b.subarray(at + m.remove)]);
    }
    case 'field': {
      if (!headers.length) return b;
      const h = headers[m.pick % headers.length];
      writeField(b, h + FIELDS[m.field], m.value);
      if (m.fix) fixChecksum(b, h);
      return b;
    }
    case 'pax': {
      const pax = headers.filter((h) => 'xgX'.includes(String.fromCharCode(b[h + 156])));
      if (!pax.length) return b;
      const h = pax[m.pick % pax.length];
      const size = octalSize(b, h);
      if (size === undefined) return b;
      const records = paxRecords(b.subarray(h + BLOCK, h + BLOCK + size)).filter(([k]) => k !== m.key);
      const data = Buffer.from(records.map(([k, v]) => record(k, v, 'right')).join('') + record(m.key, m.value, m.length), 'latin1');
      const header = Buffer.from(b.subarray(h, h + BLOCK));
      header.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
      fixChecksum(header);
      return Buffer.concat([b.subarray(0, h), header, data, Buffer.alloc(padded(data.length) - data.length), b.subarray(h + BLOCK + padded(size))]);
    }
  }
}

/** Mutations of compressed bytes, after the tar ones. */
export type GzMutation = { k: 'flip'; at: number; xor: number } | { k: 'cut'; at: number };

export const gzMutation: fc.Arbitrary<GzMutation> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('cut' as const), at: fc.nat() }),
);

export function applyGz(gz: Buffer, m: GzMutation): Buffer {
  if (m.k === 'cut') return gz.subarray(0, m.at % (gz.length + 1));
  const b = Buffer.from(gz);
  b[m.at % b.length] ^= m.xor;
  return b;
}

/** Mutations of a text listing (tar's lines, or find's NUL-separated records). */
export type TextMutation =
  | { k: 'flip'; at: number; xor: number }
  | { k: 'cut'; at: number }
  | { k: 'spaces'; at: number; n: number }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'dupLine'; pick: number }
  | { k: 'dropLine'; pick: number };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), xor: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constantFrom(0x0a ^ 0x20, 0x22 ^ 0x61, 0x5c ^ 0x61)) }),
  fc.record({ k: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('spaces' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ k: fc.constant('dupLine' as const), pick: fc.nat() }),
  fc.record({ k: fc.constant('dropLine' as const), pick: fc.nat() }),
);

/** Applies `m` to `text`, whose records end with `sep` (0x0a for tar, 0x00 for find). */
export function applyText(text: Buffer, m: TextMutation, sep: number): Buffer {
  const at = (n: number) => n % (text.length + 1);
  switch (m.k) {
    case 'flip': {
      if (!text.length) return text;
      const b = Buffer.from(text);
      b[m.at % b.length] ^= m.xor;
      return b;
    }
    case 'cut':
      return text.subarray(0, at(m.at));
    case 'spaces':
      return Buffer.concat([text.subarray(0, at(m.at)), Buffer.alloc(m.n, 0x20), text.subarray(at(m.at))]);
    case 'insert':
      return Buffer.concat([text.subarray(0, at(m.at)), Buffer.from(m.bytes), text.subarray(at(m.at))]);
    case 'dupLine':
    case 'dropLine': {
      const ends: number[] = [];
      for (let i = text.indexOf(sep); i >= 0; i = text.indexOf(sep, i + 1)) ends.push(i + 1);
      if (!ends.length) return text;
      const i = m.pick % ends.length;
      const start = i ? ends[i - 1] : 0;
      const line = text.subarray(start, ends[i]);
      return Buffer.concat([text.subarray(0, start), m.k === 'dupLine' ? Buffer.concat([line, line]) : Buffer.alloc(0), text.subarray(ends[i])]);
    }
  }
}

/** `data` in chunks cut at the given points (any order, any values). */
export function chunks(data: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let p = 0;
  for (const c of at) {
    out.push(data.subarray(p, c));
    p = c;
  }
  out.push(data.subarray(p));
  return out;
}
