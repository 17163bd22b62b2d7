// gluster-backup validate-backup: the archive against the live filesystem, from a terminal.
import { EXIT_INTERRUPTED, EXIT_LOCKED } from './exitCodes';
import { ReadDataLockHeld } from '../core/validate/readDataLock';
import { bytesText } from '../core/bytes';
import { ProgressTracker } from '../core/backup/progressMath';
import type { Cluster } from '../core/cluster';
import type { ReadDataProgress } from '../core/validate/readData';
import { exitOfValidation, validateBackup, ValidateError, type ValidateOptions } from '../core/validate/validateBackup';
import { reportLine, reportMarkdown } from '../core/validate/reportText';
import { durationText } from './backup';
import { statusFigures, type StatusLine } from './ndjson';
import type { CliIo } from './io';
import { errorLine, outputFor, shownLines } from './terminalText';

/** --read-data's progress line: members and bytes done, rate and ETA (the panel's estimator). */
export function readDataProgress(out: NodeJS.WritableStream, tty: boolean, now: () => number = Date.now): { update: (p: ReadDataProgress) => void; end: () => void } {
  const tracker = new ProgressTracker();
  const t0 = now();
  let lastPlain = 0;
  let shownAt = 0;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      tracker.target = p.bytesTotal;
      tracker.push({ t, bytes: p.bytes });
      // A line per member would flood the terminal: a few a second on a TTY, every 10 s otherwise.
      if (tty ? t - shownAt < 200 && p.members < p.membersTotal : t - lastPlain < 10_000) return;
      shownAt = lastPlain = t;
      const v = tracker.view();
      const pct = p.bytesTotal > 0 ? ` (${Math.min(100, (100 * p.bytes) / p.bytesTotal).toFixed(1)}%)` : '';
      const eta = v.finishAt !== undefined ? `, ETA ${durationText(Math.max(0, v.finishAt - t))}` : '';
      const text = `read data: ${p.members}/${p.membersTotal} members, ${bytesText(p.bytes)} of ${bytesText(p.bytesTotal)}${pct}, ${bytesText(v.rate ?? 0)}/s${eta}, ${Math.round((t - t0) / 1000)} s`;
      if (tty) {
        out.write(`\r\x1b[K${text}`);
        drawn = true;
      } else out.write(`${text}\n`);
    },
    end() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

/** --read-data's progress with --json: a status line a second, and the last one. */
export function readDataStatus(status: (s: StatusLine) => void, now: () => number = Date.now): { update: (p: ReadDataProgress) => void; end: () => void } {
  const tracker = new ProgressTracker();
  const t0 = now();
  let shownAt: number | undefined;
  return {
    update(p) {
      const t = now();
      tracker.target = p.bytesTotal;
      tracker.push({ t, bytes: p.bytes });
      if (shownAt !== undefined && t - shownAt < 1000 && p.members < p.membersTotal) return;
      shownAt = t;
      const v = tracker.view();
      status({
        message_type: 'status',
        kind: 'read-data',
        ...statusFigures({ now: t, since: t0, bytes: p.bytes, total: p.bytesTotal, rate: v.rate, finishAt: v.finishAt }),
        members_done: p.members,
        total_members: p.membersTotal,
      });
    },
    end() {},
  };
}

export async function runValidate(cluster: Cluster, io: CliIo, o: ValidateOptions & { json: boolean }): Promise<number> {
  const progress = o.json ? io.stderr : io.stdout;
  const tty = !o.json && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const bar = o.readData ? (o.json && io.status ? readDataStatus(io.status) : readDataProgress(progress, tty)) : undefined;
  // Ctrl-C stops the check on the node too (its tar, its list of names), not only this process.
  const interrupt = new AbortController();
  const off = io.onInterrupt?.(() => interrupt.abort());
  try {
    const r = await validateBackup(cluster, {
      ...o,
      signal: interrupt.signal,
      ...(o.readData ? { readData: { ...o.readData, onProgress: (p: ReadDataProgress) => bar!.update(p) } } : {}),
      onPhase: (phase, detail) => progress.write(outputFor(o.json).line`${phase} ${detail}\n`),
    });
    bar?.end();
    if (o.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else io.stdout.write(shownLines('\n' + reportMarkdown(r) + '\n' + reportLine(r) + '\n'));
    return exitOfValidation(r);
  } catch (e) {
    bar?.end();
    if (interrupt.signal.aborted) {
      io.stderr.write('gluster-backup: validate-backup: interrupted: the check was stopped, and nothing was written beside the archive\n');
      return EXIT_INTERRUPTED;
    }
    if (e instanceof ReadDataLockHeld) {
      // Another run holds the archive: not a failure of it, and a script can tell (exit 75), and
      // with --json read who holds it.
      io.stderr.write(errorLine(o.json, `validate-backup: ${e.message}`));
      if (o.json) io.stdout.write(JSON.stringify({ error: e.message, readDataLock: { node: e.node, archive: e.archive, path: e.lockPath, ...e.found } }, null, 2) + '\n');
      return EXIT_LOCKED;
    }
    if (!(e instanceof ValidateError)) throw e;
    io.stderr.write(errorLine(o.json, `validate-backup: ${e.message}`));
    return 2;
  } finally {
    off?.();
  }
}
