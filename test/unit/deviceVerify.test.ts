// A restore's verification of device nodes and fifos: the archive gives each one's kind and,
// for a device, its major and minor (header walk and tar's listing alike); the target's listing
// gives the kind (find's %y) and a stat pass the numbers. A node restored as another kind or
// with other numbers is a difference, said with both values.
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
  DeviceStatParser,
  EntryTable,
  FsListParser,
  deviceStatArgv,
  deviceText,
  indexArchive,
  type TarIndexResult,
} from '../../src/core/archive';
import { countingReader, END, listWithGnuTar } from './helpers/archiveCraft';
import { deviceHeader, rawHeader, resum } from './helpers/archiveTree';
import { changeText } from '../../src/core/restore/restoreText';
import { takenMembers } from '../../src/core/restore/restoreJob';

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

test('without the stat pass the kind is still compared, and the numbers are not guessed', async () => {
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

test("the stat pass reads the real stat's numbers of a character device, and only the paths asked for", () => {
  const run = (root: string, keys: string[], wanted: string[]) => {
    const { argv, prefix } = deviceStatArgv(root, keys);
    const r = spawnSync(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, LC_ALL: 'C' } });
    const p = new DeviceStatParser(prefix, new Set(wanted));
    p.push(r.stdout);
    return [...p.end()];
  };
  assert.deepEqual(run('/dev', ['null'], ['null']), [['null', 'c 1,3']]);
  assert.deepEqual(run('/dev/', ['null', 'zero'], ['zero']), [['zero', 'c 1,5']]);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-dev-'));
  fs.writeFileSync(path.join(empty, 'f'), '');
  assert.deepEqual(run(empty, [], ['f']), []);
  fs.rmSync(empty, { recursive: true });
});

test('the stat pass argv: whole target below its root, or the include paths as operands', () => {
  assert.deepEqual(deviceStatArgv('/vol/t/'), {
    argv: ['find', '-P', '/vol/t', '-mindepth', '1', '(', '-type', 'b', '-o', '-type', 'c', ')', '-exec', 'stat', '--printf', '%f %t %T %n\\0', '{}', '+'],
    prefix: '/vol/t/',
  });
  assert.deepEqual(deviceStatArgv('/vol/t', ['a b', 'd']).argv.slice(0, 4), ['find', '-P', '/vol/t/a b', '/vol/t/d']);
});

test("stat's output that is not what was asked for is refused with the record, never taken", () => {
  const parse = (text: string) => {
    const p = new DeviceStatParser('/t/', new Set(['x']));
    p.push(Buffer.from(text, 'latin1'));
    return [...p.end()];
  };
  assert.deepEqual(parse('21b6 1 3 /t/x\0'), [['x', 'c 1,3']]);
  assert.deepEqual(parse('61b0 8 10 /t/x\0'), [['x', 'b 8,16']]);
  // A regular file's mode: find asked for devices only.
  assert.throws(() => parse('81a4 0 0 /t/x\0'), (e: unknown) => e instanceof DeviceStatFormatError && e.message === 'bad record at byte 0: "81a4 0 0 /t/x"');
  assert.throws(() => parse('21b6 1 3 /elsewhere/x\0'), (e: unknown) => e instanceof DeviceStatFormatError && e.message === 'bad record at byte 0: "21b6 1 3 /elsewhere/x"');
  assert.throws(() => parse('21b6 1 123456789 /t/x\0'), (e: unknown) => e instanceof DeviceStatFormatError && e.message === 'bad record at byte 0: "21b6 1 123456789 /t/x"');
  assert.throws(() => parse('21b6 1 3 /t/x'), (e: unknown) => e instanceof DeviceStatFormatError && e.message === "stat's output ends inside a record at byte 0");
  const p = new DeviceStatParser('/t/', new Set());
  assert.throws(() => p.push(Buffer.alloc((1 << 20) + 1, 0x61)), (e: unknown) => e instanceof DeviceStatFormatError && e.message === 'record longer than 1048576 bytes at byte 0');
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

test("the members a verification takes keep their devices, and the stat pass is asked for the devices' paths only (not the fifo's)", async () => {
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
