// Names from the volume, and text from a node, shown to a person: a terminal escape in a file
// name (anyone on the platform can make one) or in a node's message is shown, never obeyed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { shownName, shownText } from '../../src/core/archive/paths';

test('control characters are shown as escapes; the rest is left as it is', () => {
  assert.equal(shownName('\x1b]0;owned\x07title'), '\\x1b]0;owned\\x07title');
  assert.equal(shownName('csi\x9b2J c1'), 'csi\\x9b2J c1');
  assert.equal(shownName('new\nline\ttab\rret\x7fdel'), 'new\\nline\\ttab\\rretdel'.replace('retdel', 'ret\\x7fdel'));
  assert.equal(shownName('back\\slash'), 'back\\\\slash');
  assert.equal(shownName('café/日本/with space.txt'), 'café/日本/with space.txt');
});

test('no control character survives, and different names stay different', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 64 }), (a, b) => {
      assert.doesNotMatch(shownName(a), /[\x00-\x1f\x7f\u0080-\u009f]/);
      if (a !== b) assert.notEqual(shownName(a), shownName(b));
    }),
    { seed: 20261206, numRuns: 2000 },
  );
});

test('a node\'s text: control characters escaped as in a name, backslashes kept as tar wrote them', () => {
  assert.equal(shownText('tar: a\\033b\x1b]0;owned\x07: Cannot open\r\n\x9b2J'), 'tar: a\\033b\\x1b]0;owned\\x07: Cannot open\\r\\n\\x9b2J');
  assert.equal(shownText('café 日本 plain'), 'café 日本 plain');
});

test('no control character survives a node\'s text, and text already shown is shown as it is', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (t) => {
      const once = shownText(t);
      assert.doesNotMatch(once, /[\x00-\x1f\x7f\u0080-\u009f]/);
      assert.equal(shownText(once), once);
      assert.equal(shownText(shownName(t)), shownName(t));
    }),
    { seed: 20261207, numRuns: 2000 },
  );
});
