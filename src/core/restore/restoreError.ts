// The restore's errors: each message is the sentence the operator sees, and a RestoreError
// always means nothing was written.
export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}
