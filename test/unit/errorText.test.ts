// What the operator reads for each kind of thing a command can throw or reject with.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText } from '../../src/extension/errorText';

test('an Error gives its message, without the class name', () => {
  assert.equal(errorText(new Error('connect ECONNREFUSED 10.0.0.1:22')), 'connect ECONNREFUSED 10.0.0.1:22');
  assert.equal(errorText(new TypeError('x is not a function')), 'x is not a function');
});

test('an Error without a message gives its name rather than an empty sentence', () => {
  assert.equal(errorText(new RangeError('')), 'RangeError');
});

test('a thrown string is the text itself', () => {
  assert.equal(errorText('the node refused'), 'the node refused');
});

test('a rejected plain object with a message gives the message, not [object Object]', () => {
  assert.equal(errorText({ message: 'Channel open failure', code: 1 }), 'Channel open failure');
});

test('anything else is its String form', () => {
  assert.equal(errorText(undefined), 'undefined');
  assert.equal(errorText(42), '42');
  assert.equal(errorText({ message: '' }), '[object Object]');
  assert.equal(errorText(null), 'null');
});
