// docker-modem evaluates util.inspect(options, { showHidden: true, depth: null }) for its debug
// log on every request, log on or off, and the options hold the SSH docker agent. The agent must
// print as one short line, never as the session, channels and buffers behind it.
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { SshDockerAgent } from '../../src/core/ssh/dockerAgent';
import type { SshSession } from '../../src/core/ssh/sshSession';

test('the SSH docker agent inspects as one short line, whatever its session holds', () => {
  // A stand-in session: the agent only subscribes to 'closed' and reads `where` here. The
  // megabyte stands for what a live one holds (ssh2 client, cipher state, socket buffers).
  const session = Object.assign(new EventEmitter(), { where: '10.213.53.11:22', held: Buffer.alloc(1 << 20, 7) }) as unknown as SshSession;
  const agent = new SshDockerAgent(session, { socketPath: '/var/run/docker.sock' });
  try {
    const asModemLogsIt = inspect({ path: '/containers/gluster/json', method: 'GET', agent }, { showHidden: true, depth: null });
    assert.match(asModemLogsIt, /SshDockerAgent\(\/var\/run\/docker\.sock over 10\.213\.53\.11:22\)/);
    assert.ok(asModemLogsIt.length < 400, `inspect printed ${asModemLogsIt.length} characters`);
  } finally {
    agent.destroy();
  }
});
