/**
 * KV v2 `metadata/<path>` (read, LIST, write and merge-patch settings and custom_metadata, delete
 * the key with every version) and the mount's `config`. Durations are shown the way Vault shows
 * them here: Go duration strings (`"0s"`, `"1h0m0s"`).
 */
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { formatGoDuration, parseDurationSeconds } from '../../lib/durations.js';
import { limits } from '../../lib/limits.js';
import type { StorageOp } from '../../logical/storage-view.js';
import { applyMergePatch, setOwn } from './merge-patch.js';
import { badRequest, listResponse, notFound } from './responses.js';
import { formatOptionalTime } from './timestamps.js';
import type { KvV2Context } from './v2-data.js';
import { requireMergePatch } from './v2-options.js';
import {
  deleteVersionAfterDisabledSeconds,
  emptyMetadata,
  metadataKey,
  putMetadataOp,
  readConfig,
  readMetadata,
  versionKey,
  writeConfig,
  type KeyMetadata,
} from './v2-store.js';

const customMetadataPrefix = 'custom_metadata validation failed';
const casIgnoredWarning =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

function printable(text: string): boolean {
  return !/[\p{C}\p{Zl}\p{Zp}]/u.test(text) && !/\p{Zs}/u.test(text.replaceAll(' ', ''));
}

/** mapstructure's WeakDecode of a JSON scalar to a string (booleans become "1"/"0"). */
function weakString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return '';
}

/** Vault's parseCustomMetadata + validateCustomMetadata: string values, bounded, printable. */
function customMetadataOf(raw: Record<string, unknown>, dropNulls: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (dropNulls && value === null) continue;
    if (typeof value === 'object' && value !== null) {
      throw badRequest(`${customMetadataPrefix}: value for key ${JSON.stringify(key)} must be a string`);
    }
    setOwn(out, key, weakString(value));
  }
  validateCustomMetadata(out);
  return out;
}

function validateCustomMetadata(map: Record<string, string>): void {
  const keys = Object.keys(map);
  if (keys.length > limits.kvCustomMetadataKeysMax) {
    throw badRequest(
      `${customMetadataPrefix}: payload must contain at most ${limits.kvCustomMetadataKeysMax} keys, provided ${keys.length}`,
    );
  }
  const errors: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    if (keyBytes === 0 || keyBytes > limits.kvCustomMetadataKeyBytesMax) {
      errors.push(
        `${customMetadataPrefix}: length of key ${JSON.stringify(key)} is ${keyBytes} but must be 0 < len(key) <= ${limits.kvCustomMetadataKeyBytesMax}`,
      );
    }
    if (valueBytes === 0 || valueBytes > limits.kvCustomMetadataValueBytesMax) {
      errors.push(
        `${customMetadataPrefix}: length of value for key ${JSON.stringify(key)} is ${valueBytes} but must be 0 < len(value) <= ${limits.kvCustomMetadataValueBytesMax}`,
      );
    }
    if (!printable(key))
      errors.push(`${customMetadataPrefix}: key ${JSON.stringify(key)} contains unprintable characters`);
    if (!printable(value)) {
      errors.push(
        `${customMetadataPrefix}: value for key ${JSON.stringify(key)} contains unprintable characters`,
      );
    }
  }
  if (errors.length > 0) throw badRequest(errors);
}

function nonNegative(name: string, value: number): number {
  if (value < 0) throw badRequest(`${name} must be a non-negative integer`);
  return value;
}

function metadataView(metadata: KeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [version, entry] of Object.entries(metadata.versions)) {
    setOwn(versions, version, {
      created_time: formatOptionalTime(entry.createdTimeMs),
      deletion_time: formatOptionalTime(entry.deletionTimeMs),
      destroyed: entry.destroyed,
    });
  }
  return {
    cas_required: metadata.casRequired,
    created_time: formatOptionalTime(metadata.createdTimeMs),
    current_version: metadata.currentVersion,
    custom_metadata: metadata.customMetadata,
    delete_version_after: formatGoDuration(metadata.deleteVersionAfterSeconds),
    max_versions: metadata.maxVersions,
    oldest_version: metadata.oldestVersion,
    updated_time: formatOptionalTime(metadata.updatedTimeMs),
    versions,
  };
}

function withWarnings(warnings: string[]): LogicalResponse {
  return warnings.length === 0 ? noContent : { warnings };
}

const settingNames = ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'] as const;

