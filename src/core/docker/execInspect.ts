// docker's answer to `exec inspect`, which comes from the node: typed by dockerode, checked here.
// Its exit code decides a command's verdict and a job's end: a string "0" taken as an exit code
// passed `!== 0` as a failure, an object made a job "exited" with it as its code.

import { isRecord } from '../guards';

/**
 * An exec as docker reports it. `exitCode` absent when not running: created but never started
 * (docker says null until the process has run).
 */
export type ExecState = { running: true } | { running: false; exitCode?: number };

/** docker's answer is not what docker sends: the node's words, clipped, are in the message. */
export class ExecAnswerError extends Error {
  override name = 'ExecAnswerError';
}

/** A process's exit status as docker reports it: containerd's 0-255 (128 + n for signal n). */
const MAX_EXIT_CODE = 255;
/** How much of a field the message quotes. */
const SHOWN = 120;

function shown(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    // A cycle or a BigInt: not from JSON, but the message must not throw.
  }
  s ??= typeof v;
  return s.length > SHOWN ? `${s.slice(0, SHOWN)}…` : s;
}

/** docker's answer about the exec of `what` (the command, for the message). */
export function execStateOf(answer: unknown, what: string): ExecState {
  const said = `${what}: docker's exec inspect answer`;
  if (!isRecord(answer)) throw new ExecAnswerError(`${said} is not an object: ${shown(answer)}`);
  const { Running: running, ExitCode: code } = answer;
  if (typeof running !== 'boolean') throw new ExecAnswerError(`${said} has Running ${shown(running)}: true or false expected`);
  if (running) return { running: true };
  if (code === null || code === undefined) return { running: false };
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > MAX_EXIT_CODE) {
    throw new ExecAnswerError(`${said} has ExitCode ${shown(code)}: a whole number from 0 to ${MAX_EXIT_CODE} expected`);
  }
  return { running: false, exitCode: code };
}

/** The exit code of an exec that has ended; undefined while it runs or before it has run. */
export function endedWith(state: ExecState): number | undefined {
  return state.running ? undefined : state.exitCode;
}
