// The node-side backup script run here with the machine's own sh, GNU tar and hashers,
// on real files: the checksum file beside a finished archive (what `sha256sum -c` reads), and
// none when there is no archive (tar failed, a cancel). Inputs and mtimes pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobArgv, KEPT_EXIT, parseStatus } from '../../src/core/backup/jobScript';
import { jobPaths } from '../../src/core/backup/jobFile';
import { checksumPathOf, parseChecksumFile } from '../../src/core/validate/checksum';
import type { ArchiveMode } from '../../src/core/config';
import { scriptScratch, which } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

/** 24 MiB: tail reads it in many steps while tar writes. */
const fixture = () => scriptScratch('gb-backup-', 24 * 1024 * 1024);

function run(backups: string, src: string, before?: (p: ReturnType<typeof jobPaths>) => void, env?: NodeJS.ProcessEnv, mode: ArchiveMode = '0600'): { p: ReturnType<typeof jobPaths>; code: number } {
  const p = jobPaths(backups, NAME);
  before?.(p);
  const [cmd, ...args] = jobArgv(p, src, undefined, mode);
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(env ? { env } : {}) });
  assert.equal(r.status, 0, r.stderr);
  const st = parseStatus(fs.readFileSync(p.status, 'utf8'));
  assert.equal(st.phase, 'exit');
  return { p, code: st.phase === 'exit' ? st.code : -1 };
}

