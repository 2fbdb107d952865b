/**
 * The state store's side of a batched operator restore (command.ts): `restore-begin` names a
 * staging area (`xr<begin index>/`, recorded in `mr` so a restart and a snapshot carry it),
 * `restore-part` writes data records into it, and `restore-commit` makes it the live data
 * generation — each in the same LevelDB batch as the applied index, so every step is atomic and
 * crash-safe and each is bounded by one entry. A step for another restore id changes nothing (a
 * newer begin abandoned the older restore; its staging area becomes garbage).
 */
import type { Command } from './command.js';
import { generationKey, legacyDataPrefix, restoreKey, restorePrefixOf } from './state-keys.js';

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
    const parsed = JSON.parse(Buffer.from(value).toString('utf8')) as Partial<RestoreArea>;
    if (typeof parsed.id === 'string' && typeof parsed.prefix === 'string')
      return { id: parsed.id, prefix: parsed.prefix };
  } catch {
    // fall through
  }
  return undefined;
}
