// The backup job script where its surroundings fail it, run here with the machine's own sh and
// GNU tar on real files (mtimes pinned), a PATH shim standing in for the tool that fails on a
// node; then, where it matters, what the observer (jobs.ts) makes of what the script left, on a
// local node in the same temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { BackupJobs } from '../../src/core/backup/jobs';
import { jobPaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { jobArgv, parseStatus } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

const MTIME = 1700000000;
const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
type Paths = ReturnType<typeof jobPaths>;

/** A source tree, an empty backups directory and an empty bin for shims, in a fresh directory. */
function scratch(): { dir: string; src: string; backups: string; bin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-script-hardening-'));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'a'), { recursive: true });
  // Large enough that the follower reads it in several steps while tar writes.
  fs.writeFileSync(path.join(src, 'a', 'big'), Buffer.alloc(6 * 1024 * 1024, 7));
  fs.writeFileSync(path.join(src, 'small'), 'small');
  for (const p of ['a/big', 'small', 'a']) fs.utimesSync(path.join(src, p), MTIME, MTIME);
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  return { dir, src, backups, bin };
}

const which = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim();

/** A shim in `bin` that runs `body` (sh) with the real tool as $REAL. */
function shim(bin: string, name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nREAL=${which(name)}\n${body}\n`, { mode: 0o755 });
}

/** The job as the client starts it (its job file first), run to its end by the machine's sh. */
function runJob(backups: string, src: string, o: { env?: NodeJS.ProcessEnv; bin?: string; compressor?: string; name?: string } = {}): { p: Paths; record: JobRecord; shell: number | null; stderr: string } {
  const name = o.name ?? NAME;
  const p = jobPaths(backups, name);
  const record = backupJob({ node: 'here' }, { dir: backups, archive: name });
  fs.writeFileSync(p.job, serializeJobFile(record));
  const [cmd, ...args] = jobArgv(p, src, o.compressor, '0600');
  const env = { ...process.env, ...o.env, PATH: `${o.bin ? `${o.bin}:` : ''}${o.env?.PATH ?? process.env.PATH}` };
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(r.error, undefined, `the job script did not end: ${r.error?.message}`);
  return { p, record, shell: r.status, stderr: r.stderr };
}

function exitOf(p: Paths): number | undefined {
  const st = parseStatus(fs.existsSync(p.status) ? fs.readFileSync(p.status, 'utf8') : undefined);
  return st.phase === 'exit' ? st.code : undefined;
}

/** A Cluster whose one node is this machine, with `backups` as its backups directory. */
async function withLocalNode<T>(dir: string, backups: string, fn: (jobs: BackupJobs) => Promise<T>, dockerSocket = path.join(dir, 'no-docker.sock')): Promise<T> {
  const { settings } = parseSettings({ backupDir: backups, nodes: [{ name: 'here', dockerSocket }] });
  const cluster = new Cluster(settings);
  try {
    return await fn(new BackupJobs(cluster));
  } finally {
    cluster.dispose();
  }
}

test('tar exit 2 for a directory it cannot open: the reason names it, not only the exit code', async () => {
  const { dir, src, backups } = scratch();
  try {
    const missing = path.join(src, 'not-there');
    const { p, record } = runJob(backups, missing);
    assert.equal(exitOf(p), 2);
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.equal(seen.state, 'failed');
    assert.equal(seen.reason, `tar failed: ${missing}: Cannot open: No such file or directory; the partial archive was removed`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
