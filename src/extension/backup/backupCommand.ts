// "Back Up…": compression, preflight, the checks shown with what can be done about a failed
// one (start gluster on stopped nodes, or override with a recorded reason), then the job.
// Mirrors `gluster-backup backup` (src/cli/backup.ts): same checks, same blocking rule.
import { bytesText } from '../../core/bytes';
import * as os from 'os';
import * as vscode from 'vscode';
import { blocking, preflight, type Check, type PreflightResult } from '../../core/backup/preflight';
import type { Compression } from '../../core/backup/naming';
import type { PreflightOverride } from '../../core/backup/types';
import type { CommandDeps } from '../commandDeps';
import { nodeNameOf } from '../tree/treeNode';
import { showRunningNotification } from './jobNotifications';
import { showError, showNotRunning } from '../errors';

const ICON: Record<Check['verdict'], string> = { pass: '$(pass)', warn: '$(warning)', fail: '$(error)' };

interface CompressionPick extends vscode.QuickPickItem {
  compression: Compression;
}

async function pickCompression(): Promise<Compression | undefined> {
  const picks: CompressionPick[] = [
    { label: 'Uncompressed', description: 'faster', detail: 'A plain .tar, as the seed procedure writes it.', compression: 'none' },
    { label: 'gzip', description: 'with pigz when the image has it: about 20% smaller', detail: 'A .tar.gz; slower, and the progress is an estimate.', compression: 'gzip' },
  ];
  const picked = await vscode.window.showQuickPick(picks, { title: 'Back Up (1/2): compression', ignoreFocusOut: true });
  return picked?.compression;
}

type Action =
  | { kind: 'start' }
  | { kind: 'startNodes'; nodes: string[] }
  | { kind: 'override'; check: Check }
  | { kind: 'rerun' }
  | { kind: 'info' };

interface ActionPick extends vscode.QuickPickItem {
  action: Action;
}

function checkPicks(pre: PreflightResult, overrides: PreflightOverride[]): ActionPick[] {
  const stop = blocking(pre, overrides);
  const overridden = new Map(overrides.map((o) => [o.check, o.reason]));
  const actions: ActionPick[] = [];
  if (stop.length === 0 && pre.node) {
    actions.push({ label: `$(play) Start the Backup on ${pre.node}`, description: overrides.length ? `${overrides.length} check(s) overridden` : '', action: { kind: 'start' } });
  }
  if (pre.stoppedNodes.length) {
    actions.push({ label: '$(debug-start) Start Gluster on Stopped Nodes', description: pre.stoppedNodes.join(', '), detail: 'then run the checks again', action: { kind: 'startNodes', nodes: pre.stoppedNodes } });
  }
  for (const c of stop) {
    actions.push({ label: `$(unlock) Override "${c.title}"…`, description: 'asks for a reason, recorded in the job', action: { kind: 'override', check: c } });
  }
  actions.push({ label: '$(refresh) Run the Checks Again', action: { kind: 'rerun' } });
  const checks: ActionPick[] = pre.checks.map((c) => ({
    label: `${overridden.has(c.id) ? '$(unlock)' : ICON[c.verdict]} ${c.title}`,
    description: overridden.has(c.id) ? `${c.verdict}, overridden: ${overridden.get(c.id)}` : c.verdict,
    detail: c.notes?.length ? `${c.reason} (note: ${c.notes.join('; ')})` : c.reason,
    action: c.verdict === 'fail' && !overridden.has(c.id) ? { kind: 'override', check: c } : { kind: 'info' },
  }));
  return [...actions, { label: 'checks', kind: vscode.QuickPickItemKind.Separator, action: { kind: 'info' } }, ...checks];
}

function title(pre: PreflightResult, overrides: PreflightOverride[]): string {
  const fails = blocking(pre, overrides).length;
  const warns = pre.checks.filter((c) => c.verdict === 'warn').length;
  const size = pre.expectedBytes !== undefined ? `, archive about ${bytesText(pre.expectedBytes)}` : '';
  const where = pre.node ? ` on ${pre.node}` : '';
  return `Back Up (2/2)${where}: ${fails ? `${fails} failed` : 'checks passed'}${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}${size}`;
}

