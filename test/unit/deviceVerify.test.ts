// A restore's verification of device nodes and fifos: the archive gives each one's kind and,
// for a device, its major and minor (header walk and tar's listing alike); the target's listing
// gives the kind (find's %y), and a look at the devices' own paths their numbers. A node
// restored as another kind or with other numbers is a difference, said with both values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ArchiveComparer,
  DeviceNumbers,
  DeviceStatFormatError,
  DEVICE_STAT_PY,
  DeviceStatParser,
  EntryTable,
  FsListParser,
  deviceStatBatches,
  deviceText,
  indexArchive,
  type TarIndexResult,
} from '../../src/core/archive';
import { countingReader, END, listWithGnuTar } from './helpers/archiveCraft';
import { deviceHeader, rawHeader, resum } from './helpers/archiveTree';
import { changeText } from '../../src/core/restore/restoreText';
import { deviceNumbers, takenMembers, type ContainerRun } from '../../src/core/restore/restoreJob';
import { RestoreError } from '../../src/core/restore/restoreError';

const MTIME = 1700000000;

const ARCHIVE = Buffer.concat([
  rawHeader({ name: 'file', type: '0', mtime: MTIME }),
  deviceHeader('null', '3', 1, 3),
  deviceHeader('sda', '4', 8, 0),
  deviceHeader('big', '3', 0o7777777, 0o7777777),
  deviceHeader('fifo', '6', 0, 0),
  END,
]);

const devicesOf = (r: TarIndexResult) => r.entries.toArray().map((e, i) => [e.path, e.type, r.entries.device(i)]);

test('the header walk and GNU tar listing give each device its kind and numbers, a fifo its kind, a file none', async () => {
  const walked = await indexArchive(countingReader(ARCHIVE));
  const want = [
    ['file', 'file', undefined],
    ['null', 'other', 'c 1,3'],
    ['sda', 'other', 'b 8,0'],
    ['big', 'other', 'c 2097151,2097151'],
    ['fifo', 'other', 'p'],
  ];
  assert.deepEqual(devicesOf(walked), want);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gb-dev-')), 'd.tar');
  fs.writeFileSync(file, ARCHIVE);
  const listed = listWithGnuTar(file);
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(devicesOf(listed.result), want);
  assert.deepEqual(listed.result.entries.at(1).meta, { device: 'c 1,3', mode: 0o644, uid: 0, gid: 0 });
  fs.rmSync(path.dirname(file), { recursive: true });
});

test('device numbers in the header that do not decode leave the kind alone', async () => {
  const bad = deviceHeader('odd', '4', 8, 1);
  bad.write('9', 329, 1, 'latin1');
  const r = await indexArchive(countingReader(Buffer.concat([resum(bad), END])));
  assert.equal(r.problem, undefined);
  assert.equal(r.entries.device(0), 'b');
});

/** find's FS_LIST_META_FORMAT record. */
const rec = (y: string, name: string) => `${y} 0 ${MTIME}.0000000000 644 0 0 ${name}\0\0`;

test('a device restored as another kind or with other numbers is a difference naming both values', async () => {
  const archive = (await indexArchive(countingReader(ARCHIVE))).entries;
  const comparer = new ArchiveComparer(archive, { compareMeta: true });
  // The target: null a block device 8,0, sda right, big with other numbers, fifo a character device.
  const numbers = new Map([
    ['null', 'b 8,0'],
    ['sda', 'b 8,0'],
    ['big', 'c 1,5'],
    ['fifo', 'c 1,3'],
  ]);
  const parser = new FsListParser(new DeviceNumbers(comparer, numbers), { meta: true });
  parser.push(Buffer.from([rec('f', 'file'), rec('b', 'null'), rec('b', 'sda'), rec('c', 'big'), rec('c', 'fifo')].join(''), 'latin1'));
  parser.end();
  const report = comparer.finish();
  assert.equal(report.extra.count, 0);
  assert.deepEqual(
    report.changed.items.map((c) => [c.path, c.reasons, changeText(c)]),
    [
      ['big', ['device'], 'character device 2097151,2097151 in the archive, character device 1,5 restored'],
      ['fifo', ['device'], 'fifo in the archive, character device 1,3 restored'],
      ['null', ['device'], 'character device 1,3 in the archive, block device 8,0 restored'],
    ],
  );
  assert.equal(report.changed.count, 3);
});

