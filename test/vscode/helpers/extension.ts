// The extension under test, activated as VS Code activates it, and its test API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GlusterBackupTestApi } from '../../../src/extension/testApi';

export const EXTENSION_ID = 'gluster-backup.gluster-backup';

export async function activated(): Promise<GlusterBackupTestApi> {
  const ext = vscode.extensions.getExtension<GlusterBackupTestApi | undefined>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded in this VS Code`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(api, 'activate() returned no test API: is the extension running in ExtensionMode.Test?');
  return api;
}

/** Polls until fn returns something truthy; the message says what was last seen. */
export async function eventually<T>(what: string, ms: number, fn: () => Promise<T | undefined | false> | T | undefined | false, every = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
