// list and prune against the real test bed: a backups directory of small real tar files whose
// dates are pinned (mtimes with touch -d, and job records whose times disagree with their
// mtimes on purpose), pruned with each rule, then looked at on the node. Every expectation is
// worked out by hand from restic's rules (see retention.ts), in UTC. Each test builds its own
// directory under /opt/datarobot/data/backups/ and removes it after.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inGluster, onNode, rawConfig, shellQuote, shimInGluster, testbed, testbedSettings } from './helpers/testbed';
import { Cluster } from '../../src/core/cluster';
import { keptPartialText } from '../../src/core/catalog/keptPartials';
import type { JobRecord } from '../../src/core/backup/types';
import { CLI, CONFIG, cli } from './helpers/cli';

const D = `/opt/datarobot/data/backups/prune-test-${process.pid}`;
const LIST_D = `/opt/datarobot/data/backups/list-test-${process.pid}`;
const P = 'datarobot-gluster-backup-';

/** Our archives, newest first by when they were made. `mtime` differs from `made` where a job record dates it. */
interface Fixture {
  label: string;
  name: string;
  made: string;
  mtime: string;
  /** Files beside it, by name, with their content ('' for a log or status). */
  sidecars: Record<string, string>;
}

const stem = (name: string) => name.replace(/\.tar(\.gz)?$/, '');
const MISLEADING_MTIME = '2025-06-01T00:00:00Z';
/** `s` as a regular expression matching itself. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function backupJob(dir: string, name: string, o: { state: string; endedAt: string; exitCode?: number; warnings?: Record<string, number> }): string {
  const s = stem(name);
  return JSON.stringify({
    version: 1,
    kind: 'backup',
    id: s,
    state: o.state,
    archive: `${dir}/${name}`,
    partial: `${dir}/${name}.partial`,
    log: `${dir}/${s}.log`,
    compression: name.endsWith('.gz') ? 'gzip' : 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: new Date(Date.parse(o.endedAt) - 60_000).toISOString(),
    endedAt: o.endedAt,
    ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
    ...(o.warnings ? { warnings: o.warnings } : {}),
    overrides: [],
  });
}

function restoreJob(dir: string, archive: string, at: string, state: string, differences?: number): [string, string] {
  const id = `${archive}.restore-${at}`;
  return [
    `${id}.job.json`,
    JSON.stringify({
      version: 1,
      kind: 'restore',
      id,
      state,
      archive: `${dir}/${archive}`,
      log: `${dir}/${id}.log`,
      compression: archive.endsWith('.gz') ? 'gzip' : 'none',
      source: '/mnt/gluster',
      container: 'gluster',
      startedAt: '2026-03-02T10:00:00.000Z',
      overrides: [],
      restore: { target: '/mnt/gluster', members: [], policy: 'skip', bytesToWrite: 0, archiveBytes: 10240, ...(differences !== undefined ? { report: `${dir}/${id}.json`, differences } : {}) },
    }),
  ];
}

function validation(dir: string, name: string, verdict: string, missing: number, checksum?: string): string {
  return JSON.stringify({
    node: 'node1',
    archive: `${dir}/${name}`,
    // A tar of one small file is one 10240-byte record: checked below through list.
    archiveBytes: 10240,
    startedAt: '2026-04-01T08:00:00.000Z',
    report: { verdict, summary: '', missingFiles: { count: missing, bytes: 0, items: [], omitted: 0 } },
    ...(checksum ? { checksum } : {}),
  });
}

function dated(label: string, name: string, made: string, sidecars: Record<string, string> = {}, mtime = made): Fixture {
  return { label, name, made, mtime, sidecars };
}

/** The ten archives of the 90 days, newest first. ISO weeks of 2026: 03-30/31 W14, 03-29 W13, 03-22 W12, 02-28 and 03-01 W09, 02-14 W07, 01-31 W05, 01-05 W02. */
function fixtures(dir: string, o: { clean?: boolean; running?: boolean } = {}): Fixture[] {
  const a3 = `${P}2026-30-03-2.tar`;
  const a6 = `${P}2026-01-03.tar`;
  const a8 = `${P}2026-14-02.tar`;
  const a9 = `${P}2026-31-01.tar`;
  const a10 = `${P}2026-05-01.tar`;
  const [r6, r6job] = restoreJob(dir, a6, '20260302T100000Z', 'completed', 0);
  const [r8, r8job] = restoreJob(dir, a8, '20260401T090000Z', 'running');
  return [
    dated('A1', `${P}2026-31-03.tar`, '2026-03-31T02:00:00Z'),
    dated('A2', `${P}2026-30-03.tar`, '2026-03-30T22:00:00Z'),
    dated(
      'A3',
      a3,
      '2026-03-30T02:00:00Z',
      { [`${stem(a3)}.job.json`]: backupJob(dir, a3, { state: 'completed', endedAt: '2026-03-30T02:00:00.000Z', exitCode: 0 }), [`${stem(a3)}.log`]: '', [`${stem(a3)}.status`]: 'exit 0\n', [`${a3}.sha256`]: `${'0'.repeat(64)}  ${a3}\n` },
      MISLEADING_MTIME,
    ),
    // Named for 15 January: when it was made comes from its mtime, never from its name.
    dated('A4', `${P}2026-15-01.tar`, '2026-03-29T02:00:00Z'),
    dated('A5', `${P}2026-22-03.tar`, '2026-03-22T02:00:00Z'),
    dated(
      'A6',
      a6,
      '2026-03-01T02:00:00Z',
      {
        [`${stem(a6)}.job.json`]: backupJob(dir, a6, { state: 'completedWithWarnings', endedAt: '2026-03-01T02:00:00.000Z', exitCode: 1, warnings: { changed: 2 } }),
        [`${stem(a6)}.log`]: 'tar: ./x: file changed as we read it\n',
        // A leftover partial of a job that is final: it goes with the archive.
        [`${a6}.partial`]: 'x',
        [`${a6}.validation.json`]: validation(dir, a6, 'incomplete', 3),
        [r6]: r6job,
        [`${a6}.restore-20260302T100000Z.log`]: '',
        [`${a6}.restore-20260302T100000Z.json`]: '{}',
      },
      MISLEADING_MTIME,
    ),
    dated('A7', `${P}2026-28-02.tar`, '2026-02-28T02:00:00Z', { [`${P}2026-28-02.tar.validation.json.tmp-77-0badc0de`]: '{' }),
    dated('A8', a8, '2026-02-14T02:00:00Z', o.running ? { [r8]: r8job, [`${a8}.restore-20260401T090000Z.log`]: '' } : {}),
    dated('A9', a9, '2026-01-31T23:30:00Z', o.clean ? { [`${a9}.validation.json`]: validation(dir, a9, 'complete', 0) } : {}),
    dated('A10', a10, '2026-01-05T02:00:00Z', { [`${a10}.sha256`]: `${'0'.repeat(64)}  ${a10}\n`, ...(o.clean ? { [`${a10}.validation.json`]: validation(dir, a10, 'complete', 0) } : {}) }),
  ];
}

