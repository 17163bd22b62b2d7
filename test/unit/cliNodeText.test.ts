// Text a node gave (a job's reason, tar's messages, errors made from a node's output), printed by
// the CLI: in text output a terminal escape in it is shown, never obeyed, and a newline in one
// field cannot start a line of its own; with --json the text is exact. The commands' own
// formatters and follow loop are run; the node is a scripted stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { follow, followToEnd, runJobs } from '../../src/cli/backup';
import { formatCatalog } from '../../src/cli/catalog';
import { runRestore } from '../../src/cli/restore';
import { formatActions, formatStatusTable } from '../../src/cli/format';
import type { CliIo } from '../../src/cli/io';
import { ndjsonIo, type NdjsonLine } from '../../src/cli/ndjson';
import { errorLine } from '../../src/cli/terminalText';
import { jobsOf, type BackupJobs } from '../../src/core/backup/jobs';
import type { JobRecord } from '../../src/core/backup/types';
import type { Cluster } from '../../src/core/cluster';
import type { NodeStatus } from '../../src/core/model';
import { catalogArchive } from '../helpers/builders';

/** ESC (a title set, the screen cleared), BEL, CR, a newline, and CSI as one C1 character. */
const HOSTILE = 'a\x1b]0;pwned\x07b\x1b[2Jc\rd\ne\x9b31mf';
const HOSTILE_SHOWN = 'a\\x1b]0;pwned\\x07b\\x1b[2Jc\\rd\\ne\\x9b31mf';
/** Any control character but the newline: what must never reach the terminal from a node. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]/;

const running: JobRecord = {
  version: 1,
  kind: 'backup',
  id: 'datarobot-gluster-backup-2026-04-12',
  node: 'node1',
  state: 'running',
  archive: '/b/datarobot-gluster-backup-2026-04-12.tar',
  partial: '/b/datarobot-gluster-backup-2026-04-12.tar.partial',
  log: '/b/datarobot-gluster-backup-2026-04-12.log',
  compression: 'none',
  source: '/mnt/gluster',
  container: 'gluster',
  startedAt: '2026-04-12T06:00:00.000Z',
  overrides: [],
};

/** A node whose job wrote `log` (tar's stderr) and then ended as `final`. */
function nodeWith(log: string, final: Partial<JobRecord>): BackupJobs {
  return {
    readLog: async (_j: JobRecord, offset: number) => (offset === 0 ? { text: log, offset: log.length } : { text: '', offset }),
    progress: async () => undefined,
    observe: async (j: JobRecord) => ({ ...j, ...final }),
  } as unknown as BackupJobs;
}

function sink(tty = false): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (tty) stream.isTTY = true;
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

function textIo(tty = false) {
  const out = sink(tty);
  const err = sink();
  const io: CliIo = { stdout: out.stream, stderr: err.stream, stdin: new PassThrough(), env: {} };
  return { io, stdout: out.text, stderr: err.text };
}

function jsonIo() {
  const out = sink();
  const err = sink();
  const nd = ndjsonIo({ stdout: out.stream, stderr: err.stream, stdin: new PassThrough(), env: {} });
  return { io: nd.io, flush: nd.flush, stdout: out.text, messages: () => err.text().split('\n').slice(0, -1).map((l) => JSON.parse(l) as NdjsonLine).filter((l) => l.message_type === 'message').map((l) => (l as { text: string }).text) };
}

const tarLog = 'tar: ./x\x1b]0;pwned\x07\x9b2J\ry: Cannot open: Permission denied\n';
const tarShown = 'tar: ./x\\x1b]0;pwned\\x07\\x9b2J\\ry: Cannot open: Permission denied';
const failed: Partial<JobRecord> = { state: 'failed', exitCode: 2, reason: HOSTILE };

