// The help texts: the command list (gluster-backup --help), and one command's help
// (gluster-backup help COMMAND, COMMAND --help), both built from the command table.
import { COMMANDS, type CommandSpec } from './commands';
import { EXIT_CODES_TEXT } from './exitCodes';
import { VERSION } from './version';

const GLOBAL_OPTIONS = `options every command takes:
  --config FILE   JSON settings (same keys as the glusterBackup.* VS Code settings);
                  default $GLUSTER_BACKUP_CONFIG or ~/.config/gluster-backup/config.json;
                  without one, the local docker socket is the only node
  -h, --help      this help, or the command's
`;

export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `gluster-backup ${VERSION}: back up, validate and restore the GlusterFS of docker-based data nodes

usage: gluster-backup COMMAND [OPTIONS]
       gluster-backup help COMMAND     (or: gluster-backup COMMAND --help)
       gluster-backup --version

commands:
${COMMANDS.filter((c) => !c.topic)
  .map((c) => `  ${c.name.padEnd(width)}${c.summary}`)
  .join('\n')}

gluster-backup help progress: the NDJSON progress lines of --json on stderr.

The seed procedure's forms also work: gluster-backup -b DIR -n backup, and
-b DIR [-f NAME] -n validate-backup | restore.

${GLOBAL_OPTIONS}
${EXIT_CODES_TEXT}`;
}

export function commandHelp(c: CommandSpec): string {
  if (c.topic) return `gluster-backup ${c.synopsis}\n\n${c.details.trim()}\n`;
  return `usage: gluster-backup [--config FILE] ${c.synopsis}

${c.details.trim()}

${GLOBAL_OPTIONS}
exit status: ${c.exits}; 64 usage error${c.name === 'help' ? '' : ' (nothing was done)'}.
`;
}

/** The line under a usage error. */
export function helpPointer(command: string | undefined): string {
  return command ? `Try 'gluster-backup help ${command}'.` : `Try 'gluster-backup --help'.`;
}
