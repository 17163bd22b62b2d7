// Publishing a kept partial: the record its job then has (pure), and the container's step run
// with this machine's sh and coreutils in a scratch directory (the link, never over a file that
// has the name, and a second run after a cut finding its own link). The whole command, with its
// record rewritten and the partial's name removed, runs on the test bed (integration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keptArchive, parseJobFile, serializeJobFile } from '../../src/core/backup/jobFile';
import { MAX_REASON_WORDS } from '../../src/core/backup/jobEnd';
import { PUBLISH_KEPT_SH, containerRefusal, keptPartialNamed, keptTarExit, partialNameOf, publishedKeptRecord } from '../../src/core/catalog/publishKept';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { backupJob } from '../helpers/builders';

const DIR = '/opt/datarobot/data/backups/gluster';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
const AT = new Date('2026-04-12T08:30:00.000Z');
const BY = 'alice@laptop (CLI)';
const kept = (reason: string | undefined, warnings = {}) =>
  backupJob({ state: 'failed', exitCode: 3, endedAt: '2026-04-12T06:10:00.000Z', warnings, kept: true, ...(reason !== undefined ? { reason } : {}) }, { dir: DIR, archive: NAME });
const partial = `${DIR}/${NAME}.partial`;

test("tar's exit: the script's line in the reason, else the warnings its log held", () => {
  assert.deepEqual(keptTarExit({ reason: `tar exit 1, but x: the complete archive is kept as ${partial}` }), { exit: 1, said: true });
  assert.deepEqual(keptTarExit({ reason: `tar exit 0, but x` }), { exit: 0, said: true });
  // No line (a full directory took none): tar's 1 leaves warnings in the log, its 0 none.
  assert.deepEqual(keptTarExit({ reason: 'tar finished, but the archive could not be published', warnings: { changed: 2 } }), { exit: 1, said: false });
  assert.deepEqual(keptTarExit({ reason: 'tar finished, but the archive could not be published', warnings: { changed: 0 } }), { exit: 0, said: false });
  assert.deepEqual(keptTarExit({}), { exit: 0, said: false });
  // Only the script's 0 or 1: it keeps nothing after another exit.
  assert.deepEqual(keptTarExit({ reason: 'tar exit 2, but x', warnings: {} }), { exit: 0, said: false });
});

test("the record once published: completed by tar's exit, the archive's size, no longer kept, saying when, by whom and why it had been kept; through the job file's guard", () => {
  const rec = kept(`tar exit 1, but the archive could not be flushed to disk, so it was not published as ${DIR}/${NAME} (sync: I/O error; check the disk before using it): the complete archive is kept as ${partial}; rename it to ${NAME} to use it (it has no checksum file)`, { changed: 1 });
  const out = publishedKeptRecord(rec, { at: AT, by: BY, bytes: 20480 });
  const { kept: _k, ...before } = rec;
  assert.deepEqual(out, {
    ...before,
    state: 'completedWithWarnings',
    exitCode: 1,
    archiveBytes: 20480,
    reason:
      `published as ${DIR}/${NAME} on 2026-04-12 08:30:00 UTC by ${BY}, from the finished archive the job had kept as its partial (tar exit 1, but the archive could not be flushed to disk, so it was not published as ${DIR}/${NAME} (sync: I/O error; check the disk before using it)). ` +
      'It has no checksum file: validate it before relying on it',
  });
  assert.equal(keptArchive(out), false, 'no longer kept, by field or by words');
  const file = `${DIR}/${rec.id}.job.json`;
  // Written as version 1 (fileVersion): it keeps nothing now, and every client reads that.
  assert.deepEqual(parseJobFile(serializeJobFile(out), file, 'node1'), { ...out, version: 1 });
  // Its start, end and everything else the job recorded stay.
  assert.deepEqual([out.startedAt, out.endedAt, out.warnings, out.version], [rec.startedAt, rec.endedAt, rec.warnings, rec.version]);
});

