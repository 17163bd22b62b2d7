// A restore's wait, run here with the machine's own sh on real processes: it prints how far the
// job's reader is in the archive (from the descriptor's fdinfo) and ends when the status says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RESTORE_WAIT_SCRIPT, restoreWaitPositions } from '../../src/core/backup/jobScript';

function lines(child: ReturnType<typeof spawn>): { text: () => string; ended: Promise<number | null> } {
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  return { text: () => out, ended: new Promise((r) => child.on('exit', r)) };
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < end, `${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A directory with an archive and its "tar": a shell holding the archive open at byte 3000 (dd reads exactly that much from it). */
async function withReader(run: (dir: string, archive: string, pid: number) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-wait-'));
  const archive = path.join(dir, 'datarobot-gluster-backup-2026-03-12.tar');
  fs.writeFileSync(archive, Buffer.alloc(10_000));
  const reader = spawn('sh', ['-c', 'exec 3<"$1"; dd bs=1000 count=3 <&3 >/dev/null 2>&1; echo ready; exec sleep 30', 'reader', archive], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((r) => reader.stdout!.once('data', () => r()));
    await run(dir, archive, reader.pid!);
  } finally {
    reader.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("a restore's wait prints its reader's position in the archive, and ends with the job", async () => {
  await withReader(async (dir, archive, pid) => {
    const status = path.join(dir, 'job.status');
    fs.writeFileSync(status, `running 1 ${pid} 1700000000.0 `);
    const wait = spawn('sh', ['-c', RESTORE_WAIT_SCRIPT, 'gluster-restore-wait', status, archive], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(wait);
    await until('a position', 5000, () => restoreWaitPositions(out.text()).length > 0);
    assert.deepEqual(restoreWaitPositions(out.text()).slice(0, 1), [3000]);
    fs.writeFileSync(status, 'exit 0 1700000001.0 ');
    assert.equal(await out.ended, 0, 'the wait ends with the job');
  });
});

test('a status without a pid (or a planted one that is not a number) gives keepalive dots, never a position', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-wait-'));
  try {
    const status = path.join(dir, 'job.status');
    fs.writeFileSync(status, 'running 1 $(touch pwned) 1700000000.0 ');
    const wait = spawn('sh', ['-c', RESTORE_WAIT_SCRIPT, 'gluster-restore-wait', status, path.join(dir, 'a.tar')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(wait);
    await until('a keepalive', 5000, () => out.text().includes('.\n'));
    fs.rmSync(status);
    assert.equal(await out.ended, 0, 'a status file that is gone ends the wait (another client finalised the job)');
    assert.deepEqual(restoreWaitPositions(out.text()), []);
    assert.equal(fs.existsSync(path.join(dir, 'pwned')), false, 'the status file is data, never run');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a status line is split, never globbed, and only at a status line\'s length', async () => {
  await withReader(async (dir, archive, pid) => {
    // A file named for the reader's pid beside a pattern: globbed, the pattern would become
    // that pid, and the wait would report the reader's position.
    fs.writeFileSync(path.join(dir, String(pid)), '');
    const status = path.join(dir, 'job.status');
    for (const line of ['running 1 [0-9]* 1700000000.0 ', `running 1 ${pid} 1700000000.0 ${' '.repeat(100)}x`]) {
      fs.writeFileSync(status, line);
      const wait = spawn('sh', ['-c', RESTORE_WAIT_SCRIPT, 'gluster-restore-wait', status, archive], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = lines(wait);
      await until('two samples (a keepalive or a position)', 5000, () => out.text().split('\n').filter((l) => l === '.' || l.startsWith('pos ')).length >= 2);
      wait.kill();
      await out.ended.catch(() => undefined);
      assert.deepEqual(restoreWaitPositions(out.text()), [], line.slice(0, 40));
    }
  });
});

test('positions are read with a guard: whole lines of "pos" and at most 16 digits', () => {
  assert.deepEqual(restoreWaitPositions('pos 12\n.\npos 4096\n'), [12, 4096]);
  assert.deepEqual(restoreWaitPositions('pos 12345678901234567\npos -1\npos 1e9\nxpos 5\npos 5 \n'), []);
});

test('mutated wait output never throws and never yields more than its lines say', () => {
  // A fixed-seed generator: the same mutations on every run.
  let seed = 0x2f6b;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const base = Buffer.from('pos 1024\n.\npos 2048\npos 99999999\n', 'latin1');
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(base);
    for (let k = rnd(6); k >= 0; k--) b[rnd(b.length)] = rnd(256);
    const text = b.toString('latin1');
    const got = restoreWaitPositions(text);
    assert.ok(got.length <= text.split('\n').length);
    for (const n of got) assert.ok(Number.isSafeInteger(n) && n >= 0);
  }
});
