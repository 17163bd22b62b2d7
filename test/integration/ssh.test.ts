// The SSH transport against a real OpenSSH server (see helpers/sshd.ts): host key checks,
// error kinds, streamlocal forwarding carrying real HTTP (the docker API's shape), SFTP,
// reconnect after a restart and keepalive detection of a silent link.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { inspect } from 'util';
import { parseSettings, type NodeConfig } from '../../src/core/config';
import { createRemoteConnection } from '../../src/core/node/remoteConnection';
import type { NodeError } from '../../src/core/model';
import { NodeErrorException } from '../../src/core/ssh/errors';
import { nodeError } from './helpers/nodeError';
import { addKnownHost } from '../../src/core/ssh/knownHosts';
import { SshSession, SshSessionOptions } from '../../src/core/ssh/sshSession';
import { dockerOverSsh, SshDockerAgent } from '../../src/core/ssh/dockerAgent';
import { freePort, makeKey, PubKey, startSshd, Sshd } from './helpers/sshd';
import { waitFor } from './helpers/testbed';

let sshd: Sshd;
let kh: string; // known_hosts holding the server's ed25519 key
const sessions: SshSession[] = [];

before(async () => {
  sshd = await startSshd({ hostKeyTypes: ['ed25519', 'ecdsa'] });
  kh = path.join(sshd.dir, 'known_hosts');
  fs.writeFileSync(kh, khLine(sshd.hostKeys.ed25519));
});

after(async () => {
  for (const s of sessions) s.close();
  await sshd?.dispose();
});

function khLine(k: PubKey, marker = ''): string {
  return `${marker}[127.0.0.1]:${sshd.port} ${k.type} ${k.b64}\n`;
}

function session(extra: Partial<SshSessionOptions> = {}, node: Partial<NodeConfig> = {}): SshSession {
  const s = new SshSession({
    node: { name: 'n1', host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.clientKey, ...node },
    knownHostsFile: kh,
    timeouts: { connectMs: 3000, keepaliveMs: 1000 },
    agent: false,
    ...extra,
  });
  sessions.push(s);
  return s;
}

