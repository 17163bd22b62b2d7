// package.json and the extension must agree on command ids: a command contributed but never
// registered fails only when clicked, one registered but not contributed has no title.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Cmd } from '../../src/extension/commandIds';
import { PROGRESS_VIEW_TYPE } from '../../src/webview/protocol';
import { isRemoteSetting, settingOf, settingScopes } from '../../src/extension/settingScopes';
import { parseSettings } from '../../src/core/config';
import { ARCHIVE_CONTEXT } from '../../src/extension/tree/contextValues';

function manifest(): any {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

test('every contributed command is registered', () => {
  const pkg = manifest();
  const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(contributed, Object.values(Cmd).sort());
});

test('no activation event VS Code makes from the contributions is listed (it does since 1.74, below the engine we need)', () => {
  const pkg = manifest();
  const [major, minor] = /^\^?(\d+)\.(\d+)/.exec(pkg.engines.vscode)!.slice(1).map(Number);
  assert.ok(major > 1 || minor >= 74, pkg.engines.vscode);
  assert.deepEqual(pkg.activationEvents, [`onWebviewPanel:${PROGRESS_VIEW_TYPE}`]);
});

test('Restricted Mode: limited, with every setting that names a host, a key, a socket, a container or a path restricted; no virtual workspaces', () => {
  const pkg = manifest();
  const settings = Object.keys(pkg.contributes.configuration.properties);
  const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
  for (const r of restricted) assert.ok(settings.includes(r), `${r} is not a contributed setting`);
  // What is left unrestricted only tunes timing (and when an old backup is warned about): none of it can send the extension elsewhere.
  assert.deepEqual(settings.filter((k) => !restricted.includes(k)).sort(), [
    'glusterBackup.maxBackupAgeHours',
    'glusterBackup.pollSeconds',
    'glusterBackup.timeouts.connectMs',
    'glusterBackup.timeouts.dockerMs',
    'glusterBackup.timeouts.glusterMs',
    'glusterBackup.timeouts.keepaliveMs',
  ]);
});

test('known_hosts is this machine\'s (machine scope); the node settings share one scope; timeouts are flat numbers', () => {
  const props = manifest().contributes.configuration.properties;
  assert.equal(props['glusterBackup.knownHostsFile'].scope, 'machine');
  assert.equal(props['glusterBackup.sshConfigFile'].scope, 'machine');
  for (const k of ['nodes', 'containerName', 'glusterPath', 'backupDir']) assert.equal(props[`glusterBackup.${k}`].scope, 'machine-overridable', k);
  for (const k of ['connectMs', 'dockerMs', 'glusterMs', 'keepaliveMs']) assert.equal(props[`glusterBackup.timeouts.${k}`].type, 'number', k);
  assert.equal(props['glusterBackup.timeouts'], undefined);
});

test('progress panels restored after a reload activate the extension (their serializer)', () => {
  assert.ok(manifest().activationEvents.includes(`onWebviewPanel:${PROGRESS_VIEW_TYPE}`));
});

test('menus only name contributed commands, and their view/item regexes compile', () => {
  const pkg = manifest();
  const ids = new Set(Object.values(Cmd) as string[]);
  for (const [menu, entries] of Object.entries<Array<{ command: string; when?: string }>>(pkg.contributes.menus)) {
    for (const e of entries) {
      assert.ok(ids.has(e.command), `${menu} names unknown command ${e.command}`);
      for (const m of (e.when ?? '').matchAll(/=~ \/(.*?)\/(?=\s|$|\))/g)) assert.doesNotThrow(() => new RegExp(m[1]), m[1]);
    }
  }
});

