// One input of a multi-step flow: "Add Node (3/6)" with a Back button from the second step on,
// so a typo two steps earlier costs a click, not the whole flow.
import * as vscode from 'vscode';

export const BACK = Symbol('back');

export interface InputStep {
  title: string;
  step: number;
  total: number;
  prompt?: string;
  value?: string;
  placeholder?: string;
  validate: (v: string) => string | undefined;
}

/** The accepted text, BACK, or undefined when the operator closed the input. */
export function inputStep(o: InputStep): Promise<string | typeof BACK | undefined> {
  const box = vscode.window.createInputBox();
  box.title = o.title;
  box.step = o.step;
  box.totalSteps = o.total;
  box.prompt = o.prompt;
  box.value = o.value ?? '';
  box.placeholder = o.placeholder;
  box.ignoreFocusOut = true;
  box.buttons = o.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | typeof BACK | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      box.dispose();
    };
    box.onDidChangeValue((v) => (box.validationMessage = o.validate(v)));
    box.onDidAccept(() => {
      const why = o.validate(box.value);
      box.validationMessage = why;
      if (!why) finish(box.value);
    });
    box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}
