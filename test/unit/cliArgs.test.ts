// The CLI's command line: help, version, and every usage error with its message and exit 64,
// through runCli itself (nothing here reaches a node: each case is refused or answered first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run';
import { parseCommandLine, UsageError } from '../../src/cli/args';
import { COMMANDS, COMMON_OPTIONS, OPTIONS, type OptionName } from '../../src/cli/commands';
import { EXIT_USAGE } from '../../src/cli/exitCodes';

const PKG_VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

async function run(argv: string[], o: { tty?: boolean; config?: object; answer?: string } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: o.tty ?? false });
  if (o.answer !== undefined) stdin.end(o.answer);
  let out = '';
  let err = '';
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (err += b));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-cliargs-'));
  try {
    const config = path.join(dir, 'config.json');
    // Nodes that would not answer: every case here must be settled before any connection.
    fs.writeFileSync(config, JSON.stringify(o.config ?? { nodes: [{ name: 'a', host: '192.0.2.1' }, { name: 'b', host: '192.0.2.2' }], timeouts: { connectMs: 200 } }));
    const code = await runCli(argv, { stdout, stderr, stdin, env: { GLUSTER_BACKUP_CONFIG: config } });
    return { code, out, err };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('--version prints package.json version', async () => {
  const r = await run(['--version']);
  assert.deepEqual(r, { code: 0, out: `gluster-backup ${PKG_VERSION}\n`, err: '' });
});

test('--help lists every command with its summary, and the exit codes', async () => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(' '));
    for (const c of COMMANDS.filter((x) => !x.topic)) assert.match(r.out, new RegExp(`^  ${c.name} +${c.summary.replace(/[()|.]/g, '\\$&')}$`, 'm'), c.name);
    assert.match(r.out, /^ {2}64 {3}usage error/m);
    assert.match(r.out, /^ {2}75 {3}another run holds the archive/m);
    assert.match(r.out, /^ {2}130 {2}interrupted/m);
    assert.match(r.out, /^gluster-backup help progress: the NDJSON progress lines/m);
    assert.doesNotMatch(r.out, /^ {2}progress /m, 'a topic is not listed as a command');
  }
});

test('help progress documents the NDJSON lines; progress is no command', async () => {
  const r = await run(['help', 'progress']);
  assert.equal(r.code, 0);
  for (const k of ['"message_type":"status"', '"message_type":"message"', '"bytes_done"', '"total_bytes"', '"rate"', '"eta_seconds"', '"percent_done"', '"members_done"']) assert.ok(r.out.includes(k), k);
  assert.equal((await run(['progress'])).code, EXIT_USAGE);
});

test('help COMMAND and COMMAND --help give the same text: its usage line, its options and its exit codes', async () => {
  for (const c of COMMANDS.filter((x) => !x.topic)) {
    const a = await run(['help', c.name]);
    const b = await run([c.name, '--help']);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    assert.equal(a.out, b.out, c.name);
    assert.ok(a.out.startsWith(`usage: gluster-backup [--config FILE] ${c.synopsis}\n`), c.name);
    for (const o of c.options) assert.match(a.out, new RegExp(`(?<![\\w-])${o.length === 1 ? '-' : '--'}${o}(?![\\w-])`), `${c.name} help names ${o}`);
    assert.match(a.out, /\nexit status: .*64 usage error/s, c.name);
  }
});

test('an option a command does not take is a usage error naming it, with a pointer to its help', async () => {
  const r = await run(['status', '--dry-run']);
  assert.deepEqual(r, { code: EXIT_USAGE, out: '', err: "gluster-backup: --dry-run does not apply to status\nTry 'gluster-backup help status'.\n" });
  // Every option against every command: taken or refused, as the table says.
  for (const c of COMMANDS.filter((x) => x.name !== 'help' && !x.topic)) {
    for (const o of Object.keys(OPTIONS) as OptionName[]) {
      if (o === 'help' || o === 'version' || o === 'n') continue;
      const argv = [c.name, OPTIONS[o].type === 'string' ? `--${o}=x` : `--${o}`];
      if (o.length === 1) argv[1] = OPTIONS[o].type === 'string' ? `-${o}x` : `-${o}`;
      if (c.arg) argv.push('JOB-1');
      const takes = COMMON_OPTIONS.includes(o) || c.options.includes(o);
      if (takes) assert.doesNotThrow(() => parseCommandLine(argv), argv.join(' '));
      else assert.throws(() => parseCommandLine(argv), (e) => e instanceof UsageError && e.message === `${o.length === 1 ? '-' : '--'}${o} does not apply to ${c.name}` && e.command === c.name, argv.join(' '));
    }
  }
});

