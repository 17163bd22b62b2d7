// "Validate Backup": an archive (from its tree item, or picked among every node's archives)
// against the live gluster filesystem; "Validate with Read Data" also reads each member's data,
// followed in the progress panel. The report opens read-only in an editor tab, its one-line summary
// goes to the log, and the JSON stays beside the archive on the node (the core saves it). A slice
// run that another run's read-data lock refuses says who holds it, since when and where the lock
// is, and offers to remove a lock no run holds any more.
import * as vscode from 'vscode';
import { archivesOnNodes } from '../../core/archivesOnNodes';
import { exitOfValidation, validateBackup, type ValidationResult } from '../../core/validate/validateBackup';
import { reportLine, reportMarkdown, reportTitle } from '../../core/validate/reportText';
import { archiveTargetOf, pickAmong, type ArchiveTarget } from '../commands/archiveArg';
import type { CommandDeps } from '../commandDeps';
import type { ReadDataProgress } from '../../core/validate/readData';
import { parseSubsetPercent } from '../../core/validate/readDataState';
import { ReadDataLockHeld, heldByText } from '../../core/validate/readDataLock';
import { Cmd } from '../commandIds';
import { showError } from '../errors';
import { ReadDataMeter } from './readDataText';
import { ReadDataSource } from './readDataSource';
import { errorText } from '../errorText';
import type { ReportDocuments } from './reportDocuments';

type Target = ArchiveTarget;

async function pickArchive(deps: CommandDeps): Promise<Target | undefined> {
  const cluster = deps.session.cluster;
  if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
  const dir = cluster.settings.backupDir;
  // Looked at now, as Restore does: the tree's last listing is empty before the view was first
  // shown, and after a settings change while it is hidden.
  const { found, errors } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking for archives in ${dir} on the nodes…` }, () =>
    archivesOnNodes(cluster, dir),
  );
  for (const e of errors) deps.log.warn(`validate: cannot list the archives of ${e}`);
  if (found.length === 0) {
    void vscode.window.showInformationMessage(`Gluster Backup: no finished archive in ${dir} on any node${errors.length ? ` (${errors.length} could not be looked at: see the log)` : ''}. Back up first.`);
    return undefined;
  }
  return pickAmong(
    found.map((a) => ({ node: a.node, archive: a })),
    'Validate Backup: which archive?',
  );
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

/** What a Validate with Read Data run reads, and the lock it may remove first (the one the operator was shown). */
type ReadDataScope = { subset?: number; breakLock?: { token: string } | true };

/** How much --read-data reads: every member, or the next slice of them (basis points). */
async function askReadData(name: string): Promise<ReadDataScope | undefined> {
  const all = { label: 'Every member', description: 'hash each file of the archive and the same live file, in the container' };
  const slice = { label: 'The next slice…', description: 'a share of the members, continuing where the last slice stopped' };
  const picked = await vscode.window.showQuickPick([all, slice], { title: `Validate with Read Data: ${name}`, placeHolder: 'Read which members?' });
  if (!picked) return undefined;
  if (picked === all) return {};
  const text = await vscode.window.showInputBox({
    title: `Validate with Read Data: ${name}`,
    prompt: 'Share of the members to read this time (ten runs at 10% read every member once)',
    value: '10%',
    validateInput: (t) => {
      try {
        parseSubsetPercent(t);
        return undefined;
      } catch (e) {
        return (e as Error).message.replace(/^--read-data-subset /, '');
      }
    },
  });
  return text === undefined ? undefined : { subset: parseSubsetPercent(text) };
}

/** The panel's state for validate's exit code: 0 clean, 1 differences, 2 a damaged archive. */
const STATE_OF_EXIT = ['completed', 'completedWithWarnings', 'failed'] as const;

/**
 * With read data, the progress panel follows the run (members, bytes, rate, ETA, Cancel); a
 * check of names and sizes only is quick enough for a notification.
 */
function runReadData(deps: CommandDeps, cluster: NonNullable<CommandDeps['session']['cluster']>, target: Target, scope: ReadDataScope, running: Map<string, ReadDataSource>): Promise<ValidationResult> {
  const source = new ReadDataSource(target.node, target.archive.path, scope.subset);
  const key = `${target.node}/${target.archive.path}`;
  running.set(key, source);
  deps.progress.showRun(source);
  const meter = new ReadDataMeter();
  let loggedAt = 0;
  return deps.session.hold(cluster, () => validateBackup(cluster, {
    node: target.node,
    archive: target.archive.path,
    signal: source.controller.signal,
    onPhase: (phase) => source.phase(PHASE[phase] ?? phase),
    readData: {
      ...scope,
      client: 'VS Code',
      onProgress: (p: ReadDataProgress) => {
        const now = Date.now();
        source.progress(p, now);
        const m = meter.update(p, now);
        if (now - loggedAt >= 5000 || p.members === p.membersTotal) {
          loggedAt = now;
          deps.log.debug(`validate ${target.archive.name}: ${m.text}`);
        }
      },
    },
  })).then(
    (result) => {
      source.end(STATE_OF_EXIT[exitOfValidation(result)] ?? 'failed', reportLine(result).replace(/^validate /, ''), exitOfValidation(result));
      return result;
    },
    (err: unknown) => {
      if (source.controller.signal.aborted) source.end('cancelled', 'cancelled from its progress panel');
      else source.end('failed', errorText(err));
      throw err;
    },
  ).finally(() => {
    if (running.get(key) === source) running.delete(key);
    source.dispose();
  });
}

export function validateBackupCommand(deps: CommandDeps, reports: ReportDocuments, readData = false) {
  // One read-data run per archive at a time: its panel is that archive's.
  const running = new Map<string, ReadDataSource>();
  return async (arg?: unknown): Promise<ValidationResult | undefined> => {
    const cluster = deps.session.cluster;
    if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
    const target = archiveTargetOf(arg) ?? (await pickArchive(deps));
    if (!target) return undefined;
    const already = readData ? running.get(`${target.node}/${target.archive.path}`) : undefined;
    if (already) {
      deps.progress.showRun(already);
      void vscode.window.showInformationMessage(`Gluster Backup: ${target.archive.name} on ${target.node} is being read already; its panel shows where.`);
      return undefined;
    }
    const scope = readData ? await askReadData(target.archive.name) : undefined;
    if (readData && !scope) return undefined;
    return validate(cluster, target, scope);
  };

  async function validate(cluster: NonNullable<CommandDeps['session']['cluster']>, target: Target, scope: ReadDataScope | undefined): Promise<ValidationResult | undefined> {
    deps.log.info(`validate ${target.archive.name} on ${target.node}${scope ? ' with read data' : ''}: started`);
    let result: ValidationResult;
    try {
      result = scope
        ? await runReadData(deps, cluster, target, scope, running)
        : await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Validating ${target.archive.name}`, cancellable: true },
            (progress, token) => {
              const ctl = new AbortController();
              token.onCancellationRequested(() => ctl.abort());
              return deps.session.hold(cluster, () =>
                validateBackup(cluster, {
                  node: target.node,
                  archive: target.archive.path,
                  signal: ctl.signal,
                  onPhase: (phase) => progress.report({ message: PHASE[phase] ?? phase }),
                }),
              );
            },
          );
    } catch (e) {
      if (!(e instanceof ReadDataLockHeld) || !scope) throw e;
      // Another run of this archive's slices holds the lock: said as a warning (nothing is wrong
      // with the archive), with the way to remove a lock no run holds any more.
      lockRefused(deps, target, e, (breakLock) => validate(cluster, target, { ...scope, breakLock }));
      return undefined;
    }
    // The archive row's check or cross, and the node's last good backup, come from the report just saved.
    void deps.refresher.refreshNodes([target.node], false);
    deps.log.info(reportLine(result));
    for (const c of result.cautions) deps.log.warn(`validate ${target.archive.name}: ${c}`);
    if (result.saveError) deps.log.warn(`validate ${target.archive.name}: ${result.saveError}`);
    await reports.open(`Validation of ${target.archive.name}`, reportMarkdown(result));
    notify(result);
    deps.log.debug(`${reportTitle(result)}: ${result.timings.totalMs} ms (${result.method})`);
    return result;
  }
}

