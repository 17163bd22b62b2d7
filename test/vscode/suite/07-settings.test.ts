// Settings changes while the window runs: the session rebuilds, the view follows, problems are
// reported with the key at fault and never stop the valid nodes.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activated, eventually } from '../helpers/extension';
import { rows, waitForStates } from '../helpers/tree';
import { Operator } from '../helpers/user';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

describe('settings changes', () => {
  let user: Operator;
  let nodes: Record<string, unknown>[] = [];
  before(() => {
    nodes = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    assert.equal(nodes.length, 3, `the launcher's nodes: ${JSON.stringify(nodes)}`);
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => user.dispose());
  after(async () => {
    await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    await cfg().update('pollSeconds', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
    delete process.env.DOCKER_HOST;
  });

  it('fewer nodes in glusterBackup.nodes: the view shows just those, connected', async () => {
    const api = await activated();
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
    await cfg().update('nodes', nodes.slice(0, 2), vscode.ConfigurationTarget.Global);
    await eventually('two rows', 10_000, async () => (await rows(api)).map((r) => r.label).join() === 'node1,node2');
    await waitForStates(api, { node1: 'running', node2: 'running' }, 30_000);
    await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    await eventually('three rows', 10_000, async () => (await rows(api)).length === 3);
    await waitForStates(api, { node1: 'running', node2: 'running', node3: 'running' }, 30_000);
  });

  it('an invalid node is reported with its key and left out; the valid ones keep working', async () => {
    const api = await activated();
    await cfg().update('nodes', [...nodes, { name: 'bad', host: 'h', port: 70000 }], vscode.ConfigurationTarget.Global);
    try {
      await eventually('the settings warning', 10_000, () => user.notifications.find((n) => /^Gluster Backup settings: glusterBackup\.nodes\[3\]\.port/.test(n)));
      await eventually('three valid rows', 10_000, async () => (await rows(api)).map((r) => r.label).join() === 'node1,node2,node3');
      await waitForStates(api, { node1: 'running', node2: 'running', node3: 'running' }, 30_000);
    } finally {
      // The next test must not start with the invalid node still configured.
      await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    }
  });

  it('only invalid nodes: no row at all (not the local machine), and the view says why', async () => {
    const api = await activated();
    await cfg().update('nodes', [{ name: '' }], vscode.ConfigurationTarget.Global);
    await eventually('no rows', 10_000, async () => (await rows(api)).length === 0);
    assert.equal(api.session.allNodesInvalid, true);
    await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    await eventually('three rows', 10_000, async () => (await rows(api)).length === 3);
    await waitForStates(api, { node1: 'running', node2: 'running', node3: 'running' }, 30_000);
  });

  it('pollSeconds: a short poll re-reads the nodes without any command; under 5 s it is said and raised to 5; the connections stay', async () => {
    const api = await activated();
    const cluster = api.session.cluster;
    await cfg().update('pollSeconds', 2, vscode.ConfigurationTarget.Global);
    try {
      await eventually('the settings warning', 10_000, () => user.notifications.find((n) => /^Gluster Backup settings: glusterBackup\.pollSeconds 2 would ask every node for its state all the time: 5 s is the shortest poll \(0 turns it off\); using 5/.test(n)));
      assert.equal(api.session.settings.pollSeconds, 5);
      // A display setting keeps the Cluster, and with it whatever runs on it (a read-data
      // check, a restore's verification, the jobs' followers): a rebuild cut them off.
      assert.equal(api.session.cluster, cluster, 'the same Cluster');
      await waitForStates(api, { node1: 'running' }, 30_000);
      const first = api.session.cluster!.status('node1')!.checkedAt;
      await eventually('a poll to re-read node1', 15_000, () => api.session.cluster!.status('node1')!.checkedAt !== first);
    } finally {
      await cfg().update('pollSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('timeouts are flat number settings: one set alone leaves the others at their defaults', async () => {
    const api = await activated();
    await cfg().update('timeouts.connectMs', 5000, vscode.ConfigurationTarget.Global);
    await eventually('connectMs 5000 in the session', 10_000, () => api.session.settings.timeouts.connectMs === 5000);
    assert.deepEqual(api.session.settings.timeouts, { connectMs: 5000, dockerMs: 10000, glusterMs: 20000, keepaliveMs: 1000 });
    await cfg().update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
    await eventually('connectMs back to 8000', 10_000, () => api.session.settings.timeouts.connectMs === 8000);
  });

  it('no node configured: this machine is a node, named for its host, only where a docker answers; else the welcome offers to add nodes', async () => {
    const api = await activated();
    // A docker socket of this machine: node1's daemon, reachable on the host's filesystem as a
    // Remote-SSH window on node1 would reach /var/run/docker.sock.
    const data = process.env.TESTBED_DATA ?? '/var/lib/gluster-backup-testbed';
    process.env.DOCKER_HOST = `unix://${path.join(data, 'node1', 'run', 'docker.sock')}`;
    await cfg().update('nodes', [], vscode.ConfigurationTarget.Global);
    await eventually('this machine as the one row', 15_000, async () => (await rows(api)).map((r) => r.label).join() === os.hostname());
    await waitForStates(api, { [os.hostname()]: 'running' }, 30_000);
    const row = (await rows(api))[0];
    assert.match(row.description, /local \(.*node1\/run\/docker\.sock\)/);
    assert.equal(api.session.isImplicit(os.hostname()), true);
    assert.equal(api.provider.viewState, 'ready');
    assert.equal(row.contextValue, 'node:running:implicit');

    // Its gluster pool's other nodes, with this machine, become the configured nodes in one go.
    user.will('quickPick', /^Add the Nodes of .*'s Gluster Pool Reached over SSH .*\n10\.213\.51\.12\n10\.213\.51\.13$/, /^10\.213\.51\.1[23]$/);
    await vscode.commands.executeCommand('glusterBackup.addPoolNodes', row.node);
    user.expectDone();
    assert.deepEqual(cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue, [
      { name: os.hostname(), dockerSocket: path.join(data, 'node1', 'run', 'docker.sock') },
      { name: '10.213.51.12', host: '10.213.51.12' },
      { name: '10.213.51.13', host: '10.213.51.13' },
    ]);
    await eventually('three configured rows', 15_000, async () => (await rows(api)).map((r) => r.label).join() === `${os.hostname()},10.213.51.12,10.213.51.13`);
    await waitForStates(api, { [os.hostname()]: 'running' }, 30_000);
    assert.equal(api.session.isImplicit(os.hostname()), false);
    await cfg().update('nodes', [], vscode.ConfigurationTarget.Global);
    await eventually('this machine alone again', 15_000, async () => (await rows(api)).map((r) => r.label).join() === os.hostname());

    // No docker here (a laptop): no row that can only fail, the welcome instead.
    process.env.DOCKER_HOST = `unix://${path.join(os.tmpdir(), 'gb-no-docker-here.sock')}`;
    // Any setting a connection reads makes the session look at this machine again (a display
    // one, like pollSeconds, is applied in place).
    await cfg().update('timeouts.connectMs', 4323, vscode.ConfigurationTarget.Global);
    await eventually('no rows and the welcome', 15_000, async () => (await rows(api)).length === 0 && api.provider.viewState === 'empty');
    const welcome = (require('../../../../package.json') as { contributes: { viewsWelcome: { when: string; contents: string }[] } }).contributes.viewsWelcome.find((w) => w.when === 'glusterBackup.view == empty')!;
    for (const cmd of ['glusterBackup.addNode', 'glusterBackup.importSshHosts', 'workbench.action.openSettings']) assert.ok(welcome.contents.includes(`(command:${cmd}`), cmd);

    await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    await eventually('three rows', 10_000, async () => (await rows(api)).length === 3);
    await waitForStates(api, { node1: 'running', node2: 'running', node3: 'running' }, 30_000);
  });
});
