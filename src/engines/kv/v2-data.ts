/**
 * KV v2 `data/<path>` (read a version, write a new one, merge-patch the latest, soft-delete the
 * latest) and `subkeys/<path>` (the data's shape with every value replaced by null), with Vault's
 * response shapes and its two kinds of 404.
 */
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import type { Clock } from '../../lib/clock.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { KeyedMutex } from '../../lib/keyed-mutex.js';
import { applyMergePatch, setOwn } from './merge-patch.js';
import { badRequest, notFound, rawNotFound } from './responses.js';
import { checkAndSet, requireData, requireMergePatch } from './v2-options.js';
import { readDataFromSnapshot } from './v2-snapshot-read.js';
import {
  addVersion,
  emptyMetadata,
  isDeleted,
  metadataExists,
  putMetadataOp,
  readConfig,
  readMetadata,
  readVersionData,
  versionView,
  type KeyMetadata,
  type KvConfig,
  type VersionMetadata,
} from './v2-store.js';

/** What the v2 path modules share: the clock for timestamps and the per-key mutex. */
export interface KvV2Context {
  clock: Clock;
  /** Serialises every access to one secret path. */
  locks: KeyedMutex;
  /** Serialises read-modify-write of the mount config. */
  configLock: KeyedMutex;
}

const subkeysDepthMax = limits.kvSubkeysDepthMax;

interface LiveVersion {
  metadata: KeyMetadata;
  version: number;
  entry: VersionMetadata;
}

/** Finds the requested (or current) version's metadata; throws the plain 404 when there is none. */
async function findVersion(request: BackendRequest, path: string): Promise<LiveVersion> {
  const metadata = await readMetadata(request.storage, path);
  if (metadata === undefined) throw notFound();
  const asked = request.fields.get<number>('version') ?? 0;
  const version = asked > 0 ? asked : metadata.currentVersion;
  const entry = metadata.versions[String(version)];
  if (entry === undefined) throw notFound();
  return { metadata, version, entry };
}

async function loadData(
  request: BackendRequest,
  path: string,
  version: number,
): Promise<Record<string, unknown>> {
  const data = await readVersionData(request.storage, path, version);
  if (data === undefined) throw new ArcaError('internal', 'could not find version data');
  return data;
}

function gone(entry: VersionMetadata, nowMs: number): boolean {
  return entry.destroyed || isDeleted(entry, nowMs);
}

function readHandler(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    const asked = request.fields.get<number>('version') ?? 0;
    const cached = readDataFromSnapshot(request, path, asked, context.clock.wallMs());
    if (cached !== undefined) return cached;
    return context.locks.run(path, async () => {
      const { metadata, version, entry } = await findVersion(request, path);
      const metadataView = versionView(metadata, version, entry);
      if (gone(entry, context.clock.wallMs())) {
        return rawNotFound(request.requestId, { data: null, metadata: metadataView });
      }
      return { data: { data: await loadData(request, path, version), metadata: metadataView } };
    });
  };
}

/** Writes `data` as the next version of `path` in one batch; returns Vault's write response. */
async function commitVersion(
  context: KvV2Context,
  request: BackendRequest,
  path: string,
  metadata: KeyMetadata,
  data: Record<string, unknown>,
  config: KvConfig,
): Promise<LogicalResponse> {
  const nowMs = context.clock.wallMs();
  const { version, ops } = addVersion(metadata, path, data, nowMs, config);
  await request.storage.batch([...ops, putMetadataOp(path, metadata)]);
  const entry = metadata.versions[String(version)];
  return { data: versionView(metadata, version, entry) };
}

function writeHandler(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    const data = requireData(request);
    return context.locks.run(path, async () => {
      const config = await readConfig(request.storage);
      const metadata = (await readMetadata(request.storage, path)) ?? emptyMetadata();
      checkAndSet(request, config, metadata);
      return commitVersion(context, request, path, metadata, data, config);
    });
  };
}

function patchHandler(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    requireMergePatch(request);
    const path = request.params.path ?? '';
    const patch = requireData(request);
    return context.locks.run(path, async () => {
      const metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) throw notFound();
      const config = await readConfig(request.storage);
      checkAndSet(request, config, metadata);
      const version = metadata.currentVersion;
      const entry = metadata.versions[String(version)];
      if (entry === undefined) throw notFound();
      if (gone(entry, context.clock.wallMs())) {
        return rawNotFound(request.requestId, versionView(metadata, version, entry));
      }
      const current = await loadData(request, path, version);
      const patched = applyMergePatch(current, patch) as Record<string, unknown>;
      return commitVersion(context, request, path, metadata, patched, config);
    });
  };
}

function deleteLatestHandler(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    return context.locks.run(path, async () => {
      const metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) return noContent;
      const entry = metadata.versions[String(metadata.currentVersion)];
      const nowMs = context.clock.wallMs();
      if (entry === undefined || gone(entry, nowMs)) return noContent;
      entry.deletionTimeMs = nowMs;
      await request.storage.batch([putMetadataOp(path, metadata)]);
      return noContent;
    });
  };
}

/** Vault's removeValues: leaves (and empty maps, and maps below `depthMax`) become null. */
export function subkeysOf(input: Record<string, unknown>, depthMax: number): Record<string, unknown> {
  const walk = (node: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
      const nested = isMap ? (value as Record<string, unknown>) : undefined;
      setOwn(
        out,
        key,
        nested !== undefined && depth + 1 <= depthMax && Object.keys(nested).length > 0
          ? walk(nested, depth + 1)
          : null,
      );
    }
    return out;
  };
  return walk(input, 1);
}

function subkeysHandler(context: KvV2Context) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    const depth = request.fields.get<number>('depth') ?? 0;
    if (depth < 0) throw badRequest('depth must be a non-negative integer');
    return context.locks.run(path, async () => {
      const { metadata, version, entry } = await findVersion(request, path);
      const metadataView = versionView(metadata, version, entry);
      if (gone(entry, context.clock.wallMs())) {
        return rawNotFound(request.requestId, { subkeys: null, metadata: metadataView });
      }
      const data = await loadData(request, path, version);
      const depthMax = depth === 0 ? subkeysDepthMax : Math.min(depth, subkeysDepthMax);
      return { data: { subkeys: subkeysOf(data, depthMax), metadata: metadataView } };
    });
  };
}

/** The `data/` and `subkeys/` specs. */
export function dataPaths(context: KvV2Context): PathSpec[] {
  return [
    {
      pattern: 'data/(?<path>.*[^/])',
      fields: {
        path: { type: 'string', description: 'Location of the secret.' },
        version: { type: 'int', description: 'The version to read (default: the current one).' },
        options: { type: 'map', description: 'Write options; "cas" for check-and-set.' },
        data: { type: 'map', description: 'The secret data.' },
      },
      operations: {
        read: readHandler(context),
        create: writeHandler(context),
        update: writeHandler(context),
        patch: patchHandler(context),
        delete: deleteLatestHandler(context),
      },
      existenceCheck: (request) => metadataExists(request.storage, request.params.path ?? ''),
      help: 'Write, patch, read and delete versioned data in the key-value store.',
    },
    {
      pattern: 'subkeys/(?<path>.*)',
      fields: {
        path: { type: 'string', description: 'Location of the secret.' },
        version: { type: 'int', description: 'The version to read (default: the current one).' },
        depth: { type: 'int', description: 'Deepest nesting level to show (0 = no limit).' },
      },
      operations: { read: subkeysHandler(context) },
      help: "A secret's keys with the values removed.",
    },
  ];
}
