// A backup whose shell died after its script published the archive and before it wrote its
// final status (its container stopped or restarted, or a signal), with or without a cancel
// request that came after the publish: the script's line in the log says it published this
// archive, and the observer then records the job as tar ended, never removing anything.
// Without that line (a script from before it, a log that could not take it) the end is what it
// always was. The pure decision first (jobEnd.ts), then the real script run with this machine's
// sh and GNU tar, killed by a PATH shim right after the publish (mtimes pinned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endWithoutStatus, publishedExit, type ShellEnd, type ShellGone } from '../../src/core/backup/jobEnd';
import { jobPaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT, KEPT_EXIT, jobArgv, parseStatus } from '../../src/core/backup/jobScript';
import { catalogOfListing } from '../../src/core/catalog/catalog';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { formatCatalog } from '../../src/cli/catalog';
import { backupJob } from '../helpers/builders';
import { runBackupJob, scriptScratch, shim } from './helpers/scriptScratch';

const DIR = '/backups';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
const job = backupJob({ node: 'node1' }, { dir: DIR, archive: NAME });
const files = (o: Partial<NonNullable<ShellGone['files']>> = {}): NonNullable<ShellGone['files']> => ({ log: '', checksum: true, free: 1 << 30, ...o });
const publishedLine = (code: number, archive = `${DIR}/${NAME}`) => `gluster-backup: tar exit ${code}: published the archive as ${archive}\n`;
const ENDED_AT = '2026-04-12T03:00:00.000Z';
const TOO_LATE = '; the cancel request came after the job had made its last check for one and published the archive, so it took no effect';

const killed: [ShellGone['shell'], string][] = [
  [{ gone: 'containerStopped', containerState: 'exited' }, 'the gluster container is exited (stopped during the backup)'],
  [{ gone: 'containerRestarted' }, 'the gluster container was restarted during the backup'],
  [{ gone: 'vanished' }, 'the backup process is gone from the container'],
  [{ gone: 'exited', code: 137 }, "the backup shell ended with status 137 without reporting tar's exit"],
];

test('killed after the script said it published the archive: completed as tar ended, nothing removed, a cancel that came then said to have taken no effect', () => {
  for (const [shell, why] of killed) {
    for (const cancelAsked of [false, true]) {
      for (const [code, log, warnings] of [
        [0, publishedLine(0), {}],
        [1, `tar: ./a: file changed as we read it\n${publishedLine(1)}`, { changed: 1 }],
      ] as const) {
        for (const checksum of [true, false]) {
          const end = endWithoutStatus(job, { shell, cancelAsked, files: files({ archive: 10240, log, checksum }) });
          const expected: ShellEnd = {
            patch: {
              state: code === 0 ? 'completed' : 'completedWithWarnings',
              exitCode: code,
              warnings,
              archiveBytes: 10240,
              reason: `the archive is whole: the job published it after tar's exit ${code} (its log says so), then ended without writing its final status: ${why}${checksum ? '' : '; no checksum file was written beside it, so validation finds none'}${cancelAsked ? TOO_LATE : ''}`,
            },
            removePartial: false,
            clearMarks: true,
          };
          assert.deepEqual(end, expected, `${JSON.stringify(shell)} cancel ${cancelAsked} exit ${code} checksum ${checksum}`);
        }
      }
    }
  }
  // sync's line, said after the publish, stays part of the reason.
  const unsynced = `the archive is published as ${DIR}/${NAME}, but sync could not flush its name and its checksum file to disk (sync: error syncing '${DIR}/': Input/output error): the host going down before its own flush could lose them; validate the archive before relying on it`;
  const end = endWithoutStatus(job, { shell: killed[0][0], cancelAsked: false, files: files({ archive: 10240, log: `${publishedLine(0)}gluster-backup: ${unsynced}\n` }) });
  assert.equal(end.patch.reason, `the archive is whole: the job published it after tar's exit 0 (its log says so), then ended without writing its final status: ${killed[0][1]}; ${unsynced}`);
});