test('the contextValue scheme drives the node menus as intended', () => {
  const pkg = manifest();
  const when = (cmd: string) =>
    pkg.contributes.menus['view/item/context']
      .filter((e: { command: string }) => e.command === cmd)
      .map((e: { when: string }) => [...e.when.matchAll(/viewItem =~ \/(.*?)\/(?=\s|$|\))/g)].map((m) => new RegExp(m[1])));
  const offered = (cmd: string, contextValue: string) => when(cmd).some((res: RegExp[]) => res.some((re) => re.test(contextValue)));
  assert.ok(offered('glusterBackup.stop', 'node:running:ssh'));
  assert.ok(!offered('glusterBackup.start', 'node:running:ssh'));
  assert.ok(offered('glusterBackup.start', 'node:exited:local'));
  assert.ok(!offered('glusterBackup.stop', 'node:busy:ssh'));
  assert.ok(offered('glusterBackup.trustHostKey', 'node:hostKeyUnknown:ssh'));
  assert.ok(offered('glusterBackup.trustHostKey', 'error:hostKeyUnknown'));
  assert.ok(!offered('glusterBackup.trustHostKey', 'node:hostKeyChanged:ssh'));
  assert.ok(!offered('glusterBackup.removeNode', 'node:running:implicit'));
  assert.ok(offered('glusterBackup.removeNode', 'node:unreachable:ssh'));
});

test("a node row in trouble carries its fixes inline (as the error row's fix rows do): trust, retry, edit or add", () => {
  const entries = manifest().contributes.menus['view/item/context'] as Array<{ command: string; when: string; group: string }>;
  const inline = (contextValue: string) =>
    entries
      .filter((e) => e.group.startsWith('inline') && [...e.when.matchAll(/viewItem =~ \/(.*?)\/(?=\s|$|\))/g)].some((m) => new RegExp(m[1]).test(contextValue)))
      .map((e) => e.command.replace('glusterBackup.', ''))
      .sort();
  assert.deepEqual(inline('node:hostKeyUnknown:ssh'), ['trustHostKey']);
  assert.deepEqual(inline('node:hostKeyChanged:ssh'), ['editNode']);
  assert.deepEqual(inline('node:unreachable:ssh'), ['editNode', 'refresh']);
  assert.deepEqual(inline('node:timeout:local'), ['editNode', 'refresh']);
  assert.deepEqual(inline('node:dockerUnavailable:implicit'), ['addNode', 'refresh']);
  assert.deepEqual(inline('node:running:ssh'), ['stop']);
  assert.deepEqual(inline('node:checking:ssh'), []);
});

test('backup commands: offered on running nodes and job rows, cancel only while running', () => {
  const pkg = manifest();
  const entries = pkg.contributes.menus['view/item/context'] as Array<{ command: string; when: string; group: string }>;
  const offered = (cmd: string, contextValue: string, inline = false) =>
    entries
      .filter((e) => e.command === cmd && e.group.startsWith('inline') === inline)
      .some((e) => [...e.when.matchAll(/viewItem =~ \/(.*?)\/(?=\s|$|\))/g)].some((m) => new RegExp(m[1]).test(contextValue)) || e.when.includes(`viewItem == ${contextValue}`));
  assert.ok(offered('glusterBackup.backup', 'node:running:ssh'));
  assert.ok(!offered('glusterBackup.backup', 'node:exited:ssh'));
  assert.ok(offered('glusterBackup.backup', 'backups', true));
  for (const inline of [true, false]) {
    assert.ok(offered('glusterBackup.cancelBackup', 'job:running', inline));
    assert.ok(offered('glusterBackup.showProgress', 'job:running', inline));
    assert.ok(!offered('glusterBackup.cancelBackup', 'job:unknown', inline));
    assert.ok(!offered('glusterBackup.cancelBackup', 'archive:partial', inline));
  }
  assert.ok(offered('glusterBackup.showBackupLog', 'job:running'));
  assert.ok(pkg.contributes.menus['view/title'].some((e: { command: string }) => e.command === 'glusterBackup.backup'));
  // The palette can reach every backup command: each picks its job (or node) itself.
  const hidden = new Set(pkg.contributes.menus.commandPalette.filter((e: { when: string }) => e.when === 'false').map((e: { command: string }) => e.command));
  for (const id of ['backup', 'cancelBackup', 'showBackupLog', 'showProgress']) assert.ok(!hidden.has(`glusterBackup.${id}`), id);
  // Node commands too: from the palette they ask which node.
  for (const id of ['start', 'stop', 'restart', 'trustHostKey']) assert.ok(!hidden.has(`glusterBackup.${id}`), id);
});

