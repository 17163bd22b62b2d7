// The command line, parsed once and checked against the command table: an unknown option, an
// option the command does not take, a missing or extra argument is a UsageError, reported in
// one line with a pointer to the command's help (exit 64), before anything touches a node.
import { parseArgs } from 'node:util';
import { COMMANDS, COMMON_OPTIONS, OPTIONS, commandSpec, type CommandSpec, type OptionName } from './commands';

export class UsageError extends Error {
  /** The command whose help the message points to; none: the top-level help. */
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

type Values = ReturnType<typeof parseAll>['values'];

export type Parsed =
  | { kind: 'version' }
  | { kind: 'help'; command?: CommandSpec }
  | RunCommand;

export interface RunCommand {
  kind: 'run';
  command: CommandSpec;
  values: Values;
  arg?: string;
}

function parseAll(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, tokens: true, options: OPTIONS });
}

/** `--dry-run`, `-b`: an option as the operator typed it. */
function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** node's parseArgs messages, shortened to what the operator typed. */
function parseError(e: Error & { code?: string }): string {
  const m = e.message;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${m.match(/'([^']+)'/)?.[1] ?? m}`;
  return m.replace(/\. To specify a positional argument.*$/s, '');
}

function commandNames(): string {
  return COMMANDS.filter((c) => !c.topic)
    .map((c) => c.name)
    .join(', ');
}

export function parseCommandLine(argv: string[]): Parsed {
  // The command is known before parsing so that a parse error can point to its help.
  const guess = argv.find((a) => commandSpec(a) !== undefined);
  let parsed;
  try {
    parsed = parseAll(argv);
  } catch (e) {
    throw new UsageError(parseError(e as Error), guess);
  }
  const { values, positionals, tokens } = parsed;
  const given = new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name as OptionName] : [])));
  let name = positionals[0];
  let rest = positionals.slice(1);
  if (values.n !== undefined) {
    // The seed's `datarobot-manage-gluster -b DIR -n backup` form.
    if (positionals.length) throw new UsageError(`-n ${values.n} names the command: "${positionals[0]}" is one too many`, values.n);
    name = values.n;
    rest = [];
  }
  if (values.version) {
    if (name !== undefined || given.size > 1) throw new UsageError('--version takes nothing else');
    return { kind: 'version' };
  }
  if (name === undefined) {
    if (values.help) return { kind: 'help' };
    throw new UsageError('no command given');
  }
  const spec = commandSpec(name);
  if (!spec || spec.topic) throw new UsageError(`unknown command "${name}" (commands: ${commandNames()})`);
  if (spec.name === 'help') {
    if (rest.length > 1) throw new UsageError(`help takes one COMMAND, not "${rest.join(' ')}"`, 'help');
    if (!rest.length) return values.help ? { kind: 'help', command: spec } : { kind: 'help' };
    const topic = commandSpec(rest[0]);
    if (!topic) throw new UsageError(`no command "${rest[0]}" to help with (commands: ${commandNames()})`, 'help');
    return { kind: 'help', command: topic };
  }
  if (values.help) return { kind: 'help', command: spec };
  if (values.n !== undefined && !spec.seedForm) throw new UsageError(`-n ${name}: the seed's -n form is for backup, validate-backup and restore`, spec.name);
  const allowed = new Set<OptionName>([...COMMON_OPTIONS, ...spec.options, ...(spec.seedForm ? (['n'] as const) : [])]);
  for (const o of given) {
    if (!allowed.has(o)) throw new UsageError(`${flag(o)} does not apply to ${spec.name}`, spec.name);
  }
  if (spec.arg) {
    if (rest.length === 0) throw new UsageError(`${spec.name} needs a ${spec.arg}${spec.arg === 'JOB' ? ' (see: gluster-backup jobs)' : ''}`, spec.name);
    if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`, spec.name);
    return { kind: 'run', command: spec, values, arg: rest[0] };
  }
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`, spec.name);
  return { kind: 'run', command: spec, values };
}