test('a job followed on a terminal: tar\'s message and the reason are shown escaped, the progress line\'s own escape stays', async () => {
  const t = textIo(true);
  await followToEnd(nodeWith(tarLog, failed), running, t.io, false);
  assert.equal(t.stdout(), `\r\x1b[K${tarShown}\n\ndatarobot-gluster-backup-2026-04-12: failed (tar exit 2): ${HOSTILE_SHOWN}\n`);
});

test('a job followed without a terminal: the same text escaped, and nothing of the node\'s on a line of its own', async () => {
  const t = textIo();
  await followToEnd(nodeWith(tarLog, failed), running, t.io, false);
  assert.deepEqual(t.stdout().split('\n'), [tarShown, `datarobot-gluster-backup-2026-04-12: failed (tar exit 2): ${HOSTILE_SHOWN}`, '']);
});

test('with --json the reason and tar\'s message are exact: in the final object and in the message lines', async () => {
  const j = jsonIo();
  await follow(nodeWith(tarLog, failed), running, j.io, true);
  j.flush();
  assert.equal((JSON.parse(j.stdout()) as JobRecord).reason, HOSTILE);
  // tar's line is one message line, exactly as tar wrote it (its newline ended it).
  assert.equal(j.messages()[0], tarLog.slice(0, -1));
});

test('jobs: a reason and a node\'s error are escaped in the table, exact with --json', async () => {
  const cluster = {} as Cluster;
  jobsOf(cluster).list = async () => ({ jobs: [{ ...running, ...failed }], errors: [{ node: 'node2', message: `cannot read: ${HOSTILE}` }] });
  const t = textIo();
  assert.equal(await runJobs(cluster, t.io, false), 1);
  assert.equal(t.stdout(), `datarobot-gluster-backup-2026-04-12  node1  failed  2026-04-12 06:00:00 UTC  (${HOSTILE_SHOWN})\n`);
  assert.equal(t.stderr(), `node2: cannot read: ${HOSTILE_SHOWN}\n`);
  const j = textIo();
  await runJobs(cluster, j.io, true);
  const parsed = JSON.parse(j.stdout()) as { jobs: JobRecord[]; errors: { message: string }[] };
  assert.equal(parsed.jobs[0].reason, HOSTILE);
  assert.equal(parsed.errors[0].message, `cannot read: ${HOSTILE}`);
});

function statusOf(text: string): NodeStatus {
  return {
    name: 'node1',
    target: 'root@10.0.0.1:22',
    reachable: true,
    error: { kind: 'other', message: text },
    container: { state: text } as NodeStatus['container'],
    storageDriver: text,
    volumes: [{ name: text, type: text, status: text, bricks: 1, bricksOnline: 1, peersConnected: 1, peersTotal: 1, problems: [{ text, kind: 'daemonOffline' }] } as unknown as NodeStatus['volumes'][number]],
    glusterError: text,
    backups: [{ name: text, size: 1, mtime: text, partial: false } as unknown as NodeStatus['backups'][number]],
    backupsError: text,
    checkedAt: '2026-04-12T06:00:00.000Z',
  };
}

/** The table of a node that says nothing odd: as many lines as a hostile one must have. */
const TABLE_LINES = formatStatusTable([statusOf('plain')]).split('\n').length;

test('status and start/stop: a node\'s words in the table are escaped', () => {
  const table = formatStatusTable([statusOf(HOSTILE)]);
  assert.ok(table.includes(`  error: ${HOSTILE_SHOWN}\n`), table);
  assert.ok(table.includes(`  gluster: ${HOSTILE_SHOWN}\n`), table);
  assert.doesNotMatch(table, CONTROL);
  assert.equal(table.split('\n').length, TABLE_LINES);
  assert.equal(formatActions([{ node: 'node1', action: 'stop', ok: false, message: HOSTILE, durationMs: 5 }]), `node1: FAILED: ${HOSTILE_SHOWN}\nstop: 0 of 1 nodes succeeded\n`);
});

