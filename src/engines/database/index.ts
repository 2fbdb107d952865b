/**
 * The database secrets engine (Vault's `database`), with PostgreSQL as its one plugin: connection
 * configs with a pool each, dynamic roles whose `creds` are new users behind a renewable lease
 * (renewed and revoked by core's lease manager through `secretTypes.creds`), static roles whose
 * password Arca rotates on schedule (the `periodic` hook, run by core on the active node only),
 * and root rotation. Connections close on config change, unmount and seal (`cleanup`).
 */
import type { Backend, BackendFactory } from '../../logical/backend.js';
import { newDatabaseContext } from './context.js';
import { configPaths } from './paths-config.js';
import { credsSecretType, rolePaths } from './paths-roles.js';
import { staticPaths } from './paths-static.js';
import { rotateDue } from './rotation.js';
import { credsSecretHandlers } from './secret-creds.js';

/** Mounts a database engine. */
export const databaseBackendFactory: BackendFactory = async (config) => {
  const ctx = newDatabaseContext(config.clock, config.rng);
  const backend: Backend = {
    type: 'database',
    paths: [...configPaths(ctx), ...rolePaths(ctx), ...staticPaths(ctx)],
    secretTypes: { [credsSecretType]: credsSecretHandlers(ctx) },
    periodic: (request) => rotateDue(ctx, request.storage),
    cleanup: () => ctx.connections.closeAll(),
  };
  return Promise.resolve(backend);
};
