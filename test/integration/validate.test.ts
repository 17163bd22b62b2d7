// validate-backup on the real test bed: archives made by the product's own backup, read where
// they lie (SFTP header walk, tar inside the container for .tar.gz), against find inside the
// gluster container, through the CLI (the product surface).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobRecord } from '../../src/core/backup/types';
import { validateBackup, ValidateError, type ValidationResult } from '../../src/core/validate/validateBackup';
import { Cluster } from '../../src/core/cluster';
import { TESTBED_DIR, inGluster, onNode, shellQuote as q, testbedSettings, waitHealthy } from './helpers/testbed';
import { CLI, CONFIG, cli, cliWith } from './helpers/cli';
import * as zlib from 'node:zlib';
import { longNamesGzip, paxSizeArchive } from '../unit/helpers/archiveCraft';

const DIR = '/opt/datarobot/data/backups/gluster';
const TREE = '/mnt/gluster/validate';
const MB_TREE = '/mnt/gluster/validate-mb';

function backup(extra: string[] = []): JobRecord {
  const r = cli(['--json', 'backup', '--node', 'node1', ...extra]);
  assert.ok(r.code === 0 || r.code === 1, `backup: ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as JobRecord;
}

function validate(args: string[]): { code: number | null; result: ValidationResult; stderr: string } {
  const r = cli(['--json', 'validate-backup', ...args]);
  assert.ok(r.stdout.trim().startsWith('{'), `validate printed a report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, result: JSON.parse(r.stdout) as ValidationResult, stderr: r.stderr };
}

