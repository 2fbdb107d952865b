/**
 * KV v2's storage model, inside the mount's view:
 *   `config`                  mount settings (max_versions, cas_required, delete_version_after)
 *   `metadata/<path>`         the key's metadata: every live version's times and flags
 *   `versions/<path>/<n>`     version n's data (JSON)
 * Metadata and version data always change together in one `storage.batch`, and every mutation of
 * a key runs under that key's mutex, so a reader never sees half a write and two CAS writers
 * never both win. Times are wall-clock milliseconds from the injected clock.
 */
import { anyObject, bool, nullable, num, object, optional, recordOf, str } from '../../lib/shape.js';
import type { StorageOp, StorageView } from '../../logical/storage-view.js';
import { checkedKey, decodeJson, encodeJson } from './json-codec.js';
import { formatOptionalTime } from './timestamps.js';

/** Vault's default number of versions kept when neither the key nor the mount sets one. */
export const defaultMaxVersions = 10;
/** The config value meaning "delete_version_after is disabled for every key" (Vault's -1s). */
export const deleteVersionAfterDisabledSeconds = -1;

export interface KvConfig {
  maxVersions: number;
  casRequired: boolean;
  /** 0 = unset, -1 = disabled on every key, > 0 = seconds. */
  deleteVersionAfterSeconds: number;
}

export interface VersionMetadata {
  createdTimeMs: number;
  /** Soft-delete time; may lie in the future when set by delete_version_after. */
  deletionTimeMs?: number;
  destroyed: boolean;
}

export interface KeyMetadata {
  versions: Record<string, VersionMetadata>;
  currentVersion: number;
  oldestVersion: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfterSeconds: number;
  createdTimeMs?: number;
  updatedTimeMs?: number;
  customMetadata: Record<string, string> | null;
}

/** Stored shapes, checked on read (config fields may be absent: defaults apply). */
const storedConfig = object<Partial<KvConfig>>({
  maxVersions: optional(num),
  casRequired: optional(bool),
  deleteVersionAfterSeconds: optional(num),
});
const storedMetadata = object<KeyMetadata>({
  versions: recordOf(
    object<VersionMetadata>({ createdTimeMs: num, deletionTimeMs: optional(num), destroyed: bool }),
  ),
  currentVersion: num,
  oldestVersion: num,
  maxVersions: num,
  casRequired: bool,
  deleteVersionAfterSeconds: num,
  createdTimeMs: optional(num),
  updatedTimeMs: optional(num),
  customMetadata: nullable(recordOf(str)),
});

const configKey = 'config';

export function metadataKey(path: string): string {
  return checkedKey(`metadata/${path}`);
}

export function versionKey(path: string, version: number): string {
  return checkedKey(`versions/${path}/${version}`);
}

/** The mount config (defaults when never written). */
export async function readConfig(storage: StorageView): Promise<KvConfig> {
  const raw = await storage.get(configKey);
  const stored = raw === undefined ? {} : decodeJson(raw, storedConfig, 'kv config');
  return {
    maxVersions: stored.maxVersions ?? 0,
    casRequired: stored.casRequired ?? false,
    deleteVersionAfterSeconds: stored.deleteVersionAfterSeconds ?? 0,
  };
}

export async function writeConfig(storage: StorageView, config: KvConfig): Promise<void> {
  await storage.put(configKey, encodeJson(config));
}

/** A fresh, version-less metadata record. */
export function emptyMetadata(): KeyMetadata {
  return {
    versions: {},
    currentVersion: 0,
    oldestVersion: 0,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfterSeconds: 0,
    customMetadata: null,
  };
}

/** Decodes a stored metadata record (a fresh, mutable copy); `integrity_failure` on garbage. */
export function decodeMetadata(raw: Uint8Array): KeyMetadata {
  return decodeJson(raw, storedMetadata, 'kv metadata');
}

/** Decodes a version's stored data (a fresh, mutable copy); `integrity_failure` on garbage. */
export function decodeVersionData(raw: Uint8Array): Record<string, unknown> {
  return decodeJson(raw, anyObject, 'kv version');
}

