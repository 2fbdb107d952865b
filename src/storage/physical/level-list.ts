/**
 * Vault's LIST over a LevelDB key range, shared by the single-node backend (LevelPhysical) and the
 * Raft state store. One bounded range scan (`gte` the prefix, `lt` its upper bound) read in
 * batches with `nextv`, not one native iterator call per key: listing 100k keys was the bulk of a
 * lease restore. A key inside a sub-folder records the folder once; the rest of that folder is
 * skipped in memory while it is in the current batch and by one `seek` past it otherwise, so a
 * folder with a million keys still costs one step. Batches start small and double while no folder
 * seek interrupts them, so a listing of many large folders does not read each folder's first
 * thousand keys, and a listing of one large flat folder takes a few native calls.
 */
import { childEntry } from './keys.js';

/** The part of a `level` key iterator the scan uses. */
export interface KeyRangeIterator {
  nextv(size: number): Promise<string[]>;
  seek(target: string): void;
  close(): Promise<void>;
}

/** Something that opens a key iterator over a range (a `Level<string, …>`). */
export interface KeyRangeSource {
  keys(options: { gte: string; lt?: string; highWaterMarkBytes?: number }): KeyRangeIterator;
}

/** First batch size after the start or a folder seek. */
const firstBatch = 16;
/** Largest batch: bounds the keys held at once (and one native call's event-loop time). */
const maxBatch = 4096;
/** classic-level also ends a batch at this many bytes (default 16 KiB ≈ 300 keys); room for maxBatch. */
const batchBytes = maxBatch * 256;

/**
 * The direct children of `prefix` (folders with a trailing '/'), in key order, among the keys of
 * `db` that start with `keyBase + prefix`. `prefix` is '' or ends in '/' (callers check it).
 */
export async function listLevelChildren(
  db: KeyRangeSource,
  keyBase: string,
  prefix: string,
): Promise<string[]> {
  const full = keyBase + prefix;
  const names: string[] = [];
  const upper = upperBound(full);
  const range = upper === undefined ? { gte: full } : { gte: full, lt: upper };
  const iterator = db.keys({ ...range, highWaterMarkBytes: batchBytes });
  try {
    let size = firstBatch;
    let folder: string | undefined; // full key prefix of the last folder recorded
    for (;;) {
      const keys = await iterator.nextv(size);
      if (keys.length === 0) break;
      let ended = false;
      for (const key of keys) {
        if (!key.startsWith(full)) {
          ended = true;
          break;
        }
        if (folder !== undefined && key.startsWith(folder)) continue;
        const name = childEntry(full, key);
        names.push(name);
        folder = name.endsWith('/') ? full + name : undefined;
      }
      // A short batch is not the end (classic-level also caps a batch by bytes): only [] is.
      if (ended) break;
      if (folder !== undefined && keys[keys.length - 1].startsWith(folder)) {
        // Still inside a folder: jump past it ('0' is the byte after '/').
        iterator.seek(folder.slice(0, -1) + '0');
        size = firstBatch;
      } else {
        size = Math.min(size * 2, maxBatch);
      }
    }
  } finally {
    await iterator.close();
  }
  return names;
}

/**
 * The least string above every string starting with `prefix` in UTF-8 byte order, when the last
 * character is ASCII below 0x7f (always so for '/'-terminated prefixes); else undefined (no bound:
 * the scan then stops at the first key without the prefix).
 */
function upperBound(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0x7f) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
