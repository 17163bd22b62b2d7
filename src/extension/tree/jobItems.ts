// A running backup or restore job under its node's "backups" row: spinning icon and percent. A
// backup's row stands in for its `.partial` archive, which is only the job's output while it
// runs; a restore's sits beside the archive it reads.
import * as vscode from 'vscode';
import type { JobRecord } from '../../core/backup/types';
import { jobContextValue, jobKey, jobPercent, kindWord } from '../jobText';
import { Cmd } from '../commandIds';
import { humanSize, md, plural, shortDate } from '../format';
import { colors } from './stateIcons';
import { TreeNode } from './treeNode';

/** What the tree needs of a job: the record and the size seen last (following updates it). */
export interface JobRow {
  job: JobRecord;
  bytes?: number;
  warnings: number;
}

export class JobItem extends TreeNode {
  constructor(
    nodeName: string,
    readonly row: JobRow,
  ) {
    super(nodeName);
  }

  /** Commands given this row act on this job (`node/id`: ids repeat across nodes). */
  get jobId(): string {
    return jobKey(this.row.job);
  }

  getTreeItem(): vscode.TreeItem {
    const { job, bytes, warnings } = this.row;
    const name = job.archive.slice(job.archive.lastIndexOf('/') + 1);
    const item = new vscode.TreeItem(name);
    item.id = `node/${job.node}/job/${job.id}`;
    const pct = jobPercent(job, bytes);
    const unreachable = job.state === 'unknown';
    const restore = job.kind === 'restore' ? job.restore : undefined;
    item.description = [
      unreachable ? 'node unreachable' : restore ? 'restoring' : 'backing up',
      pct !== undefined ? `${pct}%` : '',
      bytes !== undefined ? humanSize(bytes) : '',
      restore ? `into ${restore.target}` : '',
      warnings ? plural(warnings, 'warning') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = unreachable ? new vscode.ThemeIcon('debug-disconnect', colors.warn) : new vscode.ThemeIcon('sync~spin');
    item.contextValue = jobContextValue(job);
    item.command = { title: 'Show Job Progress', command: Cmd.showProgress, arguments: [jobKey(job)] };
    const tip = new vscode.MarkdownString(`**${kindWord(job)} ${md(job.id)}** on ${md(job.node)}\n\n`);
    tip.appendMarkdown(`Started ${md(shortDate(job.startedAt))}, ${job.compression === 'gzip' ? `gzip (${md(job.compressor ?? 'gzip')})` : 'uncompressed'}  \n`);
    if (job.partial) tip.appendMarkdown(`Writing \`${job.partial.replace(/`/g, '')}\``);
    if (restore) {
      tip.appendMarkdown(`Reading \`${job.archive.replace(/`/g, '')}\` (${md(humanSize(restore.archiveBytes))})  \n`);
      tip.appendMarkdown(`Into \`${restore.target.replace(/`/g, '')}\`, existing entries: ${md(restore.policy)}, ${md(humanSize(restore.bytesToWrite))} to write`);
      if (restore.members.length) tip.appendMarkdown(`  \nOnly ${md(restore.members.join(', '))}`);
    }
    if (job.sourceBytes !== undefined) tip.appendMarkdown(`  \nSource: ${md(humanSize(job.sourceBytes))}${job.compression === 'gzip' ? ' (the archive is expected near 80% of it)' : ''}`);
    if (unreachable && job.reason) tip.appendMarkdown(`\n\n$(warning) ${md(job.reason)}: tar goes on on the node; this view re-attaches when it answers.`);
    for (const o of job.overrides) tip.appendMarkdown(`\n\nOverridden check **${md(o.check)}**: ${md(o.reason)}`);
    tip.supportThemeIcons = true;
    item.tooltip = tip;
    return item;
  }
}
