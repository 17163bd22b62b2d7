// Add Node, Remove Node, Edit Node, Trust Host Key and Show Log: the commands that change which
// nodes are shown, and how they are trusted, through the real settings and known_hosts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activated, eventually } from '../helpers/extension';
import { rawConfig } from '../helpers/testbed';
import { nodeRow, rows, waitForStates } from '../helpers/tree';
import { BACK_BUTTON, Operator } from '../helpers/user';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

describe('node commands', () => {
  let user: Operator;
  let nodesBefore: unknown;
  let knownHostsBefore: unknown;
  before(async () => {
    nodesBefore = cfg().inspect('nodes')?.globalValue;
    knownHostsBefore = cfg().inspect('knownHostsFile')?.globalValue;
    // No node is contacted until the view is shown: each test may run alone (GB_VSCODE_GREP).
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
    assert.ok(Array.isArray(nodesBefore) && nodesBefore.length === 3, `the launcher's nodes: ${JSON.stringify(nodesBefore)}`);
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => user.dispose());
  after(async () => {
    await cfg().update('nodes', nodesBefore, vscode.ConfigurationTarget.Global);
    await cfg().update('knownHostsFile', knownHostsBefore, vscode.ConfigurationTarget.Global);
  });

  it('Add Node asks host, user, port, key and name in six steps with Back, and the new node is probed for real', async () => {
    const api = await activated();
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
    const key = rawConfig().nodes[0].identityFile;
    user
      .will('quickPick', /Add Node/, /Enter host, user and port/)
      .will('input', /^Add Node: host \(2\/6\)/, '10.213.51.99')
      .will('input', /^Add Node: SSH user \(3\/6\)/, 'root')
      // A typo two steps back: Back, Back, and the host again (what was typed is kept).
      .will('input', /^Add Node: SSH port \(4\/6\)/, BACK_BUTTON)
      .will('input', /^Add Node: SSH user \(3\/6\)/, BACK_BUTTON)
      .will('input', /^Add Node: host \(2\/6\)/, '10.213.51.11')
      .will('input', /^Add Node: SSH user \(3\/6\)/, 'root')
      .will('input', /^Add Node: SSH port \(4\/6\)/, '22')
      .will('input', /^Add Node: identity file \(5\/6\)/, key)
      .will('input', /^Add Node: name \(6\/6\)/, BACK_BUTTON)
      .will('input', /^Add Node: identity file \(5\/6\)/, key)
      .will('input', /^Add Node: name \(6\/6\)/, 'node1-again');
    await vscode.commands.executeCommand('glusterBackup.addNode');
    user.expectDone();
    const written = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    assert.deepEqual(written.at(-1), { name: 'node1-again', host: '10.213.51.11', identityFile: key });
    await eventually('four rows', 20_000, async () => (await rows(api)).length === 4);
    await vscode.commands.executeCommand('glusterBackup.refresh');
    await waitForStates(api, { node1: 'running', 'node1-again': 'running' }, 30_000);
  });

  it('Import from ~/.ssh/config adds the chosen hosts at once, each named for its Host entry', async () => {
    const api = await activated();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-sshcfg-'));
    const key = rawConfig().nodes[0].identityFile;
    const file = path.join(dir, 'config');
    fs.writeFileSync(
      file,
      `Host dn-a\n  HostName 10.213.51.11\n  User root\n  IdentityFile ${key}\n\nHost dn-b\n  HostName 10.213.51.12\n  User root\n  IdentityFile ${key}\n\nHost other\n  HostName 192.0.2.9\n`,
    );
    // The rows there are now (with node1-again when the test above ran): the import adds two.
    const shown = (await rows(api)).length;
    // The sshConfigFile setting, never the real ~/.ssh/config of whoever runs the tests.
    const before = cfg().inspect('sshConfigFile')?.globalValue;
    await cfg().update('sshConfigFile', file, vscode.ConfigurationTarget.Global);
    try {
      await eventually('the session to read the new sshConfigFile', 10_000, () => api.session.settings.sshConfigFile === file);
      user.will('quickPick', /^Import Nodes from ~\/\.ssh\/config The data nodes to add .*\ndn-a\ndn-b\nother$/, /^dn-/);
      await vscode.commands.executeCommand('glusterBackup.importSshHosts');
      user.expectDone();
    } finally {
      await cfg().update('sshConfigFile', before, vscode.ConfigurationTarget.Global);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const written = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    assert.deepEqual(written.slice(-2), [
      { name: 'dn-a', host: '10.213.51.11', user: 'root', identityFile: key },
      { name: 'dn-b', host: '10.213.51.12', user: 'root', identityFile: key },
    ]);
    await eventually(`${shown + 2} rows (the ${shown} before, and the two)`, 20_000, async () => (await rows(api)).length === shown + 2);
    await waitForStates(api, { 'dn-a': 'running', 'dn-b': 'running' }, 30_000);
    await cfg().update('nodes', written.slice(0, -2), vscode.ConfigurationTarget.Global);
    await eventually(`${shown} rows again`, 20_000, async () => (await rows(api)).length === shown);
  });

  it('Import from ~/.ssh/config while the workspace sets glusterBackup.nodes: written to the user settings, and the operator is told the workspace list wins', async () => {
    const api = await activated();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-sshcfg-'));
    const key = rawConfig().nodes[0].identityFile;
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, `Host dn-w\n  HostName 10.213.51.12\n  User root\n  IdentityFile ${key}\n`);
    const userNodes = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    const before = cfg().inspect('sshConfigFile')?.globalValue;
    // The same nodes in the workspace: what the view shows does not change, only where they are set.
    await cfg().update('nodes', userNodes, vscode.ConfigurationTarget.Workspace);
    await cfg().update('sshConfigFile', file, vscode.ConfigurationTarget.Global);
    try {
      await eventually('the session to read the new sshConfigFile', 10_000, () => api.session.settings.sshConfigFile === file);
      user.will('quickPick', /^Import Nodes from ~\/\.ssh\/config The data nodes to add .*\ndn-w$/, 'dn-w');
      await vscode.commands.executeCommand('glusterBackup.importSshHosts');
      user.expectDone();
      assert.deepEqual((cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? []).at(-1), { name: 'dn-w', host: '10.213.51.12', user: 'root', identityFile: key });
      const warned = user.offered.find((n) => n.message === 'Node "dn-w" was added to your user settings, but this workspace sets glusterBackup.nodes itself, which takes precedence.');
      assert.ok(warned, `no warning that the workspace list wins; notifications: ${user.notifications.join(' | ')}`);
      assert.deepEqual(warned.items, ['Open Workspace Settings']);
    } finally {
      await cfg().update('nodes', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('nodes', userNodes, vscode.ConfigurationTarget.Global);
      await cfg().update('sshConfigFile', before, vscode.ConfigurationTarget.Global);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Remove Node asks, then takes the node out of the settings only', async () => {
    const api = await activated();
    // The node Add Node writes, written here when that test did not run before this one.
    const nodes = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    if (!nodes.some((n) => n.name === 'node1-again')) {
      await cfg().update('nodes', [...nodes, { name: 'node1-again', host: '10.213.51.11', identityFile: rawConfig().nodes[0].identityFile }], vscode.ConfigurationTarget.Global);
    }
    await eventually('the node1-again row', 20_000, async () => (await rows(api)).some((r) => r.label === 'node1-again'));
    user.will('modal', /^Remove node "node1-again" from the glusterBackup.nodes setting\?\nOnly the setting changes/, 'Remove');
    await vscode.commands.executeCommand('glusterBackup.removeNode', (await nodeRow(api, 'node1-again')).node);
    user.expectDone();
    await eventually('three rows again', 20_000, async () => (await rows(api)).map((r) => r.label).join() === 'node1,node2,node3');
    assert.deepEqual(cfg().inspect('nodes')?.globalValue, nodesBefore);
  });

  it('Edit Node opens the settings.json that holds glusterBackup.nodes (the remote one in a remote window)', async () => {
    const api = await activated();
    await vscode.commands.executeCommand('glusterBackup.editNode', (await nodeRow(api, 'node2')).node);
    const editor = await eventually('settings.json in the active editor', 10_000, () => {
      const e = vscode.window.activeTextEditor;
      return e && /settings\.json$/.test(e.document.uri.path) ? e : undefined;
    });
    assert.match(editor.document.getText(), /"glusterBackup\.nodes"/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('an unknown host key is shown with its fingerprint and trusted only when the operator accepts', async () => {
    const api = await activated();
    const real = rawConfig().knownHostsFile;
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gb-kh-')), 'known_hosts');
    fs.writeFileSync(copy, fs.readFileSync(real, 'utf8').split('\n').filter((l) => !l.startsWith('10.213.51.13 ')).join('\n'));
    await cfg().update('knownHostsFile', copy, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('glusterBackup.refresh');
    await waitForStates(api, { node1: 'running', node3: 'hostKeyUnknown' }, 30_000);
    const fingerprint = api.session.cluster!.status('node3')!.error!.fingerprint!;
    assert.match(fingerprint, /^SHA256:/);

    user.will('modal', /^Trust the SSH host key of "node3" \(root@10\.213\.51\.13(:22)?\)\?/, undefined);
    await vscode.commands.executeCommand('glusterBackup.trustHostKey', (await nodeRow(api, 'node3')).node);
    assert.doesNotMatch(fs.readFileSync(copy, 'utf8'), /10\.213\.51\.13/, 'declined: nothing written');

    user.will('modal', new RegExp(`Trust the SSH host key of "node3"[^]*${fingerprint.replace(/[+/]/g, '\\$&')}`), 'Trust and Connect');
    await vscode.commands.executeCommand('glusterBackup.trustHostKey', (await nodeRow(api, 'node3')).node);
    user.expectDone();
    assert.match(fs.readFileSync(copy, 'utf8'), /10\.213\.51\.13 ssh-ed25519 /);
    await waitForStates(api, { node3: 'running' }, 30_000);
  });

  it('Show Log brings up the "Gluster Backup" output channel', async () => {
    await activated();
    await vscode.commands.executeCommand('glusterBackup.showLog');
    await eventually('the Gluster Backup channel among the visible editors or documents', 10_000, () => {
      const docs = [...vscode.window.visibleTextEditors.map((e) => e.document), ...vscode.workspace.textDocuments];
      return docs.find((d) => d.uri.scheme === 'output' && /Gluster Backup/.test(decodeURIComponent(d.uri.toString())));
    });
  });
});