const REMOVE_LOCK = 'Remove Lock and Read…';
const REMOVE_LOCK_CONFIRM = 'Remove Lock and Read';

/**
 * A subset run refused by another run's lock: a warning naming the holder, since when and the
 * lock's path, offering to remove the lock after a modal that says what that costs if the
 * holder still runs. The lock removed is the one shown (its token): one taken since is not.
 */
function lockRefused(deps: CommandDeps, target: Target, e: ReadDataLockHeld, again: (breakLock: { token: string } | true) => Promise<unknown>): void {
  deps.log.warn(`validate ${target.archive.name}: ${e.message}`);
  if ('contended' in e.found) {
    void vscode.window.showWarningMessage(`Gluster Backup: ${e.message}`);
    return;
  }
  const found = e.found;
  void vscode.window.showWarningMessage(`Gluster Backup: ${e.message}`, REMOVE_LOCK, 'Show Log').then(async (pick) => {
    if (pick === 'Show Log') return deps.log.show(true);
    if (pick !== REMOVE_LOCK) return;
    const held = 'holder' in found ? `It is held by ${heldByText(found.holder, e.node)}.` : `It cannot be read (${found.unreadable}).`;
    const sure = await vscode.window.showWarningMessage(
      `Remove the read-data lock of ${target.archive.name} on ${target.node} and read the next slice?`,
      {
        modal: true,
        detail: `${held} Remove it only when that run is no longer going on (it was killed, or its machine is down): if it still runs, both check the same slice, and where it stops is not saved.\n\n${e.lockPath}`,
      },
      REMOVE_LOCK_CONFIRM,
    );
    if (sure !== REMOVE_LOCK_CONFIRM) return;
    try {
      await again('holder' in found ? { token: found.holder.token } : true);
    } catch (err) {
      showError(deps.log, 'Gluster Backup', err, Cmd.validateReadData);
    }
  });
}
