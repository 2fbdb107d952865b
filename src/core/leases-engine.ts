/**
 * How the expiration manager reaches the engine that issued a lease: the mount serving the lease's
 * path (storage chrooted to it) and the handlers of the lease's secret type
 * (`Backend.secretTypes`, Vault's framework.Secret). Errors carry Vault's texts.
 */
import type { Rng } from '../lib/rng.js';
import type { Backend, SecretRequest } from '../logical/backend.js';
import type { LogicalResponse } from '../logical/response.js';
import type { StorageView } from '../logical/storage-view.js';
import { uuidFrom } from './ids.js';
import type { LeaseRecord } from './leases-record.js';

/** The mount serving a path, as the router knows it. */
export interface LeaseMount {
  backend: Backend;
  storage: StorageView;
  mountPoint: string;
}

/** Finds the mount serving a lease's path (undefined: no mount there any more). */
export type LeaseMountResolver = (path: string) => LeaseMount | undefined;

/** Go's `%#v` of the nil response Vault prints in its revoke/renew errors. */
const nilResponse = '(*logical.Response)(nil)';

/** Vault's revocation error text for an engine failure. */
export function revokeErrorText(err: unknown): string {
  return `failed to revoke entry: resp: ${nilResponse} err: ${messageOf(err)}`;
}

/** Vault's renewal error text for an engine failure. */
export function renewErrorText(err: unknown): string {
  return `failed to renew entry: resp: ${nilResponse} err: ${messageOf(err)}`;
}

/** Calls the engine's revoke for `record`; a lease without a secret type has nothing to call. */
export async function revokeWithEngine(
  resolve: LeaseMountResolver,
  rng: Rng,
  record: LeaseRecord,
): Promise<void> {
  if (record.secretType === undefined) return;
  const { mount, handlers } = handlersFor(resolve, record);
  await handlers.revoke(secretRequest(rng, mount, record, 0));
}

/** Calls the engine's renew; `unsupported operation` when the secret type has none. */
export async function renewWithEngine(
  resolve: LeaseMountResolver,
  rng: Rng,
  record: LeaseRecord,
  incrementSeconds: number,
): Promise<LogicalResponse> {
  if (record.secretType === undefined) throw new Error('secret is unsupported by this backend');
  const { mount, handlers } = handlersFor(resolve, record);
  if (handlers.renew === undefined) throw new Error('unsupported operation');
  return handlers.renew(secretRequest(rng, mount, record, incrementSeconds));
}

function handlersFor(resolve: LeaseMountResolver, record: LeaseRecord) {
  const mount = resolve(record.path);
  if (mount === undefined) throw new Error(`no handler for route "${record.path}"`);
  const types = mount.backend.secretTypes;
  const type = record.secretType!;
  const handlers = types !== undefined && Object.hasOwn(types, type) ? types[type] : undefined;
  if (handlers === undefined) throw new Error('secret is unsupported by this backend');
  return { mount, handlers };
}

function secretRequest(
  rng: Rng,
  mount: LeaseMount,
  record: LeaseRecord,
  incrementSeconds: number,
): SecretRequest {
  return {
    requestId: uuidFrom(rng),
    leaseId: record.leaseId,
    secretType: record.secretType!,
    internalData: { ...(record.internalData ?? {}) },
    storage: mount.storage,
    mountPoint: mount.mountPoint,
    issueWallMs: record.issueWallMs,
    expireWallMs: record.expireWallMs,
    incrementSeconds,
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
