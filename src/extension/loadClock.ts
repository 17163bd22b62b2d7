// Imported first by extension.ts, so this runs when the bundle starts to evaluate: activation's
// own cost (bundle evaluation, then activate()) is told apart from VS Code's work around it.
export const bundleStart = performance.now();
