// The CLI as an operator runs it against the test bed: the built bundle, the bed's settings.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, TESTBED_DIR } from './testbed';

export const CLI = path.join(REPO, 'dist', 'cli.js');
export const CONFIG = path.join(TESTBED_DIR, 'config.json');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `gluster-backup --config CONFIG ARGS…`, to its end (a hang fails after `timeoutMs`). */
export function cliWith(args: string[], o: { config?: string; timeoutMs?: number } = {}): CliResult {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`);
  const r = spawnSync(process.execPath, [CLI, '--config', o.config ?? CONFIG, ...args], { encoding: 'utf8', timeout: o.timeoutMs ?? 900_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cli(args: string[]): CliResult {
  return cliWith(args);
}

/** The CLI as a child process: to run beside another, to watch while it runs, or to interrupt. */
export interface RunningCli {
  pid: number;
  /** What it has printed so far. */
  stdout(): string;
  stderr(): string;
  /** Its exit code once it has exited (null: ended by a signal); undefined while it runs. */
  exitCode(): number | null | undefined;
  kill(sig: NodeJS.Signals): void;
  /** Once it has exited and its output is all read. */
  done: Promise<CliResult>;
}

/** `gluster-backup --config CONFIG ARGS…`, started and left running. */
export function startCli(args: string[], o: { config?: string } = {}): RunningCli {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`);
  const child = spawn(process.execPath, [CLI, '--config', o.config ?? CONFIG, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code) => (exitCode = code));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { pid: child.pid!, stdout: () => stdout, stderr: () => stderr, exitCode: () => exitCode, kill: (sig) => child.kill(sig), done };
}
