// Checksums and --read-data on the real test bed, through the CLI: the .sha256 file the backup
// job writes (sha256sum -c on the node accepts it), validate-backup hashing the archive in the
// container against it, a copy of the archive with one byte of a member's data flipped, a live
// file changed behind the same size and mtime, ten --read-data-subset runs at 10%, and the
// lock of subset runs: two at once (one refuses, the other's slice is recorded once), a lock
// left by a run that is gone, one of another machine and --break-lock, a run cut short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { thisProcess } from '../../src/core/validate/takeReadDataLock';
import type { JobRecord } from '../../src/core/backup/types';
import type { ValidationResult } from '../../src/core/validate/validateBackup';
import { statusLines } from './helpers/ndjson';
import { inGluster, onNode, unthrottle, waitFor, waitHealthy } from './helpers/testbed';
import { cli, startCli } from './helpers/cli';

const DIR = '/opt/datarobot/data/backups/gluster';
const TREE = '/mnt/gluster/checksums';
// A copy of an archive under a name of our own: what a damaged archive looks like.
const COPY = `${DIR}/datarobot-gluster-backup-1999-01-01.tar`;
const MARKER = 'FLIP-ME-0123456789abcdef';
const MTIME = '2021-03-04 05:06:07';

function backup(): JobRecord {
  const r = cli(['--json', 'backup', '--node', 'node1', '--override', 'activity:checksums test']);
  assert.ok(r.code === 0 || r.code === 1, `backup: ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as JobRecord;
}

function validate(args: string[]): { code: number | null; result: ValidationResult; stderr: string } {
  const r = cli(['--json', 'validate-backup', '--node', 'node1', ...args]);
  assert.ok(r.stdout.trim().startsWith('{'), `validate printed a report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, result: JSON.parse(r.stdout) as ValidationResult, stderr: r.stderr };
}

// tar --compare's pids in node1's container. The bracket keeps the shell running pgrep from
// matching its own command line.
const compares = () => inGluster('node1', ['sh', '-c', 'pgrep -f -- "--[c]ompare" || true']).stdout.trim();

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function cleanBackups() {
  onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
}

// Files with names that need escaping, all with pinned mtimes; one holds the marker whose byte
// the damage test flips.
const TREE_SH = String.raw`
set -e
root=$1 marker=$2 when=$3
rm -rf "$root"; mkdir -p "$root/sub"; cd "$root"
for i in $(seq 1 30); do head -c $((i * 1000)) /dev/urandom > "sub/f$i.bin"; done
printf 'padding %s end\n' "$marker" > flip-me.txt
printf 'nl\n' > "$(printf 'new\nline.txt')"
printf 'odd\n' > "$(printf 'not-utf8-\377 "q" \\ .txt')"
printf 'live\n' > live.txt
find . -exec touch -h -d "$when" {} +
`;

