// Docker events for the gluster container on one node, so the explorer changes the moment a
// container starts, stops or dies instead of waiting for the next poll.
import { StringDecoder } from 'node:string_decoder';
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
      const actions = new EventActions();
      stream!.on('data', (chunk: Buffer) => {
        for (const action of actions.push(chunk)) h.onEvent(action);
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
 * The actions of docker's event stream, chunk by chunk as it arrives: lines held to a bound
 * (LineSplitter), decoded across chunks (a character cut between two reads, as in a label or a
 * name, stays one character, not two replacement ones), and without our own exec_* events.
 */
export class EventActions {
  private readonly decoder = new StringDecoder('utf8');
  private readonly lines = new LineSplitter();

  push(chunk: Buffer): string[] {
    const out: string[] = [];
    for (const line of this.lines.push(this.decoder.write(chunk))) {
      const action = eventAction(line);
      // exec_* events are our own probes (gluster CLI); they change no state.
      if (action !== undefined && !action.startsWith('exec_')) out.push(action);
    }
    return out;
  }
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
