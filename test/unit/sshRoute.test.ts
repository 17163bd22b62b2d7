import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSettings, describeTarget } from '../../src/core/config';
import { MAX_HOPS, parseProxyJump } from '../../src/core/ssh/proxyJump';
import { MAX_SSH_CONFIG_BYTES, parseSshConfigText, readSshConfigFile } from '../../src/core/ssh/sshConfigFile';
import { resolveRoute } from '../../src/core/ssh/sshRoute';

const HOME = '/home/op';
const opts = { home: HOME, localUser: 'me', env: { AGENT_HERE: '/run/agent.sock' }, exists: () => true };
const cfg = (text: string) => parseSshConfigText(text, '/home/op/.ssh/config');

test('ProxyJump: user@host:port forms, ssh:// URIs, IPv6 in brackets, several hops, none', () => {
  assert.deepEqual(parseProxyJump('bastion'), [{ host: 'bastion' }]);
  assert.deepEqual(parseProxyJump(' root@10.213.51.11 '), [{ host: '10.213.51.11', user: 'root' }]);
  assert.deepEqual(parseProxyJump('ops@jump.example.com:2222,root@10.0.0.5'), [
    { host: 'jump.example.com', user: 'ops', port: 2222 },
    { host: '10.0.0.5', user: 'root' },
  ]);
  assert.deepEqual(parseProxyJump('ssh://ops@jump:2200/'), [{ host: 'jump', user: 'ops', port: 2200 }]);
  assert.deepEqual(parseProxyJump('[fd00::1]:2022, a@[fd00::2]'), [
    { host: 'fd00::1', port: 2022 },
    { host: 'fd00::2', user: 'a' },
  ]);
  assert.deepEqual(parseProxyJump('none'), []);
  assert.deepEqual(parseProxyJump('NONE'), []);
});

test('ProxyJump: bad values are refused with what is wrong and where', () => {
  const cases: [string, RegExp][] = [
    ['', /ProxyJump is empty/],
    ['a,,b', /hop 2 of 3 is empty/],
    ['a,', /hop 2 of 2 is empty/],
    ['a,none', /none cannot be one of several hops/],
    ['root@h:0', /"root@h:0": port "0" is not a port number 1-65535/],
    ['h:99999', /port "99999"/],
    ['h:22x', /port "22x"/],
    ['bad user@h', /"bad user" is not a user name/],
    ['h;rm -rf /', /"h;rm -rf \/" is not a host name or address/],
    ['fd00::1', /write an IPv6 address in brackets/],
    ['[fd00::1', /not closed/],
    ['[fd00::1]x', /expected :port after \]/],
    ['a,b@c:1,$(x)', /hop 3 of 3 \("\$\(x\)"\)/],
    [Array.from({ length: MAX_HOPS + 1 }, (_, i) => `h${i}`).join(','), new RegExp(`${MAX_HOPS + 1} hops; at most ${MAX_HOPS}`)],
    ['h'.repeat(3000), /longer than 2048 characters/],
  ];
  for (const [v, re] of cases) assert.throws(() => parseProxyJump(v), re, v);
});

test('the node setting proxyJump is validated with the key at fault, and shown in the target', () => {
  const { settings, problems } = parseSettings({
    nodes: [
      { name: 'n3', host: '10.213.52.2', proxyJump: 'root@10.213.51.11' },
      { name: 'bad', host: 'h', proxyJump: 'a,,b' },
      { name: 'num', host: 'h', proxyJump: 7 },
      { name: 'nohost', proxyJump: 'b' },
    ],
    sshConfigFile: '/etc/gb/ssh_config',
  });
  assert.deepEqual(settings.nodes, [{ name: 'n3', host: '10.213.52.2', proxyJump: 'root@10.213.51.11' }]);
  assert.equal(settings.sshConfigFile, '/etc/gb/ssh_config');
  assert.equal(describeTarget(settings.nodes[0]), 'root@10.213.52.2:22 via root@10.213.51.11');
  assert.deepEqual(problems, [
    { key: 'nodes[1].proxyJump', message: 'nodes[1].proxyJump: ProxyJump hop 2 of 3 is empty (two commas, or a comma at an end)' },
    { key: 'nodes[2].proxyJump', message: 'nodes[2].proxyJump must be a string: [user@]host[:port], several separated by commas, or none' },
    { key: 'nodes[3].host', message: 'nodes[3] has port/user/identityFile/proxyJump but no host' },
  ]);
  assert.equal(parseSettings({}).settings.sshConfigFile, path.join(os.homedir(), '.ssh/config'));
  assert.deepEqual(parseSettings({ sshConfigFile: 'rel/config' }).problems, [{ key: 'sshConfigFile', message: 'sshConfigFile must be an absolute path (got "rel/config")' }]);
});

