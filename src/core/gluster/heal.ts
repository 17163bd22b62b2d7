// `volume heal VOL info --xml` and `volume heal VOL info summary --xml`. On a distribute
// volume gluster answers opRet -1 (exit 234): parseCliOutput turns that into a
// GlusterCliError of kind 'notApplicable'.
import type { GlusterHealBrick, GlusterHealInfo } from './types';
import { count, list, obj, parseCliOutput, splitBrickName, str, uuid, XmlNode } from './xml';

/** Parses either form; `info` fills `entries`, `info summary` also the per-kind counts. */
export function parseHealInfo(stdout: string, exitCode?: number): GlusterHealInfo {
  const root = parseCliOutput(stdout, exitCode);
  const bricks = list(obj(obj(root.healInfo).bricks).brick).map(toBrick);
  let totalEntries = 0;
  let splitBrainEntries = 0;
  let unreadBricks = 0;
  for (const b of bricks) {
    if (b.entries === undefined) unreadBricks++;
    else totalEntries += b.entries;
    splitBrainEntries += b.splitBrain ?? 0;
  }
  return { bricks, totalEntries, splitBrainEntries, unreadBricks };
}

/** Same parser: the summary form carries its own element names. */
export const parseHealSummary = parseHealInfo;

function toBrick(b: XmlNode): GlusterHealBrick {
  const name = str(b.name);
  const status = cleanStatus(str(b.status));
  const connected = status === 'Connected';
  const brick: GlusterHealBrick = {
    name,
    ...splitBrickName(name),
    hostUuid: uuid(b['@_hostUuid']),
    status,
    connected,
  };
  // A brick that was not read prints "-" or nothing; its stray counts must not read as 0.
  const entries = count(b.numberOfEntries) ?? count(b.totalNumberOfEntries);
  if (connected && entries !== undefined) brick.entries = entries;
  const pending = count(b.numberOfEntriesInHealPending);
  const splitBrain = count(b.numberOfEntriesInSplitBrain);
  const healing = count(b.numberOfEntriesPossiblyHealing);
  if (connected && pending !== undefined) brick.healPending = pending;
  if (connected && splitBrain !== undefined) brick.splitBrain = splitBrain;
  if (connected && healing !== undefined) brick.possiblyHealing = healing;
  return brick;
}

// glfsheal 10.x glues an element name and value onto the status of an unreachable brick:
// "Failed to process entries completely. (Transport endpoint is not connected)totalNumberOfEntries0".
function cleanStatus(status: string): string {
  return status.replace(/\)(?:[a-z][A-Za-z]*\d+)+$/, ')').trim();
}
