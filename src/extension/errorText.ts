// The one sentence an error becomes in the log and in a notification. Kept apart from errors.ts
// (which needs the vscode module at run time) so that it can be tested on its own.

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  // Something thrown that is not an Error but carries a message (a rejected plain object).
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string' && (err as { message: string }).message) {
    return (err as { message: string }).message;
  }
  return String(err);
}
