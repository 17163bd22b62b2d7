// Which of the contributed settings a remote window (Remote-SSH, code-server) takes from the
// remote's settings: those of scope machine or machine-overridable. Read from the manifest's
// own declarations, so that "Open Settings" cannot disagree with them. Free of `vscode`, so the
// manifest test can check it without an extension host.

export interface SettingScopes {
  /** Every contributed setting, without the section (`timeouts.connectMs`). */
  all: ReadonlySet<string>;
  /** Those a remote window reads from the remote's settings only. */
  remote: ReadonlySet<string>;
}

const REMOTE_SCOPES = new Set(['machine', 'machine-overridable']);

export function settingScopes(manifest: unknown, section: string): SettingScopes {
  const configuration = (manifest as { contributes?: { configuration?: unknown } } | undefined)?.contributes?.configuration;
  // contributes.configuration is one object or a list of them.
  const parts = (Array.isArray(configuration) ? configuration : [configuration]) as ({ properties?: Record<string, { scope?: string }> } | undefined)[];
  const all = new Set<string>();
  const remote = new Set<string>();
  for (const [key, value] of parts.flatMap((p) => Object.entries(p?.properties ?? {}))) {
    if (!key.startsWith(`${section}.`)) continue;
    const name = key.slice(section.length + 1);
    all.add(name);
    if (REMOTE_SCOPES.has(value?.scope ?? '')) remote.add(name);
  }
  return { all, remote };
}

/**
 * The setting a key names, as the settings editor knows it: a problem's key may point inside
 * one (`nodes[1].port` is in `nodes`); a flat one (`timeouts.connectMs`) is whole. An unknown
 * key (a misspelt one) gives its first segment.
 */
export function settingOf(key: string, scopes: SettingScopes): string {
  let best = '';
  for (const s of scopes.all) {
    if ((key === s || key.startsWith(`${s}.`) || key.startsWith(`${s}[`)) && s.length > best.length) best = s;
  }
  return best || key.split(/[.[]/)[0];
}

/** Whether the setting lives in the remote's settings in a remote window; a group (`timeouts`) when any of it does. */
export function isRemoteSetting(setting: string, scopes: SettingScopes): boolean {
  return scopes.remote.has(setting) || [...scopes.remote].some((s) => s.startsWith(`${setting}.`));
}
