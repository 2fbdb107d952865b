/**
 * A snapshot being installed into the state store WITHOUT touching the live state: its records go
 * to a staging area on disk (`x<id>/` data, `y<id>/` metadata, see state-keys.ts) one bounded
 * LevelDB batch per chunk as they arrive, so memory stays at one chunk whatever the state's size.
 * `seal()` marks the area complete (synced) once the caller verified the checksum; the store's
 * `commitStaged` then switches to it in one small atomic write. A crash before that switch leaves
 * the old state exactly as it was (the staging area is garbage, collected later).
 */
import type { Level } from 'level';
import type { SnapshotRecord } from './snapshot-parser.js';
import {
  dataPrefixOf,
  isSnapshotMetaKey,
  legacyDataPrefix,
  restorePrefixOf,
  stagedMetaPrefixOf,
  stagedPrefix,
} from './state-keys.js';

type Db = Level<string, Uint8Array>;
const restoreAreaPrefix = restorePrefixOf(0).slice(0, 2);

/** One staging area being filled; see the module comment. */
export class StagedInstall {
  private done = false;

  constructor(
    private readonly db: Db,
    /** The staging id (names the area and the `staged` snapshot reference). */
    readonly id: string,
    private readonly release: (id: string, sealed: boolean) => void,
  ) {}

  /** Writes `records` (snapshot layout: `d<key>` data, metadata records) as ONE batch. */
  async write(records: readonly SnapshotRecord[]): Promise<void> {
    if (records.length === 0) return;
    const batch = this.db.batch();
    const data = dataPrefixOf(this.id);
    const meta = stagedMetaPrefixOf(this.id);
    for (const { key, value } of records) {
      if (key.startsWith(legacyDataPrefix)) batch.put(data + key.slice(legacyDataPrefix.length), value);
      else if (key.startsWith(restoreAreaPrefix))
        batch.put(key, value); // a restore in progress
      else if (isSnapshotMetaKey(key)) batch.put(meta + key, value);
    }
    await batch.write();
  }

  /** Marks the area complete and verified (synced: it survives a crash). */
  async seal(): Promise<void> {
    await this.db.put(stagedPrefix + this.id, new Uint8Array(0), { sync: true });
    this.finish(true);
  }

  /** Gives the area up (its records become garbage). */
  abort(): void {
    this.finish(false);
  }

  private finish(sealed: boolean): void {
    if (this.done) return;
    this.done = true;
    this.release(this.id, sealed);
  }
}
