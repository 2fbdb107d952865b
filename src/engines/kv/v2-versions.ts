/**
 * KV v2 `delete/<path>`, `undelete/<path>` and `destroy/<path>`: act on listed versions. Missing
 * or already-destroyed versions are skipped silently, as in Vault; destroy removes the data and
 * marks the version in the same batch.
 */
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { badRequest } from './responses.js';
import type { KvV2Context } from './v2-data.js';
import { parseVersions } from './v2-options.js';
import {
  isDeleted,
  putMetadataOp,
  readConfig,
  readMetadata,
  scheduledDeletionMs,
  versionKey,
  type KeyMetadata,
  type VersionMetadata,
} from './v2-store.js';
import type { StorageOp } from '../../logical/storage-view.js';

type VersionAction = (
  entry: VersionMetadata,
  version: number,
  nowMs: number,
  metadata: KeyMetadata,
  ops: StorageOp[],
) => void | Promise<void>;

function versionsHandler(
  context: KvV2Context,
  missingMessage: string,
  prepare: (request: BackendRequest) => Promise<VersionAction>,
) {
  return async (request: BackendRequest): Promise<LogicalResponse> => {
    const path = request.params.path ?? '';
    const versions = parseVersions(request.fields.get('versions'));
    if (versions.length === 0) throw badRequest(missingMessage);
    const action = await prepare(request);
    return context.locks.run(path, async () => {
      const metadata = await readMetadata(request.storage, path);
      if (metadata === undefined) return noContent;
      const nowMs = context.clock.wallMs();
      const ops: StorageOp[] = [];
      for (const version of versions) {
        const entry = metadata.versions[String(version)];
        if (entry === undefined || entry.destroyed) continue;
        await action(entry, version, nowMs, metadata, ops);
      }
      await request.storage.batch([putMetadataOp(path, metadata), ...ops]);
      return noContent;
    });
  };
}

const versionsField = {
  versions: { type: 'raw' as const, description: 'Version numbers: a list or comma-separated text.' },
  path: { type: 'string' as const, description: 'Location of the secret.' },
};

/** The `delete/`, `undelete/` and `destroy/` specs. */
export function versionPaths(context: KvV2Context): PathSpec[] {
  const softDelete = versionsHandler(
    context,
    'No version number provided',
    async () => (entry, _v, nowMs) => {
      if (!isDeleted(entry, nowMs)) entry.deletionTimeMs = nowMs;
    },
  );
  const undelete = versionsHandler(context, 'No version number provided', async (request) => {
    const config = await readConfig(request.storage);
    return (entry, _v, nowMs, metadata) => {
      // A restored version gets a fresh delete_version_after deadline, counted from now.
      const deletionMs = scheduledDeletionMs(nowMs, config, metadata);
      if (deletionMs === undefined) delete entry.deletionTimeMs;
      else entry.deletionTimeMs = deletionMs;
    };
  });
  const destroy = versionsHandler(context, 'no version number provided', async (request) => {
    const path = request.params.path ?? '';
    return (entry, version, _now, _metadata, ops) => {
      entry.destroyed = true;
      ops.push({ type: 'delete', key: versionKey(path, version) });
    };
  });
  return [
    { pattern: 'delete/(?<path>.*)', fields: versionsField, operations: { update: softDelete } },
    { pattern: 'undelete/(?<path>.*)', fields: versionsField, operations: { update: undelete } },
    { pattern: 'destroy/(?<path>.*)', fields: versionsField, operations: { update: destroy } },
  ];
}
