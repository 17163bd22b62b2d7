// Entry point of the Backup Progress page (bundled by esbuild.mjs into dist/webview/progress.js).
import 'uplot/dist/uPlot.min.css';
import '@vscode/codicons/dist/codicon.css';
import './progress.css';
import { ProgressModel } from './model';
import { isPersistedState, type HostMessage } from './protocol';
import { ProgressPage } from './render';
import { vscodeApi } from './vscodeApi';

const api = vscodeApi();
const model = new ProgressModel();
const page = new ProgressPage((m) => api.postMessage(m));

// Paint what was saved at once (a panel shown again, or restored after a reload); the host's
// `init` follows and replaces it.
const saved = api.getState();
if (isPersistedState(saved)) {
  model.apply({ type: 'init', ...saved, now: Date.now(), live: true });
  page.render(model);
}

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  model.apply(e.data);
  page.render(model);
  const state = model.persisted();
  if (state) api.setState(state);
});

setInterval(() => page.tick(model), 1000);

// VS Code swaps the body class and the --vscode-* variables when the theme changes.
const rethemer = new MutationObserver(() => page.retheme());
rethemer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
rethemer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

api.postMessage({ type: 'ready' });
