// The explorer on a backups directory a suite wrote on the bed, its clock pinned so that ages
// ("3 h ago") read the same on every run; and the clock and glusterBackup.backupDir put back after.
import * as vscode from 'vscode';
import { activated } from './extension';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

export interface PinnedView {
  /** Pins the clock, runs `write` (the directory is there before the view is pointed at it), opens the view, sets backupDir. */
  open(write: () => void): Promise<void>;
  /** Puts back what open changed; only that, so an open that failed part way is undone as far as it went. */
  restore(): Promise<void>;
}

export function pinnedView(dir: string, now: number): PinnedView {
  let clock: (() => number) | undefined;
  let backupDir: { was: string | undefined } | undefined;
  return {
    async open(write) {
      const api = await activated();
      clock = api.provider.clock;
      api.provider.clock = () => now;
      backupDir = { was: cfg().inspect<string>('backupDir')?.globalValue };
      write();
      await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
      await cfg().update('backupDir', dir, vscode.ConfigurationTarget.Global);
    },
    async restore() {
      if (clock) (await activated()).provider.clock = clock;
      if (backupDir) await cfg().update('backupDir', backupDir.was, vscode.ConfigurationTarget.Global);
    },
  };
}