test("killed after the line and before the partial's name went: completed as tar ended, that second name removed and nothing else", () => {
  for (const [shell, why] of killed) {
    for (const cancelAsked of [false, true]) {
      const end = endWithoutStatus(job, { shell, cancelAsked, files: files({ archive: 10240, partial: 10240, log: publishedLine(0), checksum: false }) });
      assert.deepEqual(
        end,
        {
          patch: {
            state: 'completed',
            exitCode: 0,
            warnings: {},
            archiveBytes: 10240,
            reason: `the archive is whole: the job published it after tar's exit 0 (its log says so), then ended without writing its final status: ${why}; the partial archive's name, a second name of the archive's file, was removed; no checksum file was written beside it, so validation finds none${cancelAsked ? TOO_LATE : ''}`,
          },
          removePartial: true,
          clearMarks: true,
        },
        `${JSON.stringify(shell)} cancel ${cancelAsked}`,
      );
    }
  }
  // A shell that ended on its own with tar's code after the line (its removal of the partial
  // failed, then its status write): the same second name.
  assert.deepEqual(endWithoutStatus(job, { shell: { gone: 'exited', code: 1 }, cancelAsked: false, files: files({ archive: 10240, partial: 10240, log: publishedLine(1) }) }), {
    patch: {
      state: 'completedWithWarnings',
      exitCode: 1,
      warnings: {},
      archiveBytes: 10240,
      reason: "the archive is whole (the job's shell ended with tar's exit 1 after publishing it), but the job could not write its final status; the partial archive's name, a second name of the archive's file, was removed",
    },
    removePartial: true,
    clearMarks: true,
  });
  // Without the line, or with a partial of another size, such a shell's partial is not the archive's.
  for (const f of [files({ archive: 10240, partial: 10240 }), files({ archive: 10240, partial: 512, log: publishedLine(0) })]) {
    assert.deepEqual(endWithoutStatus(job, { shell: { gone: 'exited', code: 0 }, cancelAsked: false, files: f }).patch, { state: 'failed', reason: "the backup shell ended with status 0 without reporting tar's exit; the partial archive was removed" });
  }
});

test('killed without that word (a script from before it, or one killed before it): failed or cancelled as always, the partial removed', () => {
  for (const [shell, why] of killed) {
    const noWord: [string, NonNullable<ShellGone['files']>][] = [
      ['an older script: archive there, no line', files({ archive: 10240 })],
      ["another archive's line", files({ archive: 10240, log: publishedLine(0, `${DIR}/other.tar`) })],
      ['a line with an exit the script never publishes after', files({ archive: 10240, log: publishedLine(2) })],
      // The line comes once the partial is a second name of the archive's file: of the same size.
      ['the line, but a partial of another size there', files({ archive: 10240, partial: 512, log: publishedLine(0) })],
      ['the line, but no archive', files({ log: publishedLine(0) })],
    ];
    for (const [what, f] of noWord) {
      assert.deepEqual(endWithoutStatus(job, { shell, cancelAsked: false, files: f }), { patch: { state: 'failed', reason: `${why}; the partial archive was removed` }, removePartial: true, clearMarks: false }, what);
      assert.deepEqual(endWithoutStatus(job, { shell, cancelAsked: true, files: f }), { patch: { state: 'cancelled', reason: 'cancelled' }, removePartial: true, clearMarks: false }, what);
    }
  }
});

test("a shell that ended with the script's own exit is not believed by the line: that exit decides, as before", () => {
  for (const code of [2, 127, 128]) {
    const end = endWithoutStatus(job, { shell: { gone: 'exited', code }, cancelAsked: false, files: files({ archive: 10240, log: publishedLine(0) }) });
    assert.deepEqual(end.patch, { state: 'failed', reason: `the backup shell ended with status ${code} without reporting tar's exit; the partial archive was removed` });
  }
  // The cancel's exit: the archive there is another writer's, as scriptCancelEnd says.
  assert.equal(endWithoutStatus(job, { shell: { gone: 'exited', code: CANCELLED_EXIT }, cancelAsked: true, files: files({ archive: 10240, log: publishedLine(0) }) }).patch.state, 'cancelled');
  assert.equal(endWithoutStatus(job, { shell: { gone: 'exited', code: KEPT_EXIT }, cancelAsked: false, files: files({ archive: 10240, log: publishedLine(0) }) }).patch.state, 'failed');
  assert.equal(endWithoutStatus(job, { shell: { gone: 'neverStarted' }, cancelAsked: false, files: files({ archive: 10240, log: publishedLine(0) }) }).patch.state, 'failed');
});