function cleanBackups() {
  onNode('node1', ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
}

/** Names as bytes: what the report's pathBase64 (or path, when UTF-8) says. */
function exactPath(i: { path: string; pathBase64?: string }): string {
  return i.pathBase64 !== undefined ? Buffer.from(i.pathBase64, 'base64').toString('latin1') : Buffer.from(i.path, 'utf8').toString('latin1');
}

const AWKWARD = String.raw`
set -e
root=$1
rm -rf "$root"; mkdir -p "$root/keep"; cd "$root/keep"
printf 'space\n' > 'with space.txt'
printf 'uni\n' > 'ünïcødé-日本語-😀.txt'
printf 'nl\n' > "$(printf 'new\nline.txt')"
printf 'q\n' > "it's \"quoted\".txt"
printf 'd\n' > '$(echo pwned) and ${'`'}id${'`'}.txt'
printf 'dash\n' > '-leading-dash.txt'
printf 'x\n' > "$(printf 'not-utf8-\377.txt')"
printf 'back\n' > 'back\\slash.txt'
n255=$(printf 'b%.0s' $(seq 1 255)); printf '255\n' > "$n255"
: > zero-bytes
mkdir empty-dir 'dir with space'
printf 'target\n' > 'dir with space/target.txt'
ln -s 'dir with space/target.txt' symlink-rel
ln -s /nonexistent/dangling symlink-dangling
ln 'dir with space/target.txt' hardlink.txt
printf 'will be removed\n' > to-remove.txt
printf 'will change\n' > to-modify.txt
`;

describe('validate-backup', () => {
  before(async () => {
    await waitHealthy();
    cleanBackups();
    // The backup suite's 1.1 GiB file makes each backup here take many seconds for nothing
    // validate needs; that suite makes it again when it runs.
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/big']);
    inGluster('node1', ['sh', '-c', AWKWARD, 'awkward', TREE]);
    // The issue's "≤ 1% of the archive read" is for a tree of multi-MB files; the sample data
    // alone is small files, whose contents a wide read takes along with their headers.
    inGluster('node1', ['sh', '-c', 'mkdir -p "$1" && for i in $(seq 1 24); do head -c 4194304 /dev/urandom > "$1/f$i.bin"; done', 'mb', MB_TREE]);
  });
  after(() => {
    cleanBackups();
    inGluster('node1', ['rm', '-rf', TREE, MB_TREE]);
  });

  test('an unchanged filesystem: complete, headers only over SFTP, report saved beside the archive', () => {
    const job = backup();
    assert.equal(job.state, 'completed', job.reason);
    const { code, result: r } = validate(['--node', 'node1', '--archive', job.archive]);
    assert.equal(code, 0, r.report.summary);
    assert.equal(r.report.verdict, 'complete', r.report.summary);
    assert.equal(r.report.missingFiles.count, 0);
    assert.equal(r.report.extra.count, 0);
    assert.equal(r.report.changed.count, 0);
    assert.equal(r.method, 'sftp-headers');
    assert.ok(r.report.filesystem.files > 200, `the whole volume was listed (${r.report.filesystem.files} files)`);
    // Every awkward name matched its archive member, or it would be missing and extra.
    assert.equal(r.report.archive.entries, r.report.filesystem.entries);
    const read = r.report.archive.bytesRead!;
    assert.ok(read / r.archiveBytes < 0.01, `read ${read} of ${r.archiveBytes} bytes`);
    assert.equal(r.job?.id, job.id);
    assert.equal(r.job?.state, 'completed');

    assert.equal(r.savedTo, `${job.archive}.validation.json`);
    const saved = JSON.parse(onNode('node1', ['cat', r.savedTo!]).stdout) as ValidationResult;
    assert.equal(saved.report.verdict, 'complete');
    assert.equal(saved.report.filesystem.entries, r.report.filesystem.entries);

    // The seed's form: the newest archive of DIR, readable report on stdout.
    const seed = cli(['-b', DIR, '-n', 'validate-backup']);
    assert.equal(seed.code, 0, seed.stderr);
    assert.match(seed.stdout, /^# Validation of datarobot-gluster-backup-.*\.tar$/m);
    assert.match(seed.stdout, /Complete: every file of the filesystem is in the archive/);
    assert.match(seed.stdout, /^validate datarobot-gluster-backup-\S+ on node1: complete; sha256 ok; 0 missing/m);

    // On the data node itself, as in a Remote-SSH window: no nodes configured means this
    // machine's docker socket, and the archive is read as a local file.
    const localConfig = path.join(TESTBED_DIR, 'validate-local.json');
    fs.writeFileSync(localConfig, JSON.stringify({ nodes: [] }));
    const onNodeRun = onNode('node1', [process.execPath, CLI, '--config', localConfig, '--json', 'validate-backup', '--archive', job.archive], { allowFail: true });
    assert.equal(onNodeRun.status, 0, onNodeRun.stderr);
    const local = JSON.parse(onNodeRun.stdout) as ValidationResult;
    assert.equal(local.node, 'local');
    assert.equal(local.method, 'local-file');
    assert.equal(local.report.verdict, 'complete');
    assert.equal(local.report.filesystem.entries, r.report.filesystem.entries);
    assert.ok(local.report.archive.bytesRead! / local.archiveBytes < 0.01);
  });

  test('files added, removed and modified after the backup: missing, extra and changed, exit 1', () => {
    const job = backup();
    inGluster('node1', [
      'sh',
      '-c',
      String.raw`set -e; cd "$1"; mkdir added; printf 'new\n' > added/plain.txt; printf 'nl\n' > "added/$(printf 'new\nline')"; printf 'b\n' > "added/$(printf 'bad-\377')"; printf 'sp\n' > 'added/a b $(x)'; rm keep/to-remove.txt; printf 'more bytes now\n' >> keep/to-modify.txt`,
      'mutate',
      TREE,
    ]);
    const { code, result: r } = validate(['--archive', job.archive]);
    assert.equal(code, 1, 'files missing: exit 1');
    assert.equal(r.report.verdict, 'incomplete');
    const rel = 'validate/';
    const missing = r.report.missingFiles.items.map(exactPath).filter((p) => p.startsWith(rel)).sort();
    assert.deepEqual(missing, ['validate/added/a b $(x)', 'validate/added/bad-\xff', 'validate/added/new\nline', 'validate/added/plain.txt'].sort());
    assert.equal(r.report.missingFiles.count, 4);
    assert.deepEqual(r.report.missingDirs.items.map(exactPath), ['validate/added']);
    assert.equal(r.report.missingFiles.percentOfFsFiles, Math.round((4 / r.report.filesystem.files) * 1e6) / 1e4);
    assert.deepEqual(r.report.extra.items.map(exactPath), ['validate/keep/to-remove.txt']);
    assert.equal(r.report.changed.count, 1);
    assert.equal(r.report.changed.items[0].path, 'validate/keep/to-modify.txt');
    assert.ok(r.report.changed.items[0].reasons.includes('size'));
    assert.equal(r.report.changed.items[0].filesystem.size, 'will change\nmore bytes now\n'.length);

    const text = cli(['validate-backup', '--archive', job.archive]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /INCOMPLETE: files of the filesystem are missing from the archive/);
    assert.match(text.stdout, /`validate\/added\/new\\nline`/, 'a newline in a name is shown escaped in the readable report');
  });

  test('a compressed archive is listed by tar inside the container; both ways agree', () => {
    const job = backup(['-z']);
    assert.match(job.archive, /\.tar\.gz$/);
    const inContainer = validate(['--archive', job.archive]);
    assert.equal(inContainer.code, 0, inContainer.result.report.summary);
    assert.equal(inContainer.result.method, 'container-tar');
    assert.equal(inContainer.result.report.verdict, 'complete');
    assert.equal(inContainer.result.report.archive.compressed, true);
    const overSftp = validate(['--archive', job.archive, '--via', 'sftp']);
    assert.equal(overSftp.result.method, 'sftp-headers');
    assert.deepEqual(
      { ...overSftp.result.report.archive, bytesRead: 0 },
      { ...inContainer.result.report.archive, bytesRead: 0 },
    );
    assert.equal(overSftp.result.report.filesystem.entries, inContainer.result.report.filesystem.entries);
  });

  test('a truncated archive is reported truncated with its offset, plain and gzip, never complete', () => {
    const plain = backup();
    const size = Number(onNode('node1', ['stat', '-c', '%s', plain.archive]).stdout);
    const cutAt = Math.floor(size / 3);
    const cut = `${DIR}/datarobot-gluster-backup-cut.tar`;
    onNode('node1', ['sh', '-c', 'head -c "$1" "$2" > "$3"', 'cut', String(cutAt), plain.archive, cut]);
    const r = validate(['--archive', cut]);
    assert.equal(r.code, 2);
    assert.equal(r.result.report.verdict, 'truncated');
    assert.equal(r.result.report.archive.problem?.offset, cutAt);
    assert.match(r.result.report.summary, /TRUNCATED/);
    assert.ok(r.result.report.missingFiles.count > 0, 'what lies after the cut is missing');
    // The archive it was cut from is untouched and still whole.
    assert.equal(Number(onNode('node1', ['stat', '-c', '%s', plain.archive]).stdout), size);

    const gz = backup(['-z']);
    const gzSize = Number(onNode('node1', ['stat', '-c', '%s', gz.archive]).stdout);
    const gzCut = `${DIR}/datarobot-gluster-backup-cut.tar.gz`;
    onNode('node1', ['sh', '-c', 'head -c "$1" "$2" > "$3"', 'cut', String(Math.floor(gzSize / 2)), gz.archive, gzCut]);
    const g = validate(['--archive', gzCut]);
    assert.equal(g.code, 2);
    assert.equal(g.result.method, 'container-tar');
    assert.equal(g.result.report.verdict, 'truncated', JSON.stringify(g.result.report.archive.problem));
  });

  test('what cannot be validated says why: no such archive, relative path, container stopped', () => {
    const none = cli(['validate-backup', '--archive', `${DIR}/datarobot-gluster-backup-nope.tar`]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /datarobot-gluster-backup-nope\.tar not found on node1, node2, node3/);
    // A node that could not be asked is not one the archive is "not found" on: it is named with its reason.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-lookup-'));
    try {
      const raw = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
      raw.nodes = [raw.nodes[0], { ...raw.nodes[1], name: 'ghost', port: 1 }];
      fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(raw));
      const half = cliWith(['validate-backup', '--archive', `${DIR}/datarobot-gluster-backup-nope.tar`], { config: path.join(tmp, 'c.json'), timeoutMs: 60_000 });
      assert.equal(half.code, 2, half.stderr);
      assert.match(half.stderr.trim().split('\n').pop()!, /^gluster-backup: validate-backup: \/\S+\/datarobot-gluster-backup-nope\.tar not found on node1; not looked for on ghost: \S.*refused/);
      raw.nodes = [raw.nodes[1]];
      fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(raw));
      const noneAsked = cliWith(['validate-backup', '--archive', `${DIR}/datarobot-gluster-backup-nope.tar`], { config: path.join(tmp, 'c.json'), timeoutMs: 60_000 });
      assert.equal(noneAsked.code, 2, noneAsked.stderr);
      assert.match(noneAsked.stderr.trim().split('\n').pop()!, /^gluster-backup: validate-backup: \/\S+\/datarobot-gluster-backup-nope\.tar could not be looked for: ghost: \S.*refused/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const rel = cli(['validate-backup', '--archive', 'relative.tar']);
    assert.equal(rel.code, 64, 'a usage error');
    assert.match(rel.stderr, /absolute path/);
    // A directory named like an archive: said so, before any read (it once ended the CLI with
    // SFTP's bare "Failure" and a stack trace).
    const dirArchive = `${DIR}/datarobot-gluster-backup-2026-01-09.tar`;
    onNode('node1', ['mkdir', '-p', dirArchive]);
    try {
      const isDir = cli(['validate-backup', '--archive', dirArchive]);
      assert.equal(isDir.code, 2, isDir.stderr);
      assert.equal(isDir.stderr.trim().split('\n').pop(), `gluster-backup: validate-backup: ${dirArchive} on node1 is not a file (a directory, or a device): give the path of an archive`);
    } finally {
      onNode('node1', ['rmdir', dirArchive]);
    }
    const empty = cli(['validate-backup', '-b', '/opt/datarobot/data']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no backup archive .* in \/opt\/datarobot\/data/);

    const job = backup();
    onNode('node1', ['docker', 'stop', '-t', '5', 'gluster']);
    try {
      const stopped = cli(['validate-backup', '--archive', job.archive]);
      assert.equal(stopped.code, 2);
      assert.match(stopped.stderr, /the gluster container on node1 is exited: the gluster filesystem can only be reached through it\. Start it first/);
      assert.equal(onNode('node1', ['ls', `${job.archive}.validation.json`], { allowFail: true }).status === 0, false, 'no report saved for a validation that did not run');
    } finally {
      const start = cli(['start', '--node', 'node1']);
      assert.equal(start.code, 0, start.stderr + start.stdout);
    }
  });

  test('crafted archives on a node: corrupt at their offset or refused with why, quickly, over SFTP and in the container', () => {
    // The node's backups directory as the host sees it (the test bed binds it into the node).
    const hostDir = path.join(process.env.TESTBED_DATA ?? '/var/lib/gluster-backup-testbed', 'node1', 'opt-datarobot', 'data', 'backups', 'gluster');
    const put = (name: string, data: Buffer) => {
      fs.writeFileSync(path.join(hostDir, name), data);
      return `${DIR}/${name}`;
    };
    try {
      // A PAX size of -1536 once made the header walk go round forever.
      const neg = put('datarobot-gluster-backup-negsize.tar', paxSizeArchive('-1536'));
      const a = validate(['--archive', neg]);
      assert.equal(a.code, 2);
      assert.equal(a.result.method, 'sftp-headers');
      assert.deepEqual([a.result.report.verdict, a.result.report.archive.problem?.offset], ['corrupt', 0]);
      assert.match(a.result.report.archive.problem?.message ?? '', /size="-1536" is not a non-negative decimal integer/);
      // The same in gzip, read by GNU tar in the container: tar refuses it, and so do we.
      const negGz = put('datarobot-gluster-backup-negsize.tar.gz', zlib.gzipSync(paxSizeArchive('-1536')));
      const b = validate(['--archive', negGz]);
      assert.equal(b.code, 2);
      assert.equal(b.result.method, 'container-tar');
      assert.equal(b.result.report.verdict, 'corrupt');
      assert.match(b.result.report.archive.problem?.message ?? '', /Extended header size=-1536 is out of range/);
      // 20 long names of 16 MiB in 330 KiB of gzip: the walk refuses the first, without inflating it.
      const longGz = put('datarobot-gluster-backup-longnames.tar.gz', longNamesGzip());
      const c = validate(['--archive', longGz, '--via', 'sftp']);
      assert.equal(c.code, 2);
      assert.equal(c.result.report.verdict, 'corrupt');
      assert.match(c.result.report.archive.problem?.message ?? '', /^L header announces 16777216 bytes of metadata \(the limit is 1048576\) at byte 0/);
      // GNU tar lists those names (exit 0), a line of 16 MiB each: validation stops at the first
      // and says why, instead of holding them.
      const d = cli(['validate-backup', '--archive', longGz]);
      assert.equal(d.code, 2);
      assert.match(d.stderr, /tar's listing of .*longnames\.tar\.gz cannot be read: line from tar longer than 1048576 bytes/);
    } finally {
      for (const f of fs.readdirSync(hostDir).filter((n) => /^datarobot-gluster-backup-(negsize|longnames)/.test(n))) fs.rmSync(path.join(hostDir, f));
    }
  });

  test('an archive of more members than an index holds is refused with why, over SFTP and in the container; nothing written', async () => {
    // The default bound (16 Mi members) is far past what the bed can hold; the same check with a
    // bound of 50 runs every step a real archive of that many members would.
    const plain = `${DIR}/datarobot-gluster-backup-limits.tar`;
    const gz = `${plain}.gz`;
    onNode('node1', ['bash', '-c', `set -e; rm -rf /tmp/gb-lim; mkdir -p /tmp/gb-lim/d; for i in $(seq 1 120); do : > /tmp/gb-lim/d/f$i; done
      touch -d 2026-01-02T03:04:05Z /tmp/gb-lim/d/* /tmp/gb-lim/d
      tar --numeric-owner -C /tmp/gb-lim -cf ${q(plain)} ./d; tar --numeric-owner -C /tmp/gb-lim -czf ${q(gz)} ./d; rm -rf /tmp/gb-lim`]);
    const fingerprint = () => onNode('node1', ['sh', '-c', 'sha256sum "$1" "$2"; ls -1 "$3"', 'fp', plain, gz, DIR]).stdout;
    const before = fingerprint();
    const cluster = new Cluster(testbedSettings());
    try {
      for (const [archive, via] of [[plain, 'sftp'], [gz, 'container']] as const) {
        await assert.rejects(
          validateBackup(cluster, { node: 'node1', archive, via, indexLimits: { maxEntries: 50 } }),
          (e: unknown) => e instanceof ValidateError && e.message === `${archive} on node1 was not indexed: it lists more than 50 entries, the most this version holds in memory. Nothing was changed`,
        );
      }
      assert.equal(fingerprint(), before, 'the archives are unchanged and no report was written beside them');
      // Within the bound the same archive validates as before (what it lacks of the volume is not the point here).
      const within = await validateBackup(cluster, { node: 'node1', archive: plain, via: 'sftp', indexLimits: { maxEntries: 200 }, save: false, checksum: false });
      assert.equal(within.report.archive.entries, 121);
    } finally {
      cluster.dispose();
      onNode('node1', ['rm', '-f', plain, gz]);
    }
  });
});
