// The member list a --read-data run hands `tar --compare` (`<archive>.read-data-<8 hex>.names`,
// beside the archive): written when the run starts, and removed by the shell in the container
// as soon as tar has it open (tarCompareArgv), by the client when tar never started. A run
// killed before tar started (client killed, SSH cut), or one of a build from before that
// removal, leaves it; only this exact form lets the catalog give it to its archive instead of
// calling it an unknown file. Pure.
//
// Whether one is a leftover cannot be told from the node: it may be the list of a run starting
// now (a run without --read-data-subset holds no lock: readDataLock.ts is the subset runs'),
// whose client may be another machine. So it goes with its archive and never alone (see
// readDataNamesText).

/** The run's own part of the name: 8 lowercase hex digits. */
const TOKEN = /^[0-9a-f]{8}$/;
/** Strictly `<archive>.read-data-<8 hex>.names`: the caller checks that `<archive>` is ours. */
const NAMES = /^(.+)\.read-data-([0-9a-f]{8})\.names$/;

export function readDataNamesPathOf(archive: string, token: string): string {
  if (!TOKEN.test(token)) throw new Error(`read-data names token ${JSON.stringify(token)} is not 8 lowercase hex digits`);
  return `${archive}.read-data-${token}.names`;
}

/** The archive name a names file's name is written for, or undefined when it is not that form. */
export function archiveOfReadDataNames(name: string): string | undefined {
  return NAMES.exec(name)?.[1];
}

/** What list and prune say of one beside an archive that stays. */
export function readDataNamesText(file: string, written: string): string {
  return (
    `${file}, written ${written}: the member list of a --read-data run of it, left by a run stopped before its comparison began (or by an earlier version's run), or about to be read by one starting now ` +
    `(a run without --read-data-subset holds no lock, so prune cannot tell). prune removes it only with the archive; remove it by hand once no --read-data run of this archive is going on`
  );
}

/** `, 1 of them a --read-data run's member list` for the files prune removes with an archive. */
export function namesGoingText(files: readonly string[]): string {
  const k = files.filter((f) => archiveOfReadDataNames(f) !== undefined).length;
  return k ? `, ${k} of them ${k === 1 ? "a --read-data run's member list" : "--read-data runs' member lists"}` : '';
}
