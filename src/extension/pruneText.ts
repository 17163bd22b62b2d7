// Prune… in the explorer: the keep rules as the operator types them in one input, and the plan
// as the operator reads it before anything is removed. Pure: no `vscode`.
import { catalogTime } from '../core/catalog/catalog';
import type { PrunePlan } from '../core/catalog/prunePlan';
import { checkPolicy, RetentionError, RULES, type RetentionPolicy } from '../core/catalog/retention';
import { keptPartialText } from '../core/catalog/keptPartials';
import { namesGoingText, readDataNamesText } from '../core/validate/readDataNames';
import { humanSize, plural } from './format';

/**
 * `daily 7 weekly 4` (or `daily=7, weekly=4`, or `--keep-daily 7`): restic's rule names and a
 * count each; a RetentionError says what is wrong with the text as typed.
 */
export function parseKeepRules(text: string): Required<RetentionPolicy> {
  const words = text
    .trim()
    .split(/[\s,=]+/)
    .filter(Boolean);
  if (words.length === 0) throw new RetentionError('give at least one rule, e.g. "daily 7 weekly 4"');
  const policy: RetentionPolicy = {};
  for (let i = 0; i < words.length; i += 2) {
    const rule = words[i].replace(/^--keep-|^keep-/, '') as (typeof RULES)[number];
    const count = words[i + 1];
    if (!RULES.includes(rule)) throw new RetentionError(`"${words[i].slice(0, 40)}" is not a rule: use ${RULES.join(', ')}`);
    if (policy[rule] !== undefined) throw new RetentionError(`${rule} is given twice`);
    if (count === undefined || !/^\d{1,9}$/.test(count)) throw new RetentionError(`${rule} needs a whole number from 0 up${count === undefined ? '' : ` (got "${count.slice(0, 40)}")`}`);
    policy[rule] = Number(count);
  }
  return checkPolicy(policy);
}

export function policyText(p: Required<RetentionPolicy>): string {
  return RULES.filter((r) => p[r] > 0)
    .map((r) => `${r} ${p[r]}`)
    .join(', ');
}

/** The plan, newest first: what goes (with how many files), what stays and why. */
export function planText(plan: PrunePlan, policy: Required<RetentionPolicy>, foreign: readonly string[]): string {
  const go = plan.decisions.filter((d) => d.action === 'remove');
  const stay = plan.decisions.filter((d) => d.action === 'keep');
  const lines = [
    `# Prune plan for ${plan.node}: ${plan.dir}`,
    '',
    `Rules: keep ${policyText(policy)} (restic's forget rules; days, weeks and months in UTC).`,
    '',
    `${plural(go.length, 'archive')} to remove, ${stay.length} kept. Nothing is removed until you confirm.`,
    '',
    '## To remove',
    '',
    ...(go.length ? go.map((d) => `- ${d.archive.name}  made ${catalogTime(d.archive.made)}, ${humanSize(d.archive.bytes)}, with ${plural(d.files.length - 1, 'sidecar file')}${namesGoingText(d.files)}`) : ['- nothing']),
    '',
    '## Kept',
    '',
    ...(stay.length ? stay.flatMap((d) => [`- ${d.archive.name}  made ${catalogTime(d.archive.made)}: ${d.why.join(', ')}`, ...(d.archive.readDataNames ?? []).map((r) => `  - leaves ${readDataNamesText(r.file, catalogTime(r.written))}`)]) : ['- nothing']),
  ];
  if (plan.keptPartials.length) {
    lines.push('', '## Left: finished archives their job kept as its partial', '', ...plan.keptPartials.map((k) => `- ${k.name}, ${humanSize(k.bytes)}: ${keptPartialText(k)}`));
  }
  if (foreign.length) lines.push('', `Left alone (not an archive of ours, nor a file of one): ${foreign.join(', ')}`);
  return lines.join('\n') + '\n';
}
