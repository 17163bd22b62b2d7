import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { createInterface } from 'readline';
import { Cluster } from '../core/cluster';
import { parseSettings, type Settings } from '../core/config';
import type { ContainerAction } from '../core/model';
import { formatActions, formatStatusTable, statusJson } from './format';
import { follow, followToEnd, parseOverrides, runBackup, runJobs } from './backup';
import { jobsOf } from '../core/backup/jobs';
import { runValidate } from './validate';
import { policyOf, runList, runPrune } from './catalog';
import { RetentionError } from '../core/catalog/retention';
import { parseSubsetPercent } from '../core/validate/readDataState';
import { finishRestore, runRestore } from './restore';
import { todaysArchive } from '../core/restore/archiveChoice';
import { RestoreError } from '../core/restore/restoreError';
import { EXISTING_POLICIES, type ExistingPolicy } from '../core/restore/plan';
import type { CliIo } from './io';


const USAGE = `usage: gluster-backup [--config FILE] [--json] COMMAND [--node NAME]...

commands:
  status                 every node: reachability, gluster container, storage driver,
                         volume health and the backups on disk
  start | stop | restart the gluster container on the named nodes (all by default)
  trust-host-key --node NAME [--yes] [--fingerprint SHA256:...]
                         show the host key a node presents and add it to known_hosts
  backup [--node NAME] [-b DIR] [-z] [--detach] [--override CHECK:REASON]...
                         preflight, then tar of the whole gluster filesystem inside the
                         gluster container of one node, to DIR/datarobot-gluster-backup-<date>.tar
                         (-z: .tar.gz with pigz or gzip); waits and shows progress unless
                         --detach. Exit 0 completed, 1 completed with warnings, 2 otherwise.
  jobs                   backup jobs found on the nodes (running and finished)
  attach JOB             follow a running job (or show a finished one) until it ends
  cancel JOB             stop tar on the node (a backup's partial archive is removed; what a
                         restore wrote stays)
  validate-backup [--archive FILE] [--node NAME] [-b DIR] [--via auto|sftp|container]
                         which files of the gluster filesystem are missing from the archive
                         (default: the newest in DIR or the backups directory), which changed
                         and which are gone; the report is also saved beside the archive as
                         FILE.validation.json. The archive is hashed in the container against
                         FILE.sha256 (written by the backup job) when there is one.
          [--read-data [--read-data-subset N%]]
                         also compare the data of every regular-file member with the same
                         file of the live filesystem (tar --compare in the container): members
                         whose data differs although size and mtime agree are listed. With
                         --read-data-subset, only the next N% of the members, continuing where
                         the last run stopped (FILE.read-data.json): ten runs at 10% check
                         each member once. Exit 0 nothing missing, 1 files missing or data
                         differs, 2 archive truncated, corrupt or damaged (sha256 differs from
                         FILE.sha256, named by member or offset), or validation impossible.
  restore [--dry-run] [--archive FILE | -f NAME] [--node NAME] [-b DIR] [--include PATH]...
          [--target SUBDIR] [--existing refuse|skip|overwrite] [--via auto|sftp|container]
          [--detach] [--override CHECK:REASON]...
                         restores the archive (default: today's in DIR or the backups
                         directory) into the gluster filesystem: GNU tar extracting in the
                         gluster container, as a job on the node (jobs, attach, cancel work for
                         it), then a verification that every archive member is there as
                         archived, saved beside the archive. --include takes a file or
                         directory (relative to the filesystem's root, repeatable); --target
                         restores under a directory of it; --existing says what to do with
                         entries already there (refuse, the default, refuses before writing
                         anything). --dry-run writes nothing and shows what it would do.
                         Each refusal names its check; archive, free-space, nodes, gluster,
                         bricks and peers can be overridden with a reason (recorded in the job).
                         Exit 0 restored and verified (dry run: could go ahead), 1 restored
                         with differences, 2 refused, failed or cancelled.
  list [--node NAME]... [-b DIR]
                         every archive in DIR (default: the backups directory) on every node:
                         size, compressed or not, when it was made (its job's end, else the
                         file's mtime), tar's exit and warnings, the last validation (when,
                         verdict, files missing), the checksum state (ok, mismatch, absent,
                         not checked) and the restores made from it. Exit 0 every node read,
                         1 a node or its directory could not be read.
  prune --keep-last N --keep-daily D --keep-weekly W --keep-monthly M [--node NAME]...
        [-b DIR] [--dry-run]
                         removes the archives no rule keeps, with all their files (job record,
                         log, status, checksum, validation and restore reports). Rules as
                         restic's forget, per node, days, ISO weeks and months in UTC; at
                         least one rule above 0. Never removed: the newest archive that
                         validated clean, an archive a job runs on, a file not named like
                         ours. --dry-run shows what would go and which rule keeps the rest.
                         Exit 0 done, 1 a node unread or a file not removed, 2 no rule.
  -b DIR -n backup       the seed procedure's form of: backup -b DIR
  -b DIR [-f NAME] -n validate-backup
                         the seed's form of: validate-backup -b DIR (the newest archive, or NAME)
  -b DIR [-f NAME] -n restore
                         the DataRobot form of: restore -b DIR (today's archive, or NAME)

options:
  --config FILE   JSON settings (same keys as the glusterBackup.* VS Code settings);
                  default $GLUSTER_BACKUP_CONFIG or ~/.config/gluster-backup/config.json;
                  without one, the local docker socket is the only node
  --json          machine-readable output
  --node NAME     limit to this node (repeatable)

exit status: 0 when every node succeeded, 1 when any node failed, 2 on usage errors.
`;

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
    throw new Error(`config file ${file} does not exist`);
  }
  const { settings, problems } = parseSettings(raw);
  return { settings, problems: problems.map((p) => `${source}: ${p.key ? p.key + ': ' : ''}${p.message}`), source };
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        node: { type: 'string', multiple: true },
        yes: { type: 'boolean', default: false },
        fingerprint: { type: 'string' },
        b: { type: 'string', short: 'b' },
        n: { type: 'string', short: 'n' },
        z: { type: 'boolean', short: 'z', default: false },
        detach: { type: 'boolean', default: false },
        override: { type: 'string', multiple: true },
        archive: { type: 'string' },
        via: { type: 'string' },
        f: { type: 'string', short: 'f' },
        'dry-run': { type: 'boolean', default: false },
        include: { type: 'string', multiple: true },
        target: { type: 'string' },
        existing: { type: 'string' },
        'keep-last': { type: 'string' },
        'keep-daily': { type: 'string' },
        'keep-weekly': { type: 'string' },
        'keep-monthly': { type: 'string' },
        'read-data': { type: 'boolean', default: false },
        'read-data-subset': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr.write(`gluster-backup: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  // The seed's `datarobot-manage-gluster -b DIR -n backup` form.
  if (values.n !== undefined) positionals.unshift(values.n);
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  const takesArg = command === 'attach' || command === 'cancel';
  if (positionals.length > (takesArg ? 2 : 1) || (takesArg && positionals.length < 2)) {
    if (takesArg && positionals.length < 2) {
      io.stderr.write(`gluster-backup: ${command} needs a JOB (see: gluster-backup jobs)\n`);
      return 2;
    }
    io.stderr.write(`gluster-backup: unexpected argument "${positionals[1]}"\n\n${USAGE}`);
    return 2;
  }
  const { settings, problems } = loadSettings(values.config, io.env);
  for (const p of problems) io.stderr.write(`warning: ${p}\n`);
  const cluster = new Cluster(settings, {
    passphrase: async (node) => io.env[`GLUSTER_BACKUP_PASSPHRASE_${node.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ?? io.env.GLUSTER_BACKUP_PASSPHRASE,
  });
  try {
    const known = new Set(cluster.nodes().map((n) => n.name));
    for (const n of values.node ?? []) {
      if (!known.has(n)) {
        io.stderr.write(`gluster-backup: no node named "${n}" (configured: ${[...known].join(', ')})\n`);
        return 2;
      }
    }
    const names = values.node?.length ? values.node : undefined;
    switch (command) {
      case 'status': {
        const all = await cluster.refreshAll();
        const shown = names ? all.filter((s) => names.includes(s.name)) : all;
        io.stdout.write(values.json ? JSON.stringify(statusJson(shown), null, 2) + '\n' : formatStatusTable(shown));
        return shown.every((s) => s.reachable && !s.error) ? 0 : 1;
      }
      case 'start':
      case 'stop':
      case 'restart': {
        const results = await cluster.act(command as ContainerAction, names);
        io.stdout.write(values.json ? JSON.stringify({ results }, null, 2) + '\n' : formatActions(results));
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'trust-host-key':
        return await trustHostKey(cluster, names, values.yes ?? false, values.fingerprint, io);
      case 'backup': {
        if (names && names.length > 1) {
          io.stderr.write('gluster-backup: backup runs on one node: give at most one --node\n');
          return 2;
        }
        let overrides;
        try {
          overrides = parseOverrides(values.override);
        } catch (e) {
          io.stderr.write(`gluster-backup: ${(e as Error).message}\n`);
          return 2;
        }
        if (values.b !== undefined && !values.b.startsWith('/')) {
          io.stderr.write(`gluster-backup: -b ${values.b}: the backups directory must be an absolute path on the node\n`);
          return 2;
        }
        return await runBackup(cluster, io, {
          ...(names ? { node: names[0] } : {}),
          ...(values.b !== undefined ? { backupDir: dirArg(values.b) } : {}),
          gzip: values.z ?? false,
          detach: values.detach ?? false,
          json: values.json ?? false,
          overrides,
        });
      }
      case 'validate-backup': {
        const args = oneArchiveArgs('validate-backup reads one archive', values, names, settings.backupDir, io);
        if (!args) return 2;
        const { via, archive } = args;
        let subset: number | undefined;
        if (values['read-data-subset'] !== undefined) {
          try {
            subset = parseSubsetPercent(values['read-data-subset']);
          } catch (e) {
            io.stderr.write(`gluster-backup: ${(e as Error).message}\n`);
            return 2;
          }
        }
        const readData = values['read-data'] || subset !== undefined;
        return await runValidate(cluster, io, {
          json: values.json ?? false,
          via,
          ...(readData ? { readData: subset !== undefined ? { subset } : {} } : {}),
          ...(names ? { node: names[0] } : {}),
          ...(archive !== undefined ? { archive } : {}),
          ...(values.b !== undefined ? { backupDir: dirArg(values.b) } : {}),
        });
      }
      case 'restore': {
        const existing = values.existing ?? 'refuse';
        if (!EXISTING_POLICIES.includes(existing as ExistingPolicy)) {
          io.stderr.write(`gluster-backup: --existing ${existing}: one of ${EXISTING_POLICIES.join(', ')}\n`);
          return 2;
        }
        const args = oneArchiveArgs('restore runs on one node', values, names, settings.backupDir, io);
        if (!args) return 2;
        let overrides;
        try {
          // Who overrode is recorded with the reason: the job file outlives this terminal.
          overrides = parseOverrides(values.override).map((x) => ({ ...x, by: `${os.userInfo().username}@${os.hostname()} (CLI)` }));
        } catch (e) {
          io.stderr.write(`gluster-backup: ${(e as Error).message}\n`);
          return 2;
        }
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
            io.stderr.write(`gluster-backup: restore: ${e.message}\n`);
            return 2;
          }
        }
        return await runRestore(cluster, io, {
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
        if (values.b !== undefined && !values.b.startsWith('/')) {
          io.stderr.write(`gluster-backup: -b ${values.b}: the backups directory must be an absolute path on the node\n`);
          return 2;
        }
        const dir = dirArg(values.b ?? settings.backupDir);
        if (command === 'list') return await runList(cluster, io, { dir, json: values.json ?? false, ...(names ? { nodes: names } : {}) });
        let policy;
        try {
          policy = policyOf(values);
        } catch (e) {
          if (!(e instanceof RetentionError)) throw e;
          io.stderr.write(`gluster-backup: prune: ${e.message}\n`);
          return 2;
        }
        return await runPrune(cluster, io, { dir, policy, json: values.json ?? false, dryRun: values['dry-run'] ?? false, ...(names ? { nodes: names } : {}) });
      }
      case 'jobs':
        return await runJobs(cluster, io, values.json ?? false);
      case 'attach':
      case 'cancel': {
        const jobs = jobsOf(cluster);
        const job = await jobs.find(positionals[1]);
        if (command === 'cancel') {
          const done = await jobs.cancel(job);
          io.stdout.write(`${done.id}: ${done.state}${done.reason ? `: ${done.reason}` : ''}\n`);
          return done.state === 'cancelled' ? 0 : 1;
        }
        if (job.kind === 'restore') {
          // A restore followed to its end is verified then (once: a report already made stands).
          const final = await followToEnd(jobs, job, io, values.json ?? false, job.restore?.archiveBytes);
          if (final.restore?.report) {
            io.stdout.write(`${final.id}: verified before, ${final.restore.differences ?? 0} differences; report: ${final.restore.report}\n`);
            return final.restore.differences ? 1 : 0;
          }
          return await finishRestore(cluster, io, final, values.json ?? false);
        }
        return await follow(jobs, job, io, values.json ?? false, job.compression === 'gzip' && job.sourceBytes ? Math.ceil(job.sourceBytes * 0.8) : job.sourceBytes);
      }
      default:
        io.stderr.write(`gluster-backup: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } finally {
    cluster.dispose();
  }
}

/** A directory as given (-b, or the setting), without trailing slashes. */
function dirArg(dir: string): string {
  return dir.replace(/\/+$/, '') || '/';
}

/** One --node at most, --via, and the archive (see archiveArg); undefined after saying what is wrong. */
function oneArchiveArgs(
  why: string,
  values: { archive?: string; f?: string; b?: string; via?: string },
  names: string[] | undefined,
  backupDir: string,
  io: CliIo,
): { via: 'auto' | 'sftp' | 'container'; archive: string | undefined } | undefined {
  if (names && names.length > 1) {
    io.stderr.write(`gluster-backup: ${why}: give at most one --node\n`);
    return undefined;
  }
  const via = values.via ?? 'auto';
  if (via !== 'auto' && via !== 'sftp' && via !== 'container') {
    io.stderr.write(`gluster-backup: --via ${via}: one of auto, sftp, container\n`);
    return undefined;
  }
  const archive = archiveArg(values, backupDir, io);
  return archive === false ? undefined : { via, archive };
}

/**
 * The archive named by --archive (an absolute path) or -f (a name in -b DIR or the backups
 * directory); undefined when neither; false after telling the operator what is wrong.
 */
function archiveArg(values: { archive?: string; f?: string; b?: string }, backupDir: string, io: CliIo): string | undefined | false {
  for (const [flag, v] of [['-b', values.b], ['--archive', values.archive]] as const) {
    if (v !== undefined && !v.startsWith('/')) {
      io.stderr.write(`gluster-backup: ${flag} ${v}: give an absolute path on the node\n`);
      return false;
    }
  }
  if (values.f === undefined) return values.archive;
  if (values.archive !== undefined) {
    io.stderr.write('gluster-backup: give the archive either with --archive PATH or with -f NAME, not both\n');
    return false;
  }
  if (values.f === '' || values.f.includes('/') || values.f === '.' || values.f === '..') {
    io.stderr.write(`gluster-backup: -f ${values.f}: the name of an archive in the backups directory (-b DIR), without a path\n`);
    return false;
  }
  const dir = dirArg(values.b ?? backupDir);
  return `${dir === '/' ? '' : dir}/${values.f}`;
}

async function trustHostKey(cluster: Cluster, names: string[] | undefined, yes: boolean, expected: string | undefined, io: CliIo): Promise<number> {
  if (!names || names.length !== 1) {
    io.stderr.write('gluster-backup: trust-host-key needs exactly one --node NAME\n');
    return 2;
  }
  if (expected !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(expected)) {
    io.stderr.write(`gluster-backup: --fingerprint ${expected}: give it as ssh-keygen -lf prints it (SHA256: and 43 characters)\n`);
    return 2;
  }
  const s = await cluster.refreshNode(names[0]);
  if (s.error?.kind === 'hostKeyChanged') {
    io.stderr.write(`${s.error.message}\nRefusing to trust it. Remove the old key from known_hosts yourself once you know why it changed.\n`);
    return 1;
  }
  if (s.error?.kind !== 'hostKeyUnknown' || !s.error.presentedKey) {
    io.stdout.write(s.reachable ? `${s.name}: host key already trusted\n` : `${s.name}: ${s.error?.message}\n`);
    return s.reachable ? 0 : 1;
  }
  // The key shown is the key written, even if the node presents another by the time the answer comes.
  const approved = s.error.presentedKey;
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
    const rl = createInterface({ input: io.stdin, output: io.stdout });
    const answer = await new Promise<string>((r) => rl.question('Trust this key and add it to known_hosts? [y/N] ', r));
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stdout.write('not trusted\n');
      return 1;
    }
  }
  try {
    await cluster.trustHostKey(s.name, approved);
  } catch (e) {
    io.stderr.write(`gluster-backup: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`added to ${cluster.settings.knownHostsFile}\n`);
  return 0;
}
