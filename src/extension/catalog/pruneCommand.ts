// "Prune…" on a node's backups row: the keep rules in one input, the plan core makes shown
// read-only first (what goes, what stays and why), a modal confirmation, then core's prune,
// which removes only the archives of the plan that was confirmed and keeps every protection of
// the CLI (the newest clean archive, an archive a job runs on, names that are not ours).
import * as vscode from 'vscode';
import { readNodeCatalog } from '../../core/catalog/catalog';
import { prune, type PruneNodeResult } from '../../core/catalog/prune';
import { planPrune } from '../../core/catalog/prunePlan';
import type { CommandDeps } from '../commandDeps';
import { pickNode } from '../commands/pickNode';
import { plural } from '../format';
import { parseKeepRules, planText, policyText } from '../pruneText';
import type { ReportDocuments } from '../validate/reportDocuments';

export function pruneBackupsCommand(deps: CommandDeps, reports: ReportDocuments) {
  return async (arg?: unknown): Promise<PruneNodeResult | undefined> => {
    const cluster = deps.session.cluster;
    if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
    const node = await pickNode(deps, arg, 'Prune the backups of which node?');
    if (!node) return undefined;
    const dir = deps.session.settings.backupDir;
    const text = await vscode.window.showInputBox({
      title: `Prune… ${dir} on ${node}`,
      prompt: 'Keep which archives? restic forget rules, each with a count: last, daily, weekly, monthly',
      value: 'daily 7 weekly 4 monthly 6',
      ignoreFocusOut: true,
      validateInput: (t) => {
        try {
          parseKeepRules(t);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    if (text === undefined) return undefined;
    const policy = parseKeepRules(text);
    const catalog = await readNodeCatalog(cluster.connection(node), node, dir);
    const plan = planPrune(catalog, policy);
    await reports.open(`Prune plan ${node}`, planText(plan, policy, catalog.foreign));
    const go = plan.decisions.filter((d) => d.action === 'remove');
    if (go.length === 0) {
      void vscode.window.showInformationMessage(`Gluster Backup: prune on ${node} (keep ${policyText(policy)}): nothing to remove.`);
      return undefined;
    }
    const yes = 'Remove';
    const choice = await vscode.window.showWarningMessage(
      `Remove ${plural(go.length, 'archive')} from ${dir} on ${node}?`,
      {
        modal: true,
        detail: `${go.map((d) => d.archive.name).join('\n')}\n\nEach goes with its sidecar files; ${plan.decisions.length - go.length} kept (keep ${policyText(policy)}), as the plan shows.`,
      },
      yes,
    );
    if (choice !== yes) return undefined;
    const result = await prune(cluster, dir, policy, { nodes: [node], approved: new Set(go.map((d) => d.archive.name)) });
    const r = result.nodes[0];
    for (const p of r.removed) deps.log.info(`prune ${node}: removed ${p}`);
    for (const f of r.failed) deps.log.warn(`prune ${node}: ${f.path}: ${f.error}`);
    void deps.refresher.refreshNodes([node], false);
    const removedArchives = go.filter((d) => r.removed.includes(`${dir.replace(/\/+$/, '')}/${d.archive.name}`)).length;
    // Kept on purpose, named: the operator confirmed a plan that did not hold them.
    const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    const unconfirmed = r.failed.filter((f) => f.refused === 'notConfirmed').map((f) => nameOf(f.path));
    // Kept because of what happened on the node meanwhile (a restore started, another prune).
    const keptNow = r.failed.filter((f) => f.refused && f.refused !== 'notConfirmed');
    const others = r.failed.length - unconfirmed.length - keptNow.length;
    const keptText = keptNow.length ? ` Kept ${keptNow.map((f) => `${nameOf(f.path)} (${f.error.replace(/^not removed[^:]*: /, '')})`).join('; ')}.` : '';
    if (unconfirmed.length) {
      void vscode.window.showWarningMessage(
        `Gluster Backup: prune on ${node}: ${plural(removedArchives, 'archive')} removed; kept ${unconfirmed.join(', ')}: not in the plan you confirmed (the directory changed since). Run Prune… again to see the new plan.${keptText}${others ? ` ${plural(others, 'file')} not removed (see the log).` : ''}`,
      );
    } else if (keptNow.length && !r.error && !others) {
      void vscode.window.showWarningMessage(`Gluster Backup: prune on ${node}: ${plural(removedArchives, 'archive')} removed.${keptText}`);
    } else if (r.error || r.failed.length) {
      void vscode.window.showWarningMessage(`Gluster Backup: prune on ${node}: ${r.error ?? `${plural(r.failed.length, 'file')} not removed (see the log)`}; ${plural(removedArchives, 'archive')} removed.`);
    } else void vscode.window.showInformationMessage(`Gluster Backup: prune on ${node}: ${plural(removedArchives, 'archive')} removed (${plural(r.removed.length, 'file')}).`);
    return r;
  };
}
