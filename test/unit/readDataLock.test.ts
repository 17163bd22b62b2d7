// The lock of --read-data-subset runs: its record through its guard (every field, a bound, a
// newer version, and mutated at random with a fixed seed), the judgement of a lock found there,
// the refusal's sentence, and taking and letting go of it on this machine's filesystem
// (LocalConnection: the same createExclusive the nodes' SFTP side gives; the SSH side and two
// real runs at once are in test/integration/checksums.test.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import {
  MAX_READ_DATA_LOCK_BYTES,
  ReadDataLockError,
  ReadDataLockHeld,
  holderIsGone,
  lockHeldText,
  parseReadDataLock,
  readDataLockPathOf,
  serializeReadDataLock,
  type LockOwner,
  type ReadDataLock,
} from '../../src/core/validate/readDataLock';
import { lookAtLock, processAlive, takeReadDataLock, thisProcess } from '../../src/core/validate/takeReadDataLock';
import type Docker from 'dockerode';
import { EntryTable } from '../../src/core/archive/entryTable';
import { ReadDataError, readArchiveData } from '../../src/core/validate/readData';
import { readDataStatePathOf } from '../../src/core/validate/readDataState';
import { textMutation } from './helpers/archiveMutator';
import { mutatedRecord, mutation } from './helpers/textMutation';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-rdlock-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
let n = 0;
/** A fresh archive path (the lock goes beside it; the archive itself need not be there). */
const archive = () => path.join(work, `datarobot-gluster-backup-2026-01-${String(++n).padStart(2, '0')}.tar`);
const conn = new LocalConnection({ name: 'local' });

const LOCK: ReadDataLock = {
  version: 1,
  token: '0123456789abcdef0123456789abcdef',
  host: 'ws1',
  pid: 4242,
  user: 'alice',
  pidScope: 'b7e1c2d4-0000-4000-8000-000000000000/pid:[4026531836]',
  client: 'the CLI',
  since: '2026-03-05T12:00:00.000Z',
  clock: 'node',
};
const ME: LockOwner = { host: 'ws1', pid: 5000, user: 'bob', pidScope: LOCK.pidScope };
/** A pid that was a process and is none now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the lock record: written, read back the same; a guard on every field; a bound on its size; a newer version refused', () => {
  const text = serializeReadDataLock(LOCK);
  assert.deepEqual(parseReadDataLock(Buffer.from(text)), LOCK);
  assert.ok(text.length < 400, `${text.length} bytes`);
  const bare: ReadDataLock = { version: 1, token: LOCK.token, host: 'h', pid: 1, since: LOCK.since, clock: 'client' };
  assert.deepEqual(parseReadDataLock(Buffer.from(serializeReadDataLock(bare))), bare, 'user, pidScope and client may be absent');
  const bad: [unknown, RegExp][] = [
    [{ ...LOCK, version: 2 }, /version 2, written by a newer gluster-backup/],
    [{ ...LOCK, version: 0 }, /not one this gluster-backup wrote/],
    [{ ...LOCK, version: '1' }, /no version/],
    [{ ...LOCK, token: 'XYZ' }, /token/],
    [{ ...LOCK, token: 'ab' }, /token/],
    [{ ...LOCK, host: '' }, /host/],
    [{ ...LOCK, host: 'a'.repeat(256) }, /host/],
    [{ ...LOCK, host: 'ws1\n- forged line' }, /host/],
    [{ ...LOCK, host: 'ws\x1b]0;x\x07' }, /host/],
    [{ ...LOCK, pid: 0 }, /pid/],
    [{ ...LOCK, pid: -1 }, /pid/],
    [{ ...LOCK, pid: 1.5 }, /pid/],
    [{ ...LOCK, pid: 2 ** 32 }, /pid/],
    [{ ...LOCK, user: 7 }, /user/],
    [{ ...LOCK, user: 'a\u2028b' }, /user/],
    [{ ...LOCK, pidScope: '' }, /pidScope/],
    [{ ...LOCK, client: 'x'.repeat(101) }, /client/],
    [{ ...LOCK, since: 'yesterday' }, /since/],
    [{ ...LOCK, since: 12 }, /since/],
    [{ ...LOCK, clock: 'wall' }, /clock/],
    [{ ...LOCK, extra: 1 }, /unknown field "extra"/],
    [[LOCK], /not a JSON object/],
    [null, /not a JSON object/],
  ];
  for (const [v, why] of bad) assert.throws(() => parseReadDataLock(Buffer.from(JSON.stringify(v))), (e) => e instanceof ReadDataLockError && why.test(e.message), JSON.stringify(v));
  assert.throws(() => parseReadDataLock(Buffer.from('{"version":1,')), /not JSON/);
  assert.throws(() => parseReadDataLock(Buffer.alloc(MAX_READ_DATA_LOCK_BYTES + 1, 0x20)), /4097 bytes, larger than any read-data lock \(4096\)/);
});

/** What any lock the guard lets through must be: shown safely, and read back the same. */
function assertSound(l: ReadDataLock): void {
  assert.match(l.token, /^[0-9a-f]{16,64}$/);
  assert.ok(Number.isInteger(l.pid) && l.pid >= 1 && l.pid <= 0xffffffff);
  for (const s of [l.host, l.user, l.pidScope, l.client]) if (s !== undefined) assert.ok(s.length >= 1 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), JSON.stringify(s));
  assert.ok(l.clock === 'node' || l.clock === 'client');
  assert.ok(!Number.isNaN(Date.parse(l.since)));
  assert.deepEqual(parseReadDataLock(Buffer.from(serializeReadDataLock(l))), l);
}

