/**
 * The transit secrets engine (encryption as a service), API-compatible with Vault's: named keys
 * that never leave the barrier unless exported, Vault's `vault:v<N>:` ciphertext/signature/HMAC
 * format, batch operations with per-item errors. All crypto through node:crypto.
 */
import type { BackendFactory } from '../../logical/backend.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { TransitContext } from './context.js';
import { cryptoPaths } from './paths-crypto.js';
import { keyPaths } from './paths-keys.js';
import { miscPaths } from './paths-misc.js';
import { signPaths } from './paths-sign.js';

/** Mounts a transit engine; the mount's state is its per-key lock. */
export const transitBackendFactory: BackendFactory = async (config) => {
  const ctx: TransitContext = { clock: config.clock, locks: new KeyedMutex() };
  return {
    type: 'transit',
    paths: [...keyPaths(ctx), ...cryptoPaths(ctx), ...signPaths(ctx), ...miscPaths(ctx)],
  };
};