test('usage errors: each with its message, exit 64, and nothing done', async () => {
  const cases: [string[], string, string | undefined][] = [
    [[], 'no command given', undefined],
    [['bogus'], 'unknown command "bogus" (commands: status, start, stop, restart, trust-host-key, backup, jobs, attach, cancel, validate-backup, restore, list, prune, publish-kept, help)', undefined],
    [['status', '--frobnicate'], 'unknown option --frobnicate', 'status'],
    [['status', '--node'], "Option '--node <value>' argument missing", 'status'],
    [['status', 'extra'], 'unexpected argument "extra"', 'status'],
    [['attach'], 'attach needs a JOB (see: gluster-backup jobs)', 'attach'],
    [['cancel', 'j1', 'j2'], 'unexpected argument "j2"', 'cancel'],
    [['help', 'nothing'], 'no command "nothing" to help with (commands: status, start, stop, restart, trust-host-key, backup, jobs, attach, cancel, validate-backup, restore, list, prune, publish-kept, help)', 'help'],
    [['-n', 'list'], "-n list: the seed's -n form is for backup, validate-backup and restore", 'list'],
    [['-n', 'backup', 'restore'], '-n backup names the command: "restore" is one too many', 'backup'],
    [['status', '--version'], '--version takes nothing else', undefined],
    [['status', '--node', 'c'], 'no node named "c" (configured: a, b)', 'status'],
    [['backup', '--node', 'a', '--node', 'b'], 'backup runs on one node: give at most one --node', 'backup'],
    [['backup', '-b', 'relative/dir'], '-b relative/dir: the backups directory must be an absolute path on the node', 'backup'],
    [['backup', '--override', 'freeSpace'], '--override freeSpace needs a reason: --override freeSpace:"why it is safe"', 'backup'],
    [['backup', '--override', 'free-space:typo of a restore check'], '--override free-space: no such check (checks: nodes, volumeHealth, backupDir, freeSpace, storageDriver, concurrency, activity)', 'backup'],
    [['validate-backup', '--archive', 'x.tar'], '--archive x.tar: give an absolute path on the node', 'validate-backup'],
    [['validate-backup', '--archive', '/opt/backups/../x.tar'], '--archive /opt/backups/../x.tar: give the path without "." or ".." segments', 'validate-backup'],
    [['restore', '-b', '/opt/./backups', '-f', 'x.tar'], '-b /opt/./backups: give the path without "." or ".." segments', 'restore'],
    [['prune', '--keep-last', '1', '-b', '/opt/backups/..'], '-b /opt/backups/..: give the path without "." or ".." segments', 'prune'],
    [['list', '-b', '/x/../y'], '-b /x/../y: give the path without "." or ".." segments', 'list'],
    [['backup', '-b', '/x/./y'], '-b /x/./y: give the path without "." or ".." segments', 'backup'],
    [['validate-backup', '--via', 'ftp'], '--via ftp: one of auto, sftp, container', 'validate-backup'],
    [['validate-backup', '--read-data', '--break-lock'], '--break-lock: only with --read-data-subset (the lock is that of the subset runs)', 'validate-backup'],
    [['restore', '--existing', 'merge'], '--existing merge: one of refuse, skip, overwrite', 'restore'],
    [['restore', '-f', '../x.tar'], '-f ../x.tar: the name of an archive in the backups directory (-b DIR), without a path', 'restore'],
    [['restore', '-f', 'x.tar', '--archive', '/x.tar'], 'give the archive either with --archive PATH or with -f NAME, not both', 'restore'],
    [['prune', '--keep-daily', 'seven'], '--keep-daily seven: give a whole number from 0 up', 'prune'],
    [['publish-kept'], '-f NAME: the kept partial to publish (list shows it as KEPT PARTIAL)', 'publish-kept'],
    [['publish-kept', '-f', '/b/x.tar.partial'], '-f /b/x.tar.partial: a file name in the backups directory, not a path (use -b DIR for the directory)', 'publish-kept'],
    [['publish-kept', '-f', 'x.tar.partial', '--node', 'a', '--node', 'b'], 'give at most one --node: a kept partial is on one node', 'publish-kept'],
    [['publish-kept', '-f', 'x.tar.partial', '-b', 'rel'], '-b rel: the backups directory must be an absolute path on the node', 'publish-kept'],
    [['trust-host-key'], 'trust-host-key needs exactly one --node NAME', 'trust-host-key'],
    [['trust-host-key', '--node', 'a', '--fingerprint', 'MD5:ab'], '--fingerprint MD5:ab: give it as ssh-keygen -lf prints it (SHA256: and 43 characters)', 'trust-host-key'],
    [['--config', '/nonexistent/gb.json', 'status'], '--config /nonexistent/gb.json: no such file', undefined],
  ];
  for (const [argv, message, command] of cases) {
    const r = await run(argv);
    const pointer = command ? `Try 'gluster-backup help ${command}'.` : "Try 'gluster-backup --help'.";
    assert.deepEqual(r, { code: EXIT_USAGE, out: '', err: `gluster-backup: ${message}\n${pointer}\n` }, argv.join(' '));
  }
});

