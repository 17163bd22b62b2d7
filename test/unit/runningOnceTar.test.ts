// The job's tar pid is a forked child's, which is tar only once that child has exec'd it: a
// status that said "running" before then made a cancel's check find a shell's command line and
// refuse the cancel as not this job's tar. The script is run here with the machine's own sh and
// GNU tar on real files (mtimes pinned); a tar found first on PATH is a bash script that holds
// the fork as bash until the test opens a gate, then becomes tar by `exec -a tar` (argv0 "tar",
// as the job's own `tar` has it), blocked on a FIFO so it is still running when it is signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobPaths } from '../../src/core/backup/jobFile';
import { backupTarHead, parseStatus, signalTarArgv } from '../../src/core/backup/jobScript';
import { exitOf, runBackupJob, scriptScratch, shim, startBackupJob, until, which, withLocalNode } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

function statusOf(p: { status: string }) {
  return parseStatus(fs.existsSync(p.status) ? fs.readFileSync(p.status, 'utf8') : undefined);
}

function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
  } catch {
    return '(gone)';
  }
}

/** SIGNAL_TAR_SCRIPT's exit for the job's tar pid and head, as a cancel runs it (0: signalled, 3: not this job's tar). */
function signalJob(tarPid: number, partial: string): number {
  const [cmd, ...args] = signalTarArgv(tarPid, backupTarHead(partial));
  return spawnSync(cmd, args, { encoding: 'utf8' }).status ?? -1;
}

test('the status says running only once its pid is tar, so a cancel then signals it and stops the job', async () => {
  const s = scriptScratch('gb-running-tar-', 64 * 1024);
  const started = path.join(s.dir, 'started');
  const gate = path.join(s.dir, 'gate');
  const names = path.join(s.dir, 'names');
  assert.equal(spawnSync('mkfifo', [names]).status, 0);
  // Bounded: a test that fails before opening the gate leaves no fork waiting for long.
  fs.writeFileSync(
    path.join(s.bin, 'tar'),
    `#!${which('bash')}\n: > '${started}'\nfor i in $(seq 400); do [ -e '${gate}' ] && break; sleep 0.05; done\nexec -a tar ${which('tar')} "$@" --files-from='${names}'\n`,
    { mode: 0o755 },
  );
  const job = startBackupJob(s.backups, s.src, s.bin, NAME);
  try {
    const partial = job.p.partial!;
    await until('the fork of tar ran the stand-in', () => fs.existsSync(started));
    // The script's wait for tar lasts at least 3 s (60 sleeps of 0.05 s): within this second
    // the pid is still bash's, and a "running" would name a process the cancel refuses.
    const gated = Date.now() + 1000;
    while (Date.now() < gated) {
      const st = statusOf(job.p);
      if (st.phase === 'running') {
        const seen = cmdlineOf(st.tarPid);
        assert.equal(signalJob(st.tarPid, partial), 0, `the status says running for pid ${st.tarPid}, whose command line is "${seen.slice(0, 120)}": the cancel's check refuses it as not this job's tar`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    fs.writeFileSync(gate, '');
    await until('the status says running', () => statusOf(job.p).phase === 'running');
    const st = statusOf(job.p);
    assert.ok(st.phase === 'running');
    assert.match(cmdlineOf(st.tarPid), /^tar --create --file=/);
    // Right after "running" the script looks once for a cancel request and stops tar itself if
    // one is there: a request written before that look is the script's to act on, and this
    // signal then found tar gone (seen in a rehearsal). Its hash follower starts right after
    // the look, its output file first: from then on the signal below is the only one.
    const sum = [`/tmp/gluster-backup-job-${st.shPid}.sum`, `${job.p.status}.tmp-${st.shPid}.sum`];
    await until("the script has looked for a cancel request (its hash follower's file is there)", () => sum.some((f) => fs.existsSync(f)));
    // As cancel() does: the request first, then the signal.
    fs.writeFileSync(job.p.cancel, 'asked\n');
    assert.equal(signalJob(st.tarPid, partial), 0, "the job's tar is signalled");
    await until('the job ended after the signal', () => exitOf(job.p) !== undefined, 20_000);
    const end = await job.ended;
    assert.equal(end.code, 0, end.stderr);
    assert.equal(exitOf(job.p), 128 + 15);
    assert.equal(fs.existsSync(partial), false, 'the partial archive was removed');
    const seen = await withLocalNode(s.dir, s.backups, (jobs) => jobs.observe(job.record));
    assert.equal(seen.state, 'cancelled');
    assert.equal(fs.existsSync(job.p.archive), false);
  } finally {
    fs.writeFileSync(gate, '');
    job.kill();
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a pid that never shows as tar holds "running" back a few seconds at most: the job goes on and completes', () => {
  const s = scriptScratch('gb-running-never-tar-', 64 * 1024);
  try {
    const saw = path.join(s.dir, 'saw');
    const status = jobPaths(s.backups, NAME).status;
    // The fork stays this sh script (not "tar") until the status says running; only then, and
    // under its full path, does it become tar. A script that waited without bound would hang
    // here: the stand-in gives up after 20 s and says so.
    shim(
      s.bin,
      'tar',
      `i=0\nwhile [ "$i" -lt 400 ]; do case $(cat '${status}' 2>/dev/null) in running*) echo running > '${saw}'; exec "$REAL" "$@";; esac; i=$((i + 1)); sleep 0.05; done\necho 'gave up' > '${saw}'\nexec "$REAL" "$@"`,
    );
    const { p } = runBackupJob(s.backups, s.src, s.bin, NAME);
    assert.equal(fs.readFileSync(saw, 'utf8'), 'running\n', 'the script never said running while its pid was not tar: it would have held the job without bound');
    assert.equal(exitOf(p), 0);
    assert.ok(fs.existsSync(p.archive), 'the archive was published');
    assert.equal(spawnSync('tar', ['--list', `--file=${p.archive}`], { encoding: 'utf8' }).stdout.split('\n').sort().join(' ').trim(), './ ./a/ ./a/big ./small');
  } finally {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});
