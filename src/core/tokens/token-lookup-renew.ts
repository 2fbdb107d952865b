/**
 * `lookup`, `lookup-self`, `lookup-accessor`, `renew`, `renew-self`, `renew-accessor`. Lookup by
 * accessor never returns the token id (`id: ""`); renewals count the increment from now and
 * answer with an `auth` block carrying the new `lease_duration`.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import type { TokenEntry } from './token-entry.js';
import { isBatchToken } from './batch-token.js';
import { TokenFields } from './token-fields.js';
import type { RenewedToken, TokenStorePort } from './token-store-port.js';
import { lookupData, tokenAuth } from './token-views.js';

/** 403 as Vault answers a self-operation whose token is gone. */
function invalidToken(): never {
  throw new ArcaError('permission_denied', ['permission denied', 'invalid token']);
}

/** Vault's 400 for renewing a batch token. */
function refuseBatchRenewal(): never {
  throw new ArcaError('invalid_request', 'batch tokens cannot be renewed');
}

/** The caller's own idHash (core resolved it from the client token). */
export async function selfIdHash(store: TokenStorePort, request: BackendRequest): Promise<string> {
  if (request.auth?.tokenIdHash) return request.auth.tokenIdHash;
  if (request.clientToken) return store.hashToken(request.clientToken);
  return invalidToken();
}

/** Resolves an accessor or answers 400 `invalid accessor` (Vault's text). */
export async function idHashForAccessor(store: TokenStorePort, request: BackendRequest): Promise<string> {
  const accessor = new TokenFields(request).string('accessor');
  if (accessor === '') throw new ArcaError('invalid_request', 'missing accessor');
  const idHash = await store.idHashByAccessor(accessor);
  if (idHash === undefined || !(await store.lookupByIdHash(idHash))) {
    throw new ArcaError('invalid_request', 'invalid accessor');
  }
  return idHash;
}

function lookupResponse(store: TokenStorePort, entry: TokenEntry, id: string): LogicalResponse {
  return { data: lookupData(entry, id, store.nowMs()) };
}

/** `lookup` (`token` param; empty = the caller's own token, as Vault does). */
export async function handleLookup(store: TokenStorePort, request: BackendRequest): Promise<LogicalResponse> {
  const token = new TokenFields(request).string('token');
  if (token === '') return handleLookupSelf(store, request);
  const entry = await store.lookup(token);
  if (!entry) throw new ArcaError('permission_denied', 'bad token');
  return lookupResponse(store, entry, token);
}

/** `lookup-self`: echoes the caller's raw token as `id` (core passes it as `clientToken`). */
export async function handleLookupSelf(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const batch = request.auth?.tokenType === 'batch';
  const entry = batch
    ? await store.lookup(request.clientToken ?? '')
    : await store.lookupSelf(await selfIdHash(store, request));
  if (!entry) return invalidToken();
  return lookupResponse(store, entry, request.clientToken ?? '');
}

/** `lookup-accessor`: same data with `id: ""`. */
export async function handleLookupAccessor(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const entry = await store.lookupByIdHash(await idHashForAccessor(store, request));
  if (!entry) throw new ArcaError('invalid_request', 'invalid accessor');
  return lookupResponse(store, entry, '');
}

function renewResponse(clientToken: string, renewed: RenewedToken): LogicalResponse {
  const response: LogicalResponse = {
    data: null,
    auth: tokenAuth(clientToken, renewed.entry, renewed.ttlSeconds),
  };
  if (renewed.warnings.length > 0) response.warnings = renewed.warnings;
  return response;
}

/** `renew` (`token`, `increment`). */
export async function handleRenew(store: TokenStorePort, request: BackendRequest): Promise<LogicalResponse> {
  const f = new TokenFields(request);
  const token = f.string('token');
  if (token === '') throw new ArcaError('invalid_request', 'missing token ID');
  const increment = f.durationSeconds('increment');
  if (isBatchToken(token) && (await store.lookup(token))?.type === 'batch') refuseBatchRenewal();
  const renewed = await store.renew(await store.hashToken(token), increment);
  if (!renewed) throw new ArcaError('invalid_request', 'token not found');
  return renewResponse(token, renewed);
}

/** `renew-self` (`increment`). */
export async function handleRenewSelf(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const increment = new TokenFields(request).durationSeconds('increment');
  if (request.auth?.tokenType === 'batch') refuseBatchRenewal();
  const renewed = await store.renew(await selfIdHash(store, request), increment);
  if (!renewed) return invalidToken();
  return renewResponse(request.clientToken ?? '', renewed);
}

/** `renew-accessor` (`accessor`, `increment`); the response hides the token (`client_token: ""`). */
export async function handleRenewAccessor(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const increment = new TokenFields(request).durationSeconds('increment');
  const renewed = await store.renew(await idHashForAccessor(store, request), increment);
  if (!renewed) throw new ArcaError('invalid_request', 'invalid accessor');
  return renewResponse('', renewed);
}
