/**
 * `POST sys/storage/raft/snapshot[-force]`: checks an operator's snapshot before it replaces the
 * cluster's state. The checksum must verify (a damaged file is refused whole), and unless forced
 * the snapshot must come from THIS cluster's keyring: its wrapped root key must be the one in use
 * (a snapshot of another vault would leave the cluster unable to unseal with its own shares).
 */
import { constantTimeEqual } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { wrappedRootKeyKey } from '../../storage/barrier/reserved-keys.js';
import { snapshotReader } from '../../storage/raft/snapshot-format.js';
import type { ClusterNode } from './cluster-node.js';

/**
 * Verifies and installs `bytes` through the Raft storage (one replicated entry). Resolves with
 * `foreign: true` when a forced snapshot came from another keyring: the running barrier cannot
 * read it, so the caller seals this node (it is unsealed again with the snapshot's keys).
 */
export async function restoreSnapshot(
  node: ClusterNode,
  bytes: Uint8Array,
  force: boolean,
): Promise<{ foreign: boolean }> {
  const storage = node.storage.current;
  if (storage === undefined) throw new ArcaError('invalid_request', 'raft storage is not in use');
  const records = snapshotReader(bytes); // integrity_failure when damaged
  const theirs = records.find((r) => r.key === wrappedRootKeyKey)?.value;
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
  await storage.restoreSnapshot(bytes);
  return { foreign: !sameKeyring };
}
