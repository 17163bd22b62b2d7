// Every command of the CLI: the options it takes, its one-line summary for the command list,
// and its help. The parser refuses an option a command does not list, so this table is both the
// documentation and the rule.

/** Every option any command takes, as node's parseArgs wants them (no defaults: absent is absent). */
export const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  node: { type: 'string', multiple: true },
  yes: { type: 'boolean' },
  fingerprint: { type: 'string' },
  b: { type: 'string', short: 'b' },
  n: { type: 'string', short: 'n' },
  z: { type: 'boolean', short: 'z' },
  detach: { type: 'boolean' },
  override: { type: 'string', multiple: true },
  archive: { type: 'string' },
  via: { type: 'string' },
  'list-from': { type: 'string' },
  f: { type: 'string', short: 'f' },
  'dry-run': { type: 'boolean' },
  include: { type: 'string', multiple: true },
  target: { type: 'string' },
  existing: { type: 'string' },
  'keep-last': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
  'read-data': { type: 'boolean' },
  'read-data-subset': { type: 'string' },
  'break-lock': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionName[] = ['config', 'help'];

export interface CommandSpec {
  name: string;
  /** What follows `gluster-backup` in the usage line. */
  synopsis: string;
  summary: string;
  /** Options beyond COMMON_OPTIONS. */
  options: readonly OptionName[];
  /** The positional argument it needs (attach JOB), if any. */
  arg?: string;
  /** A help topic, not a command (help progress). */
  topic?: boolean;
  /** The seed's `-b DIR -n COMMAND` form reaches it. */
  seedForm?: boolean;
  details: string;
  exits: string;
}

