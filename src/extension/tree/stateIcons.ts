// How a node's state looks: label words and a coloured codicon, green for running, warning
// colours for a container that is not running, error colour when the node cannot be read.
import * as vscode from 'vscode';

const green = new vscode.ThemeColor('charts.green');
const warn = new vscode.ThemeColor('list.warningForeground');
const err = new vscode.ThemeColor('list.errorForeground');

interface Look {
  label: string;
  icon: vscode.ThemeIcon;
}

const looks: Record<string, Look> = {
  checking: { label: 'checking…', icon: new vscode.ThemeIcon('loading~spin') },
  unknown: { label: 'state unknown', icon: new vscode.ThemeIcon('question', warn) },
  running: { label: 'running', icon: new vscode.ThemeIcon('vm-running', green) },
  exited: { label: 'exited', icon: new vscode.ThemeIcon('vm-outline', warn) },
  paused: { label: 'paused', icon: new vscode.ThemeIcon('debug-pause', warn) },
  restarting: { label: 'restarting', icon: new vscode.ThemeIcon('sync~spin', warn) },
  created: { label: 'created, never started', icon: new vscode.ThemeIcon('vm-outline', warn) },
  dead: { label: 'dead', icon: new vscode.ThemeIcon('vm-outline', err) },
  removing: { label: 'being removed', icon: new vscode.ThemeIcon('trash', warn) },
  missing: { label: 'no gluster container', icon: new vscode.ThemeIcon('circle-slash', warn) },
  unreachable: { label: 'unreachable', icon: new vscode.ThemeIcon('debug-disconnect', err) },
  timeout: { label: 'timed out', icon: new vscode.ThemeIcon('watch', err) },
  hostKeyUnknown: { label: 'host key not trusted', icon: new vscode.ThemeIcon('key', warn) },
  hostKeyChanged: { label: 'HOST KEY CHANGED', icon: new vscode.ThemeIcon('shield', err) },
  auth: { label: 'authentication failed', icon: new vscode.ThemeIcon('lock', err) },
  passphrase: { label: 'key passphrase needed', icon: new vscode.ThemeIcon('lock', warn) },
  dockerUnavailable: { label: 'docker not answering', icon: new vscode.ThemeIcon('error', err) },
  config: { label: 'invalid settings', icon: new vscode.ThemeIcon('gear', err) },
  other: { label: 'error', icon: new vscode.ThemeIcon('error', err) },
};

export function stateLook(state: string, busyLabel?: string): Look {
  if (state === 'busy') return { label: busyLabel ?? 'working…', icon: new vscode.ThemeIcon('loading~spin') };
  return looks[state] ?? looks.other;
}

export const colors = { green, warn, err };
