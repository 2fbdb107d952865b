/**
 * `revoke`, `revoke-self`, `revoke-accessor`, `revoke-orphan` and `LIST accessors`. Revocation
 * answers 204; revoking an unknown token is a no-op (as Vault), an unknown accessor is a 400.
 * `revoke-orphan` and `LIST accessors` are sudo paths: core's ACL enforces that, and the handlers
 * check "root or sudo" again themselves (deny by default if core gave the store no sudo check).
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest } from '../../logical/backend.js';
import { type LogicalResponse, noContent } from '../../logical/response.js';
import { isBatchToken } from './batch-token.js';
import { TokenFields } from './token-fields.js';
import type { TokenStorePort } from './token-store-port.js';
import { idHashForAccessor, selfIdHash } from './token-lookup-renew.js';
import { mountPrefix } from './token-create.js';

async function privileged(store: TokenStorePort, request: BackendRequest): Promise<boolean> {
  return store.isPrivileged(request.auth?.policies ?? [], `${mountPrefix(request)}${request.path}`);
}

function tokenParam(request: BackendRequest): string {
  const token = new TokenFields(request).string('token');
  if (token === '') throw new ArcaError('invalid_request', 'missing token ID');
  return token;
}

/** Vault's 400 for revoking a batch token (it dies with its TTL or its parent). */
function refuseBatch(): never {
  throw new ArcaError('invalid_request', 'batch tokens cannot be revoked');
}

/** A `token` parameter naming a valid batch token is refused (Vault looks it up first). */
async function refuseBatchParam(store: TokenStorePort, token: string): Promise<void> {
  if (isBatchToken(token) && (await store.lookup(token))?.type === 'batch') refuseBatch();
}

/** `revoke` (`token`): the token and all its descendants. */
export async function handleRevoke(store: TokenStorePort, request: BackendRequest): Promise<LogicalResponse> {
  const token = tokenParam(request);
  await refuseBatchParam(store, token);
  await store.revokeTree(await store.hashToken(token));
  return noContent;
}

/** `revoke-self`. */
export async function handleRevokeSelf(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  if (request.auth?.tokenType === 'batch') refuseBatch();
  await store.revokeTree(await selfIdHash(store, request));
  return noContent;
}

/** `revoke-accessor` (`accessor`). */
export async function handleRevokeAccessor(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  await store.revokeTree(await idHashForAccessor(store, request));
  return noContent;
}

/** `revoke-orphan` (`token`): only this token; its children become orphans. */
export async function handleRevokeOrphan(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  if (!(await privileged(store, request))) {
    throw new ArcaError('invalid_request', 'root or sudo privileges required to revoke and orphan');
  }
  const token = tokenParam(request);
  await refuseBatchParam(store, token);
  await store.revokeOrphan(await store.hashToken(token));
  return noContent;
}

/** `LIST accessors/`. */
export async function handleListAccessors(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  if (!(await privileged(store, request))) throw new ArcaError('permission_denied');
  return { data: { keys: await store.listAccessors() } };
}

/** `tidy`: one synchronous repair pass; the counts come back as a warning line. */
export async function handleTidy(store: TokenStorePort): Promise<LogicalResponse> {
  const r = await store.tidy();
  return {
    warnings: [
      `Tidy operation completed: removed ${r.danglingAccessors} dangling accessors and ${r.danglingChildKeys} dangling child index entries; revoked ${r.orphanedTreesRevoked} token trees whose parent no longer exists and ${r.expiredRevoked} expired tokens`,
    ],
  };
}
