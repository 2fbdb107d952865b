/**
 * The REFERENCE audit formatter: the object form of Vault's audit entry, as Arca rendered it
 * before `EntryJsonWriter` (src/core/audit/entry-json.ts) wrote the JSON text directly — kept
 * verbatim (with the hashed deep copy that `AuditHasher.hashValues` made) so the golden test can
 * check that `JSON.stringify(renderEntry(...))` and the writer agree byte for byte.
 */
import type { AuditAuth, AuditEntry } from '../../src/core/audit-broker.js';
import type { LogicalResponse } from '../../src/logical/response.js';
import { renderAuthJson } from '../../src/logical/response-auth-json.js';
import { renderWrapInfo } from '../../src/logical/response-envelope.js';
import type { AuditHasher } from '../../src/core/audit/hasher.js';
import type { RenderOptions, TokenHashMemo } from '../../src/core/audit/entry-json.js';

/** The old `AuditHasher.hashValues`: a deep copy with every string hashed, keys kept. */
function hashValues(hasher: AuditHasher, value: unknown): unknown {
  if (typeof value === 'string') return hasher.hash(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => hashValues(hasher, v));
  if (value instanceof Uint8Array) return hasher.hash(Buffer.from(value).toString('base64'));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(source)) out[k] = hashValues(hasher, source[k]);
  return out;
}

interface Hashers {
  h(value: string): string;
  ha(value: string): string;
  hv(value: unknown): unknown;
}

function hashers(hasher: AuditHasher, options: RenderOptions, memo: TokenHashMemo): Hashers {
  const h = (value: string): string => {
    if (options.logRaw || value === '') return value;
    let hashed = memo.get(value);
    if (hashed === undefined) {
      hashed = hasher.hash(value);
      memo.set(value, hashed);
    }
    return hashed;
  };
  return {
    h,
    ha: (value) => (options.hmacAccessor ? h(value) : value),
    hv: (value) => (options.logRaw || value == null ? value : hashValues(hasher, value)),
  };
}

function renderAuth(a: AuditAuth, x: Hashers): Record<string, unknown> {
  return {
    client_token: x.h(a.clientToken),
    accessor: x.ha(a.accessor),
    display_name: a.displayName,
    policies: a.policies,
    token_policies: a.policies,
    metadata: a.metadata,
    entity_id: a.entityId,
    token_type: a.tokenType ?? 'service',
  };
}

function renderResponse(entry: AuditEntry, r: LogicalResponse, x: Hashers): Record<string, unknown> {
  const data =
    r.raw !== undefined
      ? {
          http_status_code: r.raw.status,
          http_content_type: r.raw.contentType,
          http_raw_body:
            typeof r.raw.body === 'string' ? r.raw.body : Buffer.from(r.raw.body).toString('base64'),
        }
      : (r.data ?? null);
  const auth = r.auth;
  return {
    mount_point: entry.request.mountPoint,
    mount_type: entry.request.mountType,
    mount_accessor: entry.request.mountAccessor,
    data: x.hv(data),
    warnings: r.warnings ?? null,
    // Lease ids are not secret (using one needs a token) and operators search for them.
    ...(r.leaseId ? { secret: { lease_id: r.leaseId } } : {}),
    ...(auth
      ? {
          auth: renderAuthJson(auth, { clientToken: x.h(auth.clientToken), accessor: x.ha(auth.accessor) }),
        }
      : {}),
    // A wrapped response: the wrapping token is HMAC'd like any token, its accessors like accessors.
    ...(r.wrapInfo
      ? {
          wrap_info: {
            ...renderWrapInfo(r.wrapInfo),
            token: x.h(r.wrapInfo.token),
            accessor: x.ha(r.wrapInfo.accessor),
            ...(r.wrapInfo.wrappedAccessor === ''
              ? {}
              : { wrapped_accessor: x.ha(r.wrapInfo.wrappedAccessor) }),
          },
        }
      : {}),
  };
}

/**
 * Renders one core entry as Vault's JSON audit entry object. `memo` (per request; a fresh one by
 * default) caches the token/accessor hashes between the request and response entries.
 */
export function renderEntry(
  entry: AuditEntry,
  hasher: AuditHasher,
  options: RenderOptions,
  memo: TokenHashMemo = new Map(),
): Record<string, unknown> {
  const x = hashers(hasher, options, memo);
  const req = entry.request;
  const out: Record<string, unknown> = {
    time: new Date(entry.timeMs).toISOString(),
    type: entry.type,
    auth: entry.auth ? renderAuth(entry.auth, x) : null,
    request: {
      id: req.id,
      operation: req.operation,
      mount_point: req.mountPoint,
      mount_type: req.mountType,
      mount_accessor: req.mountAccessor,
      client_token: x.h(req.clientToken),
      client_token_accessor: x.ha(entry.auth?.accessor ?? ''),
      namespace: { id: 'root' },
      path: req.path,
      data: x.hv(Object.keys(req.data).length === 0 ? null : req.data),
      remote_address: req.remoteAddress,
      wrap_ttl: req.wrapTtlSeconds ?? 0,
    },
  };
  if (entry.type === 'response' && entry.response !== undefined) {
    out.response = renderResponse(entry, entry.response, x);
  }
  out.error = entry.error ?? '';
  return out;
}
