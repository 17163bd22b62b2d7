// The "Gluster Backup" output channel. The Cluster already logs one line per node per action
// (and every probe problem); this only maps its levels, so a notification can point here.
import * as vscode from 'vscode';
import type { LogLine } from '../core/cluster';

export const LOG_NAME = 'Gluster Backup';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(LOG_NAME, { log: true });
}

export function writeClusterLine(log: vscode.LogOutputChannel, line: LogLine): void {
  const text = line.node ? `[${line.node}] ${line.message}` : line.message;
  switch (line.level) {
    case 'trace':
      return log.trace(text);
    case 'debug':
      return log.debug(text);
    case 'info':
      return log.info(text);
    case 'warn':
      return log.warn(text);
    case 'error':
      return log.error(text);
  }
}
