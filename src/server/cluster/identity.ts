/**
 * A node's long-term identity on the cluster channel: an Ed25519 key generated at first start and
 * kept in the data directory (mode 0600, never logged). Its peer id (`12D3KooW…`, the multihash of
 * the public key) is the node's public name: shown by the CLI, pinned by dialling peers and stored
 * in the cluster membership. Noise signs its per-process X25519 key with this key.
 */
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { zeroize } from '../../lib/bytes.js';
import { type ClusterLogger, silentClusterLogger } from './logger.js';

/** File name of the identity key inside a node's data directory. */
export const nodeIdentityFileName = 'node-identity.key';

/** The node's identity: its public peer id and the private key Noise signs with. */
export interface NodeIdentity {
  /** Public identity, safe to show and store (`12D3KooW…`). */
  readonly peerId: string;
  /** The Ed25519 private key. Never log, serialise or send it. */
  readonly privateKey: PrivateKey;
}

/** Raised when the identity file exists but cannot be trusted (wrong mode, wrong key type, corrupt). */
export class NodeIdentityError extends Error {
  override name = 'NodeIdentityError';
}

/**
 * Loads the node identity from `dataDir`, or creates it (atomically, mode 0600) on first start.
 * Refuses to start when the file is readable or writable by group or others: a key others could
 * read is not an identity. The raw key bytes read from disk are zeroised after parsing.
 */
export async function loadOrCreateNodeIdentity(
  dataDir: string,
  logger: ClusterLogger = silentClusterLogger,
): Promise<NodeIdentity> {
  const path = join(dataDir, nodeIdentityFileName);
  const existing = await statOrUndefined(path);
  if (existing !== undefined) return loadIdentity(path, existing.mode, logger);
  return createIdentity(path, logger);
}

async function loadIdentity(path: string, mode: number, logger: ClusterLogger): Promise<NodeIdentity> {
  if ((mode & 0o077) !== 0) {
    logger.error({ path, mode: (mode & 0o777).toString(8) }, 'node identity file is group/world accessible');
    throw new NodeIdentityError(
      `node identity file ${path} has mode ${(mode & 0o777).toString(8)}; it must be 600 (chmod 600 it)`,
    );
  }
  const bytes = await readFile(path);
  let privateKey: PrivateKey;
  try {
    privateKey = privateKeyFromProtobuf(bytes);
  } catch {
    throw new NodeIdentityError(`node identity file ${path} is corrupt`);
  } finally {
    zeroize(bytes);
  }
  if (privateKey.type !== 'Ed25519') {
    throw new NodeIdentityError(`node identity file ${path} holds a ${privateKey.type} key, not Ed25519`);
  }
  const peerId = peerIdFromPrivateKey(privateKey).toString();
  logger.info({ peerId }, 'node identity loaded');
  return { peerId, privateKey };
}

async function createIdentity(path: string, logger: ClusterLogger): Promise<NodeIdentity> {
  const privateKey = await generateKeyPair('Ed25519');
  const bytes = privateKeyToProtobuf(privateKey);
  const tmpPath = `${path}.tmp`;
  try {
    await unlink(tmpPath).catch(() => undefined);
    // 'wx' + 0600 at creation: the key is never on disk with a wider mode, not even briefly.
    const handle = await open(tmpPath, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmpPath, 0o600); // in case a umask or filesystem widened it
    await rename(tmpPath, path);
  } finally {
    zeroize(bytes);
  }
  const peerId = peerIdFromPrivateKey(privateKey).toString();
  logger.info({ peerId }, 'node identity created');
  return { peerId, privateKey };
}

async function statOrUndefined(path: string): Promise<{ mode: number } | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
