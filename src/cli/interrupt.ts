// Ctrl-C while the CLI follows a job: the job is tar on the node and does not depend on this
// process, so the CLI stops following, says so, and says how to pick the job up again.
import type { JobRecord } from '../core/backup/types';

/** Thrown by a follow that Ctrl-C ended; the job it names goes on on the node. */
export class FollowInterrupted extends Error {
  constructor(readonly job: JobRecord) {
    super(`interrupted while following ${job.id}`);
  }
}

/** What the operator reads after Ctrl-C; `config` is the --config given, for the commands shown. */
export function interruptedText(job: JobRecord, config: string | undefined): string {
  const cli = cliCommand(config);
  return (
    `gluster-backup: interrupted: the ${job.kind} job ${job.id} goes on on ${job.node} (only following it stopped)\n` +
    `  follow it again: ${jobCommand(cli, 'attach', job)}\n` +
    `  cancel it:       ${jobCommand(cli, 'cancel', job)}\n`
  );
}

/** `attach` or `cancel` of `job` on its own node (a job id is a node's), as a shell reads it back. */
export function jobCommand(cli: string, command: 'attach' | 'cancel', job: Pick<JobRecord, 'id' | 'node'>): string {
  return `${cli} ${command} ${job.id} --node ${shellWord(job.node)}`;
}

/** The validate-backup of a backup job's archive, as the operator would type it. */
export function validateCommand(cli: string, job: Pick<JobRecord, 'archive' | 'node'>): string {
  return `${cli} validate-backup --node ${shellWord(job.node)} --archive ${shellWord(job.archive)}`;
}

/** The command as the operator ran it, for the commands a message tells them to run next. */
export function cliCommand(config: string | undefined): string {
  return `gluster-backup${config !== undefined ? ` --config ${shellWord(config)}` : ''}`;
}

/** A word a shell reads back as itself. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