const JSON_NOTE = `--json: the result as one JSON object on stdout; messages on stderr, one JSON object a line`;
const FOLLOW_NOTE = `While it follows a job, Ctrl-C stops only the following: the job goes on on the node,
and the CLI says how to attach to it again or cancel it (exit 130). With --json, the final
record alone is on stdout and stderr is NDJSON: progress as status lines, every message as a
message line (see: gluster-backup help progress).`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    synopsis: 'status [--node NAME]... [--json]',
    summary: 'every node: reachability, gluster container, volumes, backups on disk',
    options: ['node', 'json'],
    details: `Every node (or the named ones): reachability, the gluster container and its storage
driver, volume health (bricks, peers, pending heals) and the backups on disk.
${JSON_NOTE}.`,
    exits: '0 every node and its gluster answered without error, 1 any node or its gluster failed',
  },
  {
    name: 'start',
    synopsis: 'start [--node NAME]... [--json]',
    summary: 'start the gluster container on the named nodes (all by default)',
    options: ['node', 'json'],
    details: `Starts the gluster container on the named nodes (every node without --node) and waits
for its bricks to come online.`,
    exits: '0 every node succeeded, 1 any node failed',
  },
  {
    name: 'stop',
    synopsis: 'stop [--node NAME]... [--yes] [--json]',
    summary: 'stop the gluster container on the named nodes (all: asks, or --yes)',
    options: ['node', 'yes', 'json'],
    details: `Stops the gluster container on the named nodes. Without --node it stops every node,
and with it the whole gluster filesystem: on a terminal it asks first; otherwise (a script,
a pipe) it needs --yes and stops nothing without it.`,
    exits: '0 every node succeeded, 1 any node failed or the question was answered no',
  },
  {
    name: 'restart',
    synopsis: 'restart [--node NAME]... [--yes] [--json]',
    summary: 'restart the gluster container on the named nodes (all: asks, or --yes)',
    options: ['node', 'yes', 'json'],
    details: `Restarts the gluster container on the named nodes and waits for its bricks to come online.
Without --node it restarts every node at once, and the gluster filesystem is unavailable
meanwhile: on a terminal it asks first; otherwise (a script, a pipe) it needs --yes and
restarts nothing without it.`,
    exits: '0 every node succeeded, 1 any node failed or the question was answered no',
  },
  {
    name: 'trust-host-key',
    synopsis: 'trust-host-key --node NAME [--yes] [--fingerprint SHA256:...]',
    summary: "show the host key a node presents and add it to known_hosts",
    options: ['node', 'yes', 'fingerprint'],
    details: `Shows the host key the node (or its jump host) presents and adds that key to
known_hosts once you accept it (on a terminal), or with --yes. --fingerprint SHA256:...
(as ssh-keygen -lf prints it) refuses any other key. A changed key is never trusted here.`,
    exits: '0 trusted (or already trusted), 1 not trusted or the node unreachable',
  },
  {
    name: 'backup',
    synopsis: 'backup [--node NAME] [-b DIR] [-z] [--detach] [--override CHECK:REASON]... [--json]',
    summary: 'preflight, then tar of the whole gluster filesystem on one node',
    options: ['node', 'b', 'z', 'detach', 'override', 'json'],
    seedForm: true,
    details: `Preflight, then tar of the whole gluster filesystem inside the gluster container of
one node, to DIR/datarobot-gluster-backup-<date>.tar (-z: .tar.gz with pigz or gzip), DIR
being -b or the backups directory. Waits and shows progress unless --detach. A failed
preflight check can be overridden with a reason, recorded in the job:
--override CHECK:"why it is safe". The seed's form: gluster-backup -b DIR -n backup.
${FOLLOW_NOTE}`,
    exits: '0 completed, 1 completed with warnings, 2 refused, failed or cancelled, 130 Ctrl-C (the job goes on)',
  },
  {
    name: 'jobs',
    synopsis: 'jobs [--json]',
    summary: 'backup and restore jobs found on the nodes (running and finished)',
    options: ['json'],
    details: 'The backup and restore jobs found on the nodes, running and finished.',
    exits: '0 every node read, 1 a node could not be read',
  },
  {
    name: 'attach',
    synopsis: 'attach JOB [--node NAME] [--json]',
    summary: 'follow a running job (or show a finished one) until it ends',
    options: ['node', 'json'],
    arg: 'JOB',
    details: `Follows a running job (or shows a finished one) until it ends; a restore is verified
then, once. A job id is a node's: one found on several nodes (a backup of the same day on two
of them) is refused until --node says which. ${FOLLOW_NOTE}`,
    exits: 'a backup as backup (0, 1, 2), a restore as restore (0, 1, 2), 130 Ctrl-C (the job goes on)',
  },
  {
    name: 'cancel',
    synopsis: 'cancel JOB [--node NAME] [--json]',
    summary: "stop a job's tar on the node",
    options: ['node', 'json'],
    arg: 'JOB',
    details: `Stops tar on the node. A backup's partial archive is removed; what a restore wrote stays.
A job id found on several nodes is refused until --node says which.`,
    exits: '0 cancelled, 1 the job had already ended otherwise',
  },
  {
    name: 'validate-backup',
    synopsis: 'validate-backup [--archive FILE | -f NAME] [--node NAME] [-b DIR] [--via auto|sftp|container] [--list-from auto|bricks|mount] [--read-data [--read-data-subset N% [--break-lock]]] [--json]',
    summary: 'which files of the gluster filesystem an archive misses, and its checksum',
    options: ['archive', 'f', 'node', 'b', 'via', 'list-from', 'read-data', 'read-data-subset', 'break-lock', 'json'],
    seedForm: true,
    details: `Which files of the gluster filesystem are missing from the archive (default: the newest
in DIR or the backups directory), which changed and which are gone; the report is also saved
beside the archive as FILE.validation.json. The archive is hashed in the container against
FILE.sha256 (written by the backup job) when there is one.
The filesystem is listed from the volume's bricks, each on its own node, when the volume
allows it (distribute or replicate, every brick online, nothing pending heal, not sharded),
else through the gluster mount; --list-from bricks insists on the bricks (and says why not),
--list-from mount always uses the mount. The report says which, and why.
--read-data also compares the data of every regular-file member with the same file of the
live filesystem (tar --compare in the container): members whose data differs although size
and mtime agree are listed. With --read-data-subset N%, only the next N% of the members,
continuing where the last run stopped (FILE.read-data.json): ten runs at 10% check each
member once. A subset run holds FILE.read-data.lock on the node while it runs (who, pid,
since when, by the node's clock); a second run of the same archive refuses, naming them
(exit 75). A lock whose run is gone from this machine (same host, its pid no longer there)
is taken over; --break-lock removes any lock first, for a run you know is gone elsewhere.
The seed's form: gluster-backup -b DIR [-f NAME] -n validate-backup.
With --json, the report alone is on stdout and stderr is NDJSON: --read-data's progress as
status lines, every message as a message line (see: gluster-backup help progress).`,
    exits: `0 nothing missing, 1 files missing or data differs, 2 archive truncated, corrupt or
damaged (sha256 differs from FILE.sha256, named by member or offset), or validation impossible,
75 another subset run holds the archive's read-data lock (nothing checked)`,
  },
  {
    name: 'restore',
    synopsis: `restore [--dry-run] [--archive FILE | -f NAME] [--node NAME] [-b DIR] [--include PATH]...
          [--target SUBDIR] [--existing refuse|skip|overwrite] [--via auto|sftp|container]
          [--detach] [--override CHECK:REASON]... [--json]`,
    summary: 'restore an archive into the gluster filesystem (--dry-run: what it would do)',
    options: ['dry-run', 'archive', 'f', 'node', 'b', 'include', 'target', 'existing', 'via', 'detach', 'override', 'json'],
    seedForm: true,
    details: `Restores the archive (default: today's in DIR or the backups directory) into the gluster
filesystem: GNU tar extracting in the gluster container, as a job on the node (jobs, attach,
cancel work for it), then a verification that every archive member is there as archived,
saved beside the archive. --include takes a file or directory (relative to the filesystem's
root, repeatable); --target restores under a directory of it; --existing says what to do
with entries already there (refuse, the default, refuses before writing anything).
--dry-run writes nothing and shows what it would do. Each refusal names its check; archive,
free-space, nodes, gluster, bricks and peers can be overridden with a reason (recorded in
the job). The DataRobot form: gluster-backup -b DIR [-f NAME] -n restore.
${FOLLOW_NOTE}`,
    exits: `0 restored and verified (dry run: could go ahead), 1 restored with differences,
2 refused, failed or cancelled, 130 Ctrl-C (the job goes on)`,
  },
  {
    name: 'list',
    synopsis: 'list [--node NAME]... [-b DIR] [--json]',
    summary: 'every archive on every node, with its job, validation, checksum and restores',
    options: ['node', 'b', 'json'],
    details: `Every archive in DIR (default: the backups directory) on every node: size, compressed
or not, when it was made (its job's end, else the file's mtime), tar's exit and warnings, the
last validation (when, verdict, files missing), the checksum state (ok, mismatch, absent, not
checked) and the restores made from it. A finished archive its backup job kept as its
partial is shown as KEPT PARTIAL, with what to do (gluster-backup publish-kept).
Each node's first line is its last good backup (the newest archive that completed and
validated clean), with a WARNING past maxBackupAgeHours; --json gives it as lastGood.`,
    exits: '0 every node read, 1 a node or its directory could not be read',
  },
  {
    name: 'prune',
    synopsis: `prune --keep-last N --keep-daily D --keep-weekly W --keep-monthly M [--node NAME]...
        [-b DIR] [--dry-run] [--json]`,
    summary: 'remove the archives no retention rule keeps, with all their files',
    options: ['keep-last', 'keep-daily', 'keep-weekly', 'keep-monthly', 'node', 'b', 'dry-run', 'json'],
    details: `Removes the archives no rule keeps, with all their files (job record, log, status,
checksum, validation and restore reports). Rules as restic's forget, per node, days, ISO
weeks and months in UTC; at least one rule above 0. Never removed: the newest archive that
validated clean, an archive a job runs on, a file not named like ours. --dry-run shows what
would go and which rule keeps the rest.`,
    exits: '0 done, 1 a node unread or a file not removed, 2 no rule above 0',
  },
  {
    name: 'publish-kept',
    synopsis: 'publish-kept -f NAME [--node NAME] [-b DIR] [--json]',
    summary: 'publish a finished archive its backup job kept as its partial',
    options: ['f', 'node', 'b', 'json'],
    details: `A backup job that could not publish its finished archive (sync failed, the directory
takes no hard link, the name was taken) keeps it as <archive>.partial, the only copy, and list
shows it as KEPT PARTIAL. This publishes it under the name its job was to give it: flushed to
disk and linked under that name in the gluster container, never over an existing file; then
the job's record says completed (or with warnings) by tar's exit, and how it was published.
-f takes the partial's name (or the archive's) in DIR (default: the backups directory);
without --node, the node that has it. A name that another archive has is refused: move that
archive away or prune it first. The archive has no checksum file: validate it after.`,
    exits: '0 published, 2 refused or failed (the partial stays as it was, or linked under its archive name)',
  },
  {
    name: 'progress',
    synopsis: 'help progress',
    summary: 'not a command: what --json writes on stderr (NDJSON status and message lines)',
    options: [],
    topic: true,
    details: `With --json, stdout holds only the result (one JSON object) and stderr one JSON object
per line (NDJSON), each with a message_type:

  {"message_type":"status", "kind":"backup"|"restore"|"read-data",
   "job":ID, "node":NAME,             (backup and restore: the job)
   "seconds_elapsed":N, "bytes_done":N, "total_bytes":N|null,
   "percent_done":0..1|null, "rate":BYTES_PER_SECOND|null, "eta_seconds":N|null,
   "warnings":N,                      (backup and restore: tar's warnings so far)
   "members_done":N, "total_members":N}   (read-data)
  {"message_type":"message", "text":"..."}   every line the command prints for a person

A job's status line comes every second (the archive's size on the node, or tar's read
position in a restore); --read-data's at most every second and after the last member.
total_bytes of a compressed backup is an estimate. rate is smoothed as the progress panel
smooths it; eta_seconds is null until the predictions agree. Usage errors are plain text.`,
    exits: 'those of the command',
  },
  {
    name: 'help',
    synopsis: 'help [COMMAND]',
    summary: 'this list, or the help of one command (also: COMMAND --help)',
    options: [],
    details: 'The list of commands, or the help of one command.',
    exits: '0',
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
