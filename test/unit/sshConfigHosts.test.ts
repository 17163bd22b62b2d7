import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSshConfigHosts } from '../../src/core/ssh/sshConfigHosts';

const HOME = '/home/op';

test('hosts with HostName, Port, User, IdentityFile and Host * defaults', () => {
  const text = `
# global
IdentityFile ~/.ssh/global_key

Host node1 node1-alias
  HostName 10.0.0.11
  Port 2222
  User admin
  IdentityFile ~/.ssh/node1

Host node2
  hostname node2.example.com
  identityfile "%d/.ssh/%h_%r"

Host bastion
  Port notanumber

Host *.internal !skip.internal
  User ops

Host ?ab
  User q

Host *
  User root
  Port 22
`;
  const hosts = parseSshConfigHosts(text, { home: HOME, localUser: 'me' });
  assert.deepEqual(hosts, [
    { alias: 'node1', hostName: '10.0.0.11', port: 2222, user: 'admin', identityFile: '/home/op/.ssh/global_key' },
    { alias: 'node1-alias', hostName: '10.0.0.11', port: 2222, user: 'admin', identityFile: '/home/op/.ssh/global_key' },
    { alias: 'node2', hostName: 'node2.example.com', port: 22, user: 'root', identityFile: '/home/op/.ssh/global_key' },
    { alias: 'bastion', hostName: 'bastion', user: 'root', identityFile: '/home/op/.ssh/global_key' },
  ]);
});

test('first IdentityFile of the host itself wins when there is no global one; tokens expand', () => {
  const text = `
Host n1
  HostName %h.lan
  IdentityFile ~/.ssh/id_n1
  IdentityFile ~/.ssh/id_other
Host n2
  HostName n2.lan
  User deploy
  IdentityFile %d/keys/%h-%r-%u-%n
`;
  assert.deepEqual(parseSshConfigHosts(text, { home: HOME, localUser: 'me' }), [
    { alias: 'n1', hostName: 'n1.lan', identityFile: '/home/op/.ssh/id_n1' },
    { alias: 'n2', hostName: 'n2.lan', user: 'deploy', identityFile: '/home/op/keys/n2.lan-deploy-me-n2' },
  ]);
});

test('Match exec is never run, empty and comment-only files give nothing', () => {
  const marker = path.join(os.tmpdir(), `gb-sshconfig-exec-${process.pid}`);
  fs.rmSync(marker, { force: true });
  const text = `Match exec "touch ${marker}"\n  User evil\nHost n1\n  HostName n1.lan\n`;
  assert.deepEqual(parseSshConfigHosts(text, { home: HOME }), [{ alias: 'n1', hostName: 'n1.lan' }]);
  assert.equal(fs.existsSync(marker), false, 'Match exec must not execute');
  assert.deepEqual(parseSshConfigHosts('', { home: HOME }), []);
  assert.deepEqual(parseSshConfigHosts('# nothing\n\n', { home: HOME }), []);
});