test('property: a lock file mutated at random (bytes flipped, cut, duplicated, dropped; numbers rewritten) is read as a sound lock or refused by the guard, never anything else', () => {
  const good = serializeReadDataLock(LOCK);
  fc.assert(
    fc.property(fc.array(textMutation, { minLength: 1, maxLength: 4 }), fc.array(mutation, { maxLength: 3 }), (bytes, texts) => {
      const mutated = mutatedRecord(good, bytes, texts);
      try {
        assertSound(parseReadDataLock(mutated));
      } catch (e) {
        assert.ok(e instanceof ReadDataLockError, String(e));
      }
    }),
    { seed: 2181, numRuns: 3000 },
  );
});

test('property: any value in any field, or any field added: a sound lock or the guard\'s refusal', () => {
  const field = fc.constantFrom(...Object.keys(LOCK), 'extra', '__proto__', 'constructor');
  // Strings of any code unit (controls, escapes, lone surrogates), numbers at every edge.
  const value = fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: -2, max: 2 ** 33 }), fc.double());
  fc.assert(
    fc.property(field, value, (k, v) => {
      // A key given twice: JSON.parse keeps the last, as a field replaced (and __proto__ as a key).
      const text = JSON.stringify(LOCK).replace(/}$/, `,${JSON.stringify(k)}:${JSON.stringify(v)}}`);
      try {
        assertSound(parseReadDataLock(Buffer.from(text)));
      } catch (e) {
        assert.ok(e instanceof ReadDataLockError, `${String(e)} for ${text}`);
      }
    }),
    { seed: 2182, numRuns: 3000 },
  );
});

test('a holder is gone only when provably: this host, this pid scope, and no such process', () => {
  const dead = () => false;
  const alive = () => true;
  assert.equal(holderIsGone(LOCK, ME, dead), true);
  assert.equal(holderIsGone(LOCK, ME, alive), false, 'its pid is a process (maybe reused: still held)');
  assert.equal(holderIsGone(LOCK, { ...ME, host: 'ws2' }, dead), false, 'another machine: its pids are not ours to ask about');
  assert.equal(holderIsGone(LOCK, { ...ME, pidScope: 'other-boot/pid:[4026531836]' }, dead), false, 'another boot, or a container with the same host name');
  assert.equal(holderIsGone(LOCK, { host: 'ws1' }, dead), false, 'a scope on one side only');
  const { pidScope: _, ...noScope } = LOCK;
  assert.equal(holderIsGone(noScope, { host: 'ws1' }, dead), true, 'neither side tells a scope (not Linux): host and pid decide');
  assert.equal(processAlive(process.pid), true);
  assert.equal(processAlive(deadPid()), false);
  assert.equal(processAlive(2 ** 33), true, 'a pid that cannot be asked about counts as there');
});

