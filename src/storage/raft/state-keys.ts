/**
 * The state store's key layout (utf8 keys in one LevelDB), shared by the store, its staged
 * installs, its dump and its garbage collector:
 *
 * - live data: `<prefix><key>`, where the prefix is `d` (the original layout) or a generation
 *   `x<id>/` named by the `mg` record: switching generations is ONE small write, which is how a
 *   snapshot of any size is installed atomically;
 * - metadata: `ma` applied index+term, `mm<nodeId>` members, `mc<clientId>` the dedupe table's client records
 *   (client-table.ts; `mq…` rows of an older layout are ignored), `mg` the
 *   live generation, `ms<id>` a staged snapshot that is complete and verified;
 * - staging: `x<id>/<key>` data and `y<id>/<metaKey>` metadata of a snapshot being received.
 *   `xr<hex>/<key>` is the staging area of an operator restore in progress (`mr`, state-restore.ts).
 *   Anything under `x`/`y` that is neither live nor staged is garbage, deleted in bounded batches.
 */
import { randomBytes } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';

export const legacyDataPrefix = 'd';
export const appliedKey = 'ma';
export const memberPrefix = 'mm';
/** A client's record in the replicated dedupe table (client-table.ts). */
export const clientPrefix = 'mc';
export const generationKey = 'mg';
export const stagedPrefix = 'ms';
/** The operator restore in progress (state-restore.ts). */
export const restoreKey = 'mr';
/** Upper bound for a prefix range (`lt: prefix + rangeEnd`). */
export const rangeEnd = '\uffff';

/** A fresh staging id (8 random hex digits). */
export function newStagingId(): string {
  return randomBytes(4).toString('hex');
}

/** Data prefix of generation/staging `id`. */
export function dataPrefixOf(id: string): string {
  return `x${id}/`;
}

/** Prefix of the staged metadata of staging `id`. */
export function stagedMetaPrefixOf(id: string): string {
  return `y${id}/`;
}

/** Data prefix of the staging area of the operator restore begun at entry `index`. */
export function restorePrefixOf(index: number): string {
  return `xr${index.toString(16)}/`;
}

/** The staging id named by an `x`/`y` key, or undefined for other keys. */
export function stagingIdOf(key: string): string | undefined {
  if (key[0] !== 'x' && key[0] !== 'y') return undefined;
  const slash = key.indexOf('/');
  return slash > 1 ? key.slice(1, slash) : undefined;
}

/** True for the metadata records a snapshot carries (applied index, members, dedupe table). */
export function isSnapshotMetaKey(key: string): boolean {
  return (
    key === appliedKey || key === restoreKey || key.startsWith(memberPrefix) || key.startsWith(clientPrefix)
  );
}

/** The `ma` record: applied index and term (two big-endian doubles). */
export function indexBytes(index: number, term: number): Uint8Array {
  const out = Buffer.alloc(16);
  out.writeDoubleBE(index, 0);
  out.writeDoubleBE(term, 8);
  return out;
}

/** Reads an `indexBytes` record; `integrity_failure` when malformed. */
export function readIndexBytes(value: Uint8Array): { index: number; term: number } {
  if (value.length !== 16) throw new ArcaError('integrity_failure', 'raft state: malformed applied index');
  const view = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return { index: view.readDoubleBE(0), term: view.readDoubleBE(8) };
}