test("a shell that ended with tar's 0 or 1 after publishing: as before, and a cancel there said to have taken no effect only on the script's word", () => {
  const base = "the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status";
  for (const cancelAsked of [false, true]) {
    for (const word of [true, false]) {
      const end = endWithoutStatus(job, { shell: { gone: 'exited', code: 0 }, cancelAsked, files: files({ archive: 10240, log: word ? publishedLine(0) : '' }) });
      assert.deepEqual(end, {
        patch: { state: 'completed', exitCode: 0, warnings: {}, archiveBytes: 10240, reason: `${base}${cancelAsked && word ? TOO_LATE : ''}` },
        removePartial: false,
        clearMarks: true,
      });
    }
  }
});

test("the publish line is the record's own archive's, tar's 0 or 1, and a backup's: anything else is no word", () => {
  assert.equal(publishedExit(job, [publishedLine(1).slice('gluster-backup: '.length, -1)]), 1);
  for (const l of [
    `tar exit 0: published the archive as ${DIR}/${NAME}.gz`,
    `tar exit 0: published the archive as ${DIR}/${NAME} `,
    `tar exit 3: published the archive as ${DIR}/${NAME}`,
    `tar exit 00: published the archive as ${DIR}/${NAME}`,
    `xtar exit 0: published the archive as ${DIR}/${NAME}`,
  ]) {
    assert.equal(publishedExit(job, [l]), undefined, l);
  }
  const { partial: _, ...restore } = job;
  assert.equal(publishedExit({ ...restore, kind: 'restore' }, [`tar exit 0: published the archive as ${DIR}/${NAME}`]), undefined);
});

/** The scratch directory, a 2 MiB file, and the container's /tmp inside it. */
function scratch() {
  const s = scriptScratch('gb-published-killed-', 2 * 1024 * 1024);
  const tmp = path.join(s.dir, 'tmp');
  fs.mkdirSync(tmp);
  return { ...s, tmp };
}

