// Hand-made archives for the hostile-input tests: header fields rewritten past what any tar
// writes, PAX records with any value, and an in-memory reader that counts what the walk asks of
// it, so a test can bound the work instead of timing it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { BLOCK, checksumOk, isZeroBlock, parseTarListing, tarListArgv, TAR_LIST_ENV, type RandomAccessReader, type TarIndexResult } from '../../../src/core/archive';
import { paxData, rawHeader, withData } from './archiveTree';

export const END = Buffer.alloc(2 * BLOCK);

/** Thrown by a CountingReader asked for more reads than its budget: a walk going round in circles. */
export class ReadBudgetExceeded extends Error {}

export interface CountingReader extends RandomAccessReader {
  reads: number;
  bytes: number;
  /** Largest single read. */
  largest: number;
  /** Most times any one 512-byte block was read. */
  maxBlockReads(): number;
}

/** A reader over `data` that counts reads and bytes, and throws past `budget` reads. */
export function countingReader(data: Buffer, budget = Infinity): CountingReader {
  const perBlock = new Uint16Array(Math.ceil(data.length / BLOCK) + 1);
  const r: CountingReader = {
    reads: 0,
    bytes: 0,
    largest: 0,
    maxBlockReads: () => perBlock.reduce((a, b) => Math.max(a, b), 0),
    async size() {
      return data.length;
    },
    async read(pos, len) {
      if (++r.reads > budget) throw new ReadBudgetExceeded(`more than ${budget} reads (at byte ${pos})`);
      const out = data.subarray(pos, Math.min(pos + len, data.length));
      r.bytes += out.length;
      r.largest = Math.max(r.largest, out.length);
      for (let b = Math.floor(pos / BLOCK); b * BLOCK < pos + out.length; b++) perBlock[b]++;
      return out;
    },
  };
  return r;
}

/** Recomputes the checksum of the header at `at`, as a writer would after changing a field. */
export function fixChecksum(b: Buffer, at = 0): void {
  b.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + BLOCK; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', at + 148, 8, 'latin1');
}

/** Writes `v` as GNU base-256 (two's complement, 0x80 / 0xff lead byte) into a numeric field. */
export function setBase256(b: Buffer, at: number, len: number, v: bigint): void {
  let x = v < 0n ? (1n << BigInt(8 * len)) + v : v;
  for (let i = at + len - 1; i > at; i--) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  b[at] = v < 0n ? 0xff : 0x80;
}

/** Offsets of the blocks that are headers (checksum right, not zero): where mutations bite. */
export function headerOffsets(tar: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + BLOCK <= tar.length; at += BLOCK) if (!isZeroBlock(tar, at) && checksumOk(tar, at)) out.push(at);
  return out;
}

/** An `x` (or `g`) header with its records, then a member header. */
export function paxMember(records: Record<string, string>, member: { name: string; type?: string; size?: number }, type: 'x' | 'g' = 'x'): Buffer {
  const x = paxData(records);
  return Buffer.concat([withData(rawHeader({ name: `PaxHeaders/${member.name}`, type, size: x.length }), x), rawHeader({ name: member.name, type: member.type ?? '0', size: member.size ?? 0 })]);
}

/**
 * The archive the review found hanging validation: a PAX header whose size record is
 * `size`, a member, one data block, the end marker. 3 KiB.
 */
export function paxSizeArchive(size: string, type: 'x' | 'g' = 'x'): Buffer {
  return Buffer.concat([paxMember({ size }, { name: 'f', size: 512 }, type), Buffer.alloc(BLOCK, 0x61), END]);
}

/** A plain header whose 12-byte size field is base-256 `v`. */
export function base256SizeHeader(name: string, v: bigint): Buffer {
  const h = rawHeader({ name, type: '0' });
  setBase256(h, 124, 12, v);
  fixChecksum(h);
  return h;
}

/** GNU tar's own listing of `file`, as validate runs it in the container, and its parse. */
export function listWithGnuTar(file: string): { result: TarIndexResult; status: number; stderr: string } {
  const [cmd, ...args] = tarListArgv(file);
  const env = Object.fromEntries(TAR_LIST_ENV.map((kv) => kv.split('=') as [string, string]));
  const r = spawnSync(cmd, args, { env: { PATH: process.env.PATH, ...env }, maxBuffer: 1 << 28 });
  const stderr = r.stderr.toString('utf8');
  const status = r.status ?? 2;
  return { result: parseTarListing(r.stdout, status, stderr, fs.statSync(file).size, file.endsWith('.gz')), status, stderr };
}

/**
 * 20 members whose GNU long names (L) are 16 MiB each: 320 MiB of tar in ~330 KiB of gzip,
 * each member its own gzip member (a valid multi-member gzip), so it is made in milliseconds.
 */
export function longNamesGzip(): Buffer {
  const name = Buffer.alloc(16 * 1024 * 1024, 0x61);
  name[name.length - 1] = 0;
  const one = zlib.gzipSync(Buffer.concat([rawHeader({ name: '././@LongLink', type: 'L', size: name.length }), name, rawHeader({ name: 'f', type: '0' })]));
  return Buffer.concat([...Array(20).fill(one), zlib.gzipSync(END)]);
}

/**
 * GNU tar's listing of `file` (as validate runs it in the container) fed to `parser` as it
 * comes; tar is killed at the parser's first error. The error (undefined when none) and the
 * bytes fed.
 */
export function feedGnuTarListing(file: string, parser: { push(b: Buffer): void }): Promise<{ err: unknown; fed: number }> {
  const [cmd, ...args] = tarListArgv(file);
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...Object.fromEntries(TAR_LIST_ENV.map((kv) => kv.split('=') as [string, string])) }, stdio: ['ignore', 'pipe', 'ignore'] });
  let fed = 0;
  return new Promise((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      fed += b.length;
      try {
        parser.push(b);
      } catch (err) {
        child.kill();
        resolve({ err, fed });
      }
    });
    child.on('close', () => resolve({ err: undefined, fed }));
  });
}
