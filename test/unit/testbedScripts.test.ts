// The test bed's shell scripts share one namespace of functions with what they source. A second
// definition of a name replaces the first for every caller, silently: a helper added for one
// volume once replaced the brick check of every volume, and the bed died at its first start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const TESTBED = path.resolve(__dirname, '../../../testbed');

/**
 * The scripts that are run, each with the files it sources (checked below against its text);
 * light.sh is only ever sourced by testbed.sh.
 */
const RUN: Record<string, string[]> = {
  'testbed.sh': ['lib.sh', 'light.sh'],
  'build-image.sh': ['lib.sh'],
  'node-init.sh': [],
  'entrypoint.sh': [],
};

// A definition at any indentation: a function defined inside another is global too.
const DEF = /^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{/;

function definitions(text: string): string[] {
  return text.split('\n').flatMap((l) => DEF.exec(l)?.[1] ?? []);
}

const read = (f: string) => readFileSync(path.join(TESTBED, f), 'utf8');

test('the definition pattern finds plain, indented and keyword forms, and nothing in a call or a comment', () => {
  assert.deepEqual(definitions('a() { :; }\n  b_2 () {\nfunction c() {\n# d() {\ne "f() {"\ng\n'), ['a', 'b_2', 'c']);
});

test('every script sources what the table says, and nothing else', () => {
  for (const [script, sourced] of Object.entries(RUN)) {
    const found = [...read(script).matchAll(/^\s*(?:source|\.)\s+"\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/([\w.-]+)"/gm)].map((m) => m[1]);
    assert.deepEqual(found.sort(), [...sourced].sort(), script);
  }
});

test('no function of the test bed is defined twice in a script and what it sources', () => {
  for (const [script, sourced] of Object.entries(RUN)) {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const f of [script, ...sourced]) {
      for (const name of definitions(read(f))) {
        const first = seen.get(name);
        if (first) twice.push(`${name} (${first} and ${f})`);
        else seen.set(name, f);
      }
    }
    assert.deepEqual(twice, [], `${script}: defined twice`);
  }
});
