// The NodeError a connection's promise rejects with, for tests that assert the operator's message.
import assert from 'node:assert/strict';
import type { NodeError } from '../../../src/core/model';
import { NodeErrorException } from '../../../src/core/ssh/errors';

/** The NodeError a promise rejects with (fails the test if it resolves or throws something else). */
export async function nodeError(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NodeErrorException, `expected a NodeErrorException, got ${String(e)}`);
    return e.nodeError;
  }
  assert.fail('expected a rejection');
}
