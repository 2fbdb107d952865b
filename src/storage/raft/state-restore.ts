/**
 * The state store's side of a batched operator restore (command.ts): `restore-begin` names a
 * staging area (`xr<begin index>/`, recorded in `mr` so a restart and a snapshot carry it),
 * `restore-part` writes data records into it, and `restore-commit` makes it the live data
 * generation — each in the same LevelDB batch as the applied index, so every step is atomic and
 * crash-safe and each is bounded by one entry. A step for another restore id changes nothing (a
 * newer begin abandoned the older restore; its staging area becomes garbage).
 */
import type { Level } from 'level';
import type { Entry } from '../../raft/types.js';
import { EntryType } from '../../raft/types.js';
import { decodeCommand, type Command } from './command.js';
import { snapshotReader } from './snapshot-format.js';
import { generationKey, legacyDataPrefix, rangeEnd, restoreKey, restorePrefixOf } from './state-keys.js';

/** A restore in progress: its id and staging prefix. */
export interface RestoreArea {
  id: string;
  prefix: string;
}

/** The part of the store a restore step moves: the live data prefix and the restore in progress. */
export interface DataAreas {
  livePrefix: string;
  restore: RestoreArea | undefined;
}

type RestoreCommand = Extract<Command, { kind: 'restore-begin' | 'restore-part' | 'restore-commit' }>;

/** What a batch needs: puts and deletes. */
interface BatchLike {
  put(key: string, value: Uint8Array): unknown;
  del(key: string): unknown;
}

/**
 * Adds one restore step (entry `index`) to `batch` and returns the areas after it; `reset` when
 * the live data set was replaced.
 */
export function applyRestoreStep(
  batch: BatchLike,
  areas: DataAreas,
  command: RestoreCommand,
  index: number,
): { areas: DataAreas; reset: boolean } {
  const mine = areas.restore?.id === command.restoreId ? areas.restore : undefined;
  switch (command.kind) {
    case 'restore-begin': {
      const restore = { id: command.restoreId, prefix: restorePrefixOf(index) };
      batch.put(restoreKey, Buffer.from(JSON.stringify(restore), 'utf8'));
      return { areas: { ...areas, restore }, reset: false };
    }
    case 'restore-part':
      if (mine !== undefined)
        for (const [key, value] of command.records)
          if (key.startsWith(legacyDataPrefix))
            batch.put(mine.prefix + key.slice(legacyDataPrefix.length), value);
      return { areas, reset: false };
    case 'restore-commit':
      if (mine === undefined) return { areas, reset: false };
      batch.put(generationKey, Buffer.from(mine.prefix, 'utf8'));
      batch.del(restoreKey);
      return { areas: { livePrefix: mine.prefix, restore: undefined }, reset: true };
  }
}

/** Decodes the `mr` record (undefined when absent or unreadable). */
export function decodeRestoreArea(value: Uint8Array | undefined): RestoreArea | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { id, prefix } = parsed as Record<string, unknown>;
    if (typeof id === 'string' && typeof prefix === 'string') return { id, prefix };
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * The one-entry operator restore of older logs (now proposed in steps): adds to `batch` the
 * deletion of every live data key and the data records of `snapshot` (its membership and dedupe
 * records are not this cluster's and are skipped). A snapshot that does not verify changes
 * nothing (the proposer verified it; every member decides the same way). Returns `reset`.
 */
export async function legacyReplaceData(
  db: Level<string, Uint8Array>,
  batch: BatchLike,
  livePrefix: string,
  snapshot: Uint8Array,
): Promise<boolean> {
  let records: { key: string; value: Uint8Array }[];
  try {
    records = snapshotReader(snapshot);
  } catch {
    return false;
  }
  for await (const key of db.keys({ gte: livePrefix, lt: livePrefix + rangeEnd })) batch.del(key);
  for (const { key, value } of records)
    if (key.startsWith(legacyDataPrefix)) batch.put(livePrefix + key.slice(legacyDataPrefix.length), value);
  return true;
}

/** True for an entry carrying a one-entry operator restore (applied in a batch of its own). */
export function isLegacyRestore(entry: Entry): boolean {
  if (entry.type !== EntryType.Normal || entry.data.length === 0) return false;
  try {
    return decodeCommand(entry.data)?.kind === 'restore';
  } catch {
    return false;
  }
}
