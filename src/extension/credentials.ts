// Passphrases for encrypted SSH keys: asked in an InputBox, kept for the window, and kept in
// SecretStorage only if the user says so. A passphrase belongs to a key file, not to a node,
// so nodes sharing a key are asked once.
import * as vscode from 'vscode';
import type { CredentialProvider } from '../core/node/remoteConnection';
import { describeTarget, type NodeConfig } from '../core/config';
import type { NodeStatus } from '../core/model';

export class PromptingCredentials implements CredentialProvider {
  /** Passphrases entered in this window, by key file. */
  private readonly entered = new Map<string, string>();
  /** Key files whose prompt was dismissed: the background poll must not ask again and again. */
  private readonly declined = new Set<string>();
  private readonly pending = new Map<string, Promise<string | undefined>>();
  /** Key files we answered for, from the prompt or from SecretStorage: a rejection then means a wrong passphrase. */
  private readonly supplied = new Set<string>();
  /** One InputBox at a time; parallel probes would otherwise stack prompts. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async passphrase(node: NodeConfig, file: string): Promise<string | undefined> {
    const known = this.entered.get(file) ?? (await this.stored(file));
    if (known !== undefined) {
      this.supplied.add(file);
      return known;
    }
    if (this.declined.has(file)) return undefined;
    let p = this.pending.get(file);
    if (!p) {
      p = this.enqueue(() => this.ask(node, file));
      this.pending.set(file, p);
      void p.finally(() => this.pending.delete(file)).catch(() => undefined);
    }
    return p;
  }

  /** A user-initiated refresh may ask again for keys whose prompt was dismissed. */
  allowPromptsAgain(): void {
    this.declined.clear();
  }

  /** Drops a passphrase the node rejected, so that the next attempt asks instead of failing forever. */
  noteStatus(node: NodeConfig | undefined, status: NodeStatus): void {
    if (!node || status.error?.kind !== 'passphrase') return;
    const file = status.error.keyFile ?? node.identityFile;
    if (file === undefined || !this.supplied.delete(file)) return;
    this.entered.delete(file);
    void Promise.resolve(this.secrets.delete(secretKey(file))).catch(() => undefined);
    this.log.warn(`[${node.name}] the passphrase for ${file} was not accepted; it will be asked again`);
  }

  private async stored(file: string): Promise<string | undefined> {
    try {
      return await this.secrets.get(secretKey(file));
    } catch (err) {
      // No keyring (common on headless Linux): fall back to asking.
      this.log.debug(`secret storage unavailable: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ask(node: NodeConfig, file: string): Promise<string | undefined> {
    // Another prompt in the queue may have got it meanwhile.
    const got = this.entered.get(file);
    if (got !== undefined) return got;
    if (this.declined.has(file)) return undefined;
    const value = await vscode.window.showInputBox({
      title: `Gluster Backup: passphrase for ${file}`,
      prompt: `Node "${node.name}" (${describeTarget(node)}) uses this encrypted SSH key.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) {
      this.declined.add(file);
      this.log.info(`[${node.name}] passphrase for ${file} not given; refresh to be asked again`);
      return undefined;
    }
    this.entered.set(file, value);
    this.supplied.add(file);
    void this.offerToKeep(file, value);
    return value;
  }

  private async offerToKeep(file: string, value: string): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      `Keep the passphrase of ${file} in VS Code's secret storage, so that it is not asked in the next window?`,
      'Keep',
      'Only This Window',
    );
    // Not if the node has rejected it in the meantime.
    if (choice !== 'Keep' || this.entered.get(file) !== value) return;
    try {
      await this.secrets.store(secretKey(file), value);
      this.log.info(`passphrase for ${file} kept in secret storage`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.log.warn(`cannot keep the passphrase for ${file}: ${why}`);
      void vscode.window.showWarningMessage(`The passphrase could not be kept in secret storage (${why}); it is kept for this window only.`);
    }
  }
}

function secretKey(file: string): string {
  return `glusterBackup.passphrase:${file}`;
}
