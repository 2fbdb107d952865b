/**
 * The `kv` secrets engine: `options.version` '1' (default, like Vault's `kv` type) is the
 * pass-through store, '2' the versioned store (core maps the `kv-v2` alias to version 2).
 */
import type { Backend, BackendConfig, BackendFactory } from '../../logical/backend.js';
import { ArcaError } from '../../lib/errors.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { kvV1Backend } from './v1.js';
import { dataPaths, type KvV2Context } from './v2-data.js';
import { metadataPaths } from './v2-metadata.js';
import { versionPaths } from './v2-versions.js';

/** A KV v2 backend; its per-key mutex lives as long as the mount. */
export function kvV2Backend(config: BackendConfig): Backend {
  const context: KvV2Context = { clock: config.clock, locks: new KeyedMutex(), configLock: new KeyedMutex() };
  return {
    type: 'kv',
    paths: [...metadataPaths(context), ...dataPaths(context), ...versionPaths(context)],
  };
}

/** Mounts KV v1 or v2 by `options.version`; any other version is a 400. */
export const kvBackendFactory: BackendFactory = async (config) => {
  const version = (config.options.version ?? '').trim();
  if (version === '' || version === '1') return kvV1Backend();
  if (version === '2') return kvV2Backend(config);
  throw new ArcaError('invalid_request', `invalid kv version ${JSON.stringify(version)}: must be 1 or 2`);
};