/** Never ours: left alone by every prune. The log of an archive that is not there is not ours to remove either. */
const FOREIGN = ['notes.txt', 'other.tar', `${P}2026-01-01.tar.bak`, `${P}2026-09-09.log`];

/** Builds `dir` on `node` from scratch: real tar files, sidecars, foreign files, every mtime pinned. */
function build(node: string, dir: string, fx: Fixture[]): void {
  const lines = ['set -e', `rm -rf ${shellQuote(dir)}`, `mkdir -p ${shellQuote(dir)}`, `cd ${shellQuote(dir)}`, 'echo data > /tmp/gb-catalog-member'];
  for (const f of fx) {
    lines.push(`tar -cf ${shellQuote(f.name)} -C /tmp gb-catalog-member`);
    for (const [n, content] of Object.entries(f.sidecars)) lines.push(`printf '%s' ${shellQuote(content)} > ${shellQuote(n)}`);
    lines.push(`touch -d ${shellQuote(f.mtime)} ${shellQuote(f.name)}`);
  }
  for (const n of FOREIGN) lines.push(`echo foreign > ${shellQuote(n)}`);
  lines.push('rm -f /tmp/gb-catalog-member');
  onNode(node, ['bash', '-s'], { input: lines.join('\n') + '\n' });
}

function namesOn(node: string, dir: string): string[] {
  return onNode(node, ['ls', '-1A', dir]).stdout.split('\n').filter(Boolean).sort();
}

/** What a directory holds when exactly the archives `labels` remain, with all their files. */
function expected(fx: Fixture[], labels: string[]): string[] {
  return [...fx.filter((f) => labels.includes(f.label)).flatMap((f) => [f.name, ...Object.keys(f.sidecars)]), ...FOREIGN].sort();
}

