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

/** The plan made right before the start is not the one confirmed: nothing was started. */
export class RestorePlanChanged extends RestoreError {
  constructor(
    /** Each difference, in words (see planChanges). */
    readonly changes: readonly string[],
  ) {
    super(`refused, nothing was written: the plan changed since it was confirmed: ${changes.join('; ')}`);
    this.name = 'RestorePlanChanged';
  }
}
