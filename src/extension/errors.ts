// How a command that failed tells the operator: one line in the log, one error notification with
// a way to that log. The commands call these instead of each writing both.
import * as vscode from 'vscode';
import { errorText } from './errorText';

/** An error notification whose "Show Log" button reveals the log (which holds the detail). */
export function pointToLog(log: vscode.LogOutputChannel, message: string): void {
  void vscode.window.showErrorMessage(message, 'Show Log').then((c) => c && log.show(true));
}

/**
 * Logs `text: why` (tagged `[where]` when given: a node, a command) and shows the same sentence.
 * The notification reads `text: why` whatever the tag, so the operator's wording stays the caller's.
 */
export function showError(log: vscode.LogOutputChannel, text: string, err: unknown, where?: string): void {
  const message = `${text}: ${errorText(err)}`;
  log.error(where ? `[${where}] ${message}` : message);
  pointToLog(log, message);
}

/** Every command's answer while the session did not start (the reason is in the log already). */
export function showNotRunning(log: vscode.LogOutputChannel, failure: string | undefined): void {
  pointToLog(log, `Gluster Backup is not running: ${failure ?? 'see the log'}`);
}
