// The backup job script where its surroundings fail it, run here with the machine's own sh and
// GNU tar on real files (mtimes pinned), a PATH shim standing in for the tool that fails on a
// node; then, where it matters, what the observer (jobs.ts) makes of what the script left, on a
// local node in the same temporary directory (no docker there: a job whose shell ended without
// a status is jobEnd.ts's decision, fed what the script left).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobPaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { jobArgv, KEPT_EXIT } from '../../src/core/backup/jobScript';
import { endWithoutStatus } from '../../src/core/backup/jobEnd';
import type { JobRecord } from '../../src/core/backup/types';
import { BACKUP_DIR_SH, backupDirCheck, parseBackupDirProbe } from '../../src/core/backup/preflight';
import { backupJob, nodeStatus } from '../helpers/builders';
import { exitOf, scriptScratch, shim, which, withLocalNode } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
type Paths = ReturnType<typeof jobPaths>;

/** The script's scratch directory, a 6 MiB file the follower reads in several steps. */
const scratch = () => scriptScratch('gb-script-hardening-', 6 * 1024 * 1024);

/**
 * The job as the client starts it (its job file first), run to its end by the machine's sh.
 * `plant`: sh run first under the pid the job's shell then has (exec keeps it), $1 the status file.
 */
function runJob(
  backups: string,
  src: string,
  o: { env?: NodeJS.ProcessEnv; bin?: string; compressor?: string; name?: string; plant?: string; timeoutMs?: number } = {},
): { p: Paths; record: JobRecord; shell: number | null; stderr: string } {
  const name = o.name ?? NAME;
  const p = jobPaths(backups, name);
  const record = backupJob({ node: 'here' }, { dir: backups, archive: name });
  fs.writeFileSync(p.job, serializeJobFile(record));
  const [cmd, ...args] = jobArgv(p, src, o.compressor, '0600');
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, PATH: `${o.bin ? `${o.bin}:` : ''}${o.env?.PATH ?? process.env.PATH}` };
  // The container's environment has no TMPDIR unless a test gives one.
  if (!o.env || !('TMPDIR' in o.env)) delete env.TMPDIR;
  const argv = o.plant ? ['sh', '-c', `${o.plant}\nshift; exec "$@"`, 'plant', p.status, cmd, ...args] : [cmd, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, timeout: o.timeoutMs ?? 60_000 });
  assert.equal(r.error, undefined, `the job script did not end: ${r.error?.message}`);
  return { p, record, shell: r.status, stderr: r.stderr };
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

/** Links in `bin` to the tools the job script uses, python3 left out (an image without it): the follower is tail's. */
function withoutPython(bin: string, o: { openssl?: boolean; except?: string[] } = {}): void {
  const tools = ['sh', 'tar', 'tail', 'sha256sum', 'head', 'cat', 'date', 'mv', 'rm', 'ln', 'cmp', 'tee', 'sleep', 'basename', 'dirname', 'mkdir', 'readlink', 'chown', 'chmod', 'dd', 'sed', 'stat', 'wc', 'sync', ...(o.openssl ? ['openssl'] : [])];
  for (const c of tools) if (!o.except?.includes(c) && !fs.existsSync(path.join(bin, c))) fs.symlinkSync(which(c), path.join(bin, c));
  assert.notEqual(spawnSync(path.join(bin, 'sh'), ['-c', 'command -v python3'], { env: { PATH: bin } }).status, 0, 'python3 is out of reach');
}

const sha256Of = (f: string) => spawnSync('sha256sum', [f], { encoding: 'utf8' }).stdout.slice(0, 64);

