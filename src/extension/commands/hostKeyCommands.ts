// Trusting a node's host key: only an unknown key, only after the user saw its fingerprint.
// A changed key is never offered here; the user must remove the old entry by hand.
import * as vscode from 'vscode';
import { describeTarget } from '../../core/config';
import { approvableKey } from '../../core/model';
import type { CommandDeps } from '../commandDeps';
import { pickNode } from './pickNode';
import { showError } from '../errors';

export function trustHostKey(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const cluster = deps.session.cluster;
    const name = await pickNode(deps, arg, 'Node whose host key to trust', false, {
      test: (n) => cluster?.status(n)?.error?.kind === 'hostKeyUnknown',
      none: 'No node has an unknown host key waiting to be trusted.',
    });
    if (!cluster || !name) return;
    const err = cluster.status(name)?.error;
    const node = deps.session.nodeConfig(name);
    if (err?.kind !== 'hostKeyUnknown' || !err.fingerprint || !err.presentedKey || !node) {
      void vscode.window.showInformationMessage(`Node "${name}" has no unknown host key waiting to be trusted. Refresh it first.`);
      return;
    }
    // The key shown is the key written, for the host shown: the node's status may change while the modal is open.
    const approved = approvableKey(err)!;
    const keyType = approved.key.split(' ')[0];
    const file = deps.session.settings.knownHostsFile;
    const yes = 'Trust and Connect';
    const choice = await vscode.window.showWarningMessage(
      err.hop
        ? `Trust the SSH host key of the jump host ${err.hop}, on the way to "${name}" (${describeTarget(node)})?`
        : `Trust the SSH host key of "${name}" (${describeTarget(node)})?`,
      {
        modal: true,
        detail:
          `${err.hop ? 'The jump host' : 'The node'} presented ${keyType ? `this ${keyType} key` : 'this key'}, which is not in ${file}:\n\n${err.fingerprint}\n\n` +
          `Compare it with the fingerprint shown on ${err.hop ? 'that host' : 'the node'} itself (ssh-keygen -lf /etc/ssh/ssh_host_${hostKeyFileType(keyType)}_key.pub) before trusting it. ` +
          `Trusting adds it to ${file}.`,
      },
      yes,
    );
    if (choice !== yes) return;
    try {
      await cluster.trustHostKey(name, approved);
      deps.log.info(`[${name}] host key ${err.fingerprint} trusted`);
    } catch (e) {
      showError(deps.log, `Could not trust the host key of "${name}"`, e, name);
      return;
    }
    await deps.refresher.refreshNodes([name], true);
  };
}

/** The `ssh_host_<type>_key.pub` name of a key type as known_hosts writes it. */
function hostKeyFileType(keyType: string | undefined): string {
  if (!keyType) return 'ed25519';
  if (keyType.startsWith('ecdsa-')) return 'ecdsa';
  if (keyType.startsWith('sk-ssh-ed25519') || keyType === 'ssh-ed25519') return 'ed25519';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-')) return 'rsa';
  return keyType.replace(/^ssh-/, '');
}
