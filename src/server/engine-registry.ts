/**
 * The secrets engines and auth methods this server can mount, by type: the one list that every core the server
 * builds (single node and Raft member alike) is given, so a mount type never works on one storage
 * and not on another.
 */
import type { BackendFactory } from '../logical/backend.js';
import { jwtAuthFactory } from '../engines/auth/jwt/index.js';
import { approleBackendFactory } from '../engines/auth/approle/index.js';
import { userpassBackendFactory } from '../engines/auth/userpass/index.js';
import { cubbyholeBackendFactory } from '../engines/cubbyhole/index.js';
import { databaseBackendFactory } from '../engines/database/index.js';
import { kvBackendFactory } from '../engines/kv/index.js';
import { pkiBackendFactory } from '../engines/pki/index.js';
import { totpBackendFactory } from '../engines/totp/index.js';
import { transitBackendFactory } from '../engines/transit/index.js';

/** Secrets engine factories by mount type (`sys/mounts` `type`). */
export const secretEngines: Readonly<Record<string, BackendFactory>> = {
  kv: kvBackendFactory,
  cubbyhole: cubbyholeBackendFactory,
  transit: transitBackendFactory,
  totp: totpBackendFactory,
  pki: pkiBackendFactory,
  database: databaseBackendFactory,
};

/** Auth method factories by type (`sys/auth` `type`); `token` is core's own and not listed. */
export const authEngines: Readonly<Record<string, BackendFactory>> = {
  jwt: jwtAuthFactory,
  userpass: userpassBackendFactory,
  approle: approleBackendFactory,
};
