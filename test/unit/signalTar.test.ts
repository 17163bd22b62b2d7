// The cancel signals the pid the node's status file names, so the script that sends it must
// first prove that pid is this job's tar. Run here with the machine's own sh and GNU tar on real
// processes: a tar blocked opening a FIFO as its archive stands for a running backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupTarHead, restoreTarHead, signalTarArgv } from '../../src/core/backup/jobScript';

function runSignal(pid: number, partial: string): number {
  const [cmd, ...args] = signalTarArgv(pid, backupTarHead(partial));
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status ?? -1;
}

function exited(p: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.signalCode ?? p.exitCode);
    else p.once('exit', (code, sig) => resolve(sig ?? code));
  });
}

/** A GNU tar started as the job script starts it, blocked until something reads its archive. */
async function blockedTar(dir: string, partial: string): Promise<ChildProcess> {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  spawnSync('mkfifo', [partial]);
  const tar = spawn('tar', ['--create', `--file=${partial}`, `--directory=${path.join(dir, 'src')}`, '--numeric-owner', '.'], { stdio: 'ignore' });
  // Wait until the kernel shows its command line (the exec has happened).
  for (let i = 0; i < 200; i++) {
    try {
      if (fs.readFileSync(`/proc/${tar.pid}/cmdline`, 'utf8').startsWith('tar\0--create')) return tar;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('tar did not start');
}

test("the signal reaches this job's tar, and only it", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-signal-'));
  // A name with a space, a quote and a newline: compared byte for byte, never parsed by a shell.
  const partial = path.join(dir, "odd 'name'\nx.tar.partial");
  const tar = await blockedTar(dir, partial);
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => {
    tar.kill('SIGKILL');
    sleeper.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  assert.equal(runSignal(sleeper.pid!, partial), 3, 'a process that is not tar is not signalled');
  assert.equal(runSignal(tar.pid!, path.join(dir, 'other.tar.partial')), 3, "another job's tar is not signalled");
  assert.equal(runSignal(tar.pid!, partial.slice(0, -1)), 3, 'a prefix of the partial name does not match');
  assert.equal(runSignal(2 ** 22 + 7, partial), 3, 'a pid that does not exist');
  assert.equal(tar.exitCode, null, 'tar still runs after every refused signal');
  assert.equal(sleeper.exitCode, null);

  assert.equal(runSignal(tar.pid!, partial), 0);
  assert.equal(await exited(tar), 'SIGTERM');
  assert.equal(sleeper.exitCode, null, 'the other process is untouched');
});

test('a pid that is not a number is refused before any lookup', () => {
  const [cmd, sh, script, name] = signalTarArgv(1, backupTarHead('/x'));
  for (const pid of ['', '-1', '1 2', '$(id)', '1;kill']) {
    const r = spawnSync(cmd, [sh, script, name, pid, ...backupTarHead('/x')], { encoding: 'utf8' });
    assert.equal(r.status, 3, `pid ${JSON.stringify(pid)}`);
  }
});

test("a /tmp where no file can be made: the job's tar is still signalled, and nothing else", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-signal-tmp-'));
  const partial = path.join(dir, 'job.tar.partial');
  const tar = await blockedTar(dir, partial);
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  const planted: string[] = [];
  t.after(() => {
    tar.kill('SIGKILL');
    sleeper.kill('SIGKILL');
    for (const f of planted) fs.rmSync(f, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // The name the script once copied the command line to, made a directory under the pid its
  // shell then has (exec keeps it): a write there fails as in a full or read-only /tmp.
  const run = (pid: number, p: string) => {
    const [cmd, ...args] = signalTarArgv(pid, backupTarHead(p));
    const r = spawnSync('sh', ['-c', 'mkdir "/tmp/gluster-backup-signal-$$" && echo "/tmp/gluster-backup-signal-$$" && exec "$@"', 'plant', cmd, ...args], { encoding: 'utf8' });
    planted.push(...r.stdout.split('\n').filter(Boolean));
    return r.status;
  };
  assert.equal(run(sleeper.pid!, partial), 3, 'a process that is not tar is not signalled');
  assert.equal(run(tar.pid!, path.join(dir, 'other.tar.partial')), 3, "another job's tar is not signalled");
  assert.equal(tar.exitCode, null);
  assert.equal(run(tar.pid!, partial), 0);
  assert.equal(await exited(tar), 'SIGTERM');
  assert.equal(sleeper.exitCode, null, 'the other process is untouched');
  assert.equal(planted.length, 3, 'each run had its /tmp name planted');
});

test('without od nothing can be compared: exit 4 with the shell\'s words, not "not this job\'s tar" (3)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-signal-od-'));
  const partial = path.join(dir, 'job.tar.partial');
  const tar = await blockedTar(dir, partial);
  t.after(() => {
    tar.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const c of ['sh', 'head', 'wc', 'tr']) fs.symlinkSync(spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim(), path.join(bin, c));
  const [cmd, ...args] = signalTarArgv(tar.pid!, backupTarHead(partial));
  const r = spawnSync(path.join(bin, cmd), args, { encoding: 'utf8', env: { PATH: bin } });
  assert.equal(r.status, 4);
  assert.match(r.stderr, /od: not found\n/);
  assert.equal(tar.exitCode, null, 'tar still runs');
});