async function askOverride(check: Check): Promise<PreflightOverride | undefined> {
  const reason = await vscode.window.showInputBox({
    title: `Override "${check.title}"`,
    prompt: `It failed: ${check.reason}. Why is it safe to back up anyway? (recorded in the job)`,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length < 3 ? 'A reason is needed: it is recorded with the backup' : undefined),
  });
  if (reason === undefined) return undefined;
  return { check: check.id, reason: reason.trim(), by: `${os.userInfo().username}@${os.hostname()} (VS Code)` };
}

export function backupCommand(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const cluster = deps.session.cluster;
    const jobs = deps.monitor.jobsApi();
    if (!cluster || !jobs) {
      showNotRunning(deps.log, deps.session.failure);
      return;
    }
    // From a node row tar runs there; from the palette or the view title, preflight picks one.
    const node = nodeNameOf(arg);
    const compression = await pickCompression();
    if (!compression) return;
    let overrides: PreflightOverride[] = [];
    let pre: PreflightResult | undefined;
    for (;;) {
      if (!pre) {
        pre = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Checking before the backup${node ? ` on ${node}` : ''} (measuring the gluster filesystem can take a while)…` },
          () => preflight(cluster, jobs, { compression, ...(node ? { node } : {}) }),
        );
        for (const c of pre.checks) {
          deps.log.info(`preflight${pre.node ? ` [${pre.node}]` : ''}: ${c.verdict} ${c.title}: ${c.reason}`);
          for (const n of c.notes ?? []) deps.log.info(`preflight${pre.node ? ` [${pre.node}]` : ''}: note: ${n}`);
        }
      }
      const picked = await vscode.window.showQuickPick(checkPicks(pre, overrides), {
        title: title(pre, overrides),
        placeHolder: 'Each check with its reason; pick an action',
        ignoreFocusOut: true,
        matchOnDetail: true,
      });
      if (!picked) return;
      const a = picked.action;
      if (a.kind === 'start') break;
      if (a.kind === 'rerun') pre = undefined;
      else if (a.kind === 'startNodes') {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting gluster on ${a.nodes.join(', ')}…` }, async () => {
          const results = await cluster.act('start', a.nodes);
          const failed = results.filter((r) => !r.ok);
          if (failed.length) void vscode.window.showWarningMessage(`Could not start gluster on ${failed.map((r) => `${r.node}: ${r.message}`).join('; ')}`);
        });
        await deps.refresher.refreshNodes(a.nodes, false);
        pre = undefined;
      } else if (a.kind === 'override') {
        const o = await askOverride(a.check);
        if (o) overrides = [...overrides.filter((x) => x.check !== o.check), o];
      }
    }

    // Record only overrides of checks that failed this time: one that passed says nothing.
    const failedIds = new Set(pre.checks.filter((c) => c.verdict === 'fail').map((c) => c.id as string));
    const recorded = overrides.filter((o) => failedIds.has(o.check));
    for (const o of recorded) deps.log.warn(`[${pre.node}] preflight check ${o.check} overridden by ${o.by}: ${o.reason}`);
    const target = pre.node!;
    const sourceBytes = pre.sourceBytes;
    let job;
    try {
      job = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting the backup on ${target}…` }, () =>
        jobs.start(target, { compression, overrides: recorded, ...(sourceBytes !== undefined ? { sourceBytes } : {}) }),
      );
    } catch (err) {
      showError(deps.log, `The backup did not start on ${target}`, err, target);
      return;
    }
    const t = deps.monitor.track(job, true);
    showRunningNotification(deps.monitor, t);
    // The node's listing gains the .partial (shown as this job's row); other jobs are re-read too.
    void deps.refresher.refreshNodes([target], false);
    void deps.monitor.scan();
  };
}
