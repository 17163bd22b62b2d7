// What the million-file scale suite and bench/million share: the volume testbed.sh million
// makes, a CLI config that backs it up, and the CLI run under GNU time for its peak memory.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, TESTBED_DIR } from '../integration/helpers/testbed';

export const MILLION_MOUNT = '/mnt/gluster-million';
export const MILLION_FILES = 1_000_000;
/** The files and the directories testbed/million.py lays down: 10 top ones of 100 leaves each. */
export const MILLION_ENTRIES = MILLION_FILES + 1010;
/** The scale issue's bound on the CLI's memory. */
export const MAX_RSS = 300 * 1024 * 1024;
/** `testbed.sh million` took 3.5 min under load when its brick was on disk; now about half that. */
export const MILLION_BED_MS = 15 * 60_000;

/** The test bed's config with the million-file volume as the gluster filesystem, written to `file`. */
export function writeMillionConfig(file: string): void {
  const raw = JSON.parse(readFileSync(path.join(TESTBED_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...raw, glusterPath: MILLION_MOUNT }));
}

export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the CLI process, from GNU time. */
  rssBytes: number;
}

/** The CLI with `config`, under GNU time (its report goes to `rssFile`). */
export function cliMeasured(config: string, rssFile: string, args: string[], o: { timeoutMs?: number } = {}): MeasuredRun {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-o', rssFile, '-f', '%M', process.execPath, path.join(REPO, 'dist', 'cli.js'), '--config', config, ...args], {
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 30 * 60_000,
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`gluster-backup ${args.join(' ')}: ${r.error.message}`);
  const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms, rssBytes: kb * 1024 };
}

export const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
