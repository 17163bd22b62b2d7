// The CLI's dispatcher: the parsed command line (args.ts) run against the nodes of the settings
// file, each command by its own file; usage errors exit 64, Ctrl-C while following a job 130.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import { Cluster } from '../core/cluster';
import { parseSettings, tidyDir, type Settings } from '../core/config';
import { approvableKey, type ContainerAction } from '../core/model';
import { parseCommandLine, UsageError, type Parsed, type RunCommand } from './args';
import { FollowInterrupted, cliCommand, interruptedText } from './interrupt';
import { ndjsonIo, type StatusLine } from './ndjson';
import { PREFLIGHT_CHECKS } from '../core/backup/preflight';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './exitCodes';
import { commandHelp, helpPointer, topLevelHelp } from './help';
import { VERSION } from './version';
import { formatActions, formatStatusTable, statusJson } from './format';
import { follow, followToEnd, parseOverrides, runBackup, runJobs } from './backup';
import { isFinal, jobsOf } from '../core/backup/jobs';
import { runValidate } from './validate';
import { policyOf, runList, runPrune } from './catalog';
import { runPublishKept } from './publishKept';
import { RetentionError } from '../core/catalog/retention';
import { parseSubsetPercent } from '../core/validate/readDataState';
import { finishRestore, runRestore } from './restore';
import { todaysArchive } from '../core/restore/archiveChoice';
import { RestoreError } from '../core/restore/restoreError';
import { EXISTING_POLICIES, type ExistingPolicy } from '../core/restore/plan';
import type { CliIo } from './io';
import { errorLine, shown } from './terminalText';
import { GZIP_EXPECTED_RATIO } from '../core/backup/progressMath';


export function loadSettings(file: string | undefined, env: NodeJS.ProcessEnv): { settings: Settings; problems: string[]; source: string } {
  const candidate = file ?? env.GLUSTER_BACKUP_CONFIG ?? path.join(os.homedir(), '.config', 'gluster-backup', 'config.json');
  let raw: unknown = {};
  let source = 'defaults (local docker socket)';
  if (fs.existsSync(candidate)) {
    try {
      raw = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      source = candidate;
    } catch (e) {
      throw new Error(`cannot read config ${candidate}: ${(e as Error).message}`);
    }
  } else if (file) {
    throw new UsageError(`--config ${file}: no such file`);
  } else if (env.GLUSTER_BACKUP_CONFIG) {
    // Named on purpose: a typo must not turn into "this machine is the only node".
    throw new UsageError(`GLUSTER_BACKUP_CONFIG=${env.GLUSTER_BACKUP_CONFIG}: no such file`);
  }
  const { settings, problems } = parseSettings(raw);
  return { settings, problems: problems.map((p) => `${source}: ${p.key ? p.key + ': ' : ''}${p.message}`), source };
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await runParsed(parseCommandLine(argv), io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`gluster-backup: ${e.message}\n${helpPointer(e.command)}\n`);
    return EXIT_USAGE;
  }
}

