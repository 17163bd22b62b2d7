// Command ids in one place, free of `vscode` so the manifest test can check package.json
// against them without an extension host.
export const Cmd = {
  refresh: 'glusterBackup.refresh',
  startAll: 'glusterBackup.startAll',
  stopAll: 'glusterBackup.stopAll',
  restartAll: 'glusterBackup.restartAll',
  start: 'glusterBackup.start',
  stop: 'glusterBackup.stop',
  restart: 'glusterBackup.restart',
  addNode: 'glusterBackup.addNode',
  importSshHosts: 'glusterBackup.importSshHosts',
  addPoolNodes: 'glusterBackup.addPoolNodes',
  removeNode: 'glusterBackup.removeNode',
  editNode: 'glusterBackup.editNode',
  trustHostKey: 'glusterBackup.trustHostKey',
  showLog: 'glusterBackup.showLog',
  backup: 'glusterBackup.backup',
  cancelBackup: 'glusterBackup.cancelBackup',
  showBackupLog: 'glusterBackup.showBackupLog',
  showProgress: 'glusterBackup.showProgress',
  validateBackup: 'glusterBackup.validateBackup',
  validateReadData: 'glusterBackup.validateReadData',
  restore: 'glusterBackup.restore',
  pruneBackups: 'glusterBackup.pruneBackups',
  publishKept: 'glusterBackup.publishKept',
} as const;

export type CommandId = (typeof Cmd)[keyof typeof Cmd];

export const VIEW_ID = 'glusterBackup.nodes';
export const CONFIG_SECTION = 'glusterBackup';
/** Context key read by the viewsWelcome `when` clauses. */
export const VIEW_STATE_KEY = 'glusterBackup.view';
export type ViewState = 'ready' | 'failed' | 'invalidNodes' | 'empty' | 'checking';