function knownHostsWith(name: string, text: string): string {
  const f = path.join(sshd.dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const accepted = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;

test('connects with a known host key; concurrent callers share one connection', async () => {
  const s = session();
  let readies = 0;
  s.on('ready', () => readies++);
  const n0 = accepted();
  await Promise.all([s.connect(), s.connect(), s.connect(), s.openUnixSocket('/nonexistent').catch(() => undefined)]);
  assert.equal(s.connected, true);
  assert.equal(readies, 1);
  assert.equal(accepted() - n0, 1, 'one SSH login for four concurrent calls');
  s.close();
  assert.equal(s.connected, false);
});

test('asks the server for the key type known_hosts holds (ecdsa here, server prefers ed25519)', async () => {
  const s = session({ knownHostsFile: knownHostsWith('kh-ecdsa', khLine(sshd.hostKeys.ecdsa)) });
  await s.connect();
  s.close();
});

test('unknown host key: hostKeyUnknown with the fingerprint ssh-keygen prints, then trusted', async () => {
  const f = knownHostsWith('kh-empty', '# nothing yet\n');
  const s = session({ knownHostsFile: f });
  const e = await nodeError(s.connect());
  assert.equal(e.kind, 'hostKeyUnknown');
  const keygen = execFileSync('ssh-keygen', ['-lf', sshd.hostKeys.ed25519.pubFile], { encoding: 'utf8' }).split(/\s+/)[1];
  assert.equal(e.fingerprint, keygen);
  assert.equal(e.presentedKey, `ssh-ed25519 ${sshd.hostKeys.ed25519.b64}`);
  assert.match(e.message, new RegExp(keygen.replace(/[+/]/g, '\\$&')));
  // What trustHostKey will do: append the presented key, then the same session connects.
  const [type, b64] = e.presentedKey!.split(' ');
  await addKnownHost(f, '127.0.0.1', sshd.port, type, b64);
  await s.connect();
  s.close();
});

test('changed host key: hostKeyChanged, refused quickly, message says CHANGED', async () => {
  const other = makeKey(path.join(sshd.dir, 'impostor'), 'ed25519');
  const s = session({ knownHostsFile: knownHostsWith('kh-changed', khLine(other)) });
  const t0 = Date.now();
  const e = await nodeError(s.connect());
  const ms = Date.now() - t0;
  assert.equal(e.kind, 'hostKeyChanged');
  assert.match(e.message, /CHANGED/);
  assert.match(e.message, /attack/);
  assert.equal(e.presentedKey, undefined, 'a changed key is never offered for one-click trust');
  assert.ok(ms < 1000, `refused in ${ms} ms`);
  assert.equal(s.connected, false);
});

test('revoked host key is refused', async () => {
  const k = sshd.hostKeys.ed25519;
  const f = knownHostsWith('kh-revoked', khLine(k) + `@revoked * ${k.type} ${k.b64}\n`);
  const e = await nodeError(session({ knownHostsFile: f }).connect());
  assert.equal(e.kind, 'hostKeyChanged');
  assert.match(e.message, /revoked/);
});

test('an unreadable known_hosts is a config error, not an unknown host', async () => {
  const e = await nodeError(session({ knownHostsFile: sshd.dir }).connect()); // a directory: EISDIR
  assert.equal(e.kind, 'config');
  assert.match(e.message, /known_hosts/);
});

test('connection refused: unreachable, with host:port in the message', async () => {
  const port = await freePort();
  const e = await nodeError(session({}, { port }).connect());
  assert.equal(e.kind, 'unreachable');
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(e.message, /refused/);
});

test('a key the server does not accept: auth', async () => {
  const stranger = path.join(sshd.dir, 'stranger');
  makeKey(stranger, 'ed25519');
  const e = await nodeError(session({}, { identityFile: stranger }).connect());
  assert.equal(e.kind, 'auth');
});

test('no credentials at all: auth, before any connection', async () => {
  const e = await nodeError(session({ defaultIdentityFiles: [] }, { identityFile: undefined }).connect());
  assert.equal(e.kind, 'auth');
  assert.match(e.message, /identityFile|ssh-agent/);
});

test('encrypted identity file: passphrase kind without one, connects with the right one', async () => {
  const keyFile = path.join(sshd.dir, 'enc_key');
  const k = makeKey(keyFile, 'ed25519', 'sesame');
  fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), `${k.type} ${k.b64}\n`);
  assert.equal((await nodeError(session({}, { identityFile: keyFile }).connect())).kind, 'passphrase');
  const wrong = await nodeError(session({ passphrase: async () => 'nope' }, { identityFile: keyFile }).connect());
  assert.equal(wrong.kind, 'passphrase');
  assert.match(wrong.message, /wrong passphrase/);
  let asked = 0;
  const s = session({ passphrase: async () => (asked++, 'sesame') }, { identityFile: keyFile });
  await s.connect();
  s.close();
  await s.connect(); // the decrypted key is remembered: no second prompt
  assert.equal(asked, 1);
  s.close();
});

test('auth through ssh-agent (SSH_AUTH_SOCK)', async () => {
  const sock = path.join(sshd.dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', [sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const s = session({ agent: sock }, { identityFile: undefined });
    await s.connect();
    s.close();
  } finally {
    agent.kill('SIGTERM');
  }
});

// ---- streamlocal forwarding: a real HTTP server on a unix socket stands in for dockerd ----

interface SockServer {
  server: http.Server;
  path: string;
  connections: number;
  requests: { url: string; host?: string }[];
  /** Server-side ends of the open connections (to close them as an idle dockerd would). */
  sockets: Set<import('net').Socket>;
}

