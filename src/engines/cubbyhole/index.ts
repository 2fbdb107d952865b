/**
 * The cubbyhole engine: a private store per token. Every key lives under the caller's
 * `tokenIdHash`, so one token can never name another's data; core deletes the prefix
 * (`cubbyholeStoragePrefix`) when the token is revoked. Reads carry no lease.
 */
import { anyObject, decodeStoredJson } from '../../lib/shape.js';
import type { BackendFactory, BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { assert } from '../../lib/assert.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { StorageView } from '../../logical/storage-view.js';

const encoder = new TextEncoder();

/**
 * The storage prefix (inside the cubbyhole mount's view) holding one token's data, ending in
 * '/'. The hash must be a single path segment, or one token's prefix could contain another's.
 */
export function cubbyholeStoragePrefix(tokenIdHash: string): string {
  assert(/^[A-Za-z0-9_.-]+$/.test(tokenIdHash), 'cubbyhole needs a tokenIdHash that is one path segment');
  return `${tokenIdHash}/`;
}

function prefixOf(request: BackendRequest): string {
  const hash = request.auth?.tokenIdHash;
  if (hash === undefined || hash === '') throw new ArcaError('invalid_request', 'client token empty');
  return cubbyholeStoragePrefix(hash);
}

async function readJson(storage: StorageView, key: string): Promise<Record<string, unknown> | undefined> {
  const raw = await storage.get(key);
  if (raw === undefined) return undefined;
  return decodeStoredJson(raw, anyObject, 'cubbyhole entry');
}

async function read(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  if (path === '') throw new ArcaError('invalid_request', 'missing path');
  const data = await readJson(request.storage, prefixOf(request) + path);
  if (data === undefined) throw new ArcaError('not_found');
  return { data };
}

async function write(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  const prefix = prefixOf(request);
  if (path === '') throw new ArcaError('invalid_request', 'missing path');
  if (Object.keys(request.data).length === 0) throw new ArcaError('invalid_request', 'missing data fields');
  const key = prefix + path;
  const value = encoder.encode(JSON.stringify(request.data));
  if (encoder.encode(key).length > limits.engineStorageKeyBytesMax) {
    throw new ArcaError('invalid_request', `path is too long (max ${limits.engineStorageKeyBytesMax} bytes)`);
  }
  if (value.length > limits.engineStorageValueBytesMax) {
    throw new ArcaError(
      'payload_too_large',
      `value is ${value.length} bytes (max ${limits.engineStorageValueBytesMax})`,
    );
  }
  await request.storage.put(key, value);
  return noContent;
}

async function remove(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  const prefix = prefixOf(request);
  if (path === '') throw new ArcaError('invalid_request', 'missing path');
  await request.storage.delete(prefix + path);
  return noContent;
}

async function list(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  const folder = path === '' || path.endsWith('/') ? path : `${path}/`;
  const keys = await request.storage.list(prefixOf(request) + folder);
  if (keys.length === 0) throw new ArcaError('not_found');
  return { data: { keys } };
}

const paths: PathSpec[] = [
  {
    pattern: '(?<path>.*)',
    fields: { path: { type: 'string', description: "Location in this token's cubbyhole." } },
    takesArbitraryFields: true,
    operations: { read, create: write, update: write, delete: remove, list },
    existenceCheck: async (request) =>
      (await request.storage.get(prefixOf(request) + (request.params.path ?? ''))) !== undefined,
    help: 'A private store per token, destroyed with the token.',
  },
];

/** Mounts the cubbyhole (stateless: data lives under each token's prefix). */
export const cubbyholeBackendFactory: BackendFactory = async () => ({ type: 'cubbyhole', paths });
