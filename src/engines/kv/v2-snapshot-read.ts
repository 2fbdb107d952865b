/**
 * A KV v2 read served from one synchronous snapshot of the barrier's read cache, without the key's
 * mutex and without a promise per storage layer. Correctness: a write replaces a key's metadata
 * and version data in ONE batch, and `StorageView.peekDecoded` answers only for keys with no write
 * in flight, whose cached values then equal the stored ones; both are peeked with no `await` in
 * between, so the read sees the state before a racing write or after it, wholly — never the
 * metadata of one and the data of another (and never a version a racing write just trimmed).
 * Anything not cached (or a write in flight) falls back to the locked read in v2-data.ts.
 *
 * The decoded values are shared by every reader of the entry (decoded once per cache entry), so
 * they are deep-frozen; the per-version metadata block is memoised per frozen version entry too.
 */
import { deepFreeze } from '../../lib/deep-freeze.js';
import type { BackendRequest } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { notFound, rawNotFound } from './responses.js';
import {
  decodeMetadata,
  decodeVersionData,
  isDeleted,
  metadataKey,
  versionKey,
  versionView,
  type KeyMetadata,
  type VersionMetadata,
} from './v2-store.js';

/** Shared decoders (their identity keys the cache's memo): decode, then freeze. */
const frozenMetadata = (raw: Uint8Array): KeyMetadata => deepFreeze(decodeMetadata(raw));
const frozenVersionData = (raw: Uint8Array): Record<string, unknown> => deepFreeze(decodeVersionData(raw));

/** Frozen version entry → its frozen `versionView` (the entry belongs to one frozen metadata). */
const views = new WeakMap<VersionMetadata, Record<string, unknown>>();

function frozenView(metadata: KeyMetadata, version: number, entry: VersionMetadata): Record<string, unknown> {
  let view = views.get(entry);
  if (view === undefined) {
    view = Object.freeze(versionView(metadata, version, entry));
    views.set(entry, view);
  }
  return view;
}

/**
 * The answer to a `data/<path>` read (`version` 0 = the current one) from the cache snapshot, as
 * the locked read would give it (plain 404, raw 404 with the version metadata, or the data);
 * undefined when the snapshot cannot answer and the caller must read under the key's mutex.
 */
export function readDataFromSnapshot(
  request: BackendRequest,
  path: string,
  askedVersion: number,
  nowMs: number,
): LogicalResponse | undefined {
  const storage = request.storage;
  if (storage.peekDecoded === undefined) return undefined;
  const metadata = storage.peekDecoded(metadataKey(path), frozenMetadata);
  if (metadata === undefined) return undefined;
  if (metadata === null) throw notFound();
  const version = askedVersion > 0 ? askedVersion : metadata.currentVersion;
  const entry = metadata.versions[String(version)];
  if (entry === undefined) throw notFound();
  const metadataView = frozenView(metadata, version, entry);
  if (entry.destroyed || isDeleted(entry, nowMs)) {
    return rawNotFound(request.requestId, { data: null, metadata: metadataView });
  }
  // No `await` since the metadata peek: this is the same committed state.
  const data = storage.peekDecoded(versionKey(path, version), frozenVersionData);
  // Not cached, or (corruption only) absent: the locked read decides, as before.
  if (data === undefined || data === null) return undefined;
  return { data: { data, metadata: metadataView } };
}
