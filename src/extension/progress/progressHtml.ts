// The panel's page. No `vscode` here: the browser test renders this same page, with its own
// URIs, so what it checks is what VS Code shows.
import { randomBytes } from 'node:crypto';

export interface PageOptions {
  /** webview.cspSource: the only origin styles, fonts and images may come from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function progressHtml(o: PageOptions): string {
  const nonce = o.nonce ?? newNonce();
  // No inline style, no eval, no remote anything: only our bundle (by nonce) and our CSS.
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Backup Progress</title>
</head>
<body>
<header class="top">
  <div class="heading">
    <h1><span id="heading">Backup of</span> <span id="node">…</span></h1>
    <span id="badge" class="badge" data-state="running">Running</span>
  </div>
  <div class="actions">
    <button id="cancel" type="button" class="secondary" hidden><span class="codicon codicon-stop-circle" aria-hidden="true"></span><span id="cancelLabel">Cancel Backup</span></button>
    <button id="openLog" type="button" class="secondary"><span class="codicon codicon-output" aria-hidden="true"></span><span>Open Log</span></button>
    <button id="validate" type="button" hidden title="Validate Backup: compare the archive with the live gluster filesystem"><span class="codicon codicon-checklist" aria-hidden="true"></span><span>Validate Now</span></button>
    <button id="reveal" type="button" class="secondary" hidden title="The archive is on the node: its path is copied to the clipboard"><span class="codicon codicon-copy" aria-hidden="true"></span><span>Copy Archive Path</span></button>
  </div>
</header>
<div id="banner" class="banner" role="status" hidden></div>
<section class="stats" aria-label="Progress">
  <div class="stat"><div class="label" id="sizeLabel">Archive size</div><div class="value" id="size">0 B</div><div class="sub" id="target">of estimating…</div></div>
  <div class="stat"><div class="label">Done</div><div class="value" id="percent">—</div><div class="meter" id="meterBar" role="progressbar" aria-label="Done" aria-valuemin="0" aria-valuemax="100"><div id="meter"></div></div></div>
  <div class="stat"><div class="label">Rate</div><div class="value" id="rate">—</div><div class="sub" id="rateNote">smoothed</div></div>
  <div class="stat"><div class="label">Time left</div><div class="value" id="eta">—</div><div class="sub" id="etaNote">estimating…</div></div>
  <div class="stat"><div class="label">Elapsed</div><div class="value" id="elapsed">—</div><div class="sub" id="started"></div></div>
  <div class="stat"><div class="label" id="warnLabel">Warnings</div><div class="value" id="warnCount">0</div><div class="sub" id="warnNote">none so far</div></div>
</section>
<section class="chart-box" id="chartBox" aria-label="Archive size over time" aria-describedby="chartSummary"><div id="chart" aria-hidden="true"></div><p id="chartSummary" class="sr-only"></p></section>
<section class="details">
  <div class="panel-box" id="warningsBox">
    <h2>Last warnings</h2>
    <ul id="warnings" class="warnings"><li class="empty">No warnings.</li></ul>
  </div>
  <div class="panel-box">
    <h2 id="optionsTitle">Job</h2>
    <dl id="options" class="options"></dl>
  </div>
</section>
<script nonce="${nonce}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
