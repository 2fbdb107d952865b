/**
 * The secrets engines and auth methods this server can mount, by type: the one list that every core the server
 * builds (single node and Raft member alike) is given, so a mount type never works on one storage
 * and not on another.
 *
 * Only kv and cubbyhole (mounted by every fresh or dev core) are imported eagerly; every other engine's
 * modules load on its first mount (`lazyFactory`), so starting a server does not compile code that
 * most nodes never run (issue 16: startup under 500 ms).
 */
import type { BackendFactory } from '../logical/backend.js';
import { cubbyholeBackendFactory } from '../engines/cubbyhole/index.js';
import { kvBackendFactory } from '../engines/kv/index.js';

/**
 * A factory that imports its engine module on first use and then delegates to `pick(module)`;
 * a failed import rejects that mount (and is retried on the next one, as `import()` is).
 */
export function lazyFactory<M>(load: () => Promise<M>, pick: (module: M) => BackendFactory): BackendFactory {
  return async (config) => pick(await load())(config);
}

/** Secrets engine factories by mount type (`sys/mounts` `type`). */
export const secretEngines: Readonly<Record<string, BackendFactory>> = {
  kv: kvBackendFactory,
  cubbyhole: cubbyholeBackendFactory,
  transit: lazyFactory(
    () => import('../engines/transit/index.js'),
    (m) => m.transitBackendFactory,
  ),
  totp: lazyFactory(
    () => import('../engines/totp/index.js'),
    (m) => m.totpBackendFactory,
  ),
  pki: lazyFactory(
    () => import('../engines/pki/index.js'),
    (m) => m.pkiBackendFactory,
  ),
  database: lazyFactory(
    () => import('../engines/database/index.js'),
    (m) => m.databaseBackendFactory,
  ),
};

/** Auth method factories by type (`sys/auth` `type`); `token` is core's own and not listed. */
export const authEngines: Readonly<Record<string, BackendFactory>> = {
  jwt: lazyFactory(
    () => import('../engines/auth/jwt/index.js'),
    (m) => m.jwtAuthFactory,
  ),
  userpass: lazyFactory(
    () => import('../engines/auth/userpass/index.js'),
    (m) => m.userpassBackendFactory,
  ),
  approle: lazyFactory(
    () => import('../engines/auth/approle/index.js'),
    (m) => m.approleBackendFactory,
  ),
};
