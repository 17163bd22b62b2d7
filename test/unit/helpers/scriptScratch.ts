// A fresh directory for running the backup job script on this machine: a source tree with its
// mtimes pinned, an empty backups directory and an empty bin for PATH shims; and what the tests
// of the script share around it (shims, the status's exit, a node that is this machine).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../../src/core/cluster';
import { parseSettings } from '../../../src/core/config';
import { BackupJobs } from '../../../src/core/backup/jobs';
import { jobPaths, serializeJobFile } from '../../../src/core/backup/jobFile';
import { jobArgv, parseStatus } from '../../../src/core/backup/jobScript';
import type { JobRecord } from '../../../src/core/backup/types';
import { backupJob } from '../../helpers/builders';

export const SCRIPT_MTIME = 1700000000;

/** `bigBytes`: the size of src/a/big, large enough that a follower reads it in several steps while tar writes. */
export function scriptScratch(prefix: string, bigBytes: number): { dir: string; src: string; backups: string; bin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'a'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a', 'big'), Buffer.alloc(bigBytes, 7));
  fs.writeFileSync(path.join(src, 'small'), 'small');
  for (const p of ['a/big', 'small', 'a']) fs.utimesSync(path.join(src, p), SCRIPT_MTIME, SCRIPT_MTIME);
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  return { dir, src, backups, bin };
}

/** Where sh finds a tool (empty when it does not). */
export const which = (c: string): string => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim();

/** A shim in `bin` that runs `body` (sh) with the real tool as $REAL. */
export function shim(bin: string, name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nREAL=${which(name)}\n${body}\n`, { mode: 0o755 });
}

/** The exit code the job's status file holds, or undefined while it holds none (or is missing). */
export function exitOf(p: { status: string }): number | undefined {
  const st = parseStatus(fs.existsSync(p.status) ? fs.readFileSync(p.status, 'utf8') : undefined);
  return st.phase === 'exit' ? st.code : undefined;
}

/** A Cluster whose one node is this machine, with `backups` as its backups directory. */
export async function withLocalNode<T>(dir: string, backups: string, fn: (jobs: BackupJobs) => Promise<T>): Promise<T> {
  const { settings } = parseSettings({ backupDir: backups, nodes: [{ name: 'here', dockerSocket: path.join(dir, 'no-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    return await fn(new BackupJobs(cluster));
  } finally {
    cluster.dispose();
  }
}

export type JobFilePaths = ReturnType<typeof jobPaths>;

/** A backup job's files and its shell's argv and environment, as the client starts it (its job file first, then `before`). */
function prepareBackupJob(backups: string, src: string, bin: string, name: string, o: { compressor?: string; before?: (p: JobFilePaths) => void }) {
  const archive = o.compressor ? `${name}.gz` : name;
  const p = jobPaths(backups, archive);
  const record = backupJob({ node: 'here' }, { dir: backups, archive });
  fs.writeFileSync(p.job, serializeJobFile(record));
  o.before?.(p);
  const [cmd, ...args] = jobArgv(p, src, o.compressor, '0600');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  delete env.TMPDIR;
  return { p, record, cmd, args, env };
}

/**
 * A backup job as the client starts it (its job file first, then `before`, what happens on the
 * node before the script runs), run to its end by the machine's sh; `name` with `.gz` when a
 * compressor is given.
 */
export function runBackupJob(backups: string, src: string, bin: string, name: string, o: { compressor?: string; before?: (p: JobFilePaths) => void } = {}): { p: JobFilePaths; record: JobRecord } {
  const { p, record, cmd, args, env } = prepareBackupJob(backups, src, bin, name, o);
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(r.error, undefined, `the job script did not end: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  return { p, record };
}

/**
 * The same job, started and left running: `ended` resolves with the shell's exit code and
 * stderr; `kill` stops the shell and everything it started (its own process group).
 */
export function startBackupJob(backups: string, src: string, bin: string, name: string): { p: JobFilePaths; record: JobRecord; ended: Promise<{ code: number | null; stderr: string }>; kill: () => void } {
  const { p, record, cmd, args, env } = prepareBackupJob(backups, src, bin, name, {});
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { p, record, ended, kill };
}

/** Resolves once `ok()` holds, looking every 10 ms; rejects saying `what` after `ms`. */
export async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
