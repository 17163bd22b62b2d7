// A node behind a jump host in the real extension: the nodes setting names node3 at the address
// only node1 reaches (testbed.sh's bastion link) with proxyJump, and the view shows it running;
// an unknown key of the jump host is trusted from its own row and dialog.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activated } from '../helpers/extension';
import { rawConfig } from '../helpers/testbed';
import { childRows, nodeRow, waitForStates } from '../helpers/tree';
import { Operator } from '../helpers/user';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

describe('bastion: a node behind a jump host', () => {
  let user: Operator;
  let nodesBefore: unknown;
  let knownHostsBefore: unknown;
  before(() => {
    nodesBefore = cfg().inspect('nodes')?.globalValue;
    knownHostsBefore = cfg().inspect('knownHostsFile')?.globalValue;
    assert.ok(Array.isArray(nodesBefore) && nodesBefore.length === 3, `the launcher's nodes: ${JSON.stringify(nodesBefore)}`);
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => user.dispose());
  after(async () => {
    await cfg().update('nodes', nodesBefore, vscode.ConfigurationTarget.Global);
    await cfg().update('knownHostsFile', knownHostsBefore, vscode.ConfigurationTarget.Global);
  });

  it('node3 at 10.213.52.2 through node1 (proxyJump in its settings) is shown running, with its volumes', async () => {
    const api = await activated();
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
    const nodes = rawConfig().nodes;
    const node1 = nodes.find((n) => n.name === 'node1')!;
    const key = node1.identityFile;
    await cfg().update(
      'nodes',
      [...nodes.filter((n) => n.name !== 'node3'), { name: 'node3', host: '10.213.52.2', user: 'root', identityFile: key, proxyJump: `root@${node1.host}` }],
      vscode.ConfigurationTarget.Global,
    );
    await vscode.commands.executeCommand('glusterBackup.refresh');
    await waitForStates(api, { node1: 'running', node2: 'running', node3: 'running' }, 60_000);
    const row = await nodeRow(api, 'node3');
    assert.equal(row.description, `running · root@10.213.52.2:22 via root@${node1.host}`);
    const labels = (await childRows(api, 'node3')).map((r) => r.label);
    assert.ok(labels.some((l) => /gv0/.test(l)) && labels.some((l) => /gvrep/.test(l)), labels.join(', '));
  });

  it("an unknown key of the jump host, node3's own being known: its row, and a dialog naming the hop, its address and fingerprint; written under the hop's name", async () => {
    const api = await activated();
    const node1 = rawConfig().nodes.find((n) => n.name === 'node1')!;
    const real = rawConfig().knownHostsFile;
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gb-kh-hop-')), 'known_hosts');
    // node3's key (at the address behind node1) stays; node1's, the hop's, is left out.
    const kept = fs.readFileSync(real, 'utf8').split('\n').filter((l) => l && l.split(' ')[0] !== node1.host);
    assert.ok(kept.some((l) => l.startsWith('10.213.52.2 ')), 'the bed has a line for node3 behind node1');
    fs.writeFileSync(copy, kept.join('\n') + '\n');
    await cfg().update('knownHostsFile', copy, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('glusterBackup.refresh');
    await waitForStates(api, { node1: 'hostKeyUnknown', node3: 'hostKeyUnknown' }, 30_000);
    const err = api.session.cluster!.status('node3')!.error!;
    const hop = `bastion root@${node1.host}:22 (hop 1 of 1 to node3)`;
    assert.equal(err.hop, hop);

    const [errorRow] = await childRows(api, 'node3');
    assert.equal(errorRow.label, 'Jump host key not trusted yet');
    const tip = (errorRow.item.tooltip as vscode.MarkdownString).value;
    assert.ok(tip.includes(`Fingerprint presented by the jump host`) && tip.includes(err.fingerprint!), tip);
    const fixes = await childRows(api, 'node3', /^Jump host key not trusted yet$/);
    assert.deepEqual(fixes.map((f) => f.label), ['Trust Jump Host Key…']);

    const fp = err.fingerprint!.replace(/[+/]/g, '\\$&');
    user.will('modal', new RegExp(`^Trust the SSH host key of the jump host ${hop.replace(/[.()]/g, '\\$&')}, on the way to "node3" \\(root@10\\.213\\.52\\.2:22 via root@${node1.host.replace(/\./g, '\\.')}\\)\\?\\nThe jump host presented this ssh-ed25519 key, which is not in [^\\n]*:\\n\\n${fp}\\n`), 'Trust and Connect');
    const cmd = fixes[0].item.command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    user.expectDone();
    const lines = fs.readFileSync(copy, 'utf8').split('\n').filter(Boolean);
    const node1Key = fs.readFileSync(real, 'utf8').split('\n').find((l) => l.split(' ')[0] === node1.host)!.split(' ').slice(1).join(' ');
    assert.equal(lines[lines.length - 1], `${node1.host} ${node1Key}`, "the hop's key, under the hop's name");
    assert.ok(!lines.some((l) => l.startsWith('10.213.52.2 ') && l.endsWith(node1Key)), "never under node3's address");
    // The same key is node1's own: both rows come back.
    await vscode.commands.executeCommand('glusterBackup.refresh');
    await waitForStates(api, { node1: 'running', node3: 'running' }, 60_000);
  });
});
