// A directory tree with every kind of awkward name a gluster volume can hold, and the list of
// what it contains (as byte keys), for the archive index and comparison tests.
import { execFileSync } from 'node:child_process';
import { fileReader, indexArchive, type TarIndexResult } from '../../../src/core/archive';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntryType } from '../../../src/core/archive/entryTable';

export interface Expected {
  key: string;
  type: EntryType | 'hardlink-or-file';
  size?: number;
  link?: string;
  /** Set by pinMtimes. */
  mtime?: number;
}

const k = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('latin1');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a tree that may be deeper than PATH_MAX (rm walks it relative, Node's rmSync does not). */
export function removeTree(dir: string): void {
  execFileSync('rm', ['-rf', '--', dir]);
}

/** Builds the awkward tree under `root` (which must exist) and returns what it holds. */
export function buildAwkwardTree(root: string): Expected[] {
  const out: Expected[] = [];
  const file = (rel: string | Buffer, content: string | Buffer = 'x') => {
    const rb = typeof rel === 'string' ? Buffer.from(rel) : rel;
    fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), rb]), content);
    out.push({ key: k(rb), type: 'file', size: Buffer.byteLength(content) });
  };
  const dir = (rel: string) => {
    fs.mkdirSync(path.join(root, rel));
    out.push({ key: k(rel), type: 'dir' });
  };
  const symlink = (target: string, rel: string) => {
    fs.symlinkSync(target, path.join(root, rel));
    out.push({ key: k(rel), type: 'symlink', link: k(target) });
  };

  file('plain.txt', 'hello\n');
  file('with space.txt', 'a b');
  file('unicodé 日本語.txt', 'ü');
  file('new\nline', 'nl');
  file('trailing newline\n', 'nl2');
  file(`quote's "double"`, 'q');
  file('$(echo pwned)', 'dollar');
  file('`backtick`', 'bt');
  file('-rf leading dash', 'dash');
  file('--help', 'dash2');
  file('back\\slash', 'bs');
  file('tab\there', 't');
  file('a'.repeat(100), '100');
  file('b'.repeat(255), '255');
  file('é'.repeat(127) + 'x', 'utf8-255'); // 255 bytes of UTF-8
  file(Buffer.from([0x69, 0x6e, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), 'invalid utf-8'); // "in\xff\xfe.bin"
  file(Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x2d, 0xe9]), 'latin1 e-acute');
  file('empty-file', '');
  dir('empty-dir');
  dir('sub');
  file('sub/inner.txt', 'inner');
  // ustar splits long names at a slash into prefix (155) + name (100).
  dir('p'.repeat(150));
  file('p'.repeat(150) + '/' + 'n'.repeat(99), 'split');
  symlink('plain.txt', 'link-to-plain');
  symlink('does/not/exist', 'dangling');
  symlink('sub', 'link to dir');
  symlink('t'.repeat(150) + '/target', 'long-target-link');
  symlink('weird\ntarget $(x)', 'weird-target-link');
  fs.linkSync(path.join(root, 'plain.txt'), path.join(root, 'sub/hardlink-of-plain'));
  // tar stores whichever of the two names it meets second as a hard link.
  out.push({ key: 'sub/hardlink-of-plain', type: 'hardlink-or-file', size: 6 });
  const plain = out.find((e) => e.key === 'plain.txt');
  if (plain) plain.type = 'hardlink-or-file';
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  out.push({ key: 'fifo', type: 'other' });

  // A path over 4 KiB: 21 levels of 200-byte names. Built relative to each level, since a
  // syscall cannot take the whole path (PATH_MAX is 4096).
  const comp = 'd'.repeat(200);
  const cwd = process.cwd();
  try {
    process.chdir(root);
    let rel = '';
    for (let i = 0; i < 21; i++) {
      fs.mkdirSync(comp);
      process.chdir(comp);
      rel = rel ? `${rel}/${comp}` : comp;
      out.push({ key: rel, type: 'dir' });
    }
    fs.writeFileSync('deep file.txt', 'deep');
    out.push({ key: `${rel}/deep file.txt`, type: 'file', size: 4 });
  } finally {
    process.chdir(cwd);
  }
  return out;
}