function metadataWriter(context: KvV2Context, mode: 'write' | 'patch') {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    if (mode === 'patch') requireMergePatch(request);
    const path = request.params.path ?? '';
    if (path === '') throw badRequest('missing path');
    const { fields } = request;
    if (mode === 'write' && !settingNames.some((name) => fields.has(name))) return noContent;
    const customRaw = fields.get<Record<string, unknown>>('custom_metadata');
    const custom = fields.has('custom_metadata')
      ? customMetadataOf(customRaw ?? {}, mode === 'patch')
      : undefined;
    const maxVersions = fields.has('max_versions')
      ? nonNegative('max_versions', fields.get<number>('max_versions') ?? 0)
      : undefined;
    const config = await readConfig(request.storage);
    const warnings =
      fields.has('cas_required') && config.casRequired && fields.get<boolean>('cas_required') === false
        ? [casIgnoredWarning]
        : [];
    return context.locks.run(path, async () => {
      let metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) {
        if (mode === 'patch') throw notFound();
        const nowMs = context.clock.wallMs();
        metadata = { ...emptyMetadata(), createdTimeMs: nowMs, updatedTimeMs: nowMs };
      }
      if (maxVersions !== undefined) metadata.maxVersions = maxVersions;
      if (fields.has('cas_required')) metadata.casRequired = fields.get<boolean>('cas_required') ?? false;
      if (fields.has('delete_version_after')) {
        metadata.deleteVersionAfterSeconds = fields.get<number>('delete_version_after') ?? 0;
      }
      if (custom !== undefined) {
        if (mode === 'write') {
          metadata.customMetadata = custom;
        } else {
          const patched = applyMergePatch(metadata.customMetadata ?? {}, customRaw ?? {}) as Record<
            string,
            unknown
          >;
          metadata.customMetadata = customMetadataOf(patched, false);
        }
      }
      await request.storage.batch([putMetadataOp(path, metadata)]);
      return withWarnings(warnings);
    });
  };
}

function metadataRead(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    return context.locks.run(path, async () => {
      const metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) throw notFound();
      return { data: metadataView(metadata) };
    });
  };
}

async function metadataList(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  return listResponse(await request.storage.list(metadataKey(prefix)));
}

function metadataDelete(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    return context.locks.run(path, async () => {
      const metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) return noContent;
      const ops: StorageOp[] = Object.keys(metadata.versions).map((version) => ({
        type: 'delete',
        key: versionKey(path, Number(version)),
      }));
      ops.push({ type: 'delete', key: metadataKey(path) });
      await request.storage.batch(ops);
      return noContent;
    });
  };
}

async function configRead(request: BackendRequest): Promise<LogicalResponse> {
  const config = await readConfig(request.storage);
  return {
    data: {
      cas_required: config.casRequired,
      delete_version_after: formatGoDuration(config.deleteVersionAfterSeconds),
      max_versions: config.maxVersions,
    },
  };
}

function configWrite(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const { fields } = request;
    if (!['max_versions', 'cas_required', 'delete_version_after'].some((name) => fields.has(name)))
      return noContent;
    const maxVersions = fields.has('max_versions')
      ? nonNegative('max_versions', fields.get<number>('max_versions') ?? 0)
      : undefined;
    const dvaSeconds = fields.has('delete_version_after')
      ? parseDurationSeconds(fields.get('delete_version_after'), 'delete_version_after', true)
      : undefined;
    return context.configLock.run('config', async () => {
      const config = await readConfig(request.storage);
      if (maxVersions !== undefined) config.maxVersions = maxVersions;
      if (fields.has('cas_required')) config.casRequired = fields.get<boolean>('cas_required') ?? false;
      if (dvaSeconds !== undefined) {
        config.deleteVersionAfterSeconds = dvaSeconds < 0 ? deleteVersionAfterDisabledSeconds : dvaSeconds;
      }
      await writeConfig(request.storage, config);
      return noContent;
    });
  };
}

/** The `metadata/` and `config` specs. */
export function metadataPaths(context: KvV2Context): PathSpec[] {
  const write = metadataWriter(context, 'write');
  return [
    {
      pattern: 'config',
      fields: {
        max_versions: { type: 'int', description: 'Versions kept per key (0 = 10).' },
        cas_required: { type: 'bool', description: 'Require "cas" on every write.' },
        delete_version_after: {
          type: 'raw',
          description: 'Soft-delete versions after this long (negative = never).',
        },
      },
      operations: { read: configRead, update: configWrite(context) },
      help: 'Settings applied to every key of this KV mount.',
    },
    {
      pattern: 'metadata/(?<path>.*)',
      fields: {
        path: { type: 'string', description: 'Location of the secret.' },
        max_versions: { type: 'int', description: 'Versions kept for this key.' },
        cas_required: { type: 'bool', description: 'Require "cas" on writes to this key.' },
        delete_version_after: { type: 'duration', description: 'Soft-delete versions after this long.' },
        custom_metadata: { type: 'map', description: 'Version-independent key/value pairs.' },
      },
      operations: {
        read: metadataRead(context),
        list: metadataList,
        create: write,
        update: write,
        patch: metadataWriter(context, 'patch'),
        delete: metadataDelete(context),
      },
      existenceCheck: async (request) =>
        (await readMetadata(request.storage, request.params.path ?? '')) !== undefined,
      help: "A key's versions and settings.",
    },
  ];
}
