// Coalesces host→webview updates so a webview gets at most one post a second however fast the
// job monitor samples: only the latest of each kind matters, and a 10-hour job must not queue.
import type { HostMessage } from '../../webview/protocol';

type Update = Exclude<HostMessage, { type: 'init' } | { type: 'batch' }>;

// The state goes last, so the final sample is drawn before the job is shown as ended.
const ORDER: Update['type'][] = ['target', 'sample', 'warnings', 'readData', 'state'];

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class MessageThrottle {
  private pending = new Map<Update['type'], Update>();
  private lastPost = -Infinity;
  private timer: unknown;

  constructor(
    private readonly post: (m: HostMessage) => void,
    private readonly intervalMs = 1000,
    private readonly timers: Timers = realTimers,
  ) {}

  queue(m: Update): void {
    this.pending.set(m.type, m);
    if (this.timer !== undefined) return;
    const wait = this.lastPost + this.intervalMs - this.timers.now();
    if (wait <= 0) this.flush();
    else this.timer = this.timers.setTimeout(() => this.flush(), wait);
  }

  /** Forgets what is pending: an `init` just sent already holds it. */
  reset(): void {
    this.pending.clear();
    this.cancelTimer();
  }

  /** Counts a post made outside the throttle (the `init`) against the rate. */
  notePost(): void {
    this.lastPost = this.timers.now();
  }

  dispose(): void {
    this.reset();
  }

  private flush(): void {
    this.cancelTimer();
    const messages = ORDER.map((k) => this.pending.get(k)).filter((m): m is Update => !!m);
    this.pending.clear();
    if (messages.length === 0) return;
    this.lastPost = this.timers.now();
    this.post(messages.length === 1 ? messages[0] : { type: 'batch', messages });
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