test('without any config: the node settings and the defaults, no hop', () => {
  const r = resolveRoute({ name: 'n1', host: '10.0.0.1' }, undefined, opts);
  assert.deepEqual(r, { hops: [], target: { name: '10.0.0.1', host: '10.0.0.1', port: 22, user: 'root', identityFiles: [], label: '10.0.0.1:22' } });
});

const SSH_CONFIG = `
Host bastion
  HostName 203.0.113.7
  User jumper
  Port 2222
  IdentityFile ~/.ssh/bastion_key

Host inner
  HostName 10.9.0.1
  IdentityAgent none

Host 10.213.52.* !10.213.52.9
  ProxyJump bastion,root@inner:2200
  User ops
  IdentityFile ~/.ssh/nodes_%r
  IdentityAgent $AGENT_HERE

Host store?
  HostName %h.lan
  Port 2022

Host *
  User fallback
`;

test('ssh config: Host patterns, HostName, User, Port, IdentityFile, IdentityAgent and a two-hop ProxyJump, each hop with its own entry', () => {
  const r = resolveRoute({ name: 'node3', host: '10.213.52.2' }, cfg(SSH_CONFIG), opts);
  assert.deepEqual(r.target, {
    name: '10.213.52.2',
    host: '10.213.52.2',
    port: 22,
    user: 'ops',
    identityFiles: ['/home/op/.ssh/nodes_ops'],
    agent: '/run/agent.sock',
    label: '10.213.52.2:22',
  });
  assert.deepEqual(r.hops, [
    {
      name: 'bastion',
      host: '203.0.113.7',
      port: 2222,
      user: 'jumper',
      identityFiles: ['/home/op/.ssh/bastion_key'],
      agent: '/run/agent.sock',
      label: 'bastion jumper@203.0.113.7:2222 (hop 1 of 2 to node3)',
    },
    {
      // No key of its own: the node's; IdentityAgent none of its own entry.
      name: 'inner',
      host: '10.9.0.1',
      port: 2200,
      user: 'root',
      identityFiles: ['/home/op/.ssh/nodes_ops'],
      agent: false,
      label: 'bastion root@10.9.0.1:2200 (hop 2 of 2 to node3)',
    },
  ]);
  // A negated pattern: not behind the jump, and Host * gives the user.
  const excluded = resolveRoute({ name: 'x', host: '10.213.52.9' }, cfg(SSH_CONFIG), opts);
  assert.deepEqual(excluded.hops, []);
  assert.equal(excluded.target.user, 'fallback');
  // ? pattern, %h in HostName.
  const store = resolveRoute({ name: 's', host: 'store1' }, cfg(SSH_CONFIG), opts);
  assert.deepEqual([store.target.host, store.target.port, store.target.label], ['store1.lan', 2022, 'store1.lan:2022']);
});

test('precedence: the node settings, then the ssh config, then the defaults; proxyJump none switches a configured jump off', () => {
  const node = { name: 'node3', host: '10.213.52.2', port: 2200, user: 'admin', identityFile: '/keys/mine', proxyJump: 'me2@other:2022' };
  const r = resolveRoute(node, cfg(SSH_CONFIG), opts);
  // The node's key first, then the config's (as ssh puts -i before the config's IdentityFile).
  assert.deepEqual([r.target.port, r.target.user, r.target.identityFiles], [2200, 'admin', ['/keys/mine', '/home/op/.ssh/nodes_ops']]);
  // The hop of the setting, matched against the config (Host * gives nothing but the user, overridden here).
  assert.deepEqual(r.hops.map((h) => h.label), ['bastion me2@other:2022 (hop 1 of 1 to node3)']);
  assert.deepEqual(r.hops[0].identityFiles, ['/keys/mine', '/home/op/.ssh/nodes_ops']);
  assert.deepEqual(resolveRoute({ ...node, proxyJump: 'none' }, cfg(SSH_CONFIG), opts).hops, []);
  // A hop with no user anywhere: the local user, as ssh.
  assert.equal(resolveRoute({ name: 'n', host: 'h', proxyJump: 'j' }, undefined, opts).hops[0].user, 'me');
});