async function runParsed(parsed: Parsed, io: CliIo): Promise<number> {
  if (parsed.kind === 'version') {
    io.stdout.write(`gluster-backup ${VERSION}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(parsed.command ? commandHelp(parsed.command) : topLevelHelp());
    return EXIT_OK;
  }
  const nd = parsed.values.json ? ndjsonIo(io) : undefined;
  const out = nd?.io ?? io;
  try {
    return await runCommand(parsed, out);
  } catch (e) {
    if (e instanceof FollowInterrupted) {
      out.stderr.write(interruptedText(e.job, parsed.values.config));
      if (parsed.values.json) out.stdout.write(JSON.stringify({ interrupted: true, job: e.job }, null, 2) + '\n');
      return EXIT_INTERRUPTED;
    }
    if (!nd || e instanceof UsageError) throw e;
    // With --json a failure is a message line on stderr and an object on stdout, as every result:
    // a program reading them never meets free text.
    const message = (e as Error).message;
    out.stderr.write(`gluster-backup: ${message}\n`);
    out.stdout.write(JSON.stringify({ error: message }, null, 2) + '\n');
    return EXIT_FAILED;
  } finally {
    nd?.flush();
  }
}

async function runCommand(parsed: RunCommand, io: CliIo): Promise<number> {
  const { values } = parsed;
  const command = parsed.command.name;
  const { settings, problems } = loadSettings(values.config, io.env);
  for (const p of problems) io.stderr.write(`warning: ${p}\n`);
  const cluster = new Cluster(settings, {
    passphrase: async (node) => io.env[`GLUSTER_BACKUP_PASSPHRASE_${node.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ?? io.env.GLUSTER_BACKUP_PASSPHRASE,
  });
  try {
    const known = new Set(cluster.nodes().map((n) => n.name));
    for (const n of values.node ?? []) {
      if (!known.has(n)) throw new UsageError(`no node named "${n}" (configured: ${[...known].join(', ')})`, command);
    }
    const names = values.node?.length ? values.node : undefined;
    switch (command) {
      case 'status': {
        const all = await cluster.refreshAll();
        const shown = names ? all.filter((s) => names.includes(s.name)) : all;
        io.stdout.write(values.json ? JSON.stringify(statusJson(shown), null, 2) + '\n' : formatStatusTable(shown));
        // A node whose gluster did not answer is a node whose volumes are not known.
        return shown.every((s) => s.reachable && !s.error && !s.glusterError) ? 0 : 1;
      }
      case 'start':
      case 'stop':
      case 'restart': {
        if (command !== 'start' && !names && !values.yes) {
          // Every node's container stopped (or restarted at once) is the whole gluster filesystem
          // gone, for good or for a while: never by a slip.
          const all = [...known].join(', ');
          const [verb, done, effect] = command === 'stop' ? ['stop', 'stopped', 'will be unavailable'] : ['restart', 'restarted', 'will be unavailable while it restarts'];
          // With --json a program reads stdout and stderr: no question is put to it.
          if (!io.stdin.isTTY || values.json) throw new UsageError(`${verb} without --node ${verb}s every node (${all}): pass --yes to mean it (nothing was ${done})`, command);
          if (!(await ask(io, `${verb[0].toUpperCase()}${verb.slice(1)} gluster on every node (${all})? The gluster filesystem ${effect}. [y/N] `))) {
            io.stdout.write(`nothing ${done}\n`);
            return EXIT_PARTIAL;
          }
        }
        const results = await cluster.act(command as ContainerAction, names);
        io.stdout.write(values.json ? JSON.stringify({ results }, null, 2) + '\n' : formatActions(results));
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'trust-host-key':
        return await trustHostKey(cluster, names, values.yes ?? false, values.fingerprint, io);
      case 'backup': {
        if (names && names.length > 1) throw new UsageError('backup runs on one node: give at most one --node', command);
        const overrides = overridesArg(values.override, command);
        // Before preflight, which may walk the whole volume: a typo is known at once.
        for (const ov of overrides) {
          if (!(PREFLIGHT_CHECKS as readonly string[]).includes(ov.check)) throw new UsageError(`--override ${ov.check}: no such check (checks: ${PREFLIGHT_CHECKS.join(', ')})`, command);
        }
        absoluteDirArg(values.b, command);
        return await runBackup(cluster, io, {
          ...(names ? { node: names[0] } : {}),
          ...(values.b !== undefined ? { backupDir: dirArg(values.b) } : {}),
          gzip: values.z ?? false,
          detach: values.detach ?? false,
          json: values.json ?? false,
          overrides,
          cli: cliCommand(values.config),
        });
      }
      case 'validate-backup': {
        const { via, archive } = oneArchiveArgs('validate-backup reads one archive', values, names, settings.backupDir, command);
        let subset: number | undefined;
        if (values['read-data-subset'] !== undefined) {
          try {
            subset = parseSubsetPercent(values['read-data-subset']);
          } catch (e) {
            throw new UsageError((e as Error).message, command);
          }
        }
        if (values['break-lock'] && subset === undefined) throw new UsageError('--break-lock: only with --read-data-subset (the lock is that of the subset runs)', command);
        const readData = values['read-data'] || subset !== undefined;
        const listFrom = values['list-from'] ?? 'auto';
        if (listFrom !== 'auto' && listFrom !== 'bricks' && listFrom !== 'mount') throw new UsageError(`--list-from ${listFrom}: one of auto, bricks, mount`, command);
        return await runValidate(cluster, io, {
          json: values.json ?? false,
          via,
          listFrom,
          ...(readData ? { readData: subset !== undefined ? { subset, client: 'the CLI', ...(values['break-lock'] ? { breakLock: true } : {}) } : {} } : {}),
          ...(names ? { node: names[0] } : {}),
          ...(archive !== undefined ? { archive } : {}),
          ...(values.b !== undefined ? { backupDir: dirArg(values.b) } : {}),
        });
      }
      case 'restore': {
        const existing = values.existing ?? 'refuse';
        if (!EXISTING_POLICIES.includes(existing as ExistingPolicy)) throw new UsageError(`--existing ${existing}: one of ${EXISTING_POLICIES.join(', ')}`, command);
        const args = oneArchiveArgs('restore runs on one node', values, names, settings.backupDir, command);
        // Who overrode is recorded with the reason: the job file outlives this terminal.
        const overrides = overridesArg(values.override, command).map((x) => ({ ...x, by: `${os.userInfo().username}@${os.hostname()} (CLI)` }));
        const via = args.via;
        let archive = args.archive;
        const dir = values.b !== undefined ? dirArg(values.b) : settings.backupDir;
        if (archive === undefined) {
          // The DataRobot rule: without -f, today's archive, never an older one by surprise.
          try {
            const today = await todaysArchive(cluster, dir, new Date(), names?.[0]);
            archive = today.path;
          } catch (e) {
            if (!(e instanceof RestoreError)) throw e;
            io.stderr.write(errorLine(values.json ?? false, `restore: ${e.message}`));
            return 2;
          }
        }
        return await runRestore(cluster, io, {
          cli: cliCommand(values.config),
          json: values.json ?? false,
          dryRun: values['dry-run'] ?? false,
          detach: values.detach ?? false,
          overrides,
          via,
          archive,
          policy: existing as ExistingPolicy,
          ...(names ? { node: names[0] } : {}),
          ...(values.include ? { include: values.include } : {}),
          ...(values.target !== undefined ? { target: values.target } : {}),
        });
      }
      case 'list':
      case 'prune': {
        absoluteDirArg(values.b, command);
        const dir = dirArg(values.b ?? settings.backupDir);
        if (command === 'list') return await runList(cluster, io, { dir, json: values.json ?? false, ...(names ? { nodes: names } : {}) });
        let policy;
        try {
          policy = policyOf(values);
        } catch (e) {
          if (!(e instanceof RetentionError)) throw e;
          throw new UsageError(e.message, command);
        }
        return await runPrune(cluster, io, { dir, policy, json: values.json ?? false, dryRun: values['dry-run'] ?? false, ...(names ? { nodes: names } : {}) });
      }
      case 'publish-kept': {
        absoluteDirArg(values.b, command);
        if (values.f === undefined) throw new UsageError('-f NAME: the kept partial to publish (list shows it as KEPT PARTIAL)', command);
        if (values.f.includes('/') || values.f === '' || values.f.startsWith('.')) throw new UsageError(`-f ${values.f}: a file name in the backups directory, not a path (use -b DIR for the directory)`, command);
        if (names && names.length > 1) throw new UsageError('give at most one --node: a kept partial is on one node', command);
        return await runPublishKept(cluster, io, {
          dir: dirArg(values.b ?? settings.backupDir),
          name: values.f,
          json: values.json ?? false,
          cli: cliCommand(values.config),
          ...(names ? { node: names[0] } : {}),
        });
      }
      case 'jobs':
        return await runJobs(cluster, io, values.json ?? false);
      case 'attach':
      case 'cancel': {
        const jobs = jobsOf(cluster);
        if (names && names.length > 1) throw new UsageError('give one --node: a job is on one node', command);
        const job = await jobs.find(parsed.arg!, names?.[0]);
        if (command === 'cancel') {
          const done = await jobs.cancel(job);
          const late = done.state === 'cancelled' ? '' : 'ended before the cancel took effect: ';
          io.stdout.write(values.json ? JSON.stringify({ job: done }, null, 2) + '\n' : shown`${done.id}: ${late}${done.state}${done.reason ? `: ${done.reason}` : ''}\n`);
          return done.state === 'cancelled' ? 0 : 1;
        }
        if (job.kind === 'restore') {
          // A restore followed to its end is verified then (once: a report already made stands).
          const final = await followToEnd(jobs, job, io, values.json ?? false, job.restore?.archiveBytes);
          if (final.restore?.report) {
            io.stdout.write(values.json ? JSON.stringify({ job: final }, null, 2) + '\n' : `${final.id}: verified before, ${final.restore.differences ?? 0} differences; report: ${final.restore.report}\n`);
            return final.restore.differences ? 1 : 0;
          }
          return await finishRestore(cluster, io, final, values.json ?? false);
        }
        // A job that had ended before this attach may have been validated since: no hint then.
        return await follow(jobs, job, io, values.json ?? false, job.compression === 'gzip' && job.sourceBytes ? Math.ceil(job.sourceBytes * GZIP_EXPECTED_RATIO) : job.sourceBytes, isFinal(job.state) ? undefined : cliCommand(values.config));
      }
      default:
        throw new Error(`${command}: in the command table but not run`);
    }
  } finally {
    cluster.dispose();
  }
}

/** A directory as given (-b, or the setting), without trailing slashes. */
function dirArg(dir: string): string {
  return tidyDir(dir);
}

/** -b, when given, is an absolute path. */
function absoluteDirArg(b: string | undefined, command: string): void {
  if (b !== undefined && !b.startsWith('/')) throw new UsageError(`-b ${b}: the backups directory must be an absolute path on the node`, command);
  plainPathArg('-b', b, command);
}

/**
 * A path on the node without `.` or `..` segments: the job files' and prune's "inside this
 * directory" checks read paths as written, and would refuse, later and less clearly, what
 * such a segment makes them mean.
 */
function plainPathArg(flag: string, v: string | undefined, command: string): void {
  if (v !== undefined && v.split('/').some((seg) => seg === '.' || seg === '..')) throw new UsageError(`${flag} ${v}: give the path without "." or ".." segments`, command);
}

function overridesArg(values: string[] | undefined, command: string) {
  try {
    return parseOverrides(values);
  } catch (e) {
    throw new UsageError((e as Error).message, command);
  }
}

/** One --node at most, --via, and the archive (see archiveArg). */
function oneArchiveArgs(
  why: string,
  values: { archive?: string; f?: string; b?: string; via?: string },
  names: string[] | undefined,
  backupDir: string,
  command: string,
): { via: 'auto' | 'sftp' | 'container'; archive: string | undefined } {
  if (names && names.length > 1) throw new UsageError(`${why}: give at most one --node`, command);
  const via = values.via ?? 'auto';
  if (via !== 'auto' && via !== 'sftp' && via !== 'container') throw new UsageError(`--via ${via}: one of auto, sftp, container`, command);
  return { via, archive: archiveArg(values, backupDir, command) };
}

/** The archive named by --archive (an absolute path) or -f (a name in -b DIR or the backups directory); undefined when neither. */
function archiveArg(values: { archive?: string; f?: string; b?: string }, backupDir: string, command: string): string | undefined {
  for (const [flag, v] of [['-b', values.b], ['--archive', values.archive]] as const) {
    if (v !== undefined && !v.startsWith('/')) throw new UsageError(`${flag} ${v}: give an absolute path on the node`, command);
    plainPathArg(flag, v, command);
  }
  if (values.f === undefined) return values.archive;
  if (values.archive !== undefined) throw new UsageError('give the archive either with --archive PATH or with -f NAME, not both', command);
  if (values.f === '' || values.f.includes('/') || values.f === '.' || values.f === '..') {
    throw new UsageError(`-f ${values.f}: the name of an archive in the backups directory (-b DIR), without a path`, command);
  }
  const dir = dirArg(values.b ?? backupDir);
  return `${dir === '/' ? '' : dir}/${values.f}`;
}

async function trustHostKey(cluster: Cluster, names: string[] | undefined, yes: boolean, expected: string | undefined, io: CliIo): Promise<number> {
  if (!names || names.length !== 1) throw new UsageError('trust-host-key needs exactly one --node NAME', 'trust-host-key');
  if (expected !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(expected)) {
    throw new UsageError(`--fingerprint ${expected}: give it as ssh-keygen -lf prints it (SHA256: and 43 characters)`, 'trust-host-key');
  }
  const s = await cluster.refreshNode(names[0]);
  if (s.error?.kind === 'hostKeyChanged') {
    io.stderr.write(shown`${s.error.message}\nRefusing to trust it. Remove the old key from known_hosts yourself once you know why it changed.\n`);
    return 1;
  }
  if (s.error?.kind !== 'hostKeyUnknown' || !s.error.presentedKey) {
    io.stdout.write(s.reachable ? `${s.name}: host key already trusted\n` : shown`${s.name}: ${s.error?.message}\n`);
    return s.reachable ? 0 : 1;
  }
  // The key shown is the key written, for the host shown, even if the node presents another by the time the answer comes.
  const approved = approvableKey(s.error)!;
  io.stdout.write(s.error.hop ? `${s.name} (${s.target}): its jump host, ${s.error.hop}, presents host key ${s.error.fingerprint}\n` : `${s.name} (${s.target}) presents host key ${s.error.fingerprint}\n`);
  if (expected !== undefined && s.error.fingerprint !== expected) {
    io.stderr.write(`gluster-backup: ${s.name} presents ${s.error.fingerprint}, not the expected ${expected}: not trusted, nothing was written\n`);
    return 1;
  }
  if (!yes) {
    if (!io.stdin.isTTY) {
      io.stderr.write('not a terminal: pass --yes to trust this key after checking the fingerprint (--fingerprint SHA256:... makes sure it is the one you checked)\n');
      return 1;
    }
    if (!(await ask(io, 'Trust this key and add it to known_hosts? [y/N] '))) {
      io.stdout.write('not trusted\n');
      return 1;
    }
  }
  try {
    await cluster.trustHostKey(s.name, approved);
  } catch (e) {
    io.stderr.write(errorLine(false, (e as Error).message));
    return 1;
  }
  io.stdout.write(`added to ${cluster.settings.knownHostsFile}\n`);
  return 0;
}

/**
 * A yes/no question on the terminal; anything but y or yes is no, and so are Ctrl-C and Ctrl-D
 * (readline closes without answering: the process ended with nothing said, exit 0). Asked on
 * stderr, where the prompts of a command whose stdout may be JSON belong.
 */
async function ask(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: io.stdin.isTTY === true && (io.stderr as { isTTY?: boolean }).isTTY === true });
  const answer = await new Promise<string>((r) => {
    rl.once('close', () => r(''));
    rl.once('SIGINT', () => rl.close());
    rl.question(question, r);
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
