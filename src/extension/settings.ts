// The one place the extension reads its configuration. Everything is checked by the core's
// parseSettings (the CLI uses the same one), so the extension only gathers the raw values
// and tells the user about problems, once per change.
import * as vscode from 'vscode';
import { parseSettings, type Settings, type SettingsProblem } from '../core/config';
import { CONFIG_SECTION } from './commandIds';
import { isRemoteSetting, settingOf, settingScopes, type SettingScopes } from './settingScopes';

const KNOWN_KEYS = ['nodes', 'containerName', 'glusterPath', 'backupDir', 'knownHostsFile', 'sshConfigFile', 'timeouts', 'pollSeconds', 'allowSshRsa', 'archiveMode', 'maxBackupAgeHours'];

export interface ReadSettings {
  settings: Settings;
  problems: SettingsProblem[];
  /** How many entries the user's `nodes` list has, valid or not. */
  configuredNodeCount: number;
}

export function readSettings(): ReadSettings {
  const cfg = vscode.workspace.getConfiguration(CONFIG_SECTION);
  // The configuration object mixes values with its own methods; keep only values, so that a
  // misspelt key the user wrote still reaches parseSettings and is reported as unknown.
  const raw: Record<string, unknown> = {};
  for (const key of new Set([...KNOWN_KEYS, ...Object.keys(cfg)])) {
    const value = cfg.get(key);
    if (typeof value !== 'function' && value !== undefined) raw[key] = value;
  }
  const { settings, problems } = parseSettings(raw);
  const configuredNodeCount = Array.isArray(raw.nodes) ? raw.nodes.length : 0;
  return { settings, problems, configuredNodeCount };
}

export function describeProblem(p: SettingsProblem): string {
  if (!p.key) return p.message;
  // Most messages already start with their key ("nodes[1].port must be ..."): do not say it twice.
  return p.message.startsWith(p.key) ? `${CONFIG_SECTION}.${p.message}` : `${CONFIG_SECTION}.${p.key}: ${p.message}`;
}

/**
 * Logs every problem on every read, but raises a notification only when the set of problems
 * differs from the last one shown: a settings change elsewhere must not nag again.
 */
export class SettingsProblemReporter {
  private lastShown = '[]';

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly openSettings: (key?: string) => Thenable<unknown>,
  ) {}

  report(problems: SettingsProblem[]): void {
    for (const p of problems) this.log.warn(`settings: ${describeProblem(p)}`);
    const signature = JSON.stringify(problems);
    if (signature === this.lastShown) return;
    this.lastShown = signature;
    if (problems.length === 0) return;

    const first = describeProblem(problems[0]);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more, see the log)` : '';
    // The first problem's setting is where the settings editor should land (openSettingsAt finds it).
    const key = problems[0].key || undefined;
    void vscode.window
      .showWarningMessage(`Gluster Backup settings: ${first}${more}. Invalid values fall back to their defaults and invalid nodes are left out.`, 'Open Settings', 'Show Log')
      .then((choice) => {
        if (choice === 'Open Settings') void this.openSettings(key);
        else if (choice === 'Show Log') this.log.show(true);
      });
  }
}

/** The contributed settings and their scopes, from the extension's package.json (useManifest). */
let scopes: SettingScopes = { all: new Set(), remote: new Set() };

/** Called once at activation with the extension's own package.json. */
export function useManifest(packageJSON: unknown): void {
  scopes = settingScopes(packageJSON, CONFIG_SECTION);
}

/**
 * Opens settings.json at a `glusterBackup.*` setting, or at the one a problem's key points into
 * (`nodes[1].port`); falls back to the settings UI if the editor refuses.
 */
export async function openSettingsAt(key?: string, target: 'user' | 'workspace' = 'user'): Promise<void> {
  const setting = key ? settingOf(key, scopes) : undefined;
  const full = setting ? `${CONFIG_SECTION}.${setting}` : undefined;
  // In a Remote-SSH (or code-server) window the extension runs on the remote, and VS Code
  // ignores local user values of machine and machine-overridable settings there: they live in,
  // and are written to, the remote settings, so that is the file to open.
  const remote = !!vscode.env.remoteName && (!setting || isRemoteSetting(setting, scopes));
  const command =
    target === 'workspace' ? 'workbench.action.openWorkspaceSettingsFile' : remote ? 'workbench.action.openRemoteSettingsFile' : 'workbench.action.openSettingsJson';
  try {
    await vscode.commands.executeCommand(command, full ? { revealSetting: { key: full, edit: false } } : undefined);
  } catch {
    await vscode.commands.executeCommand('workbench.action.openSettings', full ?? CONFIG_SECTION);
  }
}