test("the record once published, without the script's line: tar's exit taken from the warnings and said so; a long reason clipped to what the guard takes", () => {
  const noLine = kept(`tar finished, but the archive could not be published as ${DIR}/${NAME}, and the job's log does not say why (a full backups directory cannot take the line): the complete archive is kept as ${partial}; rename it to ${NAME} to use it, once no file has that name (it has no checksum file)`);
  const out = publishedKeptRecord(noLine, { at: AT, by: BY, bytes: 10240 });
  assert.deepEqual([out.state, out.exitCode], ['completed', 0]);
  assert.ok(out.reason!.includes(" tar's exit (0) is taken from the warnings its log holds: the job's line did not reach it. It has no checksum file"), out.reason);
  assert.ok(!out.reason!.includes('the complete archive is kept as'), out.reason);
  const long = kept(`tar exit 0, but ${'x'.repeat(50_000)}: the complete archive is kept as ${partial}`);
  const clipped = publishedKeptRecord(long, { at: AT, by: BY, bytes: 1 });
  assert.ok(clipped.reason!.length < MAX_REASON_WORDS + 400, String(clipped.reason!.length));
  assert.doesNotThrow(() => parseJobFile(serializeJobFile(clipped), `${DIR}/${long.id}.job.json`, 'node1'));
});

test("the partial's name: given as the partial's or as the archive's", () => {
  assert.equal(partialNameOf(NAME), `${NAME}.partial`);
  assert.equal(partialNameOf(`${NAME}.partial`), `${NAME}.partial`);
});

/** The container's step, run here: its exit, what it printed, and the directory after. */
function step(dir: string, p: string, t: string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync('sh', ['-c', PUBLISH_KEPT_SH, 'publish', p, t, dir], { encoding: 'utf8', ...(env ? { env } : {}) });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr, names: fs.readdirSync(dir).sort() };
}