test('a device restored as a regular file, or not at all, is a difference of type or a missing member, said by its kind', async () => {
  const archive = (await indexArchive(countingReader(ARCHIVE))).entries;
  const comparer = new ArchiveComparer(archive, { compareMeta: true });
  // The device pass found a file at null and nothing at sda: no numbers for either.
  const parser = new FsListParser(new DeviceNumbers(comparer, new Map([['big', 'c 2097151,2097151']])), { meta: true });
  parser.push(Buffer.from([rec('f', 'file'), rec('f', 'null'), rec('c', 'big'), rec('p', 'fifo')].join(''), 'latin1'));
  parser.end();
  const report = comparer.finish();
  assert.deepEqual(report.extra.items.map((m) => m.path), ['sda']);
  assert.deepEqual(
    report.changed.items.map((c) => [c.path, c.reasons, changeText(c)]),
    [['null', ['type'], 'character device 1,3 in the archive, a file restored']],
  );
});

test('without the device pass the kind is still compared, and the numbers are not guessed', async () => {
  const archive = (await indexArchive(countingReader(ARCHIVE))).entries;
  const comparer = new ArchiveComparer(archive, { compareMeta: true });
  const parser = new FsListParser(comparer, { meta: true });
  parser.push(Buffer.from([rec('f', 'file'), rec('c', 'null'), rec('c', 'sda'), rec('c', 'big'), rec('p', 'fifo')].join(''), 'latin1'));
  parser.end();
  const report = comparer.finish();
  assert.deepEqual(
    report.changed.items.map((c) => [c.path, changeText(c)]),
    [['sda', 'block device 8,0 in the archive, character device restored']],
  );
});

const ENV = { PATH: process.env.PATH, LC_ALL: 'C' };
/** A key (bytes as latin1) from text written as UTF-8, or from raw bytes. */
const key = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('latin1');
const under = (dir: string, k: string) => Buffer.concat([Buffer.from(dir + '/'), Buffer.from(k, 'latin1')]);
const b64 = (k: string) => Buffer.from(k, 'latin1').toString('base64');

/** The pass as a container runs it, here: each batch one process of the real program, read by its parser. */
function statPass(root: string, keys: string[], limit?: { keys: number; bytes: number }) {
  const numbers = new Map<string, string>();
  const others = new Map<string, string>();
  const batches = deviceStatBatches(root, keys, limit);
  for (const b of batches) {
    const r = spawnSync(b.argv[0], b.argv.slice(1), { env: ENV });
    assert.equal(r.status, 0, r.stderr.toString());
    const p = new DeviceStatParser(b.keys);
    p.push(r.stdout);
    for (const [k, v] of p.end()) numbers.set(k, v);
    for (const [k, v] of p.others) others.set(k, v);
    assert.deepEqual(p.unreadable, []);
  }
  return { numbers: Object.fromEntries(numbers), others: Object.fromEntries(others), batches: batches.length };
}

/** The same program run here, as deviceNumbers runs it in the container. */
const localRun: ContainerRun = async (argv, onStdout) => {
  const r = spawnSync(argv[0], argv.slice(1), { env: ENV });
  if (r.stdout.length) onStdout(r.stdout);
  return { exitCode: r.status ?? -1, stderr: r.stderr.toString(), stdoutBytes: r.stdout.length };
};

/** Makes a device node (needs root): by python3, so the name's bytes are taken as they are. */
function mknod(p: Buffer, kind: 'c' | 'b', major: number, minor: number): boolean {
  const py = `import os,sys,stat; os.mknod(bytes.fromhex(sys.argv[1]), 0o600 | stat.S_IF${kind === 'c' ? 'CHR' : 'BLK'}, os.makedev(${major}, ${minor}))`;
  return spawnSync('python3', ['-c', py, p.toString('hex')], { env: ENV }).status === 0;
}

// Names a shell, find or a JSON text would each get wrong somewhere.
const ODD = [key('new\nline'), key(' lead and trail '), key('-dash'), key('--'), key('sub dir/-x y'), key(Buffer.from([0xff, 0xfe, 0x20, 0x80])), key('é\\n'), key('*?[a]$(x)')];

function oddTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-dev-'));
  fs.mkdirSync(path.join(dir, 'sub dir'));
  return dir;
}

