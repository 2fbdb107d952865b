/**
 * KV v1 (Vault's passthrough backend): one JSON object per path, replaced whole on write. A read
 * carries a `secret` so the HTTP layer can show `lease_duration`: the secret's own `ttl` (or
 * `lease`) key when it parses, else 0 meaning "the mount's default TTL". As in Vault, KV secrets
 * are not renewable and core must not register a lease for them.
 */
import { anyObject } from '../../lib/shape.js';
import type { Backend, BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import { checkedKey, decodeJson, encodeJson } from './json-codec.js';
import { badRequest, listResponse, notFound } from './responses.js';

function ttlSecondsOf(data: Record<string, unknown>): number {
  const raw = Object.hasOwn(data, 'ttl') ? data.ttl : Object.hasOwn(data, 'lease') ? data.lease : undefined;
  if (raw === undefined) return 0;
  try {
    return parseDurationSeconds(raw, 'ttl');
  } catch {
    return 0;
  }
}

async function read(request: BackendRequest): Promise<LogicalResponse> {
  const raw = await request.storage.get(request.params.path ?? '');
  if (raw === undefined) throw notFound();
  const data = decodeJson(raw, anyObject, 'kv secret');
  return { data, secret: { ttlSeconds: ttlSecondsOf(data), renewable: false } };
}

async function write(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  if (path === '') throw badRequest('missing path');
  if (Object.keys(request.data).length === 0) throw badRequest('missing data fields');
  await request.storage.put(checkedKey(path), encodeJson(request.data));
  return noContent;
}

async function remove(request: BackendRequest): Promise<LogicalResponse> {
  await request.storage.delete(request.params.path ?? '');
  return noContent;
}

async function list(request: BackendRequest): Promise<LogicalResponse> {
  const path = request.params.path ?? '';
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  return listResponse(await request.storage.list(prefix));
}

const paths: PathSpec[] = [
  {
    pattern: '(?<path>.*)',
    fields: { path: { type: 'string', description: 'Location of the secret.' } },
    takesArbitraryFields: true,
    operations: { read, create: write, update: write, delete: remove, list },
    existenceCheck: async (request) => (await request.storage.get(request.params.path ?? '')) !== undefined,
    help: 'Pass-through secret storage: arbitrary JSON per path.',
  },
];

/** A KV v1 backend (stateless: everything lives in the request's storage view). */
export function kvV1Backend(): Backend {
  return { type: 'kv', paths };
}