async function httpOnUnixSocket(name: string): Promise<SockServer> {
  const p = path.join(sshd.dir, name);
  const st: SockServer = { server: http.createServer(), path: p, connections: 0, requests: [], sockets: new Set() };
  st.server.on('connection', (sock) => {
    st.connections++;
    st.sockets.add(sock);
    sock.on('close', () => st.sockets.delete(sock));
  });
  st.server.on('request', (req, res) => {
    st.requests.push({ url: req.url ?? '', host: req.headers.host });
    const body = JSON.stringify(req.url === '/version' ? { Version: '99.0-fake', ApiVersion: '1.41' } : { url: req.url });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  // No Keep-Alive hint header (docker sends none): the client cannot know when we close.
  st.server.keepAliveTimeout = 0;
  await new Promise<void>((r) => st.server.listen(p, r));
  return st;
}

function get(agent: http.Agent, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, host: 'localhost', port: 2375, path: urlPath }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

test('http over a streamlocal channel: pooled channels reused, server-closed ones dropped', async () => {
  const srv = await httpOnUnixSocket('api.sock');
  const s = session();
  const agent = new SshDockerAgent(s, { socketPath: srv.path });
  try {
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(agent, `/r${i}`), { status: 200, body: `{"url":"/r${i}"}` });
    assert.equal(srv.connections, 1, 'sequential requests reuse one channel');
    // The server closes the idle connection, as dockerd may: the pooled channel must notice.
    for (const sock of srv.sockets) sock.end();
    // The close crosses the SSH channel on its own schedule: the next request goes once the pool has let it go.
    await waitFor('the pooled channel to be dropped', 10_000, () => Object.values(agent.freeSockets).every((l) => !l?.length) || undefined);
    assert.equal((await get(agent, '/after-idle')).status, 200);
    assert.equal(srv.connections, 2);
    const par = await Promise.all([1, 2, 3, 4, 5].map((i) => get(agent, `/p${i}`)));
    assert.ok(par.every((r) => r.status === 200));
    // docker-modem inspects the request options, this agent among them, on every call.
    assert.ok(inspect(agent, { showHidden: true, depth: null }).length < 400, 'a live agent inspects as one short line');
  } finally {
    agent.destroy();
    s.close();
    srv.server.close();
  }
});

test('a hijacked (upgraded) stream keeps bytes that arrive before its consumer subscribes', async () => {
  const srv = await httpOnUnixSocket('hijack.sock');
  srv.server.on('upgrade', (_req, sock: import('net').Socket) => {
    // Like docker exec/attach: 101, then output at once, then EOF.
    sock.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    sock.end('hello from the exec stream');
  });
  const s = session();
  const agent = new SshDockerAgent(s, { socketPath: srv.path });
  try {
    const sock = await new Promise<import('stream').Duplex>((resolve, reject) => {
      const req = http.request({ agent, host: 'localhost', port: 2375, path: '/exec/x/start', method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 200)); // the consumer is late
    let got = '';
    for await (const chunk of sock) got += chunk;
    assert.equal(got, 'hello from the exec stream');
  } finally {
    agent.destroy();
    s.close();
    srv.server.close();
  }
});

test('dockerode through dockerOverSsh talks HTTP to the forwarded socket, DOCKER_HOST ignored', async () => {
  const srv = await httpOnUnixSocket('docker.sock');
  const s = session();
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'tcp://127.0.0.1:1'; // would send dockerode elsewhere if it applied
  try {
    const { docker, agent } = dockerOverSsh(s, { socketPath: srv.path, timeoutMs: 5000 });
    const v = await docker.version();
    assert.equal(v.Version, '99.0-fake');
    assert.equal(srv.requests.at(-1)?.url, '/version');
    agent.destroy();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    s.close();
    srv.server.close();
  }
});

test('a docker call past its timeout fails (no crash) and releases its channel', async () => {
  const srv = await httpOnUnixSocket('slow.sock');
  srv.server.removeAllListeners('request');
  srv.server.on('request', (req, res) => {
    if (req.url?.includes('slow')) return; // never answers
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"Version":"99.0-fake"}');
  });
  const s = session();
  const { docker, agent } = dockerOverSsh(s, { socketPath: srv.path, timeoutMs: 400 });
  try {
    const t0 = Date.now();
    // The request's timeout destroys its channel: node's http says so as a hang-up, not a reply.
    await assert.rejects(docker.getContainer('slow').inspect(), { code: 'ECONNRESET', message: 'socket hang up' });
    const ms = Date.now() - t0;
    assert.ok(ms >= 350 && ms < 2000, `timed out after ${ms} ms`);
    await waitFor('the timed-out channel to be closed on the node', 10_000, () => srv.sockets.size === 0 || undefined);
    assert.equal((await docker.version()).Version, '99.0-fake');
  } finally {
    agent.destroy();
    s.close();
    srv.server.close();
  }
});

test('nothing listening on the socket: dockerUnavailable, through dockerode too', async () => {
  const s = session();
  const e = await nodeError(s.openUnixSocket('/nonexistent/docker.sock'));
  assert.equal(e.kind, 'dockerUnavailable');
  assert.match(e.message, /nonexistent\/docker\.sock/);
  const { docker } = dockerOverSsh(s, { socketPath: '/nonexistent/docker.sock' });
  const err = await docker.ping().then(
    () => assert.fail('ping should fail'),
    (x: unknown) => x,
  );
  assert.ok(err instanceof NodeErrorException && err.kind === 'dockerUnavailable', String(err));
  s.close();
});

test('sftp is cached per connection', async () => {
  const s = session();
  const a = await s.sftp();
  assert.equal(await s.sftp(), a);
  const names = await new Promise<string[]>((resolve, reject) =>
    a.readdir(sshd.dir, (err, list) => (err ? reject(err) : resolve(list.map((x) => x.filename)))),
  );
  assert.ok(names.includes('sshd_config'));
  s.close();
  const b = await s.sftp(); // new connection, new subsystem
  assert.notEqual(b, a);
  s.close();
});

test('writeAtomic over SFTP whose rename fails (a directory holds the name): the rename\'s error, no temporary file left', async () => {
  const dir = fs.mkdtempSync(path.join(sshd.dir, 'atomic-'));
  const file = path.join(dir, 'x.job.json');
  fs.mkdirSync(file);
  fs.writeFileSync(path.join(file, 'inside'), 'kept\n');
  const { settings, problems } = parseSettings({
    knownHostsFile: kh,
    sshConfigFile: path.join(sshd.dir, 'no-ssh-config'),
    timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 15000, keepaliveMs: 1000 },
    nodes: [{ name: 'n1', host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.clientKey }],
  });
  assert.deepEqual(problems, []);
  const conn = createRemoteConnection(settings.nodes[0], settings, {}, () => undefined);
  try {
    await conn.writeAtomic(path.join(dir, 'ok.json'), 'whole\n');
    await assert.rejects(conn.writeAtomic(file, 'data\n'), { message: 'Failure' });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['ok.json', 'x.job.json']);
    assert.equal(fs.readFileSync(path.join(dir, 'ok.json'), 'utf8'), 'whole\n');
    assert.deepEqual(fs.readdirSync(file), ['inside']);
  } finally {
    conn.close();
  }
});

