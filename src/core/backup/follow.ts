// Follows a job live: archive size every second (one stat on the node, never the archive
// itself), tar's new stderr lines as typed events, and the job's state until it is final.
// A wait on the node (BackupJobs.waitForExit) cuts the sleep short when the job ends, so the
// end is seen within a quarter second rather than up to a whole interval later.
import type { BackupJobs } from './jobs';
import { isFinal } from './jobs';
import { LineSplitter } from '../lineSplitter';
import { parseTarLine, type TarEvent } from './tarWarnings';
import type { JobRecord } from './types';

export interface FollowHandlers {
  sample?(t: number, bytes: number): void;
  event?(e: TarEvent): void;
  state?(job: JobRecord): void;
}

export interface Following {
  /** Resolves with the final record (or the last one seen when stopped). */
  done: Promise<JobRecord>;
  stop(): void;
}

export function followJob(jobs: BackupJobs, start: JobRecord, h: FollowHandlers, intervalMs = 1000): Following {
  let stopped = false;
  let wake: (() => void) | undefined;
  let ended = false;
  const waiting = new AbortController();
  if (!isFinal(start.state) && jobs.waitForExit) {
    jobs.waitForExit(start, waiting.signal).then(
      () => {
        ended = true;
        wake?.();
      },
      // Lost link, stopped container: the regular looks carry on and tell what happened.
      () => undefined,
    );
  }
  const done = (async () => {
    let job = start;
    let offset = 0;
    const lines = new LineSplitter();
    let lastState = '';
    let lastAt = -Infinity;
    const emitState = (j: JobRecord) => {
      const key = `${j.state}:${j.reason ?? ''}`;
      if (key !== lastState) {
        lastState = key;
        h.state?.(j);
      }
    };
    emitState(job);
    for (;;) {
      try {
        const r = await jobs.readLog(job, offset);
        offset = r.offset;
        for (const l of lines.push(r.text)) {
          const e = parseTarLine(l);
          if (e) h.event?.(e);
        }
        if (!isFinal(job.state)) {
          const at = await jobs.progress(job);
          // Stamped when it was learnt; a position already given is not news.
          if (at !== undefined && at.at > lastAt) {
            lastAt = at.at;
            h.sample?.(at.at, at.bytes);
          }
        }
        job = await jobs.observe(job);
      } catch (e) {
        job = { ...job, state: 'unknown', reason: (e as Error).message };
      }
      emitState(job);
      if (isFinal(job.state) || stopped) {
        waiting.abort();
        if (isFinal(job.state)) {
          // Lines tar wrote between our last read and its exit.
          for (;;) {
            const r = await jobs.readLog(job, offset).catch(() => ({ text: '', offset }));
            if (!r.text) break;
            offset = r.offset;
            for (const l of lines.push(r.text)) {
              const e = parseTarLine(l);
              if (e) h.event?.(e);
            }
          }
          for (const l of lines.flush()) {
            const e = parseTarLine(l);
            if (e) h.event?.(e);
          }
          if (job.archiveBytes !== undefined) h.sample?.(Date.now(), job.archiveBytes);
        }
        return job;
      }
      if (ended) {
        // Seen by the wait: one more look finalises. Only once: a wait that ended because the
        // status file is gone must not turn the loop into a busy one.
        ended = false;
        continue;
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs);
      });
      wake = undefined;
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
