// Adding, removing and editing nodes: they live in the `glusterBackup.nodes` setting, so these
// commands only edit settings; the session rebuilds the Cluster when the setting changes.
import * as os from 'os';
import * as vscode from 'vscode';
import type { NodeConfig } from '../../core/config';
import { parseSshConfigHosts, type SshConfigHost } from '../../core/ssh/sshConfigHosts';
import { readSshConfigFile } from '../../core/ssh/sshConfigFile';
import { CONFIG_SECTION } from '../commandIds';
import { openSettingsAt } from '../settings';
import type { CommandDeps } from '../commandDeps';
import { BACK, inputStep, type InputStep } from './multiStepInput';
import { pickNode } from './pickNode';
import { nodeNameOf } from '../tree/treeNode';
import { readPeers } from '../../core/gluster/volumeProbe';
import { errorText } from '../errorText';
import { pointToLog } from '../errors';

const HOST = /^[A-Za-z0-9._:%-]+$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

type RawNode = Record<string, unknown>;

function nodesAt(target: 'global' | 'workspace'): RawNode[] | undefined {
  const info = vscode.workspace.getConfiguration(CONFIG_SECTION).inspect<unknown>('nodes');
  const v = target === 'global' ? info?.globalValue : info?.workspaceValue;
  return Array.isArray(v) ? (v as RawNode[]) : undefined;
}

/** Every node in the user and workspace settings: the names a new node must not take. */
function configuredNodes(): RawNode[] {
  return [...(nodesAt('global') ?? []), ...(nodesAt('workspace') ?? [])];
}

/**
 * New nodes go to the end of the user settings' list. A workspace that sets the list itself
 * wins over it: said, or the nodes added seem to vanish.
 */
async function appendNodes(entries: RawNode[]): Promise<void> {
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update('nodes', [...(nodesAt('global') ?? []), ...entries], vscode.ConfigurationTarget.Global);
  if (nodesAt('workspace') === undefined) return;
  const names = entries.map((e) => `"${String(e.name)}"`).join(', ');
  void vscode.window
    .showWarningMessage(
      `${entries.length === 1 ? `Node ${names} was` : `Nodes ${names} were`} added to your user settings, but this workspace sets glusterBackup.nodes itself, which takes precedence.`,
      'Open Workspace Settings',
    )
    .then((c) => c && openSettingsAt('nodes', 'workspace'));
}

async function readSshConfig(log: vscode.LogOutputChannel, file: string): Promise<SshConfigHost[]> {
  try {
    // The same bounded reader every connection uses; a missing file is no config.
    const parsed = await readSshConfigFile(file);
    return parsed ? parseSshConfigHosts(parsed) : [];
  } catch (err) {
    log.warn(`cannot read ${file}: ${errorText(err)}`);
    return [];
  }
}

interface HostPick extends vscode.QuickPickItem {
  host?: SshConfigHost;
  manual?: boolean;
  local?: boolean;
}

interface ManualAnswers {
  host: string;
  user: string;
  port: string;
  identityFile: string;
}

/**
 * The manual part of Add Node, steps 2 to 5 of 6 (the name is the 6th), from step `from + 2`;
 * the answers stay in `v`, so going back shows what was typed. BACK from its first step.
 */
async function askManual(v: ManualAnswers, from: number): Promise<Omit<NodeConfig, 'name'> | typeof BACK | undefined> {
  const steps: (Omit<InputStep, 'step' | 'total' | 'value'> & { key: keyof typeof v })[] = [
    { key: 'host', title: 'Add Node: host', prompt: 'Host name or address of the data node, reached over SSH', validate: (x) => (HOST.test(x.trim()) ? undefined : 'A host name or an IP address') },
    { key: 'user', title: 'Add Node: SSH user', prompt: 'The user must be allowed to use the docker socket on the node', validate: (x) => (USER.test(x.trim()) ? undefined : 'A user name') },
    { key: 'port', title: 'Add Node: SSH port', validate: (x) => (/^\d+$/.test(x.trim()) && +x >= 1 && +x <= 65535 ? undefined : 'A port number 1-65535') },
    {
      key: 'identityFile',
      title: 'Add Node: identity file',
      prompt: 'Private key to log in with (absolute or ~/ path); leave empty for the SSH agent / default keys',
      placeholder: '~/.ssh/id_ed25519',
      validate: (x) => (x.trim() === '' || /^[/~]/.test(x.trim()) ? undefined : 'An absolute path or one starting with ~/'),
    },
  ];
  for (let i = from; i < steps.length; ) {
    const { key, ...step } = steps[i];
    const got = await inputStep({ ...step, step: i + 2, total: 6, value: v[key] });
    if (got === undefined) return undefined;
    if (got === BACK) {
      if (i === 0) return BACK;
      i--;
      continue;
    }
    v[key] = got.trim();
    i++;
  }
  return {
    host: v.host,
    ...(v.user !== 'root' ? { user: v.user } : {}),
    ...(+v.port !== 22 ? { port: +v.port } : {}),
    ...(v.identityFile ? { identityFile: v.identityFile } : {}),
  };
}