test('after sshd restarts, the session reports closed and the next call reconnects', async () => {
  const srv = await httpOnUnixSocket('restart.sock');
  const s = session();
  const agent = new SshDockerAgent(s, { socketPath: srv.path });
  try {
    assert.equal((await get(agent, '/before')).status, 200);
    const closed = new Promise<NodeError | undefined>((r) => s.once('closed', r));
    await sshd.restart();
    const why = await closed;
    assert.equal(why?.kind, 'unreachable');
    assert.equal(s.connected, false);
    assert.equal((await get(agent, '/after')).status, 200);
    assert.equal(s.connected, true);
  } finally {
    agent.destroy();
    s.close();
    srv.server.close();
  }
});

test('a silent link (sshd SIGSTOPped) is declared unreachable by keepalive in ~4 s', async (t) => {
  const srv = await httpOnUnixSocket('pause.sock');
  const s = session();
  const agent = new SshDockerAgent(s, { socketPath: srv.path });
  try {
    assert.equal((await get(agent, '/before')).status, 200);
    const closed = new Promise<NodeError | undefined>((r) => s.once('closed', r));
    sshd.pause();
    const t0 = Date.now();
    // A request made on the dead link must fail, not hang.
    const pending = get(agent, '/during').then(
      () => 'resolved',
      (e: unknown) => (e instanceof NodeErrorException ? e.kind : String(e)),
    );
    const why = await closed;
    const ms = Date.now() - t0;
    assert.equal(why?.kind, 'unreachable');
    assert.match(why!.message, /silent|keepalive/i);
    assert.ok(ms > 2500 && ms < 6000, `declared unreachable after ${ms} ms`);
    const outcome = await Promise.race([pending, new Promise((r) => setTimeout(() => r('hung'), 2000))]);
    assert.equal(outcome, 'unreachable', 'the request fails with the reason, not a bare socket hang up');
    t.diagnostic(`keepalive declared the link cut after ${ms} ms`);
    // A new connection to the silent server: TCP connects, the handshake never comes.
    const t1 = Date.now();
    const e = await nodeError(session({ timeouts: { connectMs: 800, keepaliveMs: 1000 } }).connect());
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /handshake timed out/);
    assert.ok(Date.now() - t1 < 2000);
  } finally {
    sshd.resume();
    agent.destroy();
    s.close();
    srv.server.close();
  }
  // The server is back: a fresh call works.
  const s2 = session();
  await s2.connect();
  s2.close();
});

