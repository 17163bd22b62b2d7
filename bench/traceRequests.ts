// An HTTP request that fails with nobody listening crashes the process ("socket hang up",
// ECONNRESET): seen twice in the 20-minute restore benchmark, each time while the process held a
// Cluster and blocked in spawnSync for a minute and a half (the second time with this trace on,
// as an unhandled rejection that named no request). That benchmark now runs its other sides
// without blocking (benchData's spawnAsync). Every request the process makes (docker over SSH
// channels) records where it was made; a failure without a listener prints that, so a next
// crash names its request instead of only its error.
import * as http from 'node:http';

const made = new WeakMap<http.ClientRequest, string>();
const addRequest = (http.Agent.prototype as unknown as { addRequest: (req: http.ClientRequest, ...a: unknown[]) => void }).addRequest;
(http.Agent.prototype as unknown as { addRequest: typeof addRequest }).addRequest = function (this: unknown, req: http.ClientRequest, ...a: unknown[]) {
  made.set(req, (new Error().stack ?? '').split('\n').slice(2, 14).join('\n'));
  return addRequest.call(this, req, ...a);
};
const emit = http.ClientRequest.prototype.emit;
http.ClientRequest.prototype.emit = function (this: http.ClientRequest, event: string | symbol, ...args: unknown[]) {
  if (event === 'error' && this.listenerCount('error') === 0) {
    const e = args[0] as Error | undefined;
    console.error(`[trace] ${new Date().toISOString()} ${this.method} ${this.path} failed with no listener: ${e?.message} (listening: ${this.eventNames().map(String).join(', ')})\nmade at:\n${made.get(this) ?? '(not through an agent)'}`);
  }
  return emit.call(this, event, ...args) as boolean;
} as typeof emit;
process.on('uncaughtExceptionMonitor', (e, origin) => {
  console.error(`[trace] ${new Date().toISOString()} ${origin}: ${(e as Error).stack ?? String(e)}`);
});