function fromSshConfig(h: SshConfigHost): Omit<NodeConfig, 'name'> {
  const node: Omit<NodeConfig, 'name'> = { host: h.hostName };
  if (h.port !== undefined && h.port !== 22) node.port = h.port;
  // ssh defaults to the local user, Gluster Backup to root: write it out so both agree.
  node.user = h.user ?? os.userInfo().username;
  // Only paths the settings accept; a token ssh-config left unexpanded is better dropped.
  if (h.identityFile && /^[/~]/.test(h.identityFile) && !h.identityFile.includes('%')) node.identityFile = h.identityFile;
  return node;
}

export function addNode(deps: CommandDeps) {
  return async (): Promise<void> => {
    const existing = new Set(configuredNodes().map((n) => String(n.name)));
    const hosts = await readSshConfig(deps.log, deps.session.settings.sshConfigFile);
    let node: Omit<NodeConfig, 'name'> = {};
    let suggested = '';

    const picks: HostPick[] = [
      ...hosts.map((h) => ({
        label: h.alias,
        description: `${h.user ?? ''}${h.user ? '@' : ''}${h.hostName}${h.port ? `:${h.port}` : ''}`,
        detail: h.identityFile,
        host: h,
      })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(edit) Enter host, user and port…', manual: true },
      { label: '$(vm) This machine (local docker socket)', description: 'for a window opened on the node itself, e.g. Remote-SSH', local: true },
    ];
    // Step 1 picks the source; a manual node asks four more things; the name comes last. Back
    // from any later step returns to the one before it, with what was typed there.
    const manual: ManualAnswers = { host: '', user: 'root', port: '22', identityFile: '' };
    let stage: 'source' | 'manual' | 'name' = 'source';
    let from = 0;
    // Entered by hand: six steps (source, four answers, name); from ~/.ssh/config or local: two.
    let byHand = false;
    let chosenName: string;
    for (;;) {
      if (stage === 'source') {
        const picked = hosts.length
          ? await vscode.window.showQuickPick(picks, { title: 'Add Node', placeHolder: 'A host from ~/.ssh/config, or enter one', matchOnDescription: true })
          : await vscode.window.showQuickPick(picks.slice(1), { title: 'Add Node', placeHolder: 'No hosts in ~/.ssh/config: enter one' });
        if (!picked) return;
        byHand = !picked.host && !picked.local;
        stage = 'name';
        if (picked.host) {
          node = fromSshConfig(picked.host);
          suggested = picked.host.alias;
        } else if (picked.local) {
          node = {};
          suggested = 'local';
        } else {
          from = 0;
          stage = 'manual';
        }
        continue;
      }
      if (stage === 'manual') {
        const got = await askManual(manual, from);
        if (got === undefined) return;
        if (got === BACK) {
          stage = 'source';
          continue;
        }
        node = got;
        suggested = got.host?.split('.')[0] ?? '';
        stage = 'name';
        continue;
      }
      const name = await inputStep({
        title: 'Add Node: name',
        step: byHand ? 6 : 2,
        total: byHand ? 6 : 2,
        prompt: 'The name shown in the explorer',
        value: existing.has(suggested) ? '' : suggested,
        validate: (x) => (!x.trim() ? 'A name is needed' : existing.has(x.trim()) ? `A node named "${x.trim()}" exists already` : undefined),
      });
      if (name === undefined) return;
      if (name === BACK) {
        stage = byHand ? 'manual' : 'source';
        from = 3;
        continue;
      }
      chosenName = name.trim();
      break;
    }
    const entry: RawNode = { name: chosenName, ...node };
    await appendNodes([entry]);
    deps.log.info(`added node ${JSON.stringify(entry)} to the user settings`);
  };
}

/**
 * Several hosts of ~/.ssh/config at once, each named for its alias: what an operator whose
 * data nodes are in that file wants on a first run, instead of Add Node once per node.
 */
export function importSshHosts(deps: CommandDeps) {
  return async (): Promise<void> => {
    const names = new Set(configuredNodes().map((n) => String(n.name)));
    const hosts = (await readSshConfig(deps.log, deps.session.settings.sshConfigFile)).filter((h) => !names.has(h.alias));
    if (hosts.length === 0) {
      void vscode.window.showInformationMessage(
        names.size ? 'Every host of ~/.ssh/config is a node already.' : `~/.ssh/config names no host to import (${deps.session.settings.sshConfigFile}). Add Node lets you enter one.`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      hosts.map((h) => ({ label: h.alias, description: `${h.user ?? ''}${h.user ? '@' : ''}${h.hostName}${h.port ? `:${h.port}` : ''}`, detail: h.identityFile, host: h })),
      { title: 'Import Nodes from ~/.ssh/config', placeHolder: 'The data nodes to add (each named as its Host entry)', canPickMany: true, matchOnDescription: true },
    );
    if (!picked?.length) return;
    const entries: RawNode[] = picked.map((p) => ({ name: p.host.alias, ...fromSshConfig(p.host) }));
    await appendNodes(entries);
    deps.log.info(`added ${entries.length} node(s) from ~/.ssh/config to the user settings: ${entries.map((e) => e.name).join(', ')}`);
  };
}

/**
 * In a window on a data node (this machine shown as the implicit node): the other nodes of its
 * gluster pool, as glusterd knows them, added over SSH in one go, together with this machine
 * itself (a configured node list replaces the implicit node, which would otherwise vanish).
 */
export function addPoolNodes(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const cluster = deps.session.cluster;
    const here = deps.session.shownNodes().find((n) => deps.session.isImplicit(n.name));
    const given = nodeNameOf(arg);
    if (!cluster || !here || (given !== undefined && given !== here.name)) {
      void vscode.window.showInformationMessage('Adding the pool\'s nodes works from this machine\'s row, shown when no node is configured yet.');
      return;
    }
    const peers = await readPeers(await cluster.connection(here.name).docker(), deps.session.settings);
    if (!peers) {
      pointToLog(deps.log, `The gluster pool could not be read on ${here.name} (gluster pool list in the ${deps.session.settings.containerName} container): is gluster running? The log may say more.`);
      return;
    }
    // glusterd lists its peers in no fixed order: sorted, the pick (and the settings) read the same each time.
    const others = peers.filter((p) => !p.self && HOST.test(p.hostname)).sort((a, b) => a.hostname.localeCompare(b.hostname, 'en', { numeric: true }));
    if (others.length === 0) {
      void vscode.window.showInformationMessage(`The gluster pool of ${here.name} has no other node.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      others.map((p) => ({ label: p.hostname, description: p.connected ? 'connected' : 'not connected', picked: true, peer: p })),
      { title: `Add the Nodes of ${here.name}'s Gluster Pool`, placeHolder: 'Reached over SSH as root with your default keys or agent (Edit Node changes that)', canPickMany: true },
    );
    if (!picked?.length) return;
    const entries: RawNode[] = [{ name: here.name, ...(here.dockerSocket ? { dockerSocket: here.dockerSocket } : {}) }, ...picked.map((p) => ({ name: p.peer.hostname, host: p.peer.hostname }))];
    await appendNodes(entries);
    deps.log.info(`added this machine and ${picked.length} node(s) of its gluster pool to the user settings: ${entries.map((e) => e.name).join(', ')}`);
  };
}

export function removeNode(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const name = await pickNode(deps, arg, 'Node to remove from the settings', true);
    if (!name) return;
    const targets = (['global', 'workspace'] as const).filter((t) => nodesAt(t)?.some((n) => n.name === name));
    if (targets.length === 0) {
      void vscode.window.showInformationMessage(`Node "${name}" is not in the user or workspace settings (a folder setting?); edit it there.`);
      return;
    }
    const yes = 'Remove';
    const choice = await vscode.window.showWarningMessage(
      `Remove node "${name}" from the glusterBackup.nodes setting?`,
      { modal: true, detail: 'Only the setting changes: nothing on the node is touched.' },
      yes,
    );
    if (choice !== yes) return;
    const cfg = vscode.workspace.getConfiguration(CONFIG_SECTION);
    for (const t of targets) {
      const rest = (nodesAt(t) ?? []).filter((n) => n.name !== name);
      await cfg.update('nodes', rest, t === 'global' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
    }
    deps.log.info(`removed node ${name} from the ${targets.join(' and ')} settings`);
  };
}

export function editNode(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const name = (arg ? await pickNode(deps, arg, 'Node to edit') : undefined) ?? undefined;
    // The workspace file only when that is where the node is written.
    const inWorkspace = !!name && !!nodesAt('workspace')?.some((n) => n.name === name) && !nodesAt('global')?.some((n) => n.name === name);
    await openSettingsAt('nodes', inWorkspace ? 'workspace' : 'user');
  };
}
