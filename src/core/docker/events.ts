// Docker events for the gluster container on one node, so the explorer changes the moment a
// container starts, stops or dies instead of waiting for the next poll.
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
      let buf = '';
      stream!.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          try {
            const ev = JSON.parse(line) as { Action?: string; status?: string };
            const action = ev.Action ?? ev.status ?? 'unknown';
            // exec_* events are our own probes (gluster CLI); they change no state.
            if (!action.startsWith('exec_')) h.onEvent(action);
          } catch {
            // A partial or foreign line: the next poll covers whatever it meant.
          }
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