describe('checksums and --read-data', () => {
  let job: JobRecord;
  before(async () => {
    await waitHealthy();
    cleanBackups();
    // The backup suite's 1.1 GiB file is not needed here and costs each backup seconds.
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/big']);
    inGluster('node1', ['sh', '-c', TREE_SH, 'tree', TREE, MARKER, MTIME]);
    job = backup();
    assert.equal(job.state, 'completed', job.reason);
  });
  after(() => {
    cleanBackups();
    inGluster('node1', ['rm', '-rf', TREE]);
  });

  test('the backup job leaves <archive>.sha256 beside the archive, and sha256sum -c on the node accepts it', () => {
    const name = path.posix.basename(job.archive);
    const sum = onNode('node1', ['cat', `${job.archive}.sha256`]).stdout;
    assert.match(sum, new RegExp(`^[0-9a-f]{64}  ${name.replace(/\./g, '\\.')}\n$`));
    const check = onNode('node1', ['sh', '-c', 'cd "$1" && sha256sum -c --strict "$2"', 'check', DIR, `${name}.sha256`], { allowFail: true });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout, `${name}: OK\n`);
    // No temporary file is left beside it.
    const left = onNode('node1', ['ls', DIR]).stdout.split('\n').filter((f) => f.startsWith(name.replace(/\.tar$/, '')) && /tmp|partial/.test(f));
    assert.deepEqual(left, []);
  });

  test('validate-backup hashes the archive in the container: ok, and the saved report says so', () => {
    const { code, result: r } = validate(['--archive', job.archive]);
    assert.equal(code, 0, r.report.summary);
    assert.equal(r.checksum, 'ok');
    const saved = JSON.parse(onNode('node1', ['cat', r.savedTo!]).stdout) as ValidationResult;
    assert.equal(saved.checksum, 'ok');
    const text = cli(['validate-backup', '--node', 'node1', '--archive', job.archive]);
    assert.match(text.stdout, /sha256 ok/);
  });

  test('--read-data on an unchanged filesystem: every member read, nothing differs; its progress as NDJSON status lines', () => {
    const { code, result: r, stderr } = validate(['--archive', job.archive, '--read-data']);
    assert.equal(code, 0, JSON.stringify(r.readData));
    const d = r.readData!;
    const status = statusLines(stderr);
    assert.ok(status.length >= 1, stderr);
    assert.ok(status.every((s) => s.kind === 'read-data' && s.total_members === d.members && s.job === undefined), stderr);
    assert.deepEqual([status[status.length - 1].members_done, status[status.length - 1].percent_done], [d.members, 1]);
    assert.equal(d.verdict, 'ok');
    assert.ok(d.members >= 34, `${d.members} regular-file members`);
    assert.equal(d.checked, d.members);
    assert.equal(d.contentDiffers.count, 0);
  });

  test('a copy with one byte of a member\'s data flipped: the names-only check and --read-data say archive damaged (exit 2), naming the member', () => {
    const name = path.posix.basename(COPY);
    // The copy's checksum file is the original's digest under the copy's name, as a copy made
    // with its sidecar and renamed would have.
    const digest = onNode('node1', ['cat', `${job.archive}.sha256`]).stdout.slice(0, 64);
    onNode('node1', ['sh', '-c', 'cp "$1" "$2" && printf "%s  %s\\n" "$3" "$4" > "$2.sha256"', 'copy', job.archive, COPY, digest, name]);
    const at = Number(onNode('node1', ['sh', '-c', 'LC_ALL=C grep -obUa -- "$2" "$1" | head -1 | cut -d: -f1', 'find', COPY, MARKER]).stdout.trim());
    assert.ok(at > 512, `marker found at ${at}`);
    // F -> G inside the member's data; its header and size untouched.
    onNode('node1', ['sh', '-c', 'printf G | dd of="$1" bs=1 seek="$2" conv=notrunc status=none', 'flip', COPY, String(at)]);

    const names = validate(['--archive', COPY]);
    assert.equal(names.code, 2);
    assert.equal(names.result.checksum, 'mismatch');
    assert.equal(names.result.checksumDetail, `archive damaged: sha256 differs from ${COPY}.sha256`);
    const text = cli(['validate-backup', '--node', 'node1', '--archive', COPY]);
    assert.equal(text.code, 2);
    assert.match(text.stdout, new RegExp(`archive damaged: sha256 differs from ${COPY.replace(/[.]/g, '\\.')}\\.sha256`));

    const { code, result: r } = validate(['--archive', COPY, '--read-data']);
    assert.equal(code, 2);
    assert.equal(r.readData!.verdict, 'damaged');
    assert.equal(r.readData!.damage!.member!.path, 'checksums/flip-me.txt');
    assert.deepEqual(r.readData!.contentDiffers.items.map((x) => x.path), ['checksums/flip-me.txt']);
    const saved = JSON.parse(onNode('node1', ['cat', `${COPY}.validation.json`]).stdout) as ValidationResult;
    assert.equal(saved.checksum, 'mismatch');
    assert.equal(saved.readData!.verdict, 'damaged');
  });

  test('without a checksum file: "no checksum beside the archive"; a malformed one is not checked, and says why', () => {
    onNode('node1', ['rm', '-f', `${COPY}.sha256`]);
    const absent = validate(['--archive', COPY]);
    assert.equal(absent.result.checksum, 'absent');
    assert.equal(absent.code, 0);
    assert.match(cli(['validate-backup', '--node', 'node1', '--archive', COPY]).stdout, /no checksum beside the archive/);
    onNode('node1', ['sh', '-c', 'printf "not a checksum\\n" > "$1"', 'bad', `${COPY}.sha256`]);
    const bad = validate(['--archive', COPY]);
    assert.equal(bad.result.checksum, 'not-checked');
    assert.match(bad.result.checksumDetail ?? '', /is not a checksum file the backup wrote: not one line of sha256sum output/);
    onNode('node1', ['rm', '-f', COPY, `${COPY}.sha256`, `${COPY}.validation.json`]);
  });

  test('a live file changed behind the same size and mtime: names-only passes, --read-data reports it by path (exit 1)', () => {
    try {
      inGluster('node1', ['sh', '-c', 'printf "LIVE\\n" > "$1" && touch -d "$2" "$1"', 'swap', `${TREE}/live.txt`, MTIME]);
      const names = validate(['--archive', job.archive]);
      assert.equal(names.code, 0, names.result.report.summary);
      assert.equal(names.result.report.changed.count, 0);
      const { code, result: r } = validate(['--archive', job.archive, '--read-data']);
      assert.equal(code, 1);
      assert.equal(r.checksum, 'ok');
      assert.equal(r.readData!.verdict, 'differs');
      assert.deepEqual(r.readData!.contentDiffers.items.map((x) => x.path), ['checksums/live.txt']);
      const text = cli(['validate-backup', '--node', 'node1', '--archive', job.archive, '--read-data']);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /checksums\/live\.txt/);
      assert.match(text.stdout, /the live files changed/);
    } finally {
      inGluster('node1', ['sh', '-c', 'printf "live\\n" > "$1" && touch -d "$2" "$1"', 'restore', `${TREE}/live.txt`, MTIME]);
    }
  });

  test('a .tar.gz: --read-data reads it through gzip in the container; a live change is found; a copy cut short is damaged (exit 2)', () => {
    const CUT = `${DIR}/datarobot-gluster-backup-1999-01-02.tar.gz`;
    const r = cli(['--json', 'backup', '--node', 'node1', '-z', '--override', 'activity:checksums test']);
    assert.ok(r.code === 0 || r.code === 1, `backup -z: ${r.code} ${r.stderr}`);
    const gz = JSON.parse(r.stdout) as JobRecord;
    assert.match(gz.archive, /\.tar\.gz$/);
    try {
      const ok = validate(['--archive', gz.archive, '--read-data']);
      assert.equal(ok.code, 0, JSON.stringify(ok.result.readData));
      assert.equal(ok.result.checksum, 'ok');
      assert.equal(ok.result.readData!.verdict, 'ok');
      assert.equal(ok.result.readData!.checked, ok.result.readData!.members);
      assert.ok(ok.result.readData!.members >= 34, `${ok.result.readData!.members} regular-file members`);

      inGluster('node1', ['sh', '-c', 'printf "LIVE\\n" > "$1" && touch -d "$2" "$1"', 'swap', `${TREE}/live.txt`, MTIME]);
      try {
        const live = validate(['--archive', gz.archive, '--read-data']);
        assert.equal(live.code, 1);
        assert.deepEqual(live.result.readData!.contentDiffers.items.map((x) => x.path), ['checksums/live.txt']);
      } finally {
        inGluster('node1', ['sh', '-c', 'printf "live\\n" > "$1" && touch -d "$2" "$1"', 'restore', `${TREE}/live.txt`, MTIME]);
      }

      // Half of the compressed file: gzip ends early, wherever the cut falls in the members.
      onNode('node1', ['sh', '-c', 'head -c $(( $(stat -c %s "$1") / 2 )) "$1" > "$2"', 'cut', gz.archive, CUT]);
      const cut = validate(['--archive', CUT, '--read-data']);
      assert.equal(cut.code, 2, JSON.stringify({ report: cut.result.report.verdict, readData: cut.result.readData, stderr: cut.stderr }).slice(0, 3000));
      assert.ok(['truncated', 'corrupt'].includes(cut.result.report.verdict), `names side: ${cut.result.report.verdict}`);
      const text = cli(['validate-backup', '--node', 'node1', '--archive', CUT, '--read-data']);
      assert.equal(text.code, 2);
      assert.match(text.stdout, /TRUNCATED|CORRUPT|damaged/);
    } finally {
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".* "$2" "$2".*', 'clean', gz.archive, CUT]);
    }
  });

  test('ten runs of --read-data-subset 10% check every member exactly once, and the eleventh starts over', () => {
    onNode('node1', ['rm', '-f', `${job.archive}.read-data.json`]);
    const seen: [number, number][] = [];
    let members = 0;
    for (let run = 1; run <= 10; run++) {
      const { code, result: r } = validate(['--archive', job.archive, '--read-data-subset', '10%']);
      assert.equal(code, 0);
      const d = r.readData!;
      members = d.members;
      assert.equal(d.subset!.run, run);
      assert.equal(d.subset!.saved, true);
      assert.equal(d.checked, d.to - d.from);
      seen.push([d.from, d.to]);
      assert.equal(d.subset!.cycleComplete, run === 10);
    }
    // The slices tile [0, members): each starts where the last ended.
    assert.equal(seen[0][0], 0);
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i][0], seen[i - 1][1]);
    assert.equal(seen[9][1], members);
    const state = JSON.parse(onNode('node1', ['cat', `${job.archive}.read-data.json`]).stdout);
    assert.equal(state.version, 1);
    assert.equal(state.position, 0);
    const eleventh = validate(['--archive', job.archive, '--read-data-subset', '10%']).result.readData!;
    assert.equal(eleventh.from, 0);
    assert.equal(eleventh.subset!.run, 1);
    onNode('node1', ['rm', '-f', `${job.archive}.read-data.json`]);
  });

  test('a planted subset state file is refused with its reason and the cycle starts over', () => {
    onNode('node1', ['sh', '-c', 'printf \'{"version":1,"archiveBytes":1,"members":1,"position":99999,"runs":0,"updatedAt":"x"}\' > "$1"', 'plant', `${job.archive}.read-data.json`]);
    const { result: r } = validate(['--archive', job.archive, '--read-data-subset', '10%']);
    assert.equal(r.readData!.from, 0);
    assert.match(r.readData!.cautions.join('\n'), /could not be used \(position is not a share/);
    onNode('node1', ['sh', '-c', 'printf \'{"version":7}\' > "$1"', 'newer', `${job.archive}.read-data.json`]);
    const newer = cli(['validate-backup', '--node', 'node1', '--archive', job.archive, '--read-data-subset', '10%']);
    assert.equal(newer.code, 2);
    assert.match(newer.stderr, /version 7, written by a newer gluster-backup: update it to read it/);
    // A run that ended on an error let go of its lock.
    assert.equal(onNode('node1', ['ls', `${job.archive}.read-data.lock`], { allowFail: true }).status, 2, 'no lock left');
    onNode('node1', ['rm', '-f', `${job.archive}.read-data.json`]);
  });

  test('two --read-data-subset runs of one archive at once: one refuses (exit 75) naming the holder, since when and the lock; the other checks its slice, recorded once; a run cut short by Ctrl-C lets go of the lock and keeps the place', async () => {
    const SRC = '/mnt/gluster/checksums-lock';
    const arch = `${DIR}/datarobot-gluster-backup-1999-03-01.tar`;
    const lockFile = `${arch}.read-data.lock`;
    const stateFile = `${arch}.read-data.json`;
    // Four members of 48 MiB: half of them read at a fifth of a CPU holds the lock for seconds.
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf "$1"; mkdir -p "$1"; for i in 1 2 3 4; do head -c 50331648 /dev/urandom > "$1/f$i"; done; touch -d @1700000000 "$1"/f*; tar -C /mnt/gluster --numeric-owner -cf "$2" ./checksums-lock', 'mk', SRC, arch]);
    const beside = () => onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n').filter((f) => f.startsWith(path.basename(arch) + '.'));
    const args = ['--json', 'validate-backup', '--node', 'node1', '--archive', arch, '--read-data-subset', '50%'];
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    try {
      const runs = [startCli(args), startCli(args)];
      const ends = await Promise.all(runs.map((r) => r.done));
      // The winner exits 1: the archive holds one directory of the volume, so the names check
      // finds the rest of /mnt/gluster missing from it; its data check is what this is about.
      const codes = ends.map((e) => e.code).sort();
      assert.deepEqual(codes, [1, 75], ends.map((e) => `${e.code}: ${e.stderr}`).join('\n'));
      const w = ends.findIndex((e) => e.code === 1);
      const [won, lost] = [ends[w], ends[1 - w]];
      // The refusal: who (this machine, the winner's pid, the CLI), since when by the node's
      // clock, the lock's path, and what to do about a stale one; on stderr as a message line,
      // and on stdout as an object a script reads.
      const said = lost.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text?: string }).map((l) => l.text ?? '').join('\n');
      assert.match(
        said,
        new RegExp(
          `validate-backup: ${re(arch)} on node1 is being read by another --read-data-subset run: (\\S+@)?${re(os.hostname())}, pid ${runs[w].pid} \\(the CLI\\), since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by node1's clock\\. Its lock is ${re(lockFile)}\\. Nothing was checked.*run again with --break-lock`,
        ),
      );
      const refusal = JSON.parse(lost.stdout) as { error: string; readDataLock: { path: string; holder: { pid: number; host: string; clock: string } } };
      assert.deepEqual([refusal.readDataLock.path, refusal.readDataLock.holder.pid, refusal.readDataLock.holder.host, refusal.readDataLock.holder.clock], [lockFile, runs[w].pid, os.hostname(), 'node']);

      const whole = JSON.parse(won.stdout) as ValidationResult;
      assert.equal(whole.report.verdict, 'incomplete');
      const r = whole.readData!;
      assert.equal(r.verdict, 'ok');
      assert.equal(r.members, 4);
      assert.deepEqual([r.from, r.to, r.checked, r.subset!.run, r.subset!.saved, r.subset!.lockFile], [0, 2, 2, 1, true, lockFile]);
      // Recorded once: one run in the cycle, half of it done.
      const state = JSON.parse(onNode('node1', ['cat', stateFile]).stdout) as { position: number; runs: number };
      assert.deepEqual([state.position, state.runs], [5000, 1]);
      assert.ok(!beside().includes(path.basename(lockFile)), 'the lock went with the run');

      // Ctrl-C while the next slice is compared: exit 130, the lock let go, the place kept.
      const cut = startCli(args);
      await waitFor('the next slice to be compared', 120_000, () => (compares() !== '' ? true : undefined));
      assert.ok(beside().includes(path.basename(lockFile)), 'held while it runs');
      assert.ok(!beside().some((f) => /\.read-data-[0-9a-f]{8}\.names$/.test(f)), `its list of names is tar's alone once tar runs: ${beside().join(', ')}`);
      cut.kill('SIGINT');
      const c = await cut.done;
      assert.equal(c.code, 130, c.stderr);
      assert.deepEqual(beside().sort(), [path.basename(stateFile), `${path.basename(arch)}.validation.json`].sort(), "no lock, no list of names, only the first run's report");
      assert.deepEqual(JSON.parse(onNode('node1', ['cat', stateFile]).stdout).position, 5000);

      unthrottle('node1');
      const next = (JSON.parse((await startCli(args).done).stdout) as ValidationResult).readData!;
      assert.deepEqual([next.from, next.to, next.subset!.run, next.subset!.cycleComplete], [2, 4, 2, true]);
    } finally {
      unthrottle('node1');
      inGluster('node1', ['rm', '-rf', SRC]);
      onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".*', 'rm', arch]);
    }
  });

  test("a lock of another machine refuses every run until --break-lock, and list names its holder; one left by a run gone from this machine is taken over, said so", () => {
    const lockFile = `${job.archive}.read-data.lock`;
    const stateFile = `${job.archive}.read-data.json`;
    const plant = (lock: object) => onNode('node1', ['sh', '-c', 'printf "%s\\n" "$2" > "$1"', 'plant', lockFile, JSON.stringify(lock)]);
    const elsewhere = { version: 1, token: 'ab'.repeat(16), host: 'elsewhere', pid: 4242, user: 'alice', client: 'VS Code', since: '2026-03-05T12:00:00.000Z', clock: 'node' };
    onNode('node1', ['rm', '-f', stateFile]);
    try {
      plant(elsewhere);
      const refused = cli(['validate-backup', '--node', 'node1', '--archive', job.archive, '--read-data-subset', '10%']);
      assert.equal(refused.code, 75, refused.stderr);
      assert.equal(
        refused.stderr,
        `gluster-backup: validate-backup: ${job.archive} on node1 is being read by another --read-data-subset run: alice@elsewhere, pid 4242 (VS Code), since 2026-03-05 12:00:00 UTC by node1's clock. ` +
          `Its lock is ${lockFile}. Nothing was checked: two runs at once would check the same slice. Run again once it has ended; ` +
          `if no such run is going on (it was killed, or its machine is down), run again with --break-lock (in VS Code: Remove Lock and Read…), or remove ${lockFile}\n`,
      );
      assert.equal(onNode('node1', ['ls', stateFile], { allowFail: true }).status, 2, 'nothing written');
      assert.deepEqual(JSON.parse(onNode('node1', ['cat', lockFile]).stdout), elsewhere, 'the lock left as it was');

      const list = cli(['list', '--node', 'node1']);
      assert.match(list.stdout, new RegExp(`being read by a --read-data-subset run: alice@elsewhere, pid 4242 \\(VS Code\\), since 2026-03-05 12:00:00 UTC by node1's clock \\(${re(path.basename(lockFile))}\\)`));
      // The lock is the archive's own file, never one left alone (earlier cases of this file may
      // leave other names here).
      assert.doesNotMatch(list.stdout, /left alone[^\n]*read-data\.lock/);

      const broke = validate(['--archive', job.archive, '--read-data-subset', '10%', '--break-lock']);
      assert.equal(broke.code, 0, broke.stderr);
      assert.match(broke.result.cautions.join('\n'), new RegExp(`the read-data lock ${re(lockFile)} was removed \\(--break-lock\\): it was held by alice@elsewhere, pid 4242 \\(VS Code\\)`));
      assert.deepEqual([broke.result.readData!.from, broke.result.readData!.subset!.saved], [0, true]);
      assert.equal(onNode('node1', ['ls', lockFile], { allowFail: true }).status, 2, 'let go at its end');

      // This machine, this pid namespace, a pid that is no process now: that run is gone.
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      const me = thisProcess();
      plant({ ...elsewhere, host: me.host, pid: dead, ...(me.pidScope ? { pidScope: me.pidScope } : {}), client: 'the CLI' });
      const took = validate(['--archive', job.archive, '--read-data-subset', '10%']);
      assert.equal(took.code, 0, took.stderr);
      assert.match(took.result.cautions.join('\n'), new RegExp(`the read-data lock of alice@${re(me.host)}, pid ${dead} \\(the CLI\\), since 2026-03-05 12:00:00 UTC by node1's clock, was taken over: that run is gone \\(no process ${dead} on this machine\\)`));
      assert.deepEqual([took.result.readData!.subset!.run, took.result.readData!.subset!.saved], [2, true], 'the cycle goes on from the broken run');
      assert.equal(onNode('node1', ['ls', lockFile], { allowFail: true }).status, 2);
    } finally {
      onNode('node1', ['rm', '-f', lockFile, stateFile]);
    }
  });

  test('Ctrl-C during --read-data stops the check on the node: exit 130, no tar --compare left in the container, no list of names or report left beside the archive; a client killed outright leaves no list of names either', async () => {
    const SRC = '/mnt/gluster/checksums-interrupt';
    const arch = `${DIR}/datarobot-gluster-backup-1999-02-01.tar`;
    // 192 MiB of data read twice (archive and volume) at a fifth of a CPU: tens of seconds.
    inGluster('node1', ['sh', '-c', 'set -e; rm -rf "$1"; mkdir -p "$1"; for i in 1 2 3; do head -c 67108864 /dev/urandom > "$1/f$i"; done; touch -d @1700000000 "$1"/f*; tar -C /mnt/gluster --numeric-owner -cf "$2" ./checksums-interrupt', 'mk', SRC, arch]);
    const beside = () => onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n').filter((f) => f.startsWith(path.basename(arch) + '.'));
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    try {
      for (const signal of ['SIGINT', 'SIGKILL'] as const) {
        const child = startCli(['--json', 'validate-backup', '--node', 'node1', '--archive', arch, '--read-data']);
        await waitFor('tar --compare to run', 120_000, () => {
          const code = child.exitCode();
          if (code !== undefined) throw new Error(`validate-backup exited ${code} before its compare ran:\n${child.stdout()}${child.stderr()}`);
          return compares() !== '' ? true : undefined;
        }).catch((e: Error) => {
          child.kill('SIGKILL');
          throw e;
        });
        // Comparing: tar reads its list of names from the file the shell opened, and removed.
        assert.deepEqual(beside(), [], 'no list of names beside the archive while tar compares');
        child.kill(signal);
        const { code, stdout, stderr } = await child.done;
        if (signal === 'SIGINT') {
          assert.equal(code, 130, stdout + stderr);
          assert.match(stderr, /validate-backup: interrupted: the check was stopped, and nothing was written beside the archive/);
          assert.equal(stdout, '', 'no report on stdout');
          await waitFor('tar --compare to end in the container', 20_000, () => (compares() === '' ? true : undefined));
        } else {
          // Killed, the client stopped nothing: tar compares on, and is stopped here. Before
          // the shell removed the list, such a run left it beside the archive for good.
          assert.equal(code, null, stdout + stderr);
          inGluster('node1', ['sh', '-c', 'pkill -f -- "--[c]ompare" || true']);
          await waitFor('tar --compare to end in the container', 20_000, () => (compares() === '' ? true : undefined));
        }
        assert.deepEqual(beside(), [], `${signal}: no list of names, no report, no subset state`);
      }
    } finally {
      unthrottle('node1');
      inGluster('node1', ['sh', '-c', 'pkill -f -- "--[c]ompare" || true'], { allowFail: true });
      inGluster('node1', ['rm', '-rf', SRC]);
      onNode('node1', ['rm', '-f', arch]);
    }
  });
});
