// The CLI as an operator runs it against the test bed: the built bundle, the bed's settings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
