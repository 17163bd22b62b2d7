// The Cluster's events are typed: a listener gets the payload its event carries, and a wrong
// event name or payload does not compile (the @ts-expect-error lines fail the test build if the
// emitter ever goes back to untyped). At run time, a local node on a socket that does not exist
// gives real, fast probes that emit a status and a log line, no test double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster, type LogLine } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import type { NodeStatus } from '../../src/core/model';

function localCluster(): Cluster {
  const { settings } = parseSettings({ nodes: [{ name: 'here', dockerSocket: path.join(os.tmpdir(), 'gb-no-such-docker-events.sock') }] });
  return new Cluster(settings);
}

test('a probe emits its status and its log lines, each with its own payload; off() stops them', async () => {
  const cluster = localCluster();
  try {
    const statuses: NodeStatus[] = [];
    const lines: LogLine[] = [];
    const onStatus = (s: NodeStatus) => statuses.push(s);
    const onLog = (l: LogLine) => lines.push(l);
    cluster.on('status', onStatus).on('log', onLog);
    const s = await cluster.refreshNode('here');
    assert.deepEqual(statuses, [s]);
    assert.equal(s.error?.kind, 'dockerUnavailable', s.error?.message);
    assert.ok(lines.some((l) => l.node === 'here' && l.level !== 'trace' && l.message.length > 0), JSON.stringify(lines));
    cluster.off('status', onStatus).off('log', onLog);
    const seen = [statuses.length, lines.length];
    await cluster.refreshNode('here');
    assert.deepEqual([statuses.length, lines.length], seen);
  } finally {
    cluster.dispose();
  }
});

test('event names and payloads are checked by the compiler', () => {
  const cluster = localCluster();
  try {
    // @ts-expect-error: there is no such event
    cluster.on('stauts', () => undefined);
    // @ts-expect-error: a status listener gets a NodeStatus, not a string
    cluster.on('status', (s: string) => s.length);
    // @ts-expect-error: a log line is a LogLine, not a string
    cluster.emit('log', 'text');
    cluster.on('containerEvent', (e) => {
      // The payload's fields are known: no cast needed.
      const node: string = e.node;
      const action: string = e.action;
      return node + action;
    });
    assert.equal(cluster.listenerCount('containerEvent'), 1);
  } finally {
    cluster.dispose();
  }
});