export function tar(args: string[]): void {
  execFileSync('/usr/bin/tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A raw 512-byte header (for archives GNU tar does not write, e.g. with a global PAX header). */
export function rawHeader(h: { name: string; type: string; size?: number; mtime?: number; linkname?: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'latin1');
  const oct = (v: number, len: number, at: number) => b.write(v.toString(8).padStart(len - 1, '0') + '\0', at, len, 'latin1');
  oct(0o644, 8, 100);
  oct(0, 8, 108);
  oct(0, 8, 116);
  oct(h.size ?? 0, 12, 124);
  oct(h.mtime ?? 1700000000, 12, 136);
  b.write(h.type, 156, 1, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

/** A ustar header of a device node (typeflag 3 or 4) with devmajor and devminor, or a fifo (6). */
export function deviceHeader(name: string, type: '3' | '4' | '6', major: number, minor: number, mtime = 1700000000): Buffer {
  const b = rawHeader({ name, type, mtime });
  b.write(major.toString(8).padStart(7, '0') + '\0', 329, 8, 'latin1');
  b.write(minor.toString(8).padStart(7, '0') + '\0', 337, 8, 'latin1');
  return resum(b);
}

/** The header's checksum made again, after a change to its fields. */
export function resum(b: Buffer): Buffer {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

export function paxData(records: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, v] of Object.entries(records)) {
    const body = Buffer.concat([Buffer.from(` ${key}=`), typeof v === 'string' ? Buffer.from(v) : v, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(len)), body]));
  }
  return Buffer.concat(parts);
}

export function withData(header: Buffer, data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([header, data, Buffer.alloc(pad)]);
}

/** The index of a local archive file, its reader closed afterwards. */
export async function indexFile(file: string): Promise<TarIndexResult> {
  const r = fileReader(file);
  try {
    return await indexArchive(r);
  } finally {
    await r.close?.();
  }
}

/**
 * Fixed mtimes for a tree, so archives and listings of it never depend on the clock. They cover
 * what tar's listing prints: no fraction, a short one (".5", and ".12" from .120000000: tar
 * drops trailing zeros) and all 9 digits. touch sets them to the nanosecond; Node's utimes
 * would keep microseconds only.
 */
export const PINNED_MTIMES = ['1700000000', '1700000000.5', '1700000000.123456789', '1600000000.25', '1700000001.000000001', '1500000000.75', '1700000002.120000000'];

/**
 * Gives every object under `root` (and root itself) one of PINNED_MTIMES, in turn, and records
 * it in the matching `expected` entries. Walks by relative names, as the tree may be deeper
 * than PATH_MAX; a name that is not UTF-8 cannot be passed to touch, and gets whole seconds.
 */
export function pinMtimes(root: string, expected: Expected[] = []): void {
  const byKey = new Map(expected.map((e) => [e.key, e]));
  // Hard links share one inode: the last time set on any of the names is every name's.
  const byInode = new Map<number, Expected[]>();
  let n = 0;
  const visit = (rel: string) => {
    const set: { name: Buffer; key: string; t: string }[] = [];
    for (const d of fs.readdirSync('.', { withFileTypes: true, encoding: 'buffer' })) {
      const key = (rel ? rel + '/' : '') + d.name.toString('latin1');
      if (d.isDirectory()) {
        process.chdir(d.name.toString());
        try {
          visit(key);
        } finally {
          process.chdir('..');
        }
      }
      set.push({ name: d.name, key, t: PINNED_MTIMES[n++ % PINNED_MTIMES.length] });
    }
    const record = (x: { name: Buffer; key: string }, t: number) => {
      const ino = fs.lstatSync(x.name).ino;
      const same = byInode.get(ino) ?? [];
      const e = byKey.get(x.key);
      if (e) same.push(e);
      byInode.set(ino, same);
      for (const s of same) s.mtime = t;
    };
    const utf8 = set.filter((x) => Buffer.from(x.name.toString()).equals(x.name));
    for (const t of new Set(utf8.map((x) => x.t))) {
      const group = utf8.filter((x) => x.t === t);
      // No cwd option: the child inherits this directory, which no path may be able to name.
      execFileSync('touch', ['-h', '-d', `@${t}`, '--', ...group.map((x) => x.name.toString())]);
      for (const x of group) record(x, Number(t));
    }
    for (const x of set.filter((y) => !utf8.includes(y))) {
      const t = Math.floor(Number(x.t));
      fs.lutimesSync(x.name, t, t);
      record(x, t);
    }
  };
  const cwd = process.cwd();
  try {
    process.chdir(root);
    visit('');
  } finally {
    process.chdir(cwd);
  }
  execFileSync('touch', ['-d', `@${PINNED_MTIMES[0]}`, '--', root]);
}
