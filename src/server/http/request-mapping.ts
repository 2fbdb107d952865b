/**
 * Maps one HTTP call under `/v1/` onto one `LogicalRequest`, following Vault's HTTP API rules
 * (see Vault's API docs): method → operation, `?list=true`, trailing `/` for lists, data from the query string
 * (GET/DELETE/LIST/HEAD) or the body (POST/PUT/PATCH), token from `X-Vault-Token` or
 * `Authorization: Bearer`, `X-Vault-Wrap-TTL`. Pure: no I/O, so every rule is unit-testable.
 * Client mistakes throw `ArcaError` (400/405/415); nothing here logs or sees the core.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import { checkJsonLimits, defaultJsonLimits, type JsonLimits } from '../../lib/json-limits.js';
import type { LogicalRequest, Operation } from '../../logical/request.js';
import { listMarkerMethod } from './list-method-rewriter.js';

/** The HTTP facts the mapping needs (fastify-independent). */
export interface HttpRequestParts {
  requestId: string;
  /** The method as the parser saw it (`LINK` stands for `LIST`, see list-method-rewriter.ts). */
  method: string;
  /** Raw request target: `/v1/<path>[?query]`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Raw body bytes (undefined or empty when none was sent). */
  body?: Buffer;
  remoteAddress: string;
  /** The listener's JSON body limits (default: Vault's). */
  jsonLimits?: JsonLimits;
}

/** Request headers passed on to core (audit, forwarding). Never the token or Authorization. */
const forwardedHeaderNames = [
  'content-type',
  'user-agent',
  'x-forwarded-for',
  'x-vault-request',
  'x-vault-wrap-format',
  'x-vault-no-request-forwarding',
  'x-vault-namespace',
  'x-vault-index',
  'x-vault-forward',
  'x-vault-inconsistent',
];

/** The HTTP method a client meant (`LIST` is delivered as the marker method). */
export function clientMethod(parsedMethod: string): string {
  return parsedMethod === listMarkerMethod ? 'LIST' : parsedMethod;
}

/** Go's strconv.ParseBool, which Vault uses for `?list=`. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Builds the `LogicalRequest`, or throws `ArcaError` for a request Vault would refuse. */
export function toLogicalRequest(parts: HttpRequestParts): LogicalRequest {
  const method = clientMethod(parts.method);
  const queryStart = parts.url.indexOf('?');
  const rawPath = queryStart === -1 ? parts.url : parts.url.slice(0, queryStart);
  // Most reads carry no query string: no URLSearchParams to build and walk then.
  const query = queryStart === -1 ? undefined : new URLSearchParams(parts.url.slice(queryStart + 1));
  let path = decodePath(rawPath);

  let operation: Operation;
  let data: Record<string, unknown>;
  switch (method) {
    case 'GET':
    case 'HEAD': {
      operation = 'read';
      const list = query?.get('list') ?? null;
      if (query !== undefined && list !== null && method === 'GET') {
        const isList = parseGoBool(list);
        if (isList === undefined)
          throw new ArcaError('invalid_request', `invalid value for "list": ${JSON.stringify(list)}`);
        query.delete('list');
        if (isList) operation = 'list';
      }
      data = queryData(query);
      break;
    }
    case 'LIST':
      operation = 'list';
      data = queryData(query);
      break;
    case 'DELETE':
      operation = 'delete';
      data = queryData(query);
      break;
    case 'POST':
    case 'PUT':
      operation = 'update';
      data = bodyData(parts.headers['content-type'], parts.body, parts.jsonLimits);
      break;
    case 'PATCH':
      if (mediaType(parts.headers['content-type']) !== 'application/merge-patch+json') {
        throw new ArcaError('unsupported_media_type');
      }
      operation = 'patch';
      data = parseJsonObject(parts.body, parts.jsonLimits);
      break;
    default:
      throw new ArcaError('unsupported_operation');
  }
  if (operation === 'list' && !path.endsWith('/')) path += '/';

  const request: LogicalRequest = {
    id: parts.requestId,
    operation,
    path,
    data,
    clientToken: clientToken(parts.headers),
    headers: selectedHeaders(parts.headers),
    remoteAddress: parts.remoteAddress,
  };
  const wrapTtl = headerValue(parts.headers['x-vault-wrap-ttl']);
  if (wrapTtl !== undefined && wrapTtl.trim() !== '') {
    request.wrapTtlSeconds = parseDurationSeconds(wrapTtl, 'X-Vault-Wrap-TTL');
  }
  return request;
}

/** `/v1/a%20b/c` → `a b/c`. Throws 400 for a path that is not valid percent-encoding. */
function decodePath(rawPath: string): string {
  const relative = rawPath.startsWith('/v1/') ? rawPath.slice('/v1/'.length) : rawPath.replace(/^\/+/, '');
  if (!relative.includes('%')) return relative;
  try {
    return decodeURIComponent(relative);
  } catch {
    throw new ArcaError('invalid_request', 'invalid percent-encoding in request path');
  }
}

/** Query parameters as data: single values → strings, repeated → arrays (Vault's parseQuery). */
function queryData(query: URLSearchParams | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (query === undefined) return data;
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    data[name] = values.length === 1 ? values[0] : values;
  }
  return data;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Vault's rule for POST/PUT bodies: form-encoded only when the content type says so AND the body
 * does not look like JSON (first non-whitespace byte within 512 is not `{` or `[`). So
 * `curl --data @payload.json` (which labels JSON as a form) works, exactly as against Vault.
 */
function looksLikeForm(contentType: string | undefined, body: Buffer | undefined): boolean {
  if (mediaType(contentType) !== 'application/x-www-form-urlencoded') return false;
  const head = (body ?? Buffer.alloc(0)).subarray(0, 512);
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte !== 0x7b && byte !== 0x5b;
  }
  return true;
}

/** POST/PUT body: JSON (default) or form-encoded (multi-values joined with ','); empty = {}. */
function bodyData(
  contentType: string | undefined,
  body: Buffer | undefined,
  jsonLimits: JsonLimits | undefined,
): Record<string, unknown> {
  if (looksLikeForm(contentType, body)) {
    const form = new URLSearchParams((body ?? Buffer.alloc(0)).toString('utf8'));
    const data: Record<string, unknown> = {};
    for (const name of new Set(form.keys())) {
      // defineProperty: a form field named __proto__ becomes data, never the object's prototype.
      Object.defineProperty(data, name, {
        value: form.getAll(name).join(','),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return data;
  }
  return parseJsonObject(body, jsonLimits);
}

/**
 * Parses a JSON object body; empty body or `null` = {}; anything else, or a body over `jsonLimits`
 * (checked before parsing, see json-limits.ts), → 400 `failed to parse JSON input`.
 */
export function parseJsonObject(
  body: Buffer | undefined,
  jsonLimits: JsonLimits = defaultJsonLimits,
): Record<string, unknown> {
  if (body === undefined || body.length === 0) return {};
  checkJsonLimits(body, jsonLimits);
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ArcaError('malformed_json', `failed to parse JSON input: ${(err as Error).message}`);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ArcaError('malformed_json', 'failed to parse JSON input: body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `X-Vault-Token`, else `Authorization: Bearer <t>`; '' when neither (non-Bearer auth is ignored). */
export function clientToken(headers: IncomingHttpHeaders): string {
  const vaultToken = headerValue(headers['x-vault-token']);
  if (vaultToken !== undefined && vaultToken !== '') return vaultToken.trim();
  const authorization = headerValue(headers.authorization);
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : '';
}

function selectedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of forwardedHeaderNames) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
