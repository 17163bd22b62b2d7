// Docker events for the gluster container on one node, so the explorer changes the moment a
// container starts, stops or dies instead of waiting for the next poll.
import { LineSplitter } from '../lineSplitter';
import type { NodeConnection } from '../node/nodeConnection';

export interface EventWatch {
  stop(): void;
}

export interface EventHandlers {
  onEvent(action: string): void;
  onEnd(why: string): void;
}

export function watchContainerEvents(conn: NodeConnection, container: string, h: EventHandlers): EventWatch {
  let stopped = false;
  let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
  const end = (why: string) => {
    if (stopped) return;
    stopped = true;
    h.onEnd(why);
  };
  void (async () => {
    try {
      const docker = await conn.docker();
      stream = (await docker.getEvents({
        filters: { type: ['container'], container: [container] },
      })) as typeof stream;
      if (stopped) return stream?.destroy?.();
      const lines = new LineSplitter();
      stream!.on('data', (chunk: Buffer) => {
        for (const line of lines.push(chunk.toString('utf8'))) {
          const action = eventAction(line);
          // exec_* events are our own probes (gluster CLI); they change no state.
          if (action !== undefined && !action.startsWith('exec_')) h.onEvent(action);
        }
      });
      stream!.on('end', () => end('closed by the node'));
      stream!.on('error', (e: Error) => end(e.message));
    } catch (e) {
      end((e as Error).message);
    }
  })();
  return {
    stop() {
      stopped = true;
      stream?.destroy?.();
    },
  };
}

/**
 * The action of one line of docker's event stream (a JSON object, from the node): its Action,
 * or the older status, or "unknown" for an object with neither; undefined for a blank, partial
 * or foreign line (the next poll covers whatever it meant).
 */
export function eventAction(line: string): string | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  let ev: unknown;
  try {
    ev = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return undefined;
  const o = ev as Record<string, unknown>;
  const a = typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : o.Action === undefined && o.status === undefined ? 'unknown' : undefined;
  return a === undefined ? undefined : a.slice(0, 200);
}
