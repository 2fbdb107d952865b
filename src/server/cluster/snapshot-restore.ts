/**
 * `POST sys/storage/raft/snapshot[-force]`: checks an operator's snapshot before it replaces the
 * cluster's state. The checksum must verify (a damaged file is refused whole), and unless forced
 * the snapshot must come from THIS cluster's keyring: its wrapped root key must be the one in use
 * (a snapshot of another vault would leave the cluster unable to unseal with its own shares).
 * Both were established while the upload streamed to disk (snapshot-upload.ts); the file is then
 * streamed into the Raft storage's batched restore (verified again, then proposed in parts).
 */
import { createReadStream } from 'node:fs';
import { constantTimeEqual } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { wrappedRootKeyKey } from '../../storage/barrier/reserved-keys.js';
import type { ClusterNode } from './cluster-node.js';
import type { SnapshotUpload } from './snapshot-upload.js';

/**
 * Verifies and installs `upload` through the Raft storage. Resolves with `foreign: true` when a
 * forced snapshot came from another keyring: the running barrier cannot read it, so the caller
 * seals this node (it is unsealed again with the snapshot's keys).
 */
export async function restoreSnapshot(
  node: ClusterNode,
  upload: SnapshotUpload,
  force: boolean,
): Promise<{ foreign: boolean }> {
  const storage = node.storage.current;
  if (storage === undefined) throw new ArcaError('invalid_request', 'raft storage is not in use');
  if (upload.error !== undefined) throw upload.error; // integrity_failure when damaged
  const theirs = upload.wrappedRootKey;
  const ours = await storage.get(wrappedRootKeyKey);
  const sameKeyring =
    theirs !== undefined &&
    ours !== undefined &&
    theirs.length === ours.length &&
    constantTimeEqual(theirs, ours);
  if (!sameKeyring && !force) {
    throw new ArcaError(
      'invalid_request',
      'could not verify hash file: the snapshot was taken with a different keyring; use snapshot-force to install it anyway',
    );
  }
  await storage.restoreSnapshot(() =>
    createReadStream(upload.path, { highWaterMark: limits.raftSnapshotChunkBytes }),
  );
  return { foreign: !sameKeyring };
}
