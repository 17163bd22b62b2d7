// One long-lived `gluster --mode=script --xml` prompt per node, inside its gluster container, for
// the read-only calls of a refresh. Measured on the test bed: a one-shot gluster CLI costs about
// 250 ms, nearly all of it the CLI starting up and connecting to glusterd; the same command
// typed at a running prompt answers in 2-10 ms. So a warm refresh reads the volume's health in
// milliseconds instead of a second.
//
// The prompt answers one XML document per command line, ending with `</cliOutput>`. What it
// cannot answer that way ends it: a word it does not know prints the usage and exits 1, and
// text on stderr (glusterd unreachable) means the answer will not come as XML. Either way the
// call fails with what gluster said, and the shell is replaced on the next call; the caller
// falls back to a one-shot CLI when the shell cannot start or died (ShellUnavailable).
import type Docker from 'dockerode';
import { PassThrough, type Duplex } from 'stream';
import { StringDecoder } from 'string_decoder';
import { endedWith, execStateOf } from '../docker/execInspect';
import { CliDocuments } from './cliDocuments';
import { GlusterMissing, glusterMissingFrom } from './errors';

/** The shell could not run the command (not started, ended, or out of sync): use a one-shot CLI. */
export class ShellUnavailable extends Error {
  override name = 'ShellUnavailable';
}

/** gluster answered on stderr instead of in XML (glusterd unreachable, say): its words. */
export class ShellCommandFailed extends Error {
  override name = 'ShellCommandFailed';
}

/** Only plain words go to the prompt: it splits on blanks and a newline would start a second command. */
const PLAIN_WORD = /^[A-Za-z0-9_.:=@/-]+$/;
/**
 * The commands measured to answer at the prompt, on distribute and replica volumes alike. Not
 * `volume heal … info`: glusterd does not answer it, a glfsheal process does, and at a prompt
 * its answer stays unwritten until the next command is typed (measured on a replica 3 volume:
 * 12 s later, with the next command's). Anything not listed runs one-shot.
 */
const PROMPT_COMMANDS = [/^volume info( \S+)?$/, /^volume status \S+( detail| clients)?$/, /^pool list$/, /^peer status$/];
const BANNER = /^Welcome to gluster prompt[^\n]*\n?/;
/** stderr text can come in pieces: wait this long for the rest before failing the call with it. */
const STDERR_SETTLE_MS = 100;

interface Pending {
  resolve: (xml: string) => void;
  reject: (e: Error) => void;
}

export interface GlusterShellOptions {
  container: string;
  /** The global options every command runs with: `--mode=script --xml --timeout=N`. */
  globalArgs: string[];
  program?: string;
  /** Closed after this long without a call (default 120 s): no prompt lingers in an idle container. */
  idleMs?: number;
}

export class GlusterShell {
  private stream?: Duplex;
  private starting?: Promise<Duplex>;
  private out = new CliDocuments();
  private err = '';
  private errTimer?: NodeJS.Timeout;
  private pending?: Pending;
  private tail: Promise<unknown> = Promise.resolve();
  private idle?: NodeJS.Timeout;
  private closed = false;
  private found?: GlusterMissing;

  constructor(
    private readonly docker: Docker,
    private readonly opts: GlusterShellOptions,
  ) {}

  /** The container cannot run gluster at all, as this prompt found when it died: nothing to ask it. */
  get missing(): GlusterMissing | undefined {
    return this.found;
  }

  /** Whether `argv` (a one-shot gluster argv) can be typed at this shell's prompt. */
  accepts(argv: string[]): boolean {
    const program = this.opts.program ?? 'gluster';
    const head = [program, ...this.opts.globalArgs];
    const words = argv.slice(head.length);
    return (
      argv.length > head.length &&
      head.every((w, i) => argv[i] === w) &&
      words.every((w) => PLAIN_WORD.test(w)) &&
      PROMPT_COMMANDS.some((c) => c.test(words.join(' ')))
    );
  }

  /**
   * Runs a one-shot gluster argv at the prompt and returns its XML document. Calls are answered
   * in order, one at a time, as the prompt reads them.
   */
  run(argv: string[], deadlineMs: number): Promise<string> {
    if (!this.accepts(argv)) return Promise.reject(new ShellUnavailable(`not for the prompt: ${JSON.stringify(argv)}`));
    const words = argv.slice(1 + this.opts.globalArgs.length);
    const next = this.tail.then(() => this.runNow(words, deadlineMs));
    this.tail = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    this.end(new ShellUnavailable('gluster shell closed'));
  }

