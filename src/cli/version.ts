// The version the CLI reports: package.json's, put in by esbuild (define) when it bundles the
// CLI; unbundled (the tests' compiled out/ tree) it is read from the checkout's package.json.
import * as fs from 'fs';
import * as path from 'path';

declare const GB_VERSION: string | undefined;

function checkoutVersion(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const v = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>).version : undefined;
  return typeof v === 'string' ? v : 'unknown';
}

export const VERSION: string = typeof GB_VERSION === 'string' ? GB_VERSION : checkoutVersion();
