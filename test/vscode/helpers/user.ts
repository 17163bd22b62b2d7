// The operator's answers to the prompts that wait for a person: modal confirmations, quick picks
// and input boxes. VS Code offers no command that presses a dialog's button, so each test says
// which answer the operator gives and checks the question that was asked; everything behind the
// prompt (commands, Cluster, SSH, the test bed) is real. The browser end-to-end test (test/e2e)
// clicks the real dialogs. Notifications are not prompts: they pass through, and are recorded.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

type Kind = 'modal' | 'quickPick' | 'input';

interface Answer {
  kind: Kind;
  /** What the prompt must say (its message, title or placeholder). */
  asks: RegExp;
  /** Button title, item label pattern, or typed text; undefined = Escape. */
  answer: string | RegExp | undefined;
  /**
   * What happens in the world while the prompt waits for the person (before the answer); the
   * answer waits for a promise it returns.
   */
  meanwhile?: () => unknown;
}

export interface Asked {
  kind: Kind;
  text: string;
  answered: string | undefined;
}

const original = {
  showWarningMessage: vscode.window.showWarningMessage,
  showInformationMessage: vscode.window.showInformationMessage,
  showErrorMessage: vscode.window.showErrorMessage,
  showQuickPick: vscode.window.showQuickPick,
  showInputBox: vscode.window.showInputBox,
  createInputBox: vscode.window.createInputBox,
  withProgress: vscode.window.withProgress,
};

/** A progress notification as shown: its title, each message it reported, and whether its task has ended. */
export interface ProgressNote {
  title: string;
  messages: string[];
  ended: boolean;
  /** Presses its Cancel button (a cancellable notification only). */
  cancel?: () => void;
}

/** The answer that presses an input's Back button (a multi-step flow's previous step). */
export const BACK_BUTTON = '<Back>';

export class Operator {
  private readonly script: Answer[] = [];
  readonly asked: Asked[] = [];
  readonly notifications: string[] = [];
  /** Each notification with the buttons it offered. */
  readonly offered: { message: string; items: string[] }[] = [];
  /** Progress notifications (withProgress in the notification area), shown as they are. */
  readonly progressNotes: ProgressNote[] = [];

