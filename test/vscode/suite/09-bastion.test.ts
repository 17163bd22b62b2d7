// A node behind a jump host in the real extension: the nodes setting names node3 at the address
// only node1 reaches (testbed.sh's bastion link) with proxyJump, and the view shows it running.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activated } from '../helpers/extension';
import { rawConfig } from '../helpers/testbed';
import { childRows, nodeRow, waitForStates } from '../helpers/tree';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

describe('bastion: a node behind a jump host', () => {
  let nodesBefore: unknown;
  before(() => {
    nodesBefore = cfg().inspect('nodes')?.globalValue;
    assert.ok(Array.isArray(nodesBefore) && nodesBefore.length === 3, `the launcher's nodes: ${JSON.stringify(nodesBefore)}`);
  });
  after(async () => {
    await cfg().update('nodes', nodesBefore, vscode.ConfigurationTarget.Global);
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
});