test('every IdentityFile that exists is kept, in order (each is tried in turn); one that does not is skipped, as ssh does', () => {
  const text = 'Host n\n  IdentityFile ~/.ssh/gone\n  IdentityFile ~/.ssh/here\n  IdentityFile ~/.ssh/also\nHost *\n  IdentityFile ~/.ssh/last\n';
  const r = resolveRoute({ name: 'n', host: 'n' }, cfg(text), { ...opts, exists: (f) => !f.endsWith('gone') });
  assert.deepEqual(r.target.identityFiles, ['/home/op/.ssh/here', '/home/op/.ssh/also', '/home/op/.ssh/last']);
  // The node's own key is never dropped: a typo in the setting is reported when the key is read.
  const own = resolveRoute({ name: 'n', host: 'n', identityFile: '/keys/gone' }, cfg(text), { ...opts, exists: (f) => !f.endsWith('gone') });
  assert.deepEqual(own.target.identityFiles, ['/keys/gone', '/home/op/.ssh/here', '/home/op/.ssh/also', '/home/op/.ssh/last']);
});

test('bad ssh config values are refused naming the file, the host and the keyword', () => {
  const bad: [string, RegExp][] = [
    ['Host n\n  Port 70000\n', /\/home\/op\/\.ssh\/config: Port "70000" for host n is not a port number 1-65535/],
    ['Host n\n  User "a b"\n', /\/home\/op\/\.ssh\/config: User "a b" for host n is not a user name/],
    ['Host n\n  HostName bad;host\n', /HostName "bad;host" for host n is not a host name or address/],
    ['Host n\n  IdentityAgent $NOT_SET\n', /IdentityAgent "\$NOT_SET" for host n names \$NOT_SET, which is not set/],
    ['Host n\n  IdentityAgent relative.sock\n', /IdentityAgent "relative.sock" for host n is not an absolute socket path/],
    ['Host n\n  ProxyJump a,,b\n', /\/home\/op\/\.ssh\/config: for host n: ProxyJump hop 2 of 3 is empty/],
    ['Host j\n  Port x\nHost n\n  ProxyJump j\n', /Port "x" for host j is not a port number/],
  ];
  for (const [text, re] of bad) assert.throws(() => resolveRoute({ name: 'node', host: 'n' }, cfg(text), opts), re, text);
  assert.throws(() => resolveRoute({ name: 'node', host: 'n', proxyJump: 'x:0' }, undefined, opts), /node node's proxyJump: ProxyJump "x:0": port "0"/);
});

test('the ssh config file: missing is no config, too big or not a file is refused, Match exec never runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-sshcfg-'));
  try {
    assert.equal(await readSshConfigFile(path.join(dir, 'none')), undefined);
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, '#'.repeat(MAX_SSH_CONFIG_BYTES + 1));
    await assert.rejects(readSshConfigFile(big), new RegExp(`big is larger than ${MAX_SSH_CONFIG_BYTES} bytes: not read`));
    await assert.rejects(readSshConfigFile(dir), /is not a file/);
    const marker = path.join(dir, 'ran');
    const f = path.join(dir, 'config');
    fs.writeFileSync(f, `Match exec "touch ${marker}"\n  User evil\nHost n\n  User good\n`);
    const parsed = await readSshConfigFile(f);
    assert.equal(resolveRoute({ name: 'n', host: 'n' }, parsed, opts).target.user, 'good');
    assert.equal(fs.existsSync(marker), false, 'Match exec was not run');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