test('this process as a lock names it passes the guard', () => {
  const me = thisProcess();
  assert.equal(me.pid, process.pid);
  assert.equal(me.host, os.hostname());
  assertSound({ version: 1, token: LOCK.token, ...me, since: new Date().toISOString(), clock: 'client' });
  if (process.platform === 'linux') assert.match(me.pidScope ?? '', /^[0-9a-f-]{36}\/pid:\[\d+\]$/);
});

test("the refusal names the holder, since when and by whose clock, the lock's path, and what to do about a stale one", () => {
  const text = lockHeldText('node1', '/b/x.tar', '/b/x.tar.read-data.lock', { holder: LOCK });
  assert.equal(
    text,
    '/b/x.tar on node1 is being read by another --read-data-subset run: alice@ws1, pid 4242 (the CLI), since 2026-03-05 12:00:00 UTC by node1\'s clock. ' +
      'Its lock is /b/x.tar.read-data.lock. Nothing was checked: two runs at once would check the same slice. Run again once it has ended; ' +
      'if no such run is going on (it was killed, or its machine is down), run again with --break-lock (in VS Code: Remove Lock and Read…), or remove /b/x.tar.read-data.lock',
  );
  assert.match(lockHeldText('node1', '/b/x.tar', '/b/x.tar.read-data.lock', { holder: { ...LOCK, clock: 'client' } }), /since 2026-03-05 12:00:00 UTC by the clock of ws1 \(node1 did not give its time\)/);
  assert.match(lockHeldText('node1', '/b/x.tar', '/b/x.tar.read-data.lock', { unreadable: 'not JSON' }), /^\/b\/x\.tar on node1 has a read-data lock that cannot be read \(not JSON\), so whether another --read-data-subset run holds it is unknown\. Its lock is \/b\/x\.tar\.read-data\.lock\. .*--break-lock/);
});

test('taken, a second run is refused naming the first; released, the next run takes it; nothing else is left beside the archive', async () => {
  const a = archive();
  const first = await takeReadDataLock(conn, { node: 'local', archive: a, client: 'the CLI', nodeNow: async () => '2026-03-05T12:00:00.000Z' });
  assert.equal(first.path, readDataLockPathOf(a));
  assert.deepEqual(first.cautions, []);
  const onDisk = parseReadDataLock(fs.readFileSync(first.path));
  assert.deepEqual(onDisk, first.lock);
  assert.deepEqual([onDisk.host, onDisk.pid, onDisk.clock, onDisk.since, onDisk.client], [os.hostname(), process.pid, 'node', '2026-03-05T12:00:00.000Z', 'the CLI']);
  assert.equal(fs.statSync(first.path).mode & 0o777, 0o600);

  // This very process holds it: a pid that is there, so it is held, not taken over.
  await assert.rejects(takeReadDataLock(conn, { node: 'local', archive: a }), (e) => {
    assert.ok(e instanceof ReadDataLockHeld);
    assert.deepEqual(e.found, { holder: first.lock });
    assert.equal(e.lockPath, first.path);
    assert.match(e.message, new RegExp(`is being read by another --read-data-subset run: .*pid ${process.pid} \\(the CLI\\), since 2026-03-05 12:00:00 UTC by local's clock\\. Its lock is ${first.path.replace(/[.]/g, '\\.')}\\.`));
    return true;
  });
  assert.equal(await first.check(), undefined);
  assert.equal(await first.release(), undefined);
  assert.equal(fs.existsSync(first.path), false);
  assert.equal(await first.release(), undefined, 'a second release does nothing');

  const next = await takeReadDataLock(conn, { node: 'local', archive: a, nodeNow: async () => undefined, now: () => new Date('2026-01-01T00:00:00Z') });
  assert.deepEqual([next.lock.clock, next.lock.since], ['client', '2026-01-01T00:00:00.000Z'], "the node did not say its time: the client's, said so");
  assert.notEqual(next.lock.token, first.lock.token);
  await next.release();
  const left = fs.readdirSync(work).filter((f) => f.startsWith(path.basename(a)));
  assert.deepEqual(left, []);
});