test('list: an unusable job record\'s error is escaped, a stray file\'s name shown as names are', () => {
  const archive = catalogArchive({ bytes: 1, made: '2026-04-12T06:00:00.000Z', jobError: `not JSON (${HOSTILE})`, files: [] }, { dir: '/b', name: 'datarobot-gluster-backup-2026-04-12.tar' });
  const text = formatCatalog([{ node: 'node1', dir: '/b', archives: [archive], foreign: ['back\\slash\x1b[2J'], keptPartials: [] }]);
  assert.ok(text.includes(`    job record unusable: not JSON (${HOSTILE_SHOWN})\n`), text);
  assert.ok(text.includes('left alone (no archive of ours, nor a file of one): back\\\\slash\\x1b[2J\n'), text);
  assert.doesNotMatch(text, CONTROL);
});

test('an error\'s message: each line escaped and the lines the core made kept; with --json as it is', () => {
  const message = `restore: refused, nothing was written:\n  - the target ${HOSTILE}`;
  assert.equal(errorLine(false, message), `gluster-backup: restore: refused, nothing was written:\n  - the target a\\x1b]0;pwned\\x07b\\x1b[2Jc\\rd\ne\\x9b31mf\n`);
  assert.equal(errorLine(true, message), `gluster-backup: ${message}\n`);
});

test('restore\'s refusal, as the command prints it: escaped on a terminal, exact in --json\'s message lines', async () => {
  const o = { archive: '/b/a.tar', via: 'auto' as const, policy: 'refuse' as const, dryRun: true, detach: false, cli: 'gluster-backup', overrides: [{ check: HOSTILE, reason: 'why' }] };
  const t = textIo();
  assert.equal(await runRestore({} as Cluster, t.io, { ...o, json: false }), 2);
  assert.match(t.stderr(), /^gluster-backup: restore: --override a\\x1b\]0;pwned\\x07b\\x1b\[2Jc\\rd\ne\\x9b31mf: no such restore check/);
  assert.doesNotMatch(t.stderr(), CONTROL);
  const j = jsonIo();
  assert.equal(await runRestore({} as Cluster, j.io, { ...o, json: true }), 2);
  j.flush();
  assert.ok(j.messages().join('\n').startsWith(`gluster-backup: restore: --override ${HOSTILE}: no such restore check`));
});

/** Strings of any code points, control characters and lone surrogates included. */
const nodeText = fc.string({ unit: 'binary', maxLength: 40 });

test('whatever a node says, a followed job prints no control character but its own, and a line for each thing it tells', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(nodeText.map((s) => s.replace(/\n/g, '')), { maxLength: 4 }), nodeText, fc.boolean(), async (tarLines, reason, tty) => {
      const t = textIo(tty);
      const log = tarLines.map((l) => `tar: ${l}\n`).join('');
      await followToEnd(nodeWith(log, { ...failed, reason }), running, t.io, false);
      // The CLI's own: `\r\x1b[K` before a line drawn over the progress, and the newlines it ends lines with.
      const own = t.stdout().replaceAll('\r\x1b[K', '');
      assert.doesNotMatch(own, CONTROL);
      const lines = own.split('\n');
      // A line a tar message, a blank one after the progress on a terminal, the end's, and after it nothing.
      assert.equal(lines.length, tarLines.length + (tty ? 1 : 0) + 2);
      assert.ok(lines.at(-2)!.startsWith('datarobot-gluster-backup-2026-04-12: failed (tar exit 2)'));
    }),
    { seed: 20261207, numRuns: 300 },
  );
});

test('whatever a node says, the status table has its lines and no control character', () => {
  fc.assert(
    // Not empty: an empty error or field is no line at all.
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (text) => {
      const table = formatStatusTable([statusOf(text)]);
      assert.doesNotMatch(table, CONTROL);
      assert.equal(table.split('\n').length, TABLE_LINES);
    }),
    { seed: 20261207, numRuns: 1000 },
  );
});
