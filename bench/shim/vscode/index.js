// Only so `require('vscode')` resolves when the benchmark times loading the extension bundle
// outside an editor: module-level code may construct these, nothing else is called.
const anything = () => new Proxy(function () {}, { get: () => anything(), apply: () => anything(), construct: () => anything() });
const classes = ['Disposable', 'EventEmitter', 'MarkdownString', 'ThemeColor', 'ThemeIcon', 'TreeItem'];
const shim = {};
for (const c of classes) shim[c] = class { constructor(...a) { this.args = a; } };
for (const n of ['ConfigurationTarget', 'ProgressLocation', 'QuickPickItemKind', 'TreeItemCollapsibleState', 'commands', 'window', 'workspace']) shim[n] = anything();
module.exports = shim;