  constructor() {
    const w = vscode.window as unknown as Record<string, unknown>;
    const self = this;
    const notify = (name: 'showWarningMessage' | 'showInformationMessage' | 'showErrorMessage') =>
      function (this: unknown, message: string, ...rest: unknown[]) {
        const opts = rest[0];
        if (typeof opts === 'object' && opts !== null && 'modal' in opts && (opts as vscode.MessageOptions).modal) {
          const detail = (opts as vscode.MessageOptions).detail ?? '';
          return Promise.resolve(self.take('modal', `${message}\n${detail}`, (a) => (typeof a === 'string' ? a : undefined)));
        }
        self.notifications.push(message);
        self.offered.push({ message, items: rest.filter((r): r is string => typeof r === 'string') });
        return (original[name] as (...a: unknown[]) => unknown).call(vscode.window, message, ...rest);
      };
    w.showWarningMessage = notify('showWarningMessage');
    w.showInformationMessage = notify('showInformationMessage');
    w.showErrorMessage = notify('showErrorMessage');
    w.withProgress = <R>(options: vscode.ProgressOptions, task: (p: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken) => Thenable<R>) => {
      if (options.location !== vscode.ProgressLocation.Notification) return original.withProgress.call(vscode.window, options, task);
      const note: ProgressNote = { title: options.title ?? '', messages: [], ended: false };
      self.progressNotes.push(note);
      return original.withProgress.call(vscode.window, options, (progress, shown) => {
        // The task's token fires on the real Cancel button and on note.cancel().
        const pressed = new vscode.CancellationTokenSource();
        const relay = shown.onCancellationRequested(() => pressed.cancel());
        if (options.cancellable) note.cancel = () => pressed.cancel();
        const token = pressed.token;
        const ran = task(
          {
            report: (v) => {
              if (v.message !== undefined) note.messages.push(v.message);
              progress.report(v);
            },
          },
          token,
        );
        const ended = () => {
          note.ended = true;
          relay.dispose();
          pressed.dispose();
        };
        void Promise.resolve(ran).then(ended, ended);
        return ran;
      });
    };
    w.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) => {
      const list = await items;
      const text = `${options?.title ?? ''} ${options?.placeHolder ?? ''}\n${list.map((i) => i.label).join('\n')}`;
      return this.take('quickPick', text, (a) => {
        if (a === undefined) return undefined;
        // A many-pick: every item the answer matches (a string names one).
        if ((options as vscode.QuickPickOptions & { canPickMany?: boolean })?.canPickMany) {
          const hits = list.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator && (a instanceof RegExp ? a.test(i.label) : i.label === a));
          assert.ok(hits.length, `no quick pick item matches ${a}; the items were:\n${list.map((i) => i.label).join('\n')}`);
          return hits;
        }
        const hit = list.find((i) => i.kind !== vscode.QuickPickItemKind.Separator && (a instanceof RegExp ? a.test(i.label) : i.label === a));
        assert.ok(hit, `no quick pick item matches ${a}; the items were:\n${list.map((i) => i.label).join('\n')}`);
        return hit;
      });
    };
    // A multi-step input: the same script, answered through the box's own events. The text
    // asked is `title (step/total) prompt`; the typed answer is validated as the box would.
    w.createInputBox = () => {
      const accept = new vscode.EventEmitter<void>();
      const button = new vscode.EventEmitter<vscode.QuickInputButton>();
      const hide = new vscode.EventEmitter<void>();
      const change = new vscode.EventEmitter<string>();
      const box = {
        title: undefined as string | undefined,
        step: undefined as number | undefined,
        totalSteps: undefined as number | undefined,
        prompt: undefined as string | undefined,
        value: '',
        placeholder: undefined as string | undefined,
        buttons: [] as readonly vscode.QuickInputButton[],
        validationMessage: undefined as string | vscode.InputBoxValidationMessage | undefined,
        ignoreFocusOut: false,
        onDidAccept: accept.event,
        onDidTriggerButton: button.event,
        onDidHide: hide.event,
        onDidChangeValue: change.event,
        show: () => {
          const text = `${box.title ?? ''} (${box.step}/${box.totalSteps}) ${box.prompt ?? ''}`;
          void Promise.resolve(this.take('input', text, (a) => a)).then((act) => setTimeout(() => {
            if (act === undefined) return hide.fire();
            if (act === BACK_BUTTON) {
              assert.ok(box.buttons.includes(vscode.QuickInputButtons.Back), `no Back button on "${text}"`);
              return button.fire(vscode.QuickInputButtons.Back);
            }
            box.value = String(act);
            change.fire(box.value);
            assert.ok(!box.validationMessage, `the input "${text}" refused ${JSON.stringify(box.value)}: ${String(box.validationMessage)}`);
            accept.fire();
          }, 0));
        },
        hide: () => hide.fire(),
        dispose: () => [accept, button, hide, change].forEach((e) => e.dispose()),
      };
      return box as unknown as vscode.InputBox;
    };
    w.showInputBox = async (options?: vscode.InputBoxOptions) => {
      const text = `${options?.title ?? ''} ${options?.prompt ?? ''}`;
      return this.take('input', text, (a) => {
        if (typeof a !== 'string') return undefined;
        const invalid = options?.validateInput?.(a);
        assert.ok(!invalid, `the input box refused ${JSON.stringify(a)}: ${invalid}`);
        return a;
      });
    };
  }

  /**
   * The next prompt of this kind must match `asks`; the operator answers `answer`, after
   * `meanwhile` has run (the world changing while the operator reads the prompt).
   */
  will(kind: Kind, asks: RegExp, answer: string | RegExp | undefined, meanwhile?: () => unknown): this {
    this.script.push({ kind, asks, answer, meanwhile });
    return this;
  }

  private take<T>(kind: Kind, text: string, give: (a: string | RegExp | undefined) => T): T | undefined | Promise<T | undefined> {
    const next = this.script[0];
    if (!next || next.kind !== kind || !next.asks.test(text)) {
      // Unscripted: the operator presses Escape, and the test fails on it in expectDone().
      this.asked.push({ kind, text, answered: 'UNEXPECTED (Escape)' });
      return undefined;
    }
    this.script.shift();
    const answer = () => {
      const value = give(next.answer);
      this.asked.push({ kind, text, answered: next.answer === undefined ? 'Escape' : String(next.answer) });
      return value;
    };
    const pending = next.meanwhile?.();
    const thenable = typeof pending === 'object' && pending !== null && typeof (pending as PromiseLike<unknown>).then === 'function';
    return thenable ? Promise.resolve(pending).then(answer) : answer();
  }

  /** Every scripted answer was used, and no prompt came that the test did not expect. */
  expectDone(): void {
    const unexpected = this.asked.filter((a) => a.answered?.startsWith('UNEXPECTED'));
    assert.deepEqual(unexpected, [], 'prompts nobody expected');
    assert.deepEqual(this.script.map((s) => `${s.kind} ${s.asks}`), [], 'prompts that never came');
  }

  dispose(): void {
    Object.assign(vscode.window, original);
  }
}
