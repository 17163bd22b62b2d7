// The import rules of src, checked by test/unit/importRules.test.ts (vscode and Node built-ins
// in core and the webview have their own scanner tests, which also see require() forms).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a cycle makes load order matter and the layers below meaningless',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'one core serves the CLI and the extension: it never reaches up into either, or into the webview',
      from: { path: '^src/core/' },
      to: { path: '^src/(extension|cli|webview)/' },
    },
    {
      name: 'cli-without-the-extension',
      severity: 'error',
      comment: 'the CLI runs where VS Code does not',
      from: { path: '^src/cli/' },
      to: { path: '^src/(extension|webview)/' },
    },
    {
      name: 'extension-not-into-cli',
      severity: 'error',
      comment: 'what both need lives in core',
      from: { path: '^src/extension/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a cycle of types is still two files that cannot be read apart.
    tsPreCompilationDeps: true,
  },
};