test('no python3, and a tail that fails at once, dies midway, or stops early with exit 0: no checksum file, the archive stays', () => {
  const busybox = which('busybox');
  const tails: [string, (bin: string) => void][] = [
    // busybox's tail has no --pid (nor fractional -s): it exits 1 before reading a byte.
    ['busybox tail', (bin) => (busybox ? fs.symlinkSync(busybox, path.join(bin, 'tail')) : shim(bin, 'tail', 'echo "tail: unrecognized option --pid" >&2; exit 1'))],
    // Killed while tar still writes.
    ['a tail killed midway', (bin) => shim(bin, 'tail', '"$REAL" "$@" & t=$!; sleep 0.3; kill $t; wait $t')],
    // Its reader stops after 1 MiB: tail ends on SIGPIPE, and the shim's pipeline says 0.
    ['a tail cut short with exit 0', (bin) => shim(bin, 'tail', '"$REAL" "$@" | head -c 1048576')],
  ];
  for (const [what, install] of tails) {
    for (const openssl of [true, false]) {
      const { dir, src, backups, bin } = scratch();
      try {
        // Slow enough that the follower is still following when it fails.
        shim(bin, 'tar', '"$REAL" "$@" & t=$!; sleep 0.5; wait $t');
        install(bin);
        withoutPython(bin, { openssl });
        const { p } = runJob(backups, src, { env: { PATH: bin } });
        const label = `${what}, ${openssl ? 'openssl' : 'sha256sum'}`;
        assert.equal(exitOf(p), 0, label);
        assert.ok(fs.statSync(p.archive).size > 6 * 1024 * 1024, `${label}: the archive is there`);
        assert.equal(fs.existsSync(`${p.archive}.sha256`), false, `${label}: ${fs.existsSync(`${p.archive}.sha256`) ? fs.readFileSync(`${p.archive}.sha256`, 'utf8') : ''}`);
        assert.deepEqual(fs.readdirSync(backups).filter((f) => /tmp|partial/.test(f)), [], label);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
});

test('no python3, a tail that follows to the end: the checksum file is the archive\'s, counted through dd', () => {
  for (const dd of ['GNU dd', 'a dd that prints no count']) {
    const { dir, src, backups, bin } = scratch();
    try {
      if (dd !== 'GNU dd') shim(bin, 'dd', '"$REAL" "$@" 2>/dev/null');
      withoutPython(bin, { openssl: true });
      const { p } = runJob(backups, src, { env: { PATH: bin } });
      assert.equal(exitOf(p), 0, dd);
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sha256Of(p.archive)}  ${NAME}\n`, dd);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('python3\'s follower: the checksum file is the archive\'s; one that stopped short of the archive\'s size writes none', () => {
  const { dir, src, backups, bin } = scratch();
  try {
    const ok = runJob(backups, src);
    assert.equal(exitOf(ok.p), 0);
    assert.equal(fs.readFileSync(`${ok.p.archive}.sha256`, 'utf8'), `${sha256Of(ok.p.archive)}  ${NAME}\n`);
    for (const f of fs.readdirSync(backups)) fs.rmSync(path.join(backups, f));
    // A python3 that reads only the first MiB, and says so.
    shim(bin, 'python3', 'exec "$REAL" -c "import hashlib,sys; b=open(sys.argv[1],\'rb\').read(1<<20); print(hashlib.sha256(b).hexdigest(), len(b))" "$3" "$4"');
    const cut = runJob(backups, src, { bin });
    assert.equal(exitOf(cut.p), 0);
    assert.equal(fs.existsSync(`${cut.p.archive}.sha256`), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a /tmp that cannot take the job\'s files (no file can be made there, or TMPDIR is not a directory): the job does not hang, they go beside its status file', () => {
  const cases: [string, (dir: string, bin: string) => { env?: NodeJS.ProcessEnv; bin?: string }][] = [
    // The old script wrote tar's pid to /tmp and waited for it forever. Once the script has
    // emptied its files' names there, the pid file's name leads nowhere (a link into a missing
    // directory): no file can be made under it, as in a /tmp that is read-only or full, even by
    // root, and the name still looks empty.
    [
      'no file can be made in /tmp',
      (dir, bin) => {
        shim(bin, 'rm', `"$REAL" "$@"; rc=$?\nfor a; do case $a in /tmp/gluster-backup-job-*.pid) ln -s ${dir}/missing/pid "$a" && echo "$a" >> ${dir}/planted;; esac; done\nexit $rc`);
        return { bin };
      },
    ],
    ['TMPDIR is a file', (dir) => (fs.writeFileSync(path.join(dir, 'not-a-dir'), ''), { env: { TMPDIR: path.join(dir, 'not-a-dir') } })],
  ];
  for (const [what, make] of cases) {
    const { dir, src, backups, bin } = scratch();
    try {
      const o = make(dir, bin);
      const { p, shell } = runJob(backups, src, { ...o, timeoutMs: 20_000 });
      assert.equal(exitOf(p), 0, what);
      assert.equal(shell, 0, what);
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sha256Of(p.archive)}  ${NAME}\n`, what);
      assert.deepEqual(fs.readdirSync(backups).sort(), [NAME, `${NAME}.sha256`, path.basename(p.job), path.basename(p.log), path.basename(p.status)].sort(), `${what}: nothing temporary left`);
    } finally {
      const planted = path.join(dir, 'planted');
      if (fs.existsSync(planted)) for (const f of fs.readFileSync(planted, 'utf8').split('\n').filter(Boolean)) fs.rmSync(f, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('neither /tmp nor the backups directory takes the job\'s files: it ends at once, exit 2, saying why; no partial archive', async () => {
  const { dir, src, backups } = scratch();
  try {
    const notDir = path.join(dir, 'not-a-dir');
    fs.writeFileSync(notDir, '');
    const { p, record } = runJob(backups, src, { env: { TMPDIR: notDir }, plant: 'mkdir "$1.tmp-$$.pid"', timeoutMs: 20_000 });
    assert.equal(exitOf(p), 2);
    assert.equal(fs.existsSync(p.partial!), false);
    const why = `tar was not started: neither ${notDir} nor ${backups} takes the job's temporary files (full, or read-only)`;
    assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: ${why}\n`);
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.deepEqual([seen.state, seen.reason, seen.warnings], ['failed', `${why}; the partial archive was removed`, {}]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tar\'s pid cannot be written once tar runs: tar is stopped, the job ends exit 2 saying why', async () => {
  const { dir, src, backups, bin } = scratch();
  try {
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    // The script empties the pid file's name after its first write; from then on it is a directory.
    shim(bin, 'rm', `"$REAL" "$@"; rc=$?\nif [ $# = 2 ] && [ "$1" = -f ]; then case $2 in ${tmp}/*.pid) mkdir "$2";; esac; fi\nexit $rc`);
    const { p, record } = runJob(backups, src, { bin, env: { TMPDIR: tmp }, timeoutMs: 20_000 });
    assert.equal(exitOf(p), 2);
    assert.equal(fs.existsSync(p.partial!), false);
    assert.equal(fs.existsSync(p.archive), false);
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.equal(seen.state, 'failed');
    assert.match(seen.reason ?? '', new RegExp(`^tar was stopped: its pid could not be written to ${tmp}/gluster-backup-job-\\d+\\.pid; the partial archive was removed$`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the archive is flushed before it is published, the directory after; a sync without the file form flushes all', () => {
  for (const fileForm of [true, false]) {
    const { dir, src, backups, bin } = scratch();
    try {
      const calls = path.join(dir, 'sync-calls');
      const p = jobPaths(backups, NAME);
      // Each call: its arguments, then whether the partial and the archive are there and the partial's size.
      shim(
        bin,
        'sync',
        `{ printf '%s|' "$*"; [ -e ${p.partial} ] && printf 'partial %s|' "$(stat -c %s ${p.partial})" || printf 'no partial|'; [ -e ${p.archive} ] && echo archive || echo 'no archive'; } >> ${calls}\n` +
          (fileForm ? 'exec "$REAL" "$@"' : '[ $# = 0 ] || { echo "sync: ignoring all arguments" >&2; exit 1; }\nexec "$REAL"'),
      );
      runJob(backups, src, { bin });
      assert.equal(exitOf(p), 0);
      const size = fs.statSync(p.archive).size;
      const seen = fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean);
      const want = fileForm
        ? [`-- ${p.partial}|partial ${size}|no archive`, `-- ${p.archive}.sha256 ${backups}/|no partial|archive`]
        : [`-- ${p.partial}|partial ${size}|no archive`, `|partial ${size}|no archive`, `-- ${p.archive}.sha256 ${backups}/|no partial|archive`, '|no partial|archive'];
      assert.deepEqual(seen, want, fileForm ? 'sync FILE' : 'a sync that takes no file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

/** An ln that makes no hard link, as on exFAT, vfat or some FUSE filesystems (a symlink, ln -s, it would make). */
const NO_HARD_LINKS = 'case "$1" in -s) exec "$REAL" "$@";; esac\necho "ln: failed to create hard link \'$3\' => \'$2\': Operation not permitted" >&2\nexit 1';

test('a backups directory without hard links: the finished archive is published with mv -n, checksum and all', async () => {
  for (const compressor of [undefined, 'gzip']) {
    const { dir, src, backups, bin } = scratch();
    try {
      shim(bin, 'ln', NO_HARD_LINKS);
      const name = compressor ? `${NAME}.gz` : NAME;
      const { p, record } = runJob(backups, src, { bin, compressor, name });
      assert.equal(exitOf(p), 0, fs.readFileSync(p.log, 'utf8'));
      assert.equal(fs.existsSync(p.partial!), false);
      const listed = spawnSync('tar', ['-tf', p.archive], { encoding: 'utf8' });
      assert.deepEqual(listed.stdout.split('\n').filter(Boolean).sort(), ['./', './a/', './a/big', './small']);
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sha256Of(p.archive)}  ${name}\n`);
      if (compressor) assert.ok(fs.statSync(`${p.archive}.members`).size > 0, 'the member list stays the archive\'s');
      const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
      assert.deepEqual([seen.state, seen.reason, seen.archiveBytes], ['completed', undefined, fs.statSync(p.archive).size]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('no hard link and no rename either: the finished archive is kept as the partial, and the job says where it is', async () => {
  const { dir, src, backups, bin } = scratch();
  try {
    shim(bin, 'ln', NO_HARD_LINKS);
    // An mv -n that leaves the file where it is (the status file's mv -f still works).
    shim(bin, 'mv', 'case "$1" in -n) exit 1;; esac\nexec "$REAL" "$@"');
    const { p, record } = runJob(backups, src, { bin });
    assert.equal(exitOf(p), KEPT_EXIT);
    assert.equal(fs.existsSync(p.archive), false);
    const listed = spawnSync('tar', ['-tvf', p.partial!], { encoding: 'utf8' });
    assert.equal(listed.status, 0, 'the partial is a whole archive');
    assert.match(listed.stdout, / 6291456 .* \.\/a\/big\n/);
    // A cancel asked after the job ended does not take the partial with it.
    fs.writeFileSync(p.cancel, 'asked too late\n');
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.equal(seen.state, 'failed');
    assert.equal(
      seen.reason,
      `tar exit 0, but the archive could not be published as ${p.archive} (ln: failed to create hard link '${p.archive}' => '${p.partial}': Operation not permitted; mv -n left it in place): the complete archive is kept as ${p.partial}; publish it as ${NAME} to use it (gluster-backup publish-kept --node here -f ${NAME}.partial); it has no checksum file`,
    );
    assert.equal(spawnSync('tar', ['-tf', p.partial!]).status, 0, 'the partial is still there after the observer finalised the job');
    assert.deepEqual(seen.warnings, {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('preflight tries a hard link in the backups directory as the job makes it: a directory without them is a warning that says what happens instead', () => {
  const { dir, backups, bin } = scratch();
  try {
    const probe = (env?: NodeJS.ProcessEnv, where = backups) => {
      const r = spawnSync('sh', ['-c', BACKUP_DIR_SH, 'preflight', where], { encoding: 'utf8', env: { ...process.env, ...env } });
      return parseBackupDirProbe({ stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 });
    };
    const check = (state: ReturnType<typeof probe>) =>
      backupDirCheck({ chosen: nodeStatus({ name: 'node1' }), inside: false, dir: state, hostProblem: undefined, sshUser: 'the SSH user root', backupDir: backups }, '/mnt/gluster', 'gluster');
    const fine = probe();
    assert.ok(fine.usable && fine.link.links === 'yes' && fine.free.ok && fine.free.value > 0, JSON.stringify(fine));
    assert.deepEqual(check(fine), { id: 'backupDir', title: 'Backups directory', verdict: 'pass', reason: `${backups} on node1, writable from the gluster container and by the SSH user root` });
    shim(bin, 'ln', NO_HARD_LINKS);
    const none = probe({ PATH: `${bin}:${process.env.PATH}` });
    assert.ok(none.usable && none.free.ok, JSON.stringify(none));
    const p = `${backups}/.gluster-backup-link-probe-`;
    assert.match(JSON.stringify(none.link), new RegExp(`^\\{"links":"no","why":"ln: failed to create hard link '${p}\\d+\\.link' => '${p}\\d+': Operation not permitted"\\}$`));
    const warned = check(none);
    assert.equal(warned.verdict, 'warn');
    assert.match(warned.reason, /, but it cannot hold hard links \(ln: failed to create hard link .*Operation not permitted\): the finished archive is published with mv -n instead of an atomic link, and if that fails it is kept as its \.partial file, which the job names$/);
    assert.deepEqual(fs.readdirSync(backups), [], 'the probe leaves nothing behind');
    assert.deepEqual(probe(undefined, path.join(dir, 'not-there')), { usable: false });
    // A test that could not be made is a note, and df's answer still counts.
    const df = 'Filesystem 1B-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 400 600 40% /backups\n';
    const unknown = parseBackupDirProbe({ stdout: `link unknown sh: cannot create x: Read-only file system\n${df}`, stderr: '', exitCode: 0 });
    assert.deepEqual(unknown, { usable: true, free: { ok: true, value: 600 }, link: { links: 'unknown', why: 'sh: cannot create x: Read-only file system' } });
    assert.deepEqual(check(unknown).notes, ['whether it holds hard links could not be tested: sh: cannot create x: Read-only file system']);
    assert.equal(check(unknown).verdict, 'pass');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the final status cannot be written once the archive is published: the shell ends with tar\'s code, and what it leaves is a completed job saying what is missing', () => {
  for (const checksum of ['kept', 'never written'] as const) {
    const { dir, src, backups, bin } = scratch();
    try {
      const p = jobPaths(backups, NAME);
      // The script's last clean-up, after the archive is published: from then on neither the
      // status file nor its temporary file can be written (both names are directories now), as
      // in a backups directory that filled up after the rename.
      shim(bin, 'rm', `"$REAL" "$@"; rc=$?\nfor a; do case $a in */gluster-backup-job-*.pid) [ -e ${p.archive} ] && "$REAL" -f ${p.status} && mkdir ${p.status} ${p.status}.tmp;; esac; done\nexit $rc`);
      const { record, shell } = runJob(backups, src, { bin });
      assert.equal(fs.statSync(p.status).isDirectory(), true, 'the status could not be written');
      assert.equal(shell, 0, "the shell's exit is tar's");
      assert.equal(fs.existsSync(p.partial!), false, 'the partial is gone: it was published');
      if (checksum === 'never written') fs.rmSync(`${p.archive}.sha256`);
      // What the observer reads of the node once docker says the shell ended (jobs.ts).
      const end = endWithoutStatus(record, {
        shell: { gone: 'exited', code: shell! },
        cancelAsked: false,
        files: { archive: fs.statSync(p.archive).size, log: fs.readFileSync(p.log, 'utf8'), checksum: fs.existsSync(`${p.archive}.sha256`), free: 1 << 30 },
      });
      assert.deepEqual(end, {
        patch: {
          state: 'completed',
          exitCode: 0,
          warnings: {},
          archiveBytes: fs.statSync(p.archive).size,
          reason: `the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status${checksum === 'kept' ? '' : '; no checksum file was written beside it, so validation finds none'}`,
        },
        removePartial: false,
        clearMarks: true,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
