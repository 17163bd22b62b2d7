// The restore's errors: each message is the sentence the operator sees, and a RestoreError
// always means nothing was written.
import type { Refusal } from './refusal';

export class RestoreError extends Error {
  constructor(
    message: string,
    /** When refused by checks: each one, so a UI can offer the overrides the CLI takes. */
    readonly refusals: readonly Refusal[] = [],
  ) {
    super(message);
    this.name = 'RestoreError';
  }
}
