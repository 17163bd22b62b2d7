// How many entries a directory listing may hold, on every kind of connection: a backups
// directory holds a dozen files per archive, so this is thousands of archives, and it bounds
// what one listing keeps in memory (tens of MB) whatever a node's directory holds.

export const MAX_DIR_ENTRIES = 200_000;

export class DirectoryTooLargeError extends Error {
  constructor(dir: string) {
    super(`${dir} holds more than ${MAX_DIR_ENTRIES} entries: not a directory this tool lists (a backups directory holds a dozen files per archive); choose another with -b or the backupDir setting`);
    this.name = 'DirectoryTooLargeError';
  }
}