test('through a jump host (here the same sshd, jumped through itself): every hop verified, named in its errors', async () => {
  const jump = `${sshd.user}@127.0.0.1:${sshd.port}`;
  const s = session({}, { proxyJump: jump });
  await s.connect();
  assert.equal(s.connected, true);
  const sftp = await s.sftp();
  assert.ok(sftp);
  s.close();

  // The hop's key unknown: the error names the hop and carries the key for it, not the node's name.
  const onlyNode = knownHostsWith('hop-unknown', '');
  const e = await nodeError(session({ knownHostsFile: onlyNode }, { proxyJump: jump }).connect());
  assert.equal(e.kind, 'hostKeyUnknown');
  assert.equal(e.hop, `bastion ${jump} (hop 1 of 1 to n1)`);
  assert.equal(e.keyHost, `[127.0.0.1]:${sshd.port}`);
  assert.ok(e.message.startsWith(`host key of bastion ${jump} (hop 1 of 1 to n1) is not in ${onlyNode}`), e.message);

  // Two hops, the second one refused by its sshd's address (nothing listens there).
  const closedPort = await freePort();
  const two = await nodeError(session({}, { proxyJump: `${jump},${sshd.user}@127.0.0.1:${closedPort}` }).connect());
  assert.equal(two.kind, 'unreachable');
  assert.match(two.message, new RegExp(`^cannot reach bastion ${sshd.user}@127\\.0\\.0\\.1:${closedPort} \\(hop 2 of 2 to n1\\) through bastion ${jump.replace(/\./g, '\\.')} \\(hop 1 of 2 to n1\\): `));
});

test('ssh-rsa (SHA-1) host key signatures: refused by default with a message naming allowSshRsa, accepted when allowed; an RSA key signing with SHA-2 needs nothing', async () => {
  const old = await startSshd({ hostKeyTypes: ['rsa'], extraConfig: ['HostKeyAlgorithms ssh-rsa'] });
  const modern = await startSshd({ hostKeyTypes: ['rsa'] });
  try {
    const line = (d: Sshd) => `[127.0.0.1]:${d.port} ${d.hostKeys.rsa.type} ${d.hostKeys.rsa.b64}\n`;
    const at = (d: Sshd, allowSshRsa?: boolean) =>
      session({ knownHostsFile: knownHostsWith(`kh-rsa-${d.port}`, line(d)), ...(allowSshRsa !== undefined ? { allowSshRsa } : {}) }, { port: d.port, user: d.user, identityFile: d.clientKey });
    const e = await nodeError(at(old).connect());
    assert.equal(e.kind, 'config');
    assert.match(e.message, /^127\.0\.0\.1:\d+ offers no host key algorithm this client accepts: probably only ssh-rsa \(an RSA key signing with SHA-1\), off by default as in OpenSSH since 8\.8\. .*set allowSshRsa/);
    const allowed = at(old, true);
    await allowed.connect();
    assert.equal(allowed.connected, true);
    assert.match(old.log(), /Accepted publickey/);
    const sha2 = at(modern);
    await sha2.connect();
    assert.equal(sha2.connected, true);
  } finally {
    await old.dispose();
    await modern.dispose();
  }
});
