// "Validate Backup": an archive (from its tree item, or picked among every node's archives)
// against the live gluster filesystem. The report opens read-only in an editor tab, its one-line summary
// goes to the log, and the JSON stays beside the archive on the node (the core saves it).
import * as vscode from 'vscode';
import { exitOfValidation, validateBackup, type ValidationResult } from '../../core/validate/validateBackup';
import { reportLine, reportMarkdown, reportTitle } from '../../core/validate/reportText';
import { archiveTargetOf, pickAmong, type ArchiveTarget } from '../commands/archiveArg';
import type { CommandDeps } from '../commands/commandDeps';
import type { ReportDocuments } from './reportDocuments';

type Target = ArchiveTarget;

async function pickArchive(deps: CommandDeps): Promise<Target | undefined> {
  const cluster = deps.session.cluster;
  if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
  const known: Target[] = [];
  for (const n of cluster.nodes()) {
    for (const a of cluster.status(n.name)?.backups ?? []) if (!a.partial) known.push({ node: n.name, archive: a });
  }
  if (known.length === 0) {
    void vscode.window.showInformationMessage('Gluster Backup: no finished backup archive is known on any node. Refresh the explorer, or back up first.');
    return undefined;
  }
  return pickAmong(known, 'Validate Backup: which archive?');
}

const PHASE: Record<string, string> = {
  locating: 'finding the archive',
  indexing: 'reading the archive headers',
  listing: 'listing the gluster filesystem',
  saving: 'saving the report beside the archive',
};

function notify(r: ValidationResult): void {
  const line = reportLine(r).replace(/^validate /, '');
  const code = exitOfValidation(r);
  if (code === 2) void vscode.window.showErrorMessage(`Gluster Backup: ${line}`);
  else if (code === 1) void vscode.window.showWarningMessage(`Gluster Backup: ${line}`);
  else void vscode.window.showInformationMessage(`Gluster Backup: ${line}`);
}

export function validateBackupCommand(deps: CommandDeps, reports: ReportDocuments) {
  return async (arg?: unknown): Promise<ValidationResult | undefined> => {
    const cluster = deps.session.cluster;
    if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
    const target = archiveTargetOf(arg) ?? (await pickArchive(deps));
    if (!target) return undefined;
    deps.log.info(`validate ${target.archive.name} on ${target.node}: started`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Validating ${target.archive.name}`, cancellable: true },
      (progress, token) => {
        const ctl = new AbortController();
        token.onCancellationRequested(() => ctl.abort());
        return validateBackup(cluster, {
          node: target.node,
          archive: target.archive.path,
          signal: ctl.signal,
          onPhase: (phase) => progress.report({ message: PHASE[phase] ?? phase }),
        });
      },
    );
    // The archive row's check or cross, and the node's last good backup, come from the report just saved.
    void deps.refresher.refreshNodes([target.node], false);
    deps.log.info(reportLine(result));
    for (const c of result.cautions) deps.log.warn(`validate ${target.archive.name}: ${c}`);
    if (result.saveError) deps.log.warn(`validate ${target.archive.name}: ${result.saveError}`);
    await reports.open(`Validation of ${target.archive.name}`, reportMarkdown(result));
    notify(result);
    deps.log.debug(`${reportTitle(result)}: ${result.timings.totalMs} ms (${result.method})`);
    return result;
  };
}