test('Restore… is offered on finished archives (inline and in the menu) and in the palette, never on a partial one', () => {
  const pkg = manifest();
  const entries = pkg.contributes.menus['view/item/context'] as Array<{ command: string; when: string; group: string }>;
  const on = (contextValue: string, inline: boolean) =>
    entries.some((e) => e.command === 'glusterBackup.restore' && e.group.startsWith('inline') === inline && new RegExp(`viewItem == ${contextValue}(\\s|$)`).test(e.when));
  for (const inline of [true, false]) {
    assert.ok(on('archive', inline));
    assert.ok(!on('archive:partial', inline));
  }
  assert.ok(!entries.some((e) => e.command === 'glusterBackup.restore' && /=~/.test(e.when)), 'matched by equality only: archive:partial must not match');
  const hidden = new Set(pkg.contributes.menus.commandPalette.filter((e: { when: string }) => e.when === 'false').map((e: { command: string }) => e.command));
  assert.ok(!hidden.has('glusterBackup.restore'));
  assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === 'glusterBackup.restore')?.title, 'Restore…');
});

test('Open Settings in a remote window: the remote settings for every setting package.json scopes machine or machine-overridable; a problem lands on its whole setting', () => {
  const pkg = manifest();
  const props: Record<string, { scope?: string }> = pkg.contributes.configuration.properties;
  const scopes = settingScopes(pkg, 'glusterBackup');
  const declared = Object.entries(props).filter(([, v]) => v.scope === 'machine' || v.scope === 'machine-overridable').map(([k]) => k.replace(/^glusterBackup\./, ''));
  assert.deepEqual([...scopes.remote].sort(), declared.sort());
  assert.deepEqual([...scopes.all].sort(), Object.keys(props).map((k) => k.replace(/^glusterBackup\./, '')).sort());
  // What the list held by hand missed: every node setting, the timeouts, allowSshRsa and archiveMode.
  for (const k of ['nodes', 'containerName', 'glusterPath', 'backupDir', 'knownHostsFile', 'sshConfigFile', 'allowSshRsa', 'archiveMode', 'timeouts.connectMs', 'timeouts.keepaliveMs']) {
    assert.ok(isRemoteSetting(k, scopes), k);
  }
  for (const k of ['pollSeconds', 'maxBackupAgeHours']) assert.equal(isRemoteSetting(k, scopes), false, k);

  // The keys of real problems, as the settings reader reports them, name a setting the editor knows.
  const { problems } = parseSettings({ timeouts: { connectMs: 5 }, nodes: [{ name: 'a', host: 'h', port: 70000 }], archiveMode: 'odd', pollSeconds: -1 });
  const landed = problems.map((p) => settingOf(p.key, scopes));
  assert.deepEqual(landed.sort(), ['archiveMode', 'nodes', 'pollSeconds', 'timeouts.connectMs']);
  for (const s of landed) assert.ok(scopes.all.has(s), s);
  // A misspelt key is no setting: its first segment, as before.
  assert.equal(settingOf('timeout.connectMs', scopes), 'timeout');
});

test('a partial archive row offers no cleanup of the only copy, nor Validate or Restore, which refuse a partial; a kept one offers Publish Kept Archive alone, inline and in its menu', () => {
  const pkg = manifest();
  const entries = pkg.contributes.menus['view/item/context'] as Array<{ command: string; when: string; group: string }>;
  // Any viewItem clause that matches counts, whatever else the clause says: the widest reading.
  const offeredOn = (contextValue: string) =>
    entries
      .filter(
        (e) =>
          [...e.when.matchAll(/viewItem == (\S+?)(?=\s|$|\))/g)].some((m) => m[1] === contextValue) ||
          [...e.when.matchAll(/viewItem =~ \/(.*?)\/(?=\s|$|\))/g)].some((m) => new RegExp(m[1]).test(contextValue)),
      )
      .map((e) => e.command);
  assert.deepEqual(offeredOn(ARCHIVE_CONTEXT.kept), ['glusterBackup.publishKept', 'glusterBackup.publishKept']);
  assert.deepEqual(entries.filter((e) => e.command === 'glusterBackup.publishKept').map((e) => e.group.split('@')[0]).sort(), ['1_archive', 'inline']);
  assert.deepEqual(offeredOn(ARCHIVE_CONTEXT.partial), []);
  // The reading sees what is offered on a finished archive.
  assert.deepEqual([...new Set(offeredOn(ARCHIVE_CONTEXT.archive))].sort(), ['glusterBackup.restore', 'glusterBackup.validateBackup', 'glusterBackup.validateReadData']);
});
