// The CLI's --json stderr, read as a program would: every line must be one JSON object.
import assert from 'node:assert/strict';
import type { NdjsonLine, StatusLine } from '../../../src/cli/ndjson';

export function ndjsonLines(stderr: string): NdjsonLine[] {
  assert.ok(stderr === '' || stderr.endsWith('\n'), 'the last line is ended');
  return stderr
    .split('\n')
    .slice(0, -1)
    .map((l) => {
      let v: unknown;
      assert.doesNotThrow(() => (v = JSON.parse(l)), `not a JSON line: ${l}`);
      const o = v as NdjsonLine;
      assert.ok(o.message_type === 'status' || o.message_type === 'message', l);
      return o;
    });
}

export function statusLines(stderr: string): StatusLine[] {
  return ndjsonLines(stderr).filter((l): l is StatusLine => l.message_type === 'status');
}
