/**
 * Walks the state store with ONE LevelDB iterator (one point-in-time view): the dump that a
 * snapshot is made of, and the garbage collector of abandoned generations and staging areas.
 * Both move in bounded steps (`nextv`, batches of deletes) so no event-loop turn holds more than
 * one step's records.
 */
import type { Level } from 'level';
import type { RecordIterator } from './snapshot-format.js';
import {
  generationKey,
  legacyDataPrefix,
  restorePrefixOf,
  memberPrefix,
  rangeEnd,
  stagingIdOf,
  isSnapshotMetaKey,
} from './state-keys.js';

type Db = Level<string, Uint8Array>;
const decoder = new TextDecoder();
type KeyIterator = ReturnType<Db['keys']>;

/**
 * The records of a snapshot as of the call: live data renamed to the `d<key>` layout, the
 * snapshot's metadata records, and the staging area of an operator restore in progress (`xr…`,
 * as stored). The live generation is read from the same point-in-time view. Local records
 * (generation, staged installs) are left out.
 */
export function dumpIterator(db: Db): RecordIterator {
  const raw = db.iterator();
  let livePrefix: string | undefined;
  const ranges = [
    { from: '', data: true },
    { from: memberPrefix.slice(0, 1), data: false },
    { from: restorePrefixOf(0).slice(0, 2), data: false },
  ];
  let phase = 0;
  let started = false;
  return {
    async nextv(size: number): Promise<[string, Uint8Array][]> {
      if (livePrefix === undefined) {
        raw.seek(generationKey);
        const [first] = await raw.nextv(1);
        livePrefix =
          first !== undefined && first[0] === generationKey ? decoder.decode(first[1]) : legacyDataPrefix;
        ranges[0].from = livePrefix;
      }
      while (phase < ranges.length) {
        const range = ranges[phase];
        if (!started) {
          raw.seek(range.from);
          started = true;
        }
        const rows = await raw.nextv(size);
        const out: [string, Uint8Array][] = [];
        let rangeDone = rows.length === 0;
        for (const [key, value] of rows) {
          if (!key.startsWith(range.from)) {
            rangeDone = true;
            break;
          }
          if (range.data) out.push([legacyDataPrefix + key.slice(livePrefix.length), value]);
          else if (phase === 2 ? !key.startsWith(livePrefix) : isSnapshotMetaKey(key)) out.push([key, value]);
        }
        if (rangeDone) {
          phase++;
          started = false;
        }
        if (out.length > 0) return out;
      }
      return [];
    },
    close: () => raw.close(),
  };
}

/**
 * Deletes, in batches of `batchKeys`, every data key that belongs to no live area: the `d` layout
 * once a generation replaced it, and `x`/`y` areas whose id `isLive` rejects. Returns the count.
 */
export async function collectGarbage(
  db: Db,
  livePrefix: string,
  isLive: (stagingId: string) => boolean,
  batchKeys: number,
): Promise<number> {
  let deleted = 0;
  const sweep = async (iterator: KeyIterator, isGarbage: (key: string) => boolean): Promise<void> => {
    let batch = db.batch();
    try {
      for (;;) {
        const rows = await iterator.nextv(batchKeys);
        if (rows.length === 0) break;
        for (const key of rows as string[]) if (isGarbage(key)) batch.del(key);
        if (batch.length >= batchKeys) {
          deleted += batch.length;
          await batch.write();
          batch = db.batch();
        }
      }
      deleted += batch.length;
      await batch.write();
    } finally {
      await iterator.close();
    }
  };
  if (livePrefix !== legacyDataPrefix) {
    await sweep(db.keys({ gte: legacyDataPrefix, lt: legacyDataPrefix + rangeEnd }), () => true);
  }
  await sweep(db.keys({ gte: 'x', lt: 'z' }), (key) => {
    const id = stagingIdOf(key);
    return !key.startsWith(livePrefix) && (id === undefined || !isLive(id));
  });
  return deleted;
}