  private async runNow(words: string[], deadlineMs: number): Promise<string> {
    if (this.closed) throw new ShellUnavailable('gluster shell closed');
    // The container cannot run gluster: calls queued behind the one that found it out fail
    // the same way without another exec. A new container gets a new shell (the cluster's).
    if (this.found) throw this.found;
    const stream = await this.start();
    clearTimeout(this.idle);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Its answer may still come and would be taken for the next command's: start afresh.
        const e = new Error(`gluster ${words.join(' ')} did not answer within ${Math.round(deadlineMs / 1000)} s`);
        this.end(e);
      }, deadlineMs);
      this.pending = {
        resolve: (xml) => {
          clearTimeout(timer);
          this.pending = undefined;
          this.armIdle();
          resolve(xml);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.pending = undefined;
          reject(e);
        },
      };
      stream.write(`${words.join(' ')}\n`);
    });
  }

  private start(): Promise<Duplex> {
    if (this.stream) return Promise.resolve(this.stream);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawn(): Promise<Duplex> {
    let stream: Duplex;
    let exec: Docker.Exec;
    try {
      exec = await this.docker.getContainer(this.opts.container).exec({
        Cmd: [this.opts.program ?? 'gluster', ...this.opts.globalArgs],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    } catch (e) {
      throw new ShellUnavailable(`gluster shell could not start: ${(e as Error).message}`);
    }
    if (this.closed) {
      stream.destroy();
      throw new ShellUnavailable('gluster shell closed');
    }
    const so = new PassThrough();
    const se = new PassThrough();
    so.on('data', (b: Buffer) => this.onStdout(b));
    // One decoder per prompt: a character cut between frames is carried over, not two U+FFFD.
    const errText = new StringDecoder('utf8');
    se.on('data', (b: Buffer) => this.onStderr(errText.write(b)));
    this.docker.modem.demuxStream(stream, so, se);
    let ending = false;
    const gone = () => {
      if (this.stream !== stream || ending) return;
      ending = true;
      const ended = new ShellUnavailable(`gluster shell ended${this.err.trim() ? `: ${this.err.trim()}` : ''}`);
      // A container that cannot run gluster at all: the one-shot fallback would fail the same
      // way, one more exec per call. Its exit code tells (see glusterMissingFrom).
      const said = `${this.out.held}\n${this.err}`.trim();
      if (!/exec failed/i.test(said)) return this.end(ended);
      void exec
        .inspect()
        .then((answer) => {
          const code = endedWith(execStateOf(answer, 'the gluster shell')) ?? -1;
          if (this.stream === stream) this.end(glusterMissingFrom(code, said, this.opts.program ?? 'gluster', this.opts.container) ?? ended);
        })
        // An answer docker would not give tells nothing about gluster: the shell ended, as said.
        .catch(() => this.stream === stream && this.end(ended));
    };
    stream.on('end', gone);
    stream.on('close', gone);
    stream.on('error', gone);
    this.stream = stream;
    this.out = new CliDocuments();
    this.err = '';
    this.armIdle();
    return stream;
  }

  private onStdout(chunk: Buffer): void {
    const out = this.out;
    for (const doc of out.push(chunk)) {
      // Ended by an answer before this one: the rest is no one's.
      if (out !== this.out) return;
      if (this.pending) this.pending.resolve(doc);
      // An answer nobody asked for means the prompt and we are out of step.
      else this.end(new ShellUnavailable('gluster shell answered out of turn'));
    }
    // The prompt exits after usage (handled by 'end'); bound what is kept meanwhile.
    if (out === this.out && out.overlong) this.end(new ShellUnavailable('gluster shell printed more than 4 MiB without an XML end'));
  }

  private onStderr(text: string): void {
    // Only the last of it is kept: a prompt that prints without end must not fill memory.
    this.err = (this.err + text).slice(-64 * 1024);
    this.err = this.err.replace(BANNER, '');
    if (!this.err.trim() || !this.pending) return;
    clearTimeout(this.errTimer);
    this.errTimer = setTimeout(() => {
      if (this.pending) this.end(new ShellCommandFailed(this.err.trim()));
    }, STDERR_SETTLE_MS);
  }

  private armIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (!this.pending) this.end(new ShellUnavailable('gluster shell idle'));
    }, this.opts.idleMs ?? 120_000);
    this.idle.unref();
  }

  /** Ends the prompt (closing its stdin lets it exit) and fails the call in progress with `why`. */
  private end(why: Error): void {
    if (why instanceof GlusterMissing) this.found = why;
    clearTimeout(this.idle);
    clearTimeout(this.errTimer);
    const s = this.stream;
    this.stream = undefined;
    this.out = new CliDocuments();
    if (s) {
      s.removeAllListeners('end');
      s.removeAllListeners('close');
      s.on('error', () => undefined);
      s.end();
      s.destroy();
    }
    const p = this.pending;
    this.pending = undefined;
    p?.reject(why);
  }
}