test('twenty runs at once, each its own process as far as the lock knows: exactly one takes it, every other is refused naming that one', async () => {
  const a = archive();
  const owners = Array.from({ length: 20 }, (_, i): LockOwner => ({ host: `ws${i}`, pid: 100 + i }));
  const got = await Promise.allSettled(owners.map((owner) => takeReadDataLock(conn, { node: 'local', archive: a, owner, alive: () => true })));
  const won = got.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof takeReadDataLock>>> => r.status === 'fulfilled');
  assert.equal(won.length, 1);
  for (const r of got) if (r.status === 'rejected') assert.deepEqual((r.reason as ReadDataLockHeld).found, { holder: won[0].value.lock });
  assert.deepEqual(parseReadDataLock(fs.readFileSync(readDataLockPathOf(a))), won[0].value.lock);
  await won[0].value.release();
});

test('a lock whose run is gone from this machine is taken over, said so; one of another host, another pid scope or a live pid is not', async () => {
  const a = archive();
  const file = readDataLockPathOf(a);
  const plant = (l: ReadDataLock) => fs.writeFileSync(file, serializeReadDataLock(l));
  const me = thisProcess();
  const dead = deadPid();
  plant({ ...LOCK, host: me.host, pid: dead, ...(me.pidScope ? { pidScope: me.pidScope } : { pidScope: undefined }) });
  const taken = await takeReadDataLock(conn, { node: 'local', archive: a });
  assert.equal(taken.cautions.length, 1);
  assert.match(taken.cautions[0], new RegExp(`^the read-data lock of alice@${me.host}, pid ${dead} \\(the CLI\\), since 2026-03-05 12:00:00 UTC by local's clock, was taken over: that run is gone \\(no process ${dead} on this machine\\)$`));
  assert.equal(parseReadDataLock(fs.readFileSync(file)).token, taken.lock.token);
  await taken.release();

  for (const other of [{ ...LOCK, host: 'elsewhere', pid: dead }, { ...LOCK, host: me.host, pid: dead, pidScope: 'another-boot/pid:[1]' }, { ...LOCK, host: me.host, pid: process.pid, pidScope: me.pidScope }]) {
    plant(other);
    await assert.rejects(takeReadDataLock(conn, { node: 'local', archive: a }), (e) => e instanceof ReadDataLockHeld && 'holder' in e.found && e.found.holder.token === LOCK.token);
    assert.equal(parseReadDataLock(fs.readFileSync(file)).token, LOCK.token, 'left as it was');
  }
  fs.rmSync(file);
});

test('a lock that cannot be read is never taken over: refused with why; --break-lock removes it', async () => {
  const a = archive();
  const file = readDataLockPathOf(a);
  for (const [content, why] of [
    ['{"version":1,', /not JSON/],
    [JSON.stringify({ ...LOCK, version: 9 }), /version 9, written by a newer gluster-backup/],
    ['x'.repeat(MAX_READ_DATA_LOCK_BYTES + 10), /4106 bytes, larger than any read-data lock/],
  ] as const) {
    fs.writeFileSync(file, content);
    await assert.rejects(takeReadDataLock(conn, { node: 'local', archive: a, alive: () => false }), (e) => e instanceof ReadDataLockHeld && 'unreadable' in e.found && why.test(e.found.unreadable) && /has a read-data lock that cannot be read/.test(e.message));
  }
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.deepEqual(await lookAtLock(conn, file), { unreadable: 'it is not a regular file' });
  fs.rmdirSync(file);

  fs.writeFileSync(file, 'garbage');
  const broke = await takeReadDataLock(conn, { node: 'local', archive: a, breakLock: true });
  assert.match(broke.cautions.join('\n'), new RegExp(`^the read-data lock ${file.replace(/[.]/g, '\\.')} was removed \\(--break-lock\\): it was one that could not be read \\(not JSON`));
  await broke.release();
});