test("the seed's -b DIR -n COMMAND form still parses as the command", () => {
  const p = parseCommandLine(['-b', '/backups', '-f', 'x.tar', '-n', 'restore', '--dry-run']);
  assert.equal(p.kind, 'run');
  assert.equal(p.kind === 'run' && p.command.name, 'restore');
  assert.equal(p.kind === 'run' && p.values.b, '/backups');
});

test('restart of every node, not on a terminal and without --yes: refused as a usage error, nothing restarted', async () => {
  const r = await run(['restart']);
  assert.deepEqual(r, {
    code: EXIT_USAGE,
    out: '',
    err: "gluster-backup: restart without --node restarts every node (a, b): pass --yes to mean it (nothing was restarted)\nTry 'gluster-backup help restart'.\n",
  });
});

test('stop and restart of every node on a terminal ask first (on stderr); answered no, nothing is done (exit 1, no node asked)', async () => {
  const stop = await run(['stop'], { tty: true, answer: 'n\n' });
  assert.deepEqual(stop, { code: 1, out: 'nothing stopped\n', err: 'Stop gluster on every node (a, b)? The gluster filesystem will be unavailable. [y/N] ' });
  const restart = await run(['restart'], { tty: true, answer: '\n' });
  assert.deepEqual(restart, { code: 1, out: 'nothing restarted\n', err: 'Restart gluster on every node (a, b)? The gluster filesystem will be unavailable while it restarts. [y/N] ' });
});

test('the question ended without an answer (Ctrl-D: the terminal closed): no, exit 1, said so; it was ending the process with exit 0 and nothing said', async () => {
  const stop = await run(['stop'], { tty: true, answer: '' });
  assert.deepEqual(stop, { code: 1, out: 'nothing stopped\n', err: 'Stop gluster on every node (a, b)? The gluster filesystem will be unavailable. [y/N] ' });
});

test('stop of every node with --json: no question is put to a program, a usage error without --yes', async () => {
  const r = await run(['stop', '--json'], { tty: true, answer: 'y\n' });
  assert.deepEqual(r, {
    code: EXIT_USAGE,
    out: '',
    err: "gluster-backup: stop without --node stops every node (a, b): pass --yes to mean it (nothing was stopped)\nTry 'gluster-backup help stop'.\n",
  });
});

test('stop of every node, not on a terminal and without --yes: refused as a usage error, nothing stopped', async () => {
  const r = await run(['stop']);
  assert.deepEqual(r, {
    code: EXIT_USAGE,
    out: '',
    err: "gluster-backup: stop without --node stops every node (a, b): pass --yes to mean it (nothing was stopped)\nTry 'gluster-backup help stop'.\n",
  });
});

test('GLUSTER_BACKUP_CONFIG naming a file that is not there is a usage error, not "this machine is the only node"', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b) => (err += b));
  const code = await runCli(['status'], { stdout, stderr, stdin: Object.assign(new PassThrough(), { isTTY: false }), env: { GLUSTER_BACKUP_CONFIG: '/nonexistent/gb-typo.json' } });
  assert.deepEqual({ code, err }, { code: EXIT_USAGE, err: "gluster-backup: GLUSTER_BACKUP_CONFIG=/nonexistent/gb-typo.json: no such file\nTry 'gluster-backup --help'.\n" });
});

test('with --json a failure that is not a usage error is a message line on stderr and {"error"} on stdout, exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-cliargs-'));
  try {
    // A config file that is not JSON: found, unreadable, settled before any node is asked.
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(config, '{ not json');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (b) => (out += b));
    stderr.on('data', (b) => (err += b));
    const code = await runCli(['--config', config, '--json', 'status'], { stdout, stderr, stdin: Object.assign(new PassThrough(), { isTTY: false }), env: {} });
    assert.equal(code, 2);
    const message = (JSON.parse(out) as { error: string }).error;
    assert.match(message, /^cannot read config .*config\.json: /);
    assert.deepEqual(err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown), [{ message_type: 'message', text: `gluster-backup: ${message}` }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