function prune(dir: string, ...args: string[]) {
  const r = cli(['prune', '--node', 'node1', '-b', dir, ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r;
}

after(() => {
  for (const [n, d] of [['node1', D], ['node1', LIST_D], ['node2', LIST_D]]) onNode(n, ['rm', '-rf', d], { allowFail: true });
});

describe('prune on the test bed', () => {
  const cases: [string[], string[]][] = [
    [['--keep-last', '3'], ['A1', 'A2', 'A3']],
    // A3 is the second of 03-30: the newer one of that day (A2) is the daily.
    [['--keep-daily', '4'], ['A1', 'A2', 'A4', 'A5']],
    [['--keep-weekly', '3'], ['A1', 'A4', 'A5']],
    // 02-28 shares W09 with 03-01: the week's newest (A6) is kept, then W07 (A8).
    [['--keep-weekly', '5'], ['A1', 'A4', 'A5', 'A6', 'A8']],
    [['--keep-monthly', '2'], ['A1', 'A7']],
    // Counts left at the oldest archive (January again): kept as the oldest monthly.
    [['--keep-monthly', '6'], ['A1', 'A7', 'A9', 'A10']],
    [['--keep-last', '1', '--keep-daily', '2', '--keep-weekly', '2', '--keep-monthly', '3'], ['A1', 'A2', 'A4', 'A7', 'A9']],
  ];
  for (const [args, labels] of cases) {
    test(`prune ${args.join(' ')} leaves exactly ${labels.join(', ')}, each with all its files, and nothing of the others`, () => {
      const fx = fixtures(D);
      build('node1', D, fx);
      prune(D, ...args);
      assert.deepEqual(namesOn('node1', D), expected(fx, labels));
    });
  }

  test('--dry-run removes nothing and says why each archive stays (--json)', () => {
    const fx = fixtures(D);
    build('node1', D, fx);
    const before = namesOn('node1', D);
    const r = prune(D, '--dry-run', '--json', '--keep-last', '1', '--keep-daily', '2', '--keep-weekly', '2', '--keep-monthly', '3');
    assert.deepEqual(namesOn('node1', D), before);
    const out = JSON.parse(r.stdout) as { dryRun: boolean; nodes: { node: string; keep: { path: string; why: string[] }[]; remove: { path: string; files: string[] }[]; removed: string[]; foreign: string[] }[] };
    assert.equal(out.dryRun, true);
    const n = out.nodes[0];
    const label = (p: string) => fx.find((f) => `${D}/${f.name}` === p)!.label;
    assert.deepEqual(
      n.keep.map((k) => `${label(k.path)} ${k.why.join('+')}`),
      ['A1 last+daily+weekly+monthly', 'A2 daily', 'A4 weekly', 'A7 monthly', 'A9 monthly'],
    );
    assert.deepEqual(n.remove.map((x) => label(x.path)), ['A3', 'A5', 'A6', 'A8', 'A10']);
    const a6 = fx.find((f) => f.label === 'A6')!;
    assert.deepEqual(n.remove.find((x) => label(x.path) === 'A6')!.files.sort(), [a6.name, ...Object.keys(a6.sidecars)].map((x) => `${D}/${x}`).sort());
    assert.deepEqual(n.removed, []);
    assert.deepEqual(n.foreign, [...FOREIGN].sort());
  });

  test('a rule that keeps only the newest still leaves the newest clean archive and one a restore is running on', () => {
    const fx = fixtures(D, { clean: true, running: true });
    build('node1', D, fx);
    const r = prune(D, '--keep-last', '1');
    // A9 validated complete and is newer than A10 (also complete); A6's validation is incomplete.
    assert.match(r.stdout, new RegExp(`keep {4}${fx[8].name} {2}made 2026-01-31 23:30:00 UTC {2}\\(newest archive that validated clean\\)`));
    assert.match(r.stdout, /\(in use by a running job \(datarobot-gluster-backup-2026-14-02\.tar\.restore-20260401T090000Z\)\)/);
    assert.deepEqual(namesOn('node1', D), expected(fx, ['A1', 'A8', 'A9']));
  });

  test('no rule, or every rule at 0, is refused and removes nothing; a count that is not a number is a usage error', () => {
    const fx = fixtures(D);
    build('node1', D, fx);
    const before = namesOn('node1', D);
    for (const args of [[], ['--keep-daily', '0', '--keep-last', '0']]) {
      const r = cli(['prune', '--node', 'node1', '-b', D, ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /prune: no keep rule above 0: that would remove every archive, so nothing is removed/);
    }
    const bad = cli(['prune', '--node', 'node1', '-b', D, '--keep-daily', 'seven']);
    assert.equal(bad.code, 64, 'a usage error');
    assert.match(bad.stderr, /--keep-daily seven: give a whole number from 0 up/);
    assert.deepEqual(namesOn('node1', D), before);
  });
});

describe('list on the test bed', () => {
  test('list --json: three nodes, archives on two, every field from its records; the third has none', () => {
    const fx = fixtures(LIST_D, { clean: true, running: true });
    // The checksum states: A3 sidecar without a validation (not checked), A10 validated without a
    // checksum field (not checked), A9 validated ok beside a sidecar, A1 nothing (absent).
    const a9 = fx[8];
    a9.sidecars[`${a9.name}.sha256`] = `${'0'.repeat(64)}  ${a9.name}\n`;
    a9.sidecars[`${a9.name}.validation.json`] = validation(LIST_D, a9.name, 'complete', 0, 'ok');
    // A4: validated complete, but its checksum did not match: mismatch, and not clean.
    const a4 = fx[3];
    a4.sidecars[`${a4.name}.sha256`] = `${'0'.repeat(64)}  ${a4.name}\n`;
    a4.sidecars[`${a4.name}.validation.json`] = validation(LIST_D, a4.name, 'complete', 0, 'mismatch');
    build('node1', LIST_D, fx);
    const gz = `${P}2026-02-04.tar.gz`;
    const [rid, rjob] = restoreJob(LIST_D, gz, '20260403T120000Z', 'completed', 2);
    onNode('node2', ['bash', '-s'], {
      input: [
        'set -e',
        `rm -rf ${LIST_D}`,
        `mkdir -p ${LIST_D}`,
        `cd ${LIST_D}`,
        `tar -czf ${gz} -C /etc hostname`,
        `printf '%s' ${shellQuote(backupJob(LIST_D, gz, { state: 'completed', endedAt: '2026-04-02T03:00:00.000Z', exitCode: 0 }))} > ${stem(gz)}.job.json`,
        `printf '%s' ${shellQuote(rjob)} > ${rid}`,
        `printf '%s' ${shellQuote(validation(LIST_D, gz, 'complete', 0, 'mismatch'))} > ${gz}.validation.json`,
        `printf 'not ours' > other.tar`,
      ].join('\n'),
    });
    onNode('node3', ['rm', '-rf', LIST_D]);
    const r = cli(['list', '--json', '-b', LIST_D]);
    assert.equal(r.code, 0, r.stderr);
    type A = { name: string; bytes: number; made: string; madeFrom: string; compressed: boolean; job?: { state: string; exitCode?: number; warnings: number }; validation?: { verdict: string; missingFiles: number; at: string }; validationError?: string; clean: boolean; checksum: string; restores: { id: string; state?: string; verification: string; differences?: number }[]; running: string[] };
    const out = JSON.parse(r.stdout) as { nodes: { node: string; error?: string; noDir?: boolean; archives: A[]; foreign: string[] }[] };
    assert.deepEqual(out.nodes.map((n) => n.node), rawConfig().nodes.map((n) => n.name));
    const [n1, n2, n3] = out.nodes;

    const by = new Map(n1.archives.map((a) => [a.name, a]));
    assert.deepEqual([...by.keys()].sort(), fx.map((f) => f.name).sort());
    for (const f of fx) {
      const a = by.get(f.name)!;
      assert.equal(a.bytes, 10240, f.label);
      assert.equal(a.made, new Date(f.made).toISOString(), f.label);
      assert.equal(a.compressed, false);
    }
    const a3 = by.get(fx[2].name)!;
    assert.deepEqual([a3.madeFrom, a3.job?.state, a3.job?.exitCode, a3.job?.warnings, a3.checksum, a3.validation], ['job', 'completed', 0, 0, 'not-checked', undefined]);
    const a6 = by.get(fx[5].name)!;
    assert.deepEqual([a6.madeFrom, a6.job?.state, a6.job?.exitCode, a6.job?.warnings], ['job', 'completedWithWarnings', 1, 2]);
    assert.deepEqual([a6.validation?.verdict, a6.validation?.missingFiles, a6.clean, a6.checksum], ['incomplete', 3, false, 'absent']);
    assert.deepEqual(a6.restores, [{ id: `${fx[5].name}.restore-20260302T100000Z`, state: 'completed', startedAt: '2026-03-02T10:00:00.000Z', verification: 'verified', differences: 0 }]);
    const a8 = by.get(fx[7].name)!;
    assert.deepEqual([a8.restores[0].state, a8.restores[0].verification, a8.running], ['running', 'not-verified', [`${fx[7].name}.restore-20260401T090000Z`]]);
    const a9r = by.get(a9.name)!;
    assert.deepEqual([a9r.madeFrom, a9r.validation?.verdict, a9r.validation?.at, a9r.clean, a9r.checksum], ['mtime', 'complete', '2026-04-01T08:00:00.000Z', true, 'ok']);
    assert.equal(by.get(fx[9].name)!.checksum, 'not-checked');
    assert.deepEqual([by.get(a4.name)!.checksum, by.get(a4.name)!.clean], ['mismatch', false]);
    assert.equal(by.get(fx[0].name)!.checksum, 'absent');
    assert.deepEqual(n1.foreign, [...FOREIGN].sort());

    assert.equal(n2.archives.length, 1);
    const g = n2.archives[0];
    assert.deepEqual([g.name, g.compressed, g.made, g.madeFrom], [gz, true, '2026-04-02T03:00:00.000Z', 'job']);
    // Its report is of 10240 bytes, not of this archive's bytes now: unusable, said why, never clean.
    assert.match(g.validationError ?? '', new RegExp(`${gz.replace(/\./g, '\\.')}\\.validation\\.json is not a validation report this version can use: it validated 10240 bytes; the archive now has ${g.bytes}$`));
    assert.equal(g.clean, false);
    assert.deepEqual(g.restores.map((x) => [x.state, x.verification, x.differences]), [['completed', 'differences', 2]]);
    assert.deepEqual(n2.foreign, ['other.tar']);

    assert.deepEqual([n3.noDir, n3.archives, n3.error], [true, [], undefined]);
    // The last good backup of each node, as the explorer's node line: node1's one clean archive
    // (no job record, validated complete), made in April: past the 26 hours. None on the others.
    const lastGood = (n: object) => (n as { lastGood?: unknown }).lastGood;
    assert.deepEqual(lastGood(n1), { path: `${LIST_D}/${a9.name}`, made: a9r.made, olderThanLimit: true });
    assert.deepEqual([lastGood(n2), lastGood(n3)], [null, null]);
    const listed = cli(['list', '-b', LIST_D]).stdout;
    assert.match(listed, new RegExp(`^node1: ${LIST_D.replace(/[.]/g, '[.]')}\\n {2}last good backup: ${a9.name.replace(/[.]/g, '[.]')}, made \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, \\d+ days ago: WARNING, older than 26 hours \\(maxBackupAgeHours\\)\\n`));
    assert.match(listed, /\nnode2: \S+\n {2}no validated backup: no archive here completed and validated clean \(validate-backup checks one\)\n/);

    // The same in words.
    const text = cli(['list', '-b', LIST_D, '--node', 'node2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^ {2}${gz.replace(/\./g, '\\.')} {2}\\d+ B {2}gzip {2}made 2026-04-02 03:00:00 UTC$`, 'm'));
    assert.match(text.stdout, /^ {4}job: completed, tar exit 0, 0 warnings$/m);
    assert.match(text.stdout, /^ {4}restore 20260403T120000Z: completed, 2 differences$/m);
  });

  test('a directory of more entries than any backups directory: the node says so, read over SFTP batch by batch up to the bound (exit 1)', () => {
    // In the node's memory: 200,001 empty files are made and removed in a second there.
    const many = `/dev/shm/gb-many-${process.pid}`;
    onNode('node1', ['sh', '-c', 'rm -rf "$1" && mkdir -p "$1" && cd "$1" && seq 1 200001 | xargs touch', 'many', many]);
    try {
      const r = cli(['list', '--node', 'node1', '-b', many]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(
        r.stdout,
        `node1: could not be read: ${many} holds more than 200000 entries: not a directory this tool lists (a backups directory holds a dozen files per archive); choose another with -b or the backupDir setting\n`,
      );
      // One entry fewer: read whole (the bound is not one short).
      onNode('node1', ['rm', `${many}/1`]);
      const whole = cli(['list', '--node', 'node1', '-b', many]);
      assert.equal(whole.code, 0, whole.stdout + whole.stderr);
      assert.match(whole.stdout, new RegExp(`^node1: ${many}\\n {2}no archives\\n {2}left alone \\(no archive of ours, nor a file of one\\): `));
    } finally {
      onNode('node1', ['rm', '-rf', many]);
    }
  });

  test('an unreachable node is reported and the others still listed (exit 1)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-list-'));
    const raw = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
    raw.nodes = [raw.nodes[0], { ...raw.nodes[1], name: 'ghost', port: 1 }];
    raw.timeouts = { connectMs: 3000, dockerMs: 5000, glusterMs: 15000, keepaliveMs: 1000 };
    fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(raw));
    try {
      build('node1', LIST_D, fixtures(LIST_D).slice(0, 2));
      const r = spawnSync(process.execPath, [CLI, '--config', path.join(tmp, 'c.json'), 'list', '-b', LIST_D], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /^ghost: could not be read: .+$/m);
      // The node's last good backup first (none validated in this directory), then its archives newest first.
      assert.match(r.stdout, new RegExp(`^node1: ${LIST_D}\\n {2}no validated backup: [^\\n]+\\n {2}${P}2026-31-03\\.tar`, 'm'));
      // publish-kept looking for the node that has a kept partial says which node it could not read;
      // named, that node's error is the command's.
      const wanted = `${P}2026-31-03.tar.partial`;
      const look = spawnSync(process.execPath, [CLI, '--config', path.join(tmp, 'c.json'), 'publish-kept', '-b', LIST_D, '-f', wanted], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(look.status, 2, look.stderr);
      assert.match(look.stderr, new RegExp(`^gluster-backup: publish-kept: no node has a kept partial ${re(wanted)} in ${re(LIST_D)}\\. There is no kept partial there\\. Not read: ghost \\(.+\\)\\.\\n$`));
      const named = spawnSync(process.execPath, [CLI, '--config', path.join(tmp, 'c.json'), 'publish-kept', '--node', 'ghost', '-b', LIST_D, '-f', wanted], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(named.status, 2, named.stderr);
      assert.match(named.stderr, /^gluster-backup: publish-kept: ghost: cannot reach .+:1: connection refused .*\n$/);
      assert.equal(named.stdout, '');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('a finished archive its backup job kept as the partial, on the test bed', () => {
  // Inside the backups directory the gluster container mounts: the backup's tar writes there.
  const KD = `/opt/datarobot/data/backups/gluster/prune-kept-${process.pid}`;
  const NEWER = `${P}2020-01-01.tar`;
  const unshim = () => inGluster('node1', ['rm', '-f', '/usr/local/sbin/ln']);
  after(() => {
    unshim();
    onNode('node1', ['rm', '-rf', KD], { allowFail: true });
  });

  test('its name taken by another archive: list shows it as a row of its own, the explorer\'s model carries it, prune removes the other archive alone and says it leaves the kept one, whose bytes, record and log survive', async () => {
    assert.equal(inGluster('node1', ['sh', '-c', 'ls /usr/local/sbin/ln 2>/dev/null || true']).stdout, '', 'no ln of the image is in /usr/local/sbin');
    const realLn = inGluster('node1', ['sh', '-c', 'command -v ln']).stdout.trim();
    assert.match(realLn, /^\/\S+\/ln$/);
    // First in the image's PATH, as the kept-archive case of backup.test.ts does: the job's
    // publishing link into KD finds its final name taken by another archive, made just then as
    // another writer would; every other ln (preflight's probe) is the image's own.
    const shim = [
      '#!/bin/sh',
      'if [ "$1" = "--" ] && [ "$#" -eq 3 ]; then',
      `  case "$3" in ${KD}/${P}*.tar) tar -cf "$3" -C /etc hostname ;; esac`,
      'fi',
      `exec ${realLn} "$@"`,
      '',
    ].join('\n');
    onNode('node1', ['sh', '-c', 'rm -rf "$1" && mkdir -p "$1"', 'mk', KD]);
    inGluster('node1', ['sh', '-c', 'cat > /usr/local/sbin/ln.gb-shim && chmod 755 /usr/local/sbin/ln.gb-shim && mv -f /usr/local/sbin/ln.gb-shim /usr/local/sbin/ln'], { input: shim });
    let job: JobRecord;
    try {
      const r = cli(['--json', 'backup', '--node', 'node1', '-b', KD]);
      assert.equal(r.code, 2, r.stderr);
      job = JSON.parse(r.stdout) as JobRecord;
    } finally {
      unshim();
    }
    const x = path.basename(job.archive);
    const partial = path.basename(job.partial!);
    const id = job.id;
    assert.deepEqual([job.state, job.kept], ['failed', true]);
    assert.match(job.reason ?? '', new RegExp(`^tar exit [01], but ${job.archive.replace(/[.]/g, '[.]')} already exists and is never overwritten \\((\\S*/)?ln: .*File exists\\): the complete archive is kept as ${job.partial!.replace(/[.]/g, '[.]')}; `));
    const onDisk = JSON.parse(onNode('node1', ['cat', `${KD}/${id}.job.json`]).stdout) as JobRecord;
    assert.deepEqual([onDisk.version, onDisk.state, onDisk.kept], [2, 'failed', true]);
    assert.deepEqual(namesOn('node1', KD), [`${id}.job.json`, `${id}.log`, x, partial].sort());
    // Dates pinned: the other archive older than one more archive, which keep-last 1 keeps.
    onNode('node1', ['bash', '-s'], {
      input: ['set -e', `cd ${shellQuote(KD)}`, 'echo data > /tmp/gb-kept-member', `tar -cf ${NEWER} -C /tmp gb-kept-member`, 'rm -f /tmp/gb-kept-member', `touch -d 2026-03-01T10:00:00Z ${shellQuote(x)}`, `touch -d 2026-03-02T10:00:00Z ${NEWER}`].join('\n') + '\n',
    });
    const sha = () => onNode('node1', ['sha256sum', `${KD}/${partial}`]).stdout.split(' ')[0];
    const bytes = sha();
    assert.equal(inGluster('node1', ['tar', '-tf', `${KD}/${partial}`], { allowFail: true }).status, 0, 'the partial is a whole archive');

    const taken = `kept partial of job ${id}: the finished archive, never published (${x} is another archive); to keep it, move that archive away or prune it and publish this one (gluster-backup publish-kept --node node1 -f ${partial}, or Publish Kept Archive in the explorer), or rename it by hand to a name no file in the backups directory has (the next -N of its day); it has no checksum file. prune never removes it`;
    const list = cli(['list', '-b', KD, '--node', 'node1']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^ {2}${partial.replace(/[.]/g, '[.]')} {2}.+ {2}KEPT PARTIAL {2}kept \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC$`, 'm'));
    assert.ok(list.stdout.includes(`\n    ${taken}\n`), list.stdout);
    assert.match(list.stdout, new RegExp(`^ {2}${x.replace(/[.]/g, '[.]')} {2}.+ {2}tar {2}made 2026-03-01 10:00:00 UTC \\(file mtime: no job record\\)$`, 'm'));
    assert.ok(!list.stdout.includes('left alone'), list.stdout);
    // The explorer's model of the node, from its one listing: the kept partial as the catalog
    // reads it (its row is built from that), never among the archives.
    const explorer = new Cluster(testbedSettings({ backupDir: KD }));
    try {
      const s = await explorer.refreshNode('node1');
      assert.equal(s.catalogError, undefined);
      assert.deepEqual(s.keptPartials?.map((k) => [k.name, k.job.id, k.archive, k.nameTaken, keptPartialText(k)]), [[partial, id, x, true, taken]]);
      assert.deepEqual(s.catalog?.map((a) => a.name).sort(), [NEWER, x].sort());
      assert.equal(s.backups.find((b) => b.name === partial)?.partial, true);
    } finally {
      explorer.dispose();
    }

    // Published over the other archive: refused, nothing changed.
    const refused = cli(['publish-kept', '-b', KD, '-f', partial]);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.equal(
      refused.stderr,
      `gluster-backup: publish-kept: ${KD}/${x} exists on node1 (another archive): ${partial} is never published over it. Move that archive away or prune it, then publish again; or copy ${partial} to a name no file in the backups directory has (the next -N of its day) by hand, its job's record then staying with the other archive's name\n`,
    );
    assert.deepEqual(namesOn('node1', KD), [`${id}.job.json`, `${id}.log`, NEWER, x, partial].sort());
    assert.equal(sha(), bytes);

    const dry = prune(KD, '--dry-run', '--json', '--keep-last', '1');
    const plan = (JSON.parse(dry.stdout) as { nodes: { keep: { path: string }[]; remove: { path: string; files: string[] }[]; keptPartials: unknown[] }[] }).nodes[0];
    assert.deepEqual(plan.remove, [{ path: `${KD}/${x}`, made: '2026-03-01T10:00:00.000Z', files: [`${KD}/${x}`] }]);
    assert.deepEqual(plan.keep.map((k) => k.path), [`${KD}/${NEWER}`]);
    assert.deepEqual(plan.keptPartials, [{ path: `${KD}/${partial}`, job: id, archive: `${KD}/${x}`, nameTaken: true, files: [partial, `${id}.job.json`, `${id}.log`].map((f) => `${KD}/${f}`), why: taken }]);

    const done = prune(KD, '--json', '--keep-last', '1');
    const removed = (JSON.parse(done.stdout) as { nodes: { removed: string[]; failed: unknown[] }[] }).nodes[0];
    assert.deepEqual([removed.removed, removed.failed], [[`${KD}/${x}`], []]);
    assert.deepEqual(namesOn('node1', KD), [`${id}.job.json`, `${id}.log`, NEWER, partial].sort());
    assert.equal(sha(), bytes, 'the kept archive, byte for byte');

    // The other archive gone, the kept one is still shown for what it is, and still left.
    const after = cli(['list', '-b', KD, '--node', 'node1']);
    assert.ok(
      after.stdout.includes(
        `\n    kept partial of job ${id}: the finished archive, never published as ${x}; publish it to keep it (gluster-backup publish-kept --node node1 -f ${partial}, or Publish Kept Archive in the explorer); it has no checksum file. prune never removes it\n`,
      ),
      after.stdout,
    );
    prune(KD, '--keep-last', '1');
    assert.deepEqual(namesOn('node1', KD), [`${id}.job.json`, `${id}.log`, NEWER, partial].sort());
    assert.equal(sha(), bytes);

    // Its name free now: published under it (by the archive's name, the node found), the bytes
    // the same file's, the job's record completed by tar's exit and the catalog crediting it.
    const exit = Number(/^tar exit ([01]), /.exec(job.reason ?? '')?.[1]);
    const published = cli(['publish-kept', '-b', KD, '-f', x]);
    assert.equal(published.code, 0, published.stdout + published.stderr);
    assert.match(published.stdout, new RegExp(`^${re(`${KD}/${partial}`)} on node1 is published as ${re(`${KD}/${x}`)}: its job ${re(id)} is ${exit ? 'completedWithWarnings' : 'completed'}, tar exit ${exit}\\.\nIt has no checksum file: validate it before relying on it: .*validate-backup --node node1 -f ${re(x)}\n$`));
    assert.deepEqual(namesOn('node1', KD), [`${id}.job.json`, `${id}.log`, NEWER, x].sort());
    assert.equal(onNode('node1', ['sha256sum', `${KD}/${x}`]).stdout.split(' ')[0], bytes, 'the kept archive, byte for byte, under its name');
    const rec = JSON.parse(onNode('node1', ['cat', `${KD}/${id}.job.json`]).stdout) as JobRecord;
    assert.deepEqual([rec.version, rec.state, rec.exitCode, rec.kept], [1, exit ? 'completedWithWarnings' : 'completed', exit, undefined]);
    assert.match(rec.reason ?? '', new RegExp(`^published as ${re(`${KD}/${x}`)} on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by \\S+@\\S+ \\(CLI\\), from the finished archive the job had kept as its partial \\(tar exit ${exit}, but ${re(`${KD}/${x}`)} already exists and is never overwritten `));
    const listed = JSON.parse(cli(['--json', 'list', '-b', KD, '--node', 'node1']).stdout) as { nodes: { archives: { name: string; madeFrom: string; job?: { id: string; state: string } }[]; keptPartials: unknown[] }[] };
    const a = listed.nodes[0].archives.find((r) => r.name === x);
    assert.deepEqual([a?.madeFrom, a?.job?.id, a?.job?.state, listed.nodes[0].keptPartials], ['job', id, rec.state, []]);
    // Asked again: no kept partial of that name anywhere.
    const again = cli(['publish-kept', '-b', KD, '-f', partial]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, `gluster-backup: publish-kept: no node has a kept partial ${partial} in ${KD}. There is no kept partial there.\n`);
  });

  // A kept partial as its job leaves it (record v2 with `kept`, its log) in the 4 MiB tmpfs the
  // container sees (testbed small-dir, made by the caller), the directory then filled: a new
  // link or rename needs no space there, a rewritten record does. Its sha256 on the node.
  const SMALL = '/opt/datarobot/data/backups/gluster/small';
  function keptInFullSmallDir(day: string, reason: (archive: string, partial: string) => string, warnings: Record<string, number> = {}) {
    const id = `${P}${day}`;
    const x = `${id}.tar`;
    const partial = `${x}.partial`;
    const record = {
      version: 2,
      kind: 'backup',
      id,
      state: 'failed',
      archive: `${SMALL}/${x}`,
      partial: `${SMALL}/${partial}`,
      log: `${SMALL}/${id}.log`,
      compression: 'none',
      source: '/mnt/gluster',
      container: 'gluster',
      startedAt: `${day}T06:00:00.000Z`,
      endedAt: `${day}T06:10:00.000Z`,
      exitCode: 3,
      warnings,
      overrides: [],
      reason: reason(`${SMALL}/${x}`, `${SMALL}/${partial}`),
      kept: true,
    };
    onNode('node1', ['bash', '-s'], {
      input:
        [
          'set -e',
          `cd ${SMALL}`,
          'echo data > /tmp/gb-kept-member',
          `tar -cf ${partial} -C /tmp gb-kept-member`,
          'rm -f /tmp/gb-kept-member',
          `printf 'gluster-backup: %s\\n' ${shellQuote(record.reason)} > ${id}.log`,
          `printf '%s' ${shellQuote(JSON.stringify(record))} > ${id}.job.json`,
          'dd if=/dev/zero of=filler bs=64k status=none 2>/dev/null || true',
          'dd if=/dev/zero of=filler2 bs=4k status=none 2>/dev/null || true',
        ].join('\n') + '\n',
    });
    return { id, x, partial, record, bytes: onNode('node1', ['sha256sum', `${SMALL}/${partial}`]).stdout.split(' ')[0] };
  }

  test('publish-kept into a full backups directory: linked, but the record cannot be rewritten, said so and nothing lost; space freed, run again, it finishes from its link', () => {
    const small = SMALL;
    testbed('small-dir', 'node1', '4');
    try {
      const { id, x, partial, record, bytes } = keptInFullSmallDir('2026-12-04', (archive, partial) => `tar exit 0, but the archive could not be flushed to disk, so it was not published as ${archive} (sync: I/O error; check the disk before using it): the complete archive is kept as ${partial}`);
      const full = cli(['publish-kept', '--node', 'node1', '-b', small, '-f', partial]);
      assert.equal(full.code, 2, full.stdout + full.stderr);
      assert.match(
        full.stderr,
        new RegExp(
          `^gluster-backup: publish-kept: ${re(`${small}/${partial}`)} is linked as ${re(`${small}/${x}`)}, but its job's record ${re(`${small}/${id}.job.json`)} could not be rewritten \\(.+\\); the backups directory is full: free space in ${re(small)}, then run publish-kept again: it finishes from the link \\(the record still says kept\\)\\n$`,
        ),
      );
      // Nothing lost: the partial and its link are one file, the record as the job left it.
      assert.equal(onNode('node1', ['sh', '-c', '[ "$1" -ef "$2" ] && echo same', 'ef', `${small}/${partial}`, `${small}/${x}`]).stdout, 'same\n');
      assert.deepEqual(JSON.parse(onNode('node1', ['cat', `${small}/${id}.job.json`]).stdout), record);
      onNode('node1', ['rm', '-f', `${small}/filler`, `${small}/filler2`]);
      const again = cli(['publish-kept', '--node', 'node1', '-b', small, '-f', partial]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, new RegExp(`^${re(`${small}/${partial}`)} on node1 is published as ${re(`${small}/${x}`)} \\(an earlier run had linked it; this one finished\\): its job ${re(id)} is completed, tar exit 0\\.\\n`));
      assert.deepEqual(namesOn('node1', small), [`${id}.job.json`, `${id}.log`, x].sort());
      assert.equal(onNode('node1', ['sha256sum', `${small}/${x}`]).stdout.split(' ')[0], bytes);
      const rec = JSON.parse(onNode('node1', ['cat', `${small}/${id}.job.json`]).stdout) as JobRecord;
      assert.deepEqual([rec.version, rec.state, rec.exitCode, rec.kept], [1, 'completed', 0, undefined]);
    } finally {
      testbed('remove-small-dir', 'node1');
    }
  });

  test('publish-kept where the backups directory holds no hard links (the container\'s ln refuses them): renamed with mv -n; into a full one the record cannot be rewritten, so it is renamed back and nothing is lost; space freed, published, the record saying how', () => {
    // As the full-directory case above, with an ln that makes no hard link (exFAT, vfat): the
    // kept partial of a job that could publish it neither way, its name free now.
    const small = SMALL;
    testbed('small-dir', 'node1', '4');
    const realLn = inGluster('node1', ['sh', '-c', 'command -v ln']).stdout.trim();
    assert.match(realLn, /^\/\S+\/ln$/);
    const unshim = shimInGluster('node1', 'ln', `#!/bin/sh\nif [ "$1" = "--" ]; then echo "ln: failed to create hard link '$3' => '$2': Operation not permitted" >&2; exit 1; fi\nexec ${realLn} "$@"\n`);
    try {
      const { id, x, partial, record, bytes } = keptInFullSmallDir(
        '2026-12-05',
        (archive, partial) => `tar exit 1, but the archive could not be published as ${archive} (ln: failed to create hard link: Operation not permitted; mv -n left it in place): the complete archive is kept as ${partial}`,
        { changed: 1 },
      );
      const full = cli(['publish-kept', '--node', 'node1', '-b', small, '-f', partial]);
      assert.equal(full.code, 2, full.stdout + full.stderr);
      assert.match(
        full.stderr,
        new RegExp(
          `^gluster-backup: publish-kept: ${re(`${small}/${partial}`)} was renamed ${re(`${small}/${x}`)}, but its job's record ${re(`${small}/${id}.job.json`)} could not be rewritten \\(.+\\): it was renamed back to ${re(`${small}/${partial}`)}, nothing else was changed \\(the record still says kept\\); the backups directory is full: free space in ${re(small)}, then publish again\\n$`,
        ),
      );
      // Nothing lost: the kept partial under its own name alone, the record as the job left it.
      assert.deepEqual(namesOn('node1', small), [`${id}.job.json`, `${id}.log`, 'filler', 'filler2', partial].sort());
      assert.equal(onNode('node1', ['sha256sum', `${small}/${partial}`]).stdout.split(' ')[0], bytes);
      assert.deepEqual(JSON.parse(onNode('node1', ['cat', `${small}/${id}.job.json`]).stdout), record);
      onNode('node1', ['rm', '-f', `${small}/filler`, `${small}/filler2`]);
      const done = cli(['publish-kept', '--node', 'node1', '-b', small, '-f', x]);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.match(done.stdout, new RegExp(`^${re(`${small}/${partial}`)} on node1 is published as ${re(`${small}/${x}`)} \\(renamed: the backups directory holds no hard links\\): its job ${re(id)} is completedWithWarnings, tar exit 1\\.\\n`));
      assert.deepEqual(namesOn('node1', small), [`${id}.job.json`, `${id}.log`, x].sort());
      assert.equal(onNode('node1', ['sha256sum', `${small}/${x}`]).stdout.split(' ')[0], bytes);
      const rec = JSON.parse(onNode('node1', ['cat', `${small}/${id}.job.json`]).stdout) as JobRecord;
      assert.deepEqual([rec.version, rec.state, rec.exitCode, rec.kept], [1, 'completedWithWarnings', 1, undefined]);
      assert.match(rec.reason ?? '', new RegExp(`^published as ${re(`${small}/${x}`)} \\(renamed with mv -n: the backups directory holds no hard links\\) on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by \\S+@\\S+ \\(CLI\\), from the finished archive the job had kept as its partial \\(tar exit 1, but `));
      const listed = JSON.parse(cli(['--json', 'list', '-b', small, '--node', 'node1']).stdout) as { nodes: { archives: { name: string; job?: { id: string; state: string } }[]; keptPartials: unknown[] }[] };
      assert.deepEqual([listed.nodes[0].archives.map((a) => [a.name, a.job?.id, a.job?.state]), listed.nodes[0].keptPartials], [[[x, id, 'completedWithWarnings']], []]);
    } finally {
      unshim();
      testbed('remove-small-dir', 'node1');
    }
  });
});

describe("a killed --read-data run's member list, on the test bed", () => {
  const ND = `/opt/datarobot/data/backups/read-data-names-${process.pid}`;
  after(() => onNode('node1', ['rm', '-rf', ND], { allowFail: true }));

  test('list shows it under its archive, not left alone; prune --dry-run says it goes with the archive; prune removes it with the archive and leaves the kept one\'s', () => {
    const older = dated('B1', `${P}2026-10-03.tar`, '2026-03-10T02:00:00Z', { [`${P}2026-10-03.tar.read-data-0a1b2c3d.names`]: 'gb-catalog-member\n' });
    const newer = dated('B2', `${P}2026-11-03.tar`, '2026-03-11T02:00:00Z', { [`${P}2026-11-03.tar.read-data-deadbeef.names`]: 'gb-catalog-member\n' });
    build('node1', ND, [newer, older]);
    // Names like one but not of the form: foreign, left alone by list and prune.
    const near = [`${P}2026-11-03.tar.read-data-DEADBEEF.names`, `${P}2026-11-03.tar.read-data-deadbee.names`, `${P}2026-11-03.tar.read-data-deadbeef0.names`];
    onNode('node1', ['bash', '-s'], {
      input: ['set -e', `cd ${shellQuote(ND)}`, ...near.map((n) => `echo x > ${shellQuote(n)}`), `touch -d 2026-03-11T03:00:00Z ${P}2026-11-03.tar.read-data-deadbeef.names`].join('\n') + '\n',
    });
    const newerNames = `${newer.name}.read-data-deadbeef.names`;
    const olderNames = `${older.name}.read-data-0a1b2c3d.names`;

    const list = cli(['list', '-b', ND, '--node', 'node1']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(`\n    ${newerNames}, written 2026-03-11 03:00:00 UTC: the member list of a --read-data run of it, left by a run stopped before its comparison began (or by an earlier version's run), or about to be read by one starting now`), list.stdout);
    assert.match(list.stdout, new RegExp(`^ {4}${olderNames.replace(/[.]/g, '[.]')}, written `, 'm'));
    const leftAlone = list.stdout.split('\n').find((l) => l.includes('left alone')) ?? '';
    for (const n of [newerNames, olderNames]) assert.ok(!leftAlone.includes(n), leftAlone);
    for (const n of near) assert.ok(leftAlone.includes(n), leftAlone);

    const dry = prune(ND, '--dry-run', '--keep-last', '1');
    assert.ok(dry.stdout.includes(`  would remove  ${older.name}  made 2026-03-10 02:00:00 UTC  with 1 sidecar file, 1 of them a --read-data run's member list\n`), dry.stdout);
    assert.ok(dry.stdout.includes(`  keep          ${newer.name}  made 2026-03-11 02:00:00 UTC  (last)\n    leaves ${newerNames}, written 2026-03-11 03:00:00 UTC: `), dry.stdout);
    const all = [newer.name, newerNames, older.name, olderNames, ...FOREIGN, ...near].sort();
    assert.deepEqual(namesOn('node1', ND), all);

    prune(ND, '--keep-last', '1');
    assert.deepEqual(namesOn('node1', ND), [newer.name, newerNames, ...FOREIGN, ...near].sort());
    // Pruned again, the archive stays and so does its member list.
    prune(ND, '--keep-last', '1');
    assert.deepEqual(namesOn('node1', ND), [newer.name, newerNames, ...FOREIGN, ...near].sort());
  });
});
