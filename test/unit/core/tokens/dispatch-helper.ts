/**
 * A tiny stand-in for core's pipeline in token backend tests: authenticates the token through the
 * store (spending a use, like core), matches the mount-relative path against the declared
 * patterns, and calls the handler. The FieldReader hands back the RAW values, so these tests
 * prove the handlers coerce CLI strings themselves.
 */
import type { BackendRequest, FieldReader } from '../../../../src/logical/backend.js';
import type { Operation } from '../../../../src/logical/request.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { ArcaError } from '../../../../src/lib/errors.js';
import type { TokenStore } from '../../../../src/core/tokens/token-store.js';
import type { StorageView } from '../../../../src/logical/storage-view.js';

export async function call(
  store: TokenStore,
  storage: StorageView,
  token: string,
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
): Promise<LogicalResponse> {
  const entry = await store.authenticate(token);
  if (!entry) throw new ArcaError('permission_denied', ['permission denied', 'invalid token']);
  for (const spec of store.backend().paths) {
    const match = new RegExp(`^(?:${spec.pattern})$`).exec(path);
    if (!match) continue;
    const handler = spec.operations[operation];
    if (!handler) throw new ArcaError('unsupported_operation');
    const fields: FieldReader = {
      get: <T>(name: string) => data[name] as T | undefined,
      has: (name: string) => data[name] !== undefined,
    };
    const request: BackendRequest = {
      requestId: 'test',
      operation,
      path,
      params: { ...(match.groups ?? {}) },
      data,
      fields,
      storage,
      auth: {
        accessor: entry.accessor,
        policies: entry.policies,
        displayName: entry.displayName,
        entityId: entry.entityId,
        metadata: entry.meta,
        tokenIdHash: entry.idHash,
      },
      mountPoint: 'auth/token/',
      clientToken: token,
    };
    return handler(request);
  }
  throw new ArcaError('unsupported_path');
}

/** The ArcaError a promise rejects with (fails the test if it resolves or throws something else). */
export async function errorOf(promise: Promise<unknown>): Promise<ArcaError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ArcaError) return err;
    throw err;
  }
  throw new Error('expected an ArcaError, but the call succeeded');
}