test('a finished archive gets a checksum file that sha256sum -c accepts, written whole', () => {
  const { dir, src, backups } = fixture();
  try {
    const { p, code } = run(backups, src);
    assert.equal(code, 0);
    const sum = fs.readFileSync(checksumPathOf(p.archive));
    assert.equal(parseChecksumFile(sum, NAME), createHash('sha256').update(fs.readFileSync(p.archive)).digest('hex'));
    const check = spawnSync('sha256sum', ['-c', '--strict', path.basename(checksumPathOf(p.archive))], { cwd: backups, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`^${NAME.replace(/\./g, '\\.')}: OK\n$`));
    // Nothing temporary is left beside it.
    assert.deepEqual(fs.readdirSync(backups).filter((f) => /tmp|partial/.test(f)), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no archive, no checksum file: tar failing, or a cancel asked before the end', () => {
  const { dir, src, backups } = fixture();
  try {
    const failed = run(backups, path.join(src, 'not-there'));
    assert.equal(failed.code, 2);
    assert.equal(fs.existsSync(failed.p.archive), false);
    assert.equal(fs.existsSync(checksumPathOf(failed.p.archive)), false);
    for (const f of fs.readdirSync(backups)) fs.rmSync(path.join(backups, f));
    const cancelled = run(backups, src, (p) => fs.writeFileSync(p.cancel, 'now\n'));
    assert.equal(fs.existsSync(cancelled.p.archive), false);
    assert.equal(fs.existsSync(checksumPathOf(cancelled.p.archive)), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an archive name already taken is not overwritten, and neither is its checksum file', () => {
  const { dir, src, backups } = fixture();
  try {
    const p = jobPaths(backups, NAME);
    fs.writeFileSync(p.archive, 'an older archive');
    fs.writeFileSync(checksumPathOf(p.archive), 'older\n');
    const { code } = run(backups, src);
    // Kept as the partial, not published: the job's exit says so.
    assert.equal(code, KEPT_EXIT);
    assert.equal(fs.readFileSync(p.archive, 'utf8'), 'an older archive');
    assert.equal(fs.readFileSync(checksumPathOf(p.archive), 'utf8'), 'older\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an image without python3 (tail into openssl) or without either (sha256sum): the same checksum file', () => {
  for (const extra of [['openssl'], []]) {
    const { dir, src, backups, bin } = fixture();
    try {
      // A PATH with the script's tools, no python3, and openssl or not.
      for (const c of ['sh', 'tar', 'tail', 'sha256sum', 'head', 'cat', 'date', 'mv', 'rm', 'ln', 'cmp', 'tee', 'sleep', 'basename', 'mkdir', 'readlink', 'chown', 'chmod', ...extra]) fs.symlinkSync(which(c), path.join(bin, c));
      for (const absent of ['python3', ...['openssl'].filter((c) => !extra.includes(c))]) assert.notEqual(spawnSync(path.join(bin, 'sh'), ['-c', `command -v ${absent}`], { env: { PATH: bin } }).status, 0, absent);
      const { p, code } = run(backups, src, undefined, { PATH: bin });
      assert.equal(code, 0);
      assert.equal(parseChecksumFile(fs.readFileSync(checksumPathOf(p.archive)), NAME), createHash('sha256').update(fs.readFileSync(p.archive)).digest('hex'), extra.join() || 'sha256sum');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the archive, its log and its checksum file: the archive mode (0600 by default, or the setting\'s), owned by the job file\'s owner', () => {
  // The owner the client's SSH user would be; chown needs root, as the container's shell has.
  const root = process.getuid?.() === 0;
  for (const mode of ['0600', '0640'] as const) {
    const { dir, src, backups } = fixture();
    try {
      const { p, code } = run(backups, src, (q) => {
        fs.writeFileSync(q.job, '{}\n');
        if (root) fs.chownSync(q.job, 1234, 2345);
      }, undefined, mode);
      assert.equal(code, 0);
      for (const f of [p.archive, p.log, checksumPathOf(p.archive)]) {
        const st = fs.statSync(f);
        assert.equal((st.mode & 0o7777).toString(8).padStart(4, '0'), mode, `${path.basename(f)} with ${mode}`);
        if (root) assert.deepEqual([st.uid, st.gid], [1234, 2345], path.basename(f));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a compressed backup: its member list has the archive mode before tar writes a name, and goes when the archive does not come', () => {
  const gzName = 'datarobot-gluster-backup-2026-04-12.tar.gz';
  const { dir, src, backups, bin } = fixture();
  try {
    // tar as the job runs it, behind a wrapper that notes the list's mode when tar starts.
    const seen = path.join(dir, 'mode-at-start');
    const realTar = which('tar');
    fs.writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\nfor a in "$@"; do case "$a" in --index-file=*) stat -c %a "\${a#--index-file=}" > "${seen}";; esac; done\nexec ${realTar} "$@"\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const go = (source: string, before?: (p: ReturnType<typeof jobPaths>) => void) => {
      const p = jobPaths(backups, gzName);
      before?.(p);
      const [cmd, ...args] = jobArgv(p, source, 'gzip', '0640');
      const r = spawnSync(cmd, args, { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      const st = parseStatus(fs.readFileSync(p.status, 'utf8'));
      return { p, code: st.phase === 'exit' ? st.code : -1 };
    };
    const { p, code } = go(src);
    assert.equal(code, 0);
    assert.equal(fs.readFileSync(seen, 'utf8').trim(), '640', 'private before tar wrote a name');
    const list = fs.readFileSync(`${p.archive}.members`, 'latin1');
    assert.match(list, /^block 0: drwxr-xr-x .* "\.\/"\n/);
    assert.match(list, /"\.\/a\/big"\n/);
    assert.equal((fs.statSync(`${p.archive}.members`).mode & 0o7777).toString(8), '640');
    assert.equal(fs.existsSync(`${p.partial}.members`), false, 'moved beside the archive');
    for (const f of fs.readdirSync(backups)) fs.rmSync(path.join(backups, f));
    const failed = go(path.join(src, 'not-there'));
    assert.equal(failed.code, 2);
    assert.equal(fs.existsSync(`${failed.p.archive}.members`), false, 'no archive, no member list');
    assert.equal(fs.existsSync(`${failed.p.partial}.members`), false, 'failed: its own list goes too');
    for (const f of fs.readdirSync(backups)) fs.rmSync(path.join(backups, f));
    const cancelled = go(src, (q) => fs.writeFileSync(q.cancel, 'now\n'));
    assert.equal(fs.existsSync(cancelled.p.archive), false);
    assert.equal(fs.existsSync(`${cancelled.p.archive}.members`), false, 'cancelled: no member list');
    assert.equal(fs.existsSync(`${cancelled.p.partial}.members`), false, 'cancelled: its own list goes too');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a dead job's temporary files under the same shell pid are gone before tar starts: the checksum is the archive's", () => {
  // A job script killed with its container leaves /tmp/gluster-backup-job-<pid>.* behind; a later
  // one whose shell gets that pid must not read the stale tar pid (its hash would stop at once,
  // and a wrong checksum would go beside a good archive) or the stale exit code. exec keeps the
  // shell's pid, so the files are planted under the very name the script uses; a tar in front
  // of the real one says whether any of them is still there when it starts.
  const realTar = which('tar');
  let dead = 999_999;
  while (fs.existsSync(`/proc/${dead}`)) dead--;
  const plant = `export GB_STALE=/tmp/gluster-backup-job-$$; printf '%s\\n' ${dead} > "$GB_STALE.pid"; printf '0\\n' > "$GB_STALE.rc"; printf '%064d' 0 > "$GB_STALE.sum"; exec "$@"`;
  const { dir, src, backups, bin } = fixture();
  try {
    // This job writes the exit code only after tar, and its pid file only with tar's own pid.
    fs.writeFileSync(path.join(bin, 'tar'), `#!/bin/sh\n[ -e "$GB_STALE.rc" ] && { echo "stale: $GB_STALE.rc" >&2; exit 2; }\n[ "$(cat "$GB_STALE.pid" 2>/dev/null)" = ${dead} ] && { echo "stale: $GB_STALE.pid" >&2; exit 2; }\nexec ${realTar} "$@"\n`, { mode: 0o755 });
    const p = jobPaths(backups, NAME);
    const [cmd, ...args] = jobArgv(p, src, undefined, '0600');
    const r = spawnSync('sh', ['-c', plant, 'plant', cmd, ...args], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.status, 0, r.stderr);
    const st = parseStatus(fs.readFileSync(p.status, 'utf8'));
    assert.deepEqual(st.phase === 'exit' ? st.code : st, 0, fs.readFileSync(p.log, 'utf8'));
    assert.equal(parseChecksumFile(fs.readFileSync(checksumPathOf(p.archive)), NAME), createHash('sha256').update(fs.readFileSync(p.archive)).digest('hex'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
