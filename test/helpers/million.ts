// What the million-file scale suite and bench/million share: the volume testbed.sh million
// makes, a CLI config that backs it up, and the CLI run under GNU time for its peak memory.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, SCRIPT, TESTBED_DIR, inGluster, rawConfig } from '../integration/helpers/testbed';

export const MILLION_MOUNT = '/mnt/gluster-million';
export const MILLION_FILES = 1_000_000;

/** One of the bed's two million-file volumes: the same tree on one brick, or over three nodes. */
export interface MillionVolume {
  name: string;
  mount: string;
  /** The testbed.sh commands that make and remove it. */
  make: string;
  remove: string;
  bricks: 1 | 3;
}
export const MILLION_ONE_BRICK: MillionVolume = { name: 'gvmillion', mount: MILLION_MOUNT, make: 'million', remove: 'remove-million', bricks: 1 };
export const MILLION_THREE_BRICKS: MillionVolume = { name: 'gvmillion3', mount: '/mnt/gluster-million3', make: 'million3', remove: 'remove-million3', bricks: 3 };
/** The files and the directories testbed/million.py lays down: 10 top ones of 100 leaves each. */
export const MILLION_ENTRIES = MILLION_FILES + 1010;
/** The scale issue's bound on the CLI's memory. */
export const MAX_RSS = 300 * 1024 * 1024;
/** `testbed.sh million` took 3.5 min under load when its brick was on disk; now about half that. */
export const MILLION_BED_MS = 15 * 60_000;

/** The test bed's config with the million-file volume as the gluster filesystem, written to `file`. */
export function writeMillionConfig(file: string, mount = MILLION_MOUNT): void {
  const raw = JSON.parse(readFileSync(path.join(TESTBED_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...raw, glusterPath: mount }));
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

/**
 * GNU tar's archive of the tree as the mount shows it, from the bricks: with one brick, the
 * brick; with three, the first brick whole and the files alone of the others (every brick holds
 * every directory), appended with tar -A. Validate then checks it against the mount.
 */
export function tarOfBricks(volume: MillionVolume, archive: string): void {
  const bricks = [...inGluster('node1', ['gluster', '--mode=script', 'volume', 'info', volume.name]).stdout.matchAll(/^Brick\d+: ([^:\s]+):(\/\S+)$/gm)].map((m) => ({ ip: m[1], dir: m[2] }));
  if (bricks.length !== volume.bricks) throw new Error(`${volume.name} has ${bricks.length} bricks, ${volume.bricks} expected`);
  const opt = { timeoutMs: 15 * 60_000 };
  inGluster('node1', ['tar', '-cf', archive, '-C', bricks[0].dir, '--exclude=./.glusterfs', '.'], opt);
  const nodes = rawConfig().nodes;
  for (const b of bricks.slice(1)) {
    const node = nodes.find((n) => n.host === b.ip)?.name;
    if (!node) throw new Error(`no node of the test bed at ${b.ip}`);
    const part = `${archive}.part`;
    const files = `cd ${b.dir} && find . -path ./.glusterfs -prune -o -type f -print0 | tar -cf - --null --no-recursion -T -`;
    const r = spawnSync('bash', ['-c', `set -o pipefail; bash "$1" exec ${node} -- docker exec gluster sh -c "$2" | bash "$1" exec node1 -- docker exec -i gluster sh -c "cat > $3"`, 'tar-of-brick', SCRIPT, files, part], { encoding: 'utf8', timeout: opt.timeoutMs });
    if (r.status !== 0) throw new Error(`tar of ${node}'s brick: exit ${r.status}: ${r.stderr}`);
    inGluster('node1', ['sh', '-c', `tar -Af "$1" "$2" && rm -f "$2"`, 'append', archive, part], opt);
  }
}
