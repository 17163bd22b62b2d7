// What the node's sftp-server answers to statvfs@openssh.com, as ssh2 parses it (its `f_`
// fields: ssh2 types the reply `any`, and reading `bavail` gave NaN for every remote node). The
// reply comes from the node: each number is checked before it is believed.

/** Bytes available to an unprivileged writer in the filesystem statvfs described. */
export function availableBytes(reply: unknown): number {
  const r = (typeof reply === 'object' && reply !== null ? reply : {}) as Record<string, unknown>;
  const count = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`statvfs answered no usable ${key} (${typeof v === 'number' ? v : typeof v})`);
    return v;
  };
  const bytes = count('f_bavail') * count('f_frsize');
  if (!Number.isSafeInteger(bytes)) throw new Error(`statvfs answered more free space than a number holds (${bytes})`);
  return bytes;
}
