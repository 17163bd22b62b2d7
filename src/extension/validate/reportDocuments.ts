// Validation reports open read-only: a document of our own scheme, whose text this provider
// holds, so the operator cannot edit (and then wonder whether to save) what the node reported.
// An untitled document would be editable and ask to be saved on close.
import * as vscode from 'vscode';

export const REPORT_SCHEME = 'gluster-backup-report';

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private readonly closed: vscode.Disposable;
  private serial = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);
    // The text lives as long as its document: closed, it is forgotten.
    this.closed = vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === REPORT_SCHEME) this.texts.delete(d.uri.toString());
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This report is no longer held: validate the archive again to see it.';
  }

  /** Opens `markdown` read-only in an editor tab titled by `name` (its file name part). */
  async open(name: string, markdown: string): Promise<vscode.TextEditor> {
    // The serial keeps two reports of one archive apart; the name stays readable in the tab.
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${++this.serial}/${name.replace(/[/\\]/g, '_')}.md` });
    this.texts.set(uri.toString(), markdown);
    const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
    return vscode.window.showTextDocument(doc, { preview: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.closed.dispose();
    this.texts.clear();
  }
}
