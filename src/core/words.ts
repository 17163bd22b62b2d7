// Counts in the operator's words: "1 symlink", "2 symlinks".

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
