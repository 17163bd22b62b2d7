// This machine as a node: which socket DOCKER_HOST names, and what the operator reads when the
// socket is missing or refuses this user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { localDockerSocket, pingLocalDocker } from '../../src/core/node/localDocker';
import { toNodeError } from '../../src/core/node/nodeErrors';

test('DOCKER_HOST: unset or empty is the default socket, unix:// a path, anything else a reason', () => {
  assert.deepEqual(localDockerSocket({}), { socket: '/var/run/docker.sock' });
  assert.deepEqual(localDockerSocket({ DOCKER_HOST: '  ' }), { socket: '/var/run/docker.sock' });
  assert.deepEqual(localDockerSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), { socket: '/run/user/1000/docker.sock' });
  assert.deepEqual(localDockerSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }), {
    problem: 'DOCKER_HOST=tcp://10.0.0.1:2375: only a unix socket (unix:///path/docker.sock) can be this machine\'s docker; add the node over SSH instead',
  });
  assert.deepEqual(localDockerSocket({ DOCKER_HOST: 'unix://run/docker.sock' }).hasOwnProperty('problem'), true, 'a relative path');
  assert.match((localDockerSocket({ DOCKER_HOST: 'unix:///run/../etc/docker.sock' }) as { problem: string }).problem, /without "\." or "\.\." segments/);
});

test('a socket that is not there is "absent", said with its path', async () => {
  const p = path.join(os.tmpdir(), `gb-no-docker-${process.pid}.sock`);
  assert.deepEqual(await pingLocalDocker(p, 2000), { state: 'absent', message: `no docker socket at ${p}` });
});

test('permission denied on the socket names the docker group, not "does not answer"', () => {
  const e = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
  assert.deepEqual(toNodeError(e, 'local'), {
    kind: 'dockerUnavailable',
    message: 'local: permission denied on the docker socket /var/run/docker.sock: this user may not use docker (add it to the docker group, then log in again)',
  });
  const gone = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
  assert.match(toNodeError(gone, 'local').message, /the docker socket does not answer/);
});
