// Brings progress panels back after a window reload: VS Code keeps the panel and the state its
// page saved, and activates the extension (onWebviewPanel:glusterBackup.progress) to fill it.
import * as vscode from 'vscode';
import { isPersistedState, PROGRESS_VIEW_TYPE } from '../../webview/protocol';
import { ProgressPanels } from './progressPanel';
import type { ProgressPanelsDeps } from './progressSource';

export class ProgressSerializer implements vscode.WebviewPanelSerializer<unknown> {
  constructor(
    private readonly panels: ProgressPanels,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (!isPersistedState(state)) {
      // Closed before its first update (or saved by an older version): nothing to show.
      this.log.info('a backup progress panel had no saved job; closing it');
      panel.dispose();
      return;
    }
    await this.panels.restore(panel, state);
  }
}

/** Call once from activate(): the serializer must be registered during activation. */
export function registerProgressPanels(
  context: vscode.ExtensionContext,
  deps: ProgressPanelsDeps,
  log: vscode.LogOutputChannel,
): ProgressPanels {
  const panels = new ProgressPanels(context.extensionUri, deps, log);
  context.subscriptions.push(
    panels,
    vscode.window.registerWebviewPanelSerializer(PROGRESS_VIEW_TYPE, new ProgressSerializer(panels, log)),
  );
  return panels;
}