test('--break-lock removes a live holder\'s lock (the operator says it is gone); a token given breaks only that lock', async () => {
  const a = archive();
  const file = readDataLockPathOf(a);
  fs.writeFileSync(file, serializeReadDataLock(LOCK));
  await assert.rejects(takeReadDataLock(conn, { node: 'local', archive: a, breakLock: { token: 'f'.repeat(32) }, alive: () => true }), (e) => e instanceof ReadDataLockHeld, 'a lock other than the one shown stays');
  const broke = await takeReadDataLock(conn, { node: 'local', archive: a, breakLock: { token: LOCK.token }, alive: () => true });
  assert.match(broke.cautions[0], /was removed \(--break-lock\): it was held by alice@ws1, pid 4242 \(the CLI\), since 2026-03-05 12:00:00 UTC by local's clock\. If that run was still going on, it checks the same slice, and where it stops is not saved$/);
  await broke.release();
  fs.writeFileSync(file, serializeReadDataLock(LOCK));
  const any = await takeReadDataLock(conn, { node: 'local', archive: a, breakLock: true, alive: () => true });
  assert.equal(any.cautions.length, 1);
  await any.release();
});

test('a run lets go only of its own lock: one removed or taken by another run meanwhile is left, and said so', async () => {
  const a = archive();
  const held = await takeReadDataLock(conn, { node: 'local', archive: a });
  fs.writeFileSync(held.path, serializeReadDataLock(LOCK));
  assert.match((await held.check()) ?? '', /^the read-data lock .* was taken by alice@ws1, pid 4242 \(the CLI\), since .* while this run held it \(--break-lock\): that run may check the same slice$/);
  assert.match((await held.release()) ?? '', /was taken by alice@ws1/);
  assert.equal(parseReadDataLock(fs.readFileSync(held.path)).token, LOCK.token, "the other run's lock stays");
  fs.rmSync(held.path);

  const again = await takeReadDataLock(conn, { node: 'local', archive: a });
  fs.rmSync(again.path);
  assert.match((await again.release()) ?? '', /^the read-data lock .* was removed while this run held it/);
});

test('a lock that cannot be created (no such directory) is an error of its own, not a refusal', async () => {
  await assert.rejects(takeReadDataLock(conn, { node: 'local', archive: path.join(work, 'nope', 'x.tar') }), (e) => !(e instanceof ReadDataLockHeld) && /ENOENT/.test(String(e)));
});

test('the position is written only by the holder of the lock: a run whose lock was broken meanwhile checks its slice but does not move the cycle on; a subset without the lock is refused', async () => {
  const a = archive();
  fs.writeFileSync(a, '');
  // No regular-file member: nothing is compared, so no container is asked; the slice is complete.
  const index = { entries: EntryTable.from([]), bytesRead: 0, reads: 0, tarBytes: 0, compressed: false, rootEntries: 0 };
  const run = (lock?: Awaited<ReturnType<typeof takeReadDataLock>>) =>
    readArchiveData({ conn, docker: {} as Docker, container: 'gluster', node: 'local', archive: a, archiveBytes: 0, root: '/mnt/gluster', index, checksum: Promise.resolve({ state: 'ok' }), subset: 1000, ...(lock ? { lock } : {}) });
  await assert.rejects(run(), (e) => e instanceof ReadDataError && /without the archive's read-data lock/.test(e.message));

  const held = await takeReadDataLock(conn, { node: 'local', archive: a });
  const ok = await run(held);
  assert.deepEqual([ok.subset?.saved, ok.subset?.lockFile, ok.subset?.saveError], [true, held.path, undefined]);
  assert.equal(JSON.parse(fs.readFileSync(readDataStatePathOf(a), 'utf8')).runs, 1);
  fs.rmSync(readDataStatePathOf(a));

  fs.writeFileSync(held.path, serializeReadDataLock(LOCK));
  const lost = await run(held);
  assert.equal(lost.subset?.saved, false);
  assert.match(lost.subset?.saveError ?? '', /^where this run stopped was not saved: the read-data lock .* was taken by alice@ws1, pid 4242/);
  assert.equal(fs.existsSync(readDataStatePathOf(a)), false, 'the position is the other run\'s to write');
  fs.rmSync(held.path);
});
