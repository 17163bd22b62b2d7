// Checks of the documents the extension opens, as VS Code holds them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/**
 * The report is a document of our own scheme, and its editor refuses what the operator types:
 * nothing to change, nothing to save. (An untitled document takes the typing; this fails then.)
 */
export async function assertReadOnly(editor: vscode.TextEditor): Promise<void> {
  assert.equal(editor.document.uri.scheme, 'gluster-backup-report');
  assert.equal(editor.document.languageId, 'markdown');
  const before = editor.document.getText();
  await vscode.window.showTextDocument(editor.document, { preview: false, preserveFocus: false });
  assert.equal(vscode.window.activeTextEditor?.document, editor.document, 'the report editor is not the active one');
  await vscode.commands.executeCommand('type', { text: 'typed by the operator ' });
  await vscode.commands.executeCommand('editor.action.deleteLines');
  assert.equal(editor.document.getText(), before, 'the report took the typing');
  assert.equal(editor.document.isDirty, false);
}

/** The progress panels' tabs, in every editor group. */
export const panelTabs = (): vscode.Tab[] =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && /glusterBackup\.progress$/.test(t.input.viewType));