/** PATH with `bin` first, holding the given tools as shell scripts (`$REAL` is the tool found after it). */
function shimmed(bin: string, tools: Record<string, string>): NodeJS.ProcessEnv {
  fs.mkdirSync(bin, { recursive: true });
  for (const [tool, body] of Object.entries(tools)) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nREAL=${real}\n${body}\n`, { mode: 0o755 });
  }
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
}

test("the container's step: flushes and links the partial under the archive's name (the partial stays, a second name); again after a cut it finds its own link; never over another file; a partial gone is said", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-publish-kept-'));
  try {
    const p = path.join(dir, `${NAME}.partial`);
    const t = path.join(dir, NAME);
    fs.writeFileSync(p, 'the archive');
    assert.deepEqual(step(dir, p, t), { code: 0, out: 'now', err: '', names: [NAME, `${NAME}.partial`] });
    assert.equal(fs.statSync(t).ino, fs.statSync(p).ino);
    // A run cut after the link, run again: the same file under both names, nothing new.
    assert.deepEqual(step(dir, p, t), { code: 0, out: 'again', err: '', names: [NAME, `${NAME}.partial`] });
    // Another file has the name: refused, both left as they were.
    fs.rmSync(t);
    fs.writeFileSync(t, 'another archive');
    const taken = step(dir, p, t);
    assert.equal(taken.code, 12);
    assert.match(taken.out, /^taken: ln: .*File exists/);
    assert.deepEqual([fs.readFileSync(t, 'utf8'), fs.readFileSync(p, 'utf8')], ['another archive', 'the archive']);
    fs.rmSync(p);
    assert.deepEqual(step(dir, p, t), { code: 10, out: `gone: no file ${p}`, err: '', names: [NAME] });
    // A directory the container does not see (not mounted into it): said apart from a partial gone.
    const unseen = spawnSync('sh', ['-c', PUBLISH_KEPT_SH, 'publish', `${dir}/nowhere/x.partial`, `${dir}/nowhere/x`, `${dir}/nowhere`], { encoding: 'utf8' });
    assert.deepEqual([unseen.status, unseen.stdout], [15, `unseen: no directory ${dir}/nowhere\n`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the container's step where the directory holds no hard link (ln refuses): renamed with mv -n, never over a file; mv refusing too is said; a directory flush failing after the rename is said and not a refusal", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-publish-kept-mv-'));
  try {
    const p = path.join(dir, `${NAME}.partial`);
    const t = path.join(dir, NAME);
    const noLink = 'if [ "$1" = "--" ]; then echo "ln: failed to create hard link \'$3\' => \'$2\': Operation not permitted" >&2; exit 1; fi; exec "$REAL" "$@"';
    const env = shimmed(path.join(dir, '.bin'), { ln: noLink });
    const names = (...n: string[]) => ['.bin', ...n].sort();
    fs.writeFileSync(p, 'the archive');
    const ino = fs.statSync(p).ino;
    assert.deepEqual(step(dir, p, t, env), { code: 0, out: 'renamed', err: '', names: names(NAME) });
    assert.deepEqual([fs.statSync(t).ino, fs.readFileSync(t, 'utf8')], [ino, 'the archive']);
    // Another file has the name: ln says so first, mv is never tried over it.
    fs.renameSync(t, p);
    fs.writeFileSync(t, 'another archive');
    const taken = step(dir, p, t, env);
    assert.equal(taken.code, 12);
    assert.match(taken.out, /^taken: ln: failed to create hard link .*Operation not permitted$/);
    assert.deepEqual([fs.readFileSync(t, 'utf8'), fs.readFileSync(p, 'utf8')], ['another archive', 'the archive']);
    fs.rmSync(t);
    // An mv that moves nothing either (its exit 0 as some versions give): the files decide.
    const noMove = shimmed(path.join(dir, '.bin'), { ln: noLink, mv: 'exit 0' });
    assert.deepEqual(step(dir, p, t, noMove), {
      code: 13,
      out: `unlinked: ln: failed to create hard link '${t}' => '${p}': Operation not permitted; mv -n left it in place`,
      err: '',
      names: names(`${NAME}.partial`),
    });
    // The directory's flush failing after the rename: the partial's name is gone, so it goes on, saying so.
    const dirSync = `case "$*" in *"${dir}/"*) echo "sync: error syncing '${dir}/': Input/output error" >&2; exit 1;; esac; exec "$REAL" "$@"`;
    const unflushed = shimmed(path.join(dir, '.bin'), { ln: noLink, mv: 'exec "$REAL" "$@"', sync: dirSync });
    assert.deepEqual(step(dir, p, t, unflushed), { code: 0, out: `renamed unflushed: sync: error syncing '${dir}/': Input/output error`, err: '', names: names(NAME) });
    // The same failure after a link is a refusal (the partial is still there, the record still says kept).
    fs.renameSync(t, p);
    const linkedUnflushed = shimmed(path.join(dir, '.bin'), { ln: 'exec "$REAL" "$@"', mv: 'exec "$REAL" "$@"', sync: dirSync });
    const r = step(dir, p, t, linkedUnflushed);
    assert.deepEqual([r.code, r.out, r.names], [14, `dirunsynced: sync: error syncing '${dir}/': Input/output error`, names(NAME, `${NAME}.partial`)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the record once published by a rename: said, and a directory flush that failed said with what to do", () => {
  const rec = kept(`tar exit 0, but the archive could not be published as ${DIR}/${NAME} (ln: failed to create hard link: Operation not permitted; mv -n left it in place): the complete archive is kept as ${partial}`);
  const plain = publishedKeptRecord(rec, { at: AT, by: BY, bytes: 10240, renamed: {} });
  assert.equal(
    plain.reason,
    `published as ${DIR}/${NAME} (renamed with mv -n: the backups directory holds no hard links) on 2026-04-12 08:30:00 UTC by ${BY}, from the finished archive the job had kept as its partial (tar exit 0, but the archive could not be published as ${DIR}/${NAME} (ln: failed to create hard link: Operation not permitted; mv -n left it in place)). It has no checksum file: validate it before relying on it`,
  );
  const unflushed = publishedKeptRecord(rec, { at: AT, by: BY, bytes: 10240, renamed: { unflushed: `sync: error syncing '${DIR}/': Input/output error` } });
  assert.ok(
    unflushed.reason!.endsWith(`). Its new name could not be flushed to disk (sync: error syncing '${DIR}/': Input/output error): the host going down before its own flush could lose it. It has no checksum file: validate it before relying on it`),
    unflushed.reason,
  );
  assert.deepEqual([unflushed.state, unflushed.exitCode, unflushed.kept], ['completed', 0, undefined]);
  assert.doesNotThrow(() => parseJobFile(serializeJobFile(unflushed), `${DIR}/${rec.id}.job.json`, 'node1'));
});

test('which kept partial a name is, read from the directory: found with the name it is to take, else what the name is instead', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-kept-named-'));
  try {
    const put = (n: string, content: string | Buffer) => {
      fs.writeFileSync(path.join(dir, n), content);
      fs.utimesSync(path.join(dir, n), new Date('2026-04-12T06:10:00Z'), new Date('2026-04-12T06:10:00Z'));
    };
    const STEM = NAME.replace(/\.tar$/, '');
    const rec = backupJob({ node: 'here', state: 'failed', exitCode: 3, endedAt: '2026-04-12T06:10:00.000Z', kept: true, reason: `tar exit 0, but x: the complete archive is kept as ${dir}/${NAME}.partial` }, { dir, archive: NAME });
    put(`${NAME}.partial`, Buffer.alloc(10240, 7));
    put(`${STEM}.job.json`, serializeJobFile(rec));
    put('datarobot-gluster-backup-2026-01-01.tar.partial', Buffer.alloc(512));
    put('notes.txt', 'mine');
    const conn = new LocalConnection({ name: 'here' });
    const found = await keptPartialNamed(conn, 'here', `${dir}/`, `${NAME}.partial`);
    assert.deepEqual([found.dir, found.k.name, found.k.archive, found.k.nameTaken, found.k.job.id], [dir, `${NAME}.partial`, NAME, false, STEM]);
    const refused = async (name: string) => (await keptPartialNamed(conn, 'here', dir, name).then(() => undefined, (e: Error) => e))?.message;
    const others = ` The kept partials there: ${NAME}.partial.`;
    assert.equal(await refused('nothing.tar.partial'), `${dir}/nothing.tar.partial on here does not exist.${others}`);
    assert.equal(await refused('notes.txt'), `${dir}/notes.txt on here is not a partial archive (<archive>.partial).${others}`);
    assert.equal(
      await refused('datarobot-gluster-backup-2026-01-01.tar.partial'),
      `${dir}/datarobot-gluster-backup-2026-01-01.tar.partial on here is not a finished archive its backup job kept: its job is still running, did not keep it (a partial of a failed or cancelled job is a leftover), or has no readable record ("gluster-backup list" says which).${others}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the container's refusals in the operator's words: a full directory said as full, not as one that takes no hard link", () => {
  const k = { node: 'node1', name: `${NAME}.partial`, path: partial, bytes: 1, mtime: '', job: { id: 'j', state: 'failed' as const, startedAt: '' }, archive: NAME, nameTaken: false, files: [] };
  const archive = `${DIR}/${NAME}`;
  assert.equal(
    containerRefusal('node1', 'gluster', k, archive, 13, `unlinked: ln: failed to create hard link '${archive}' => '${partial}': No space left on device`, ''),
    `${partial} could not be linked as ${archive}: the backups directory on node1 is full (ln: failed to create hard link '${archive}' => '${partial}': No space left on device); free space there and publish again, nothing was changed`,
  );
  assert.equal(
    containerRefusal('node1', 'gluster', k, archive, 13, 'unlinked: ln: Operation not permitted; mv -n left it in place', ''),
    `${partial} could be neither linked nor renamed as ${archive} in the gluster container (ln: Operation not permitted; mv -n left it in place): nothing was changed; check the backups directory's filesystem and permissions on node1`,
  );
  assert.match(containerRefusal('node1', 'gluster', k, archive, 11, `unsynced: sync: error syncing '${partial}': Input/output error`, ''), /could not be flushed to disk \(sync: error syncing .*: Input\/output error\): it was not published\. Check the disk of node1; the partial stays as it is$/);
  // An exit the step never gives: its words, or docker's stderr, or the exit.
  assert.equal(containerRefusal('node1', 'gluster', k, archive, 126, '', 'sh: permission denied\n'), `publishing ${partial} in the gluster container on node1 failed (sh: permission denied): nothing was changed`);
  assert.equal(containerRefusal('node1', 'gluster', k, archive, 127, '', ''), `publishing ${partial} in the gluster container on node1 failed (exit 127): nothing was changed`);
});
