// The handle VS Code injects into a webview page. Declared here rather than taken from
// @types/vscode-webview, which would be one more package for three methods.
import type { PersistedState, WebviewMessage } from './protocol';

export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** May be called once per page: VS Code throws on a second call. */
export function vscodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