test('the real script says it published the archive, as the one line of a clean backup', () => {
  const { dir, src, backups, bin } = scratch();
  try {
    const { p } = runBackupJob(backups, src, bin, NAME);
    assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: tar exit 0: published the archive as ${p.archive}\n`);
    assert.equal(fs.existsSync(p.partial!), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the real script killed right after the publish (with a cancel asked then, or not): the observer records the archive as the job\'s, whole, and list credits it', async () => {
  for (const cancel of [false, true]) {
    const { dir, src, backups, bin, tmp } = scratch();
    try {
      const p = jobPaths(backups, NAME);
      const record = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
      fs.writeFileSync(p.job, serializeJobFile(record));
      // The script's first look at the archive under its final name (the size its checksum is
      // checked against) comes right after the publish: there the job's shell is killed, as a
      // stopped container kills it, after a cancel request made at that moment.
      shim(bin, 'stat', `for a; do if [ "$a" = ${p.archive} ]; then ${cancel ? `echo late > ${p.cancel}; ` : ''}read -r _ sh _ < ${p.status}; kill -KILL "$sh"; fi; done\nexec "$REAL" "$@"`);
      const [cmd, ...args] = jobArgv(p, src, undefined, '0600');
      const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp }, timeout: 60_000 });
      assert.equal(r.error, undefined, `the job script did not end: ${r.error?.message}`);
      assert.equal(r.signal, 'SIGKILL', r.stderr);
      assert.equal(parseStatus(fs.readFileSync(p.status, 'utf8')).phase, 'running', 'no final status');
      assert.equal(fs.existsSync(p.partial!), false, 'published');
      assert.equal(fs.existsSync(`${p.archive}.sha256`), false, 'killed before its checksum file');
      const bytes = fs.statSync(p.archive).size;
      const end = endWithoutStatus(record, {
        shell: { gone: 'containerStopped', containerState: 'exited' },
        cancelAsked: fs.existsSync(p.cancel),
        files: { archive: bytes, log: fs.readFileSync(p.log, 'utf8'), checksum: false, free: 1 << 30 },
      });
      assert.deepEqual(end, {
        patch: {
          state: 'completed',
          exitCode: 0,
          warnings: {},
          archiveBytes: bytes,
          reason: `the archive is whole: the job published it after tar's exit 0 (its log says so), then ended without writing its final status: the gluster container is exited (stopped during the backup); no checksum file was written beside it, so validation finds none${cancel ? TOO_LATE : ''}`,
        },
        removePartial: false,
        clearMarks: true,
      });
      // What the archive holds is the source, whole.
      const list = spawnSync('tar', ['--list', `--file=${p.archive}`], { encoding: 'utf8' });
      assert.deepEqual(list.stdout.split('\n').filter(Boolean).sort(), ['./', './a/', './a/big', './small']);
      // Recorded as the observer records it (its clock pinned; the status and the request go
      // with clearMarks), the catalog takes the record as the archive's own, and list says so.
      fs.writeFileSync(p.job, serializeJobFile({ ...record, ...end.patch, endedAt: ENDED_AT }));
      fs.rmSync(p.status);
      fs.rmSync(p.cancel, { force: true });
      const conn = new LocalConnection({ name: 'here' });
      const node = await catalogOfListing(conn, 'here', backups, await conn.listDir(backups));
      assert.equal(node.archives.length, 1);
      const a = node.archives[0];
      assert.deepEqual([a.name, a.job?.id, a.job?.state, a.job?.exitCode, a.made, a.madeFrom], [NAME, record.id, 'completed', 0, ENDED_AT, 'job']);
      assert.ok(formatCatalog([node]).includes(`  ${NAME}  `) && formatCatalog([node]).includes('\n    job: completed, tar exit 0, 0 warnings\n'), formatCatalog([node]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("the real script killed between its line and the removal of the partial's name: the observer records the archive as the job's and removes only that second name", () => {
  const { dir, src, backups, bin, tmp } = scratch();
  try {
    const p = jobPaths(backups, NAME);
    const record = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
    fs.writeFileSync(p.job, serializeJobFile(record));
    // The removal of the partial's name once the archive is linked: there the shell is killed
    // (and the removal never runs), as a container stopped at that moment kills it.
    shim(bin, 'rm', `for a; do if [ "$a" = ${p.partial} ]; then read -r _ sh _ < ${p.status}; kill -KILL "$sh"; exit 1; fi; done\nexec "$REAL" "$@"`);
    const [cmd, ...args] = jobArgv(p, src, undefined, '0600');
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp }, timeout: 60_000 });
    assert.equal(r.error, undefined, `the job script did not end: ${r.error?.message}`);
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.equal(parseStatus(fs.readFileSync(p.status, 'utf8')).phase, 'running', 'no final status');
    assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: tar exit 0: published the archive as ${p.archive}\n`, 'the line, before the removal');
    const [a, b] = [fs.statSync(p.archive), fs.statSync(p.partial!)];
    assert.deepEqual([a.ino, a.nlink], [b.ino, 2], 'the partial is the archive under a second name');
    const end = endWithoutStatus(record, {
      shell: { gone: 'containerStopped', containerState: 'exited' },
      cancelAsked: false,
      files: { archive: a.size, partial: b.size, log: fs.readFileSync(p.log, 'utf8'), checksum: false, free: 1 << 30 },
    });
    assert.deepEqual([end.patch.state, end.patch.exitCode, end.patch.archiveBytes, end.removePartial, end.clearMarks], ['completed', 0, a.size, true, true]);
    // What the observer then does with the partial (jobs.ts): the archive stays whole.
    fs.rmSync(p.partial!);
    const list = spawnSync('tar', ['--list', `--file=${p.archive}`], { encoding: 'utf8' });
    assert.deepEqual(list.stdout.split('\n').filter(Boolean).sort(), ['./', './a/', './a/big', './small']);
    assert.equal(fs.statSync(p.archive).size, a.size);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