/** The key's metadata, or undefined when the key does not exist. */
export async function readMetadata(storage: StorageView, path: string): Promise<KeyMetadata | undefined> {
  const raw = await storage.get(metadataKey(path));
  return raw === undefined ? undefined : decodeMetadata(raw);
}

/**
 * Whether `path` has metadata (the create/update existence check). No decode: the write that
 * follows reads and decodes the metadata itself, and fails as an integrity failure on garbage.
 */
export async function metadataExists(storage: StorageView, path: string): Promise<boolean> {
  return (await storage.get(metadataKey(path))) !== undefined;
}

export function putMetadataOp(path: string, metadata: KeyMetadata): StorageOp {
  return { type: 'put', key: metadataKey(path), value: encodeJson(metadata) };
}

/** The stored data of one version, or undefined when it is gone (destroyed or trimmed). */
export async function readVersionData(
  storage: StorageView,
  path: string,
  version: number,
): Promise<Record<string, unknown> | undefined> {
  const raw = await storage.get(versionKey(path, version));
  return raw === undefined ? undefined : decodeVersionData(raw);
}

/** True when the version is soft-deleted as of `nowMs` (a future deletion time is not yet). */
export function isDeleted(version: VersionMetadata, nowMs: number): boolean {
  return version.deletionTimeMs !== undefined && version.deletionTimeMs <= nowMs;
}

/**
 * Vault's deletionTime(): creation plus the smallest non-zero of the mount's and the key's
 * delete_version_after; undefined when neither is set or the mount disabled it.
 */
export function scheduledDeletionMs(
  createdMs: number,
  config: KvConfig,
  metadata: KeyMetadata,
): number | undefined {
  if (config.deleteVersionAfterSeconds === deleteVersionAfterDisabledSeconds) return undefined;
  const mount = Math.max(0, config.deleteVersionAfterSeconds);
  const key = metadata.deleteVersionAfterSeconds;
  if (mount === 0 && key === 0) return undefined;
  let seconds = key;
  if ((mount !== 0 && mount < seconds) || seconds === 0) seconds = mount;
  return createdMs + seconds * 1000;
}

/**
 * Adds the next version to `metadata` (mutating it) and returns the ops that write its data and
 * drop the versions trimmed by max_versions (the larger of the key's and the mount's setting, or
 * 10), as Vault's KeyMetadata.AddVersion. The caller adds the metadata put and commits one batch.
 */
export function addVersion(
  metadata: KeyMetadata,
  path: string,
  data: Record<string, unknown>,
  nowMs: number,
  config: KvConfig,
): { version: number; ops: StorageOp[] } {
  const version = metadata.currentVersion + 1;
  const entry: VersionMetadata = { createdTimeMs: nowMs, destroyed: false };
  const deletionMs = scheduledDeletionMs(nowMs, config, metadata);
  if (deletionMs !== undefined) entry.deletionTimeMs = deletionMs;
  metadata.currentVersion = version;
  metadata.versions[String(version)] = entry;
  metadata.updatedTimeMs = nowMs;
  metadata.createdTimeMs ??= nowMs;
  const ops: StorageOp[] = [{ type: 'put', key: versionKey(path, version), value: encodeJson(data) }];
  const keep = Math.max(metadata.maxVersions, config.maxVersions) || defaultMaxVersions;
  if (metadata.currentVersion - metadata.oldestVersion >= keep) {
    const lastToDrop = metadata.currentVersion - keep;
    for (let old = Math.max(metadata.oldestVersion, 1); old <= lastToDrop; old++) {
      delete metadata.versions[String(old)];
      ops.push({ type: 'delete', key: versionKey(path, old) });
    }
    metadata.oldestVersion = lastToDrop + 1;
  }
  return { version, ops };
}

/** The per-version metadata block KV returns (`created_time`, `deletion_time`, ...). */
export function versionView(
  metadata: KeyMetadata,
  version: number,
  entry: VersionMetadata,
): Record<string, unknown> {
  return {
    created_time: formatOptionalTime(entry.createdTimeMs),
    custom_metadata: metadata.customMetadata,
    deletion_time: formatOptionalTime(entry.deletionTimeMs),
    destroyed: entry.destroyed,
    version,
  };
}
