// Only so `require('vscode')` resolves when the benchmark times loading the extension bundle
// outside an editor; nothing in it is called.
module.exports = new Proxy({}, { get: () => new Proxy(function () {}, { get: () => undefined }) });