test('the device pass reads the real numbers at exactly the paths asked for; a path not there or not a device is said as such', () => {
  assert.deepEqual(statPass('/dev', ['null']), { numbers: { null: 'c 1,3' }, others: {}, batches: 1 });
  assert.deepEqual(statPass('/dev/', ['zero', 'null', 'no such', 'shm']), { numbers: { null: 'c 1,3', zero: 'c 1,5' }, others: { 'no such': 'absent', shm: 'dir' }, batches: 1 });
  const dir = oddTree();
  try {
    fs.writeFileSync(path.join(dir, 'f'), '');
    fs.symlinkSync('/dev', path.join(dir, 'lnk'));
    const r = statPass(dir, ['f', 'lnk', 'lnk/null', 'f/x', '../' + path.basename(dir) + '/f', './f', 'sub dir//x', 'sub dir', 'gone/null']);
    assert.deepEqual(r.numbers, {}, 'no device here, whatever a symlink points at');
    assert.deepEqual(r.others, {
      f: 'file',
      lnk: 'symlink',
      // The walk follows no symlink (find -P lists lnk as a symlink, nothing under it).
      'lnk/null': 'absent',
      'f/x': 'absent',
      // Names find never prints: "..", ".", an empty component.
      ['../' + path.basename(dir) + '/f']: 'absent',
      './f': 'absent',
      'sub dir//x': 'absent',
      'sub dir': 'dir',
      'gone/null': 'absent',
    });
    // A target that is not there: every path is absent, nothing fails.
    assert.deepEqual(statPass(path.join(dir, 'nothing'), ['null']).others, { null: 'absent' });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('odd names (newline, spaces, leading dashes, bytes that are not UTF-8, shell characters) reach the program as they are; devices under them give their numbers', () => {
  const dir = oddTree();
  try {
    for (const k of ODD) fs.writeFileSync(under(dir, k), '');
    const r = statPass(dir, ODD);
    assert.deepEqual(r.numbers, {});
    assert.deepEqual(Object.keys(r.others).sort(), [...ODD].sort());
    assert.ok(Object.values(r.others).every((v) => v === 'file'), JSON.stringify(r.others));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
  // mknod needs root (as the container has; so does this test run's runner, usually): without
  // it the names are checked on regular files alone, above.
  if (process.getuid?.() !== 0) return;
  const devs = oddTree();
  try {
    ODD.forEach((k, i) => assert.ok(mknod(under(devs, k), i % 2 ? 'b' : 'c', 7, i), JSON.stringify(k)));
    const r = statPass(devs, ODD);
    assert.deepEqual(r.others, {});
    assert.deepEqual(r.numbers, Object.fromEntries(ODD.map((k, i) => [k, `${i % 2 ? 'b' : 'c'} 7,${i}`])));
    // Batches of one and of two paths: the same answers.
    assert.deepEqual(statPass(devs, ODD, { keys: 1, bytes: 1 << 20 }), { ...r, batches: ODD.length });
    assert.deepEqual(statPass(devs, ODD, { keys: 2, bytes: 1 << 20 }), { ...r, batches: Math.ceil(ODD.length / 2) });
  } finally {
    fs.rmSync(devs, { recursive: true });
  }
});

test('the batches: no shell, the target and each path in base64, a bounded count and size per process, a long path alone in pieces', () => {
  const bs = deviceStatBatches('/vol/t/', ['a', 'new\nline', '-x'], { keys: 2, bytes: 1000 });
  assert.deepEqual(
    bs.map((b) => b.keys),
    [['a', 'new\nline'], ['-x']],
  );
  for (const b of bs) {
    assert.deepEqual(b.argv.slice(0, 5), ['python3', '-I', '-S', '-c', DEVICE_STAT_PY]);
    assert.equal(Buffer.from(b.argv[5], 'base64').toString(), '/vol/t');
  }
  assert.deepEqual(bs[0].argv.slice(6), [`=${b64('a')}`, `=${b64('new\nline')}`]);
  assert.deepEqual(bs[1].argv.slice(6), [`=${b64('-x')}`]);
  assert.equal(Buffer.from(deviceStatBatches('/', ['x'])[0].argv[5], 'base64').toString(), '/');
  // By size: what one more path would take past the budget starts a batch.
  assert.deepEqual(
    deviceStatBatches('/t', ['aaa', 'bbb', 'ccc'], { keys: 10, bytes: 10 }).map((b) => b.keys),
    [['aaa', 'bbb'], ['ccc']],
  );
  // A path longer than the budget: alone, in pieces of at most 64 KiB of base64 each.
  const long = 'x/'.repeat(50_000) + 'd';
  const cut = deviceStatBatches('/t', ['a', long, 'b']);
  assert.deepEqual(
    cut.map((b) => b.keys.map((k) => k.length)),
    [[1], [long.length], [1]],
  );
  const pieces = cut[1].argv.slice(6);
  assert.deepEqual(pieces.map((p) => p[0]), ['=', '+', '+']);
  assert.ok(pieces.every((p) => p.length <= 1 + 64 * 1024));
  assert.equal(Buffer.concat(pieces.map((p) => Buffer.from(p.slice(1), 'base64'))).toString('latin1'), long);
  // Many paths: never more than the count per process.
  const many = Array.from({ length: 2500 }, (_, i) => `d/${i}`);
  assert.deepEqual(
    deviceStatBatches('/t', many).map((b) => b.keys.length),
    [1024, 1024, 452],
  );
  assert.deepEqual(deviceStatBatches('/t', []), []);
});

test('a path longer than PATH_MAX, in pieces: put together and walked a directory at a time', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-dev-'));
  const parts = Array.from({ length: 260 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(197)}`);
  // Made by python3 too, a directory at a time (no call here takes a path this long).
  const py = 'import os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY)\nfor c in sys.argv[2:]:\n    os.mkdir(c,dir_fd=fd); n=os.open(c,os.O_RDONLY,dir_fd=fd); os.close(fd); fd=n\nos.mkfifo("p",dir_fd=fd)';
  try {
    assert.equal(spawnSync('python3', ['-c', py, dir, ...parts], { env: ENV }).status, 0);
    const k = [...parts, 'p'].join('/');
    assert.ok(k.length > 48 * 1024 && k.length > 4096);
    const r = statPass(dir, ['a', k], { keys: 10, bytes: 1024 });
    assert.deepEqual(r, { numbers: {}, others: { a: 'absent', [k]: 'fifo' }, batches: 2 });
  } finally {
    spawnSync('rm', ['-rf', dir]);
  }
});

test("the program's output that is not what was asked for is refused with what it said, never taken", () => {
  const parse = (text: string | Buffer, keys = ['x']) => {
    const p = new DeviceStatParser(keys);
    p.push(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
    return { numbers: [...p.end()], others: [...p.others], unreadable: p.unreadable };
  };
  assert.deepEqual(parse('0 21b6 1 3\0'), { numbers: [['x', 'c 1,3']], others: [], unreadable: [] });
  assert.deepEqual(parse('0 61b0 8 10\0').numbers, [['x', 'b 8,16']]);
  // Not a device there, not there, not readable: said, not refused (the listing reports the first two).
  assert.deepEqual(parse('0 81a4 0 0\0'), { numbers: [], others: [['x', 'file']], unreadable: [] });
  assert.deepEqual(parse('0 41ed 0 0\0').others, [['x', 'dir']]);
  assert.deepEqual(parse('0 11a4 0 0\0').others, [['x', 'fifo']]);
  assert.deepEqual(parse('0 0 0 0\0').others, [['x', 'unknown']]);
  assert.deepEqual(parse('0 -\0').others, [['x', 'absent']]);
  assert.deepEqual(parse('0 ?\0').unreadable, ['x']);
  assert.deepEqual(parse('0 21b6 1 3\x001 -\0', ['x', 'y']).others, [['y', 'absent']]);
  const refused = (text: string | Buffer, message: string, keys?: string[]) =>
    assert.throws(() => parse(text, keys), (e: unknown) => e instanceof DeviceStatFormatError && e.message === message, message);
  refused('1 21b6 1 3\0', 'bad record at byte 0: "1 21b6 1 3"');
  refused('0 21b6 1 3\x000 -\0', 'bad record at byte 11: "0 -"', ['x', 'y']);
  refused('0 21b6 1 3\x001 -\0', 'bad record at byte 11: "1 -"');
  refused('', 'the output ends after 0 of 1 records');
  refused('0 -\0', 'the output ends after 1 of 2 records', ['x', 'y']);
  refused('0 21b6 1 123456789\0', 'bad record at byte 0: "0 21b6 1 123456789"');
  refused('00 -\0', 'bad record at byte 0: "00 -"');
  refused('0 21B6 1 3\0', 'bad record at byte 0: "0 21B6 1 3"');
  refused('0 21b6 1 3 /t/x\0', 'bad record at byte 0: "0 21b6 1 3 /t/x"');
  refused('0 21b6 1 3', 'the output ends inside a record at byte 0: "0 21b6 1 3"');
  refused(Buffer.alloc(65, 0x61), `record longer than 64 bytes at byte 0: ${JSON.stringify('a'.repeat(65))}`);
  refused('0 -\0' + 'b'.repeat(70) + '\0', `record longer than 64 bytes at byte 4: ${JSON.stringify('b'.repeat(70) + '\0')}`, ['x', 'y']);
  // What a runtime says when the image has no python3 comes through in the refusal.
  const oci = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "python3": executable file not found in $PATH: unknown\r\n';
  refused(oci, `record longer than 64 bytes at byte 0: ${JSON.stringify(oci)}`);
});

test("deviceNumbers: no device wanted, nothing runs; a file or nothing where a device was is no failure; the program's trouble is a RestoreError saying it", async () => {
  const where = { target: '/vol/t', node: 'n1', container: 'gluster' };
  let runs = 0;
  const counting: ContainerRun = async (argv, onStdout) => (runs++, localRun(argv, onStdout));
  assert.deepEqual(await deviceNumbers(counting, where, new Set()), new Map());
  assert.equal(runs, 0, 'no pass at all without devices');
  const dir = oddTree();
  try {
    fs.writeFileSync(path.join(dir, 'was a device'), '');
    const numbers = await deviceNumbers(counting, { ...where, target: dir }, new Set(['was a device', 'gone', '-dash']));
    assert.deepEqual(numbers, new Map());
    assert.equal(runs, 1);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
  assert.deepEqual(await deviceNumbers(counting, { ...where, target: '/dev' }, new Set(['zero', 'null'])), new Map([
    ['null', 'c 1,3'],
    ['zero', 'c 1,5'],
  ]));
  const said = (stdout: string, exitCode: number, stderr = ''): ContainerRun => async (_argv, onStdout) => {
    onStdout(Buffer.from(stdout, 'latin1'));
    return { exitCode, stderr, stdoutBytes: stdout.length };
  };
  const fails = async (run: ContainerRun, message: RegExp) => assert.rejects(deviceNumbers(run, where, new Set(['x'])), (e: unknown) => e instanceof RestoreError && message.test(e.message), String(message));
  await fails(said('0 ?\0', 1, '/vol/t/x: Input/output error\n'), /^the verification could not read the device numbers under \/vol\/t on n1 \(\/vol\/t\/x: Input\/output error\): verify again once the volume answers$/);
  await fails(said('', 2, '/vol/t: Transport endpoint is not connected\n'), /\(\/vol\/t: Transport endpoint is not connected\)/);
  await fails(said('0 -\0', 1), /\(exit 1\)/);
  await fails(said('', 0), /: the device check's output is not what was asked for \(the output ends after 0 of 1 records\)$/);
  const oci = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "python3": executable file not found in $PATH: unknown';
  await fails(said('', 127, oci), /: the gluster container cannot run python3 \(executable file not found\), which reads the device numbers/);
  // The same words on stdout: the parser refuses them, and they are read the same.
  await fails(said(oci, 127), /: the gluster container cannot run python3 \(executable file not found\)/);
});

test('the words for a device, and a stored form that is not one', () => {
  assert.equal(deviceText('c 1,3'), 'character device 1,3');
  assert.equal(deviceText('b'), 'block device');
  assert.equal(deviceText('p'), 'fifo');
  assert.equal(deviceText('x 1,3'), 'device of unknown kind');
  const t = new EntryTable();
  t.push('a', 'other', 0, 0, undefined, undefined, { device: 'c 1,3\n' });
  t.push('b', 'file', 0, 0, undefined, undefined, { device: 'c 1,3' });
  assert.equal(t.device(0), undefined);
  assert.equal(t.device(1), undefined);
});

test("the members a verification takes keep their devices, and the device pass is asked for the devices' paths only (not the fifo's)", async () => {
  const { taken, devices } = takenMembers(await indexArchive(countingReader(ARCHIVE)), []);
  assert.deepEqual([...devices].sort(), ['big', 'null', 'sda']);
  assert.deepEqual(
    taken.toArray().map((e, i) => [e.path, taken.device(i)]),
    [
      ['big', 'c 2097151,2097151'],
      ['fifo', 'p'],
      ['file', undefined],
      ['null', 'c 1,3'],
      ['sda', 'b 8,0'],
    ],
  );
  assert.deepEqual([...takenMembers(await indexArchive(countingReader(ARCHIVE)), ['file', 'fifo']).devices], []);
  // Every special member counts, the fifo too; none taken, none counted.
  assert.equal(takenMembers(await indexArchive(countingReader(ARCHIVE)), []).specials, 4);
  assert.equal(takenMembers(await indexArchive(countingReader(ARCHIVE)), ['file', 'fifo']).specials, 1);
  assert.equal(takenMembers(await indexArchive(countingReader(ARCHIVE)), ['file']).specials, 0);
});
