/**
 * Core's `AuditEntry` (the seam in ../audit-broker.ts, raw values) written as the JSON text of
 * Vault's audit entry, `{time, type, auth, request, response?, error}`, applying the device's
 * hashing options: every string that could be sensitive becomes `hmac-sha256:<hex>` unless
 * `log_raw` is set. Request headers are never written (they can carry the token; Vault only logs
 * headers an operator configured).
 *
 * The text is built directly instead of building the entry as objects (plus a hashed deep copy of
 * the request and response data) and then `JSON.stringify`-ing it: on a KV read with one file
 * device that building was about a fifth of the audit cost. The output is byte-for-byte what
 * `JSON.stringify` gives for the object form (test/helpers/audit-reference-format.ts, compared
 * over a corpus in entry-json.test.ts), including its quirks: keys whose value is undefined, a
 * function or a symbol are left out, non-finite numbers are `null`, a `__proto__` key of the
 * data is left out (assigning it to a fresh object set the prototype), a BigInt throws.
 */
import type { AuditAuth, AuditEntry } from '../audit-broker.js';
import type { LogicalResponse } from '../../logical/response.js';
import { renderAuthJson } from '../../logical/response-auth-json.js';
import { renderWrapInfo } from '../../logical/response-envelope.js';
import type { AuditHasher } from './hasher.js';

/** Device options that change rendering. */
export interface RenderOptions {
  /** Hash accessors too (Vault default true). */
  hmacAccessor: boolean;
  /** Write values in plaintext (Vault default false). */
  logRaw: boolean;
}

/**
 * Hashes of the token and accessor, which appear twice in each entry and again in the response
 * entry: the caller keeps one memo per request so each is HMAC'd once. It must not outlive the
 * request (its keys are the raw values, which the request object holds anyway).
 */
export type TokenHashMemo = Map<string, string>;

/** Writes entries for one device (its hasher and options); holds no per-request state. */
export class EntryJsonWriter {
  constructor(
    private readonly hasher: AuditHasher,
    private readonly options: RenderOptions,
  ) {}

  /** The entry's JSON text. `memo` (one per request) shares token hashes between its entries. */
  write(entry: AuditEntry, memo: TokenHashMemo = new Map()): string {
    const req = entry.request;
    const time = new Date(entry.timeMs).toISOString();
    const auth = entry.auth ? this.auth(entry.auth, memo) : 'null';
    let text =
      `{"time":${JSON.stringify(time)},"type":${str(entry.type)},"auth":${auth},"request":{` +
      `"id":${str(req.id)},"operation":${str(req.operation)},"mount_point":${str(req.mountPoint)},` +
      `"mount_type":${str(req.mountType)},"mount_accessor":${str(req.mountAccessor)},` +
      `"client_token":${str(this.h(req.clientToken, memo))},` +
      `"client_token_accessor":${str(this.ha(entry.auth?.accessor ?? '', memo))},` +
      `"namespace":{"id":"root"},"path":${str(req.path)},` +
      `"data":${this.data(Object.keys(req.data).length === 0 ? null : req.data)},` +
      `"remote_address":${str(req.remoteAddress)},"wrap_ttl":${str(req.wrapTtlSeconds ?? 0)}}`;
    if (entry.type === 'response' && entry.response !== undefined) {
      text += `,"response":${this.response(entry, entry.response, memo)}`;
    }
    text += `,"error":${str(entry.error ?? '')}}`;
    return text.includes(omitted) ? dropOmitted(text) : text;
  }

  private h(value: string, memo: TokenHashMemo): string {
    if (this.options.logRaw || value === '') return value;
    let hashed = memo.get(value);
    if (hashed === undefined) {
      hashed = this.hasher.hash(value);
      memo.set(value, hashed);
    }
    return hashed;
  }

  private ha(value: string, memo: TokenHashMemo): string {
    return this.options.hmacAccessor ? this.h(value, memo) : value;
  }

  private auth(a: AuditAuth, memo: TokenHashMemo): string {
    return JSON.stringify({
      client_token: this.h(a.clientToken, memo),
      accessor: this.ha(a.accessor, memo),
      display_name: a.displayName,
      policies: a.policies,
      token_policies: a.policies,
      metadata: a.metadata,
      entity_id: a.entityId,
      token_type: a.tokenType ?? 'service',
    });
  }

  private response(entry: AuditEntry, r: LogicalResponse, memo: TokenHashMemo): string {
    const data =
      r.raw !== undefined
        ? {
            http_status_code: r.raw.status,
            http_content_type: r.raw.contentType,
            http_raw_body:
              typeof r.raw.body === 'string' ? r.raw.body : Buffer.from(r.raw.body).toString('base64'),
          }
        : (r.data ?? null);
    const req = entry.request;
    let text =
      `{"mount_point":${str(req.mountPoint)},"mount_type":${str(req.mountType)},` +
      `"mount_accessor":${str(req.mountAccessor)},"data":${this.data(data)},` +
      `"warnings":${str(r.warnings ?? null)}`;
    // Lease ids are not secret (using one needs a token) and operators search for them.
    if (r.leaseId) text += `,"secret":${JSON.stringify({ lease_id: r.leaseId })}`;
    const auth = r.auth;
    if (auth) {
      const rendered = renderAuthJson(auth, {
        clientToken: this.h(auth.clientToken, memo),
        accessor: this.ha(auth.accessor, memo),
      });
      text += `,"auth":${JSON.stringify(rendered)}`;
    }
    // A wrapped response: the wrapping token is HMAC'd like any token, its accessors like accessors.
    if (r.wrapInfo) {
      const info = {
        ...renderWrapInfo(r.wrapInfo),
        token: this.h(r.wrapInfo.token, memo),
        accessor: this.ha(r.wrapInfo.accessor, memo),
        ...(r.wrapInfo.wrappedAccessor === ''
          ? {}
          : { wrapped_accessor: this.ha(r.wrapInfo.wrappedAccessor, memo) }),
      };
      text += `,"wrap_info":${JSON.stringify(info)}`;
    }
    return `${text}}`;
  }

  /** Request or response data: plaintext with `log_raw`, else every string at any depth hashed. */
  private data(value: unknown): string {
    if (this.options.logRaw || value == null) return str(value);
    return this.hashed(value) ?? omitted;
  }

  /** JSON of `value` with every string hashed; undefined where JSON.stringify leaves it out. */
  private hashed(value: unknown): string | undefined {
    switch (typeof value) {
      case 'string':
        return `"${this.hasher.hash(value)}"`;
      case 'number':
        return Number.isFinite(value) ? String(value) : 'null';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        break;
      case 'bigint':
        throw new TypeError('Do not know how to serialize a BigInt');
      default:
        return undefined; // undefined, function, symbol
    }
    if (value === null) return 'null';
    if (Array.isArray(value)) {
      const items = value as unknown[];
      let text = '[';
      for (let i = 0; i < items.length; i++) {
        if (i > 0) text += ',';
        text += this.hashed(items[i]) ?? 'null';
      }
      return `${text}]`;
    }
    if (value instanceof Uint8Array) return `"${this.hasher.hash(Buffer.from(value).toString('base64'))}"`;
    // Own enumerable string keys, in Object.keys order (a toJSON method is not called).
    const source = value as Record<string, unknown>;
    let text = '{';
    let first = true;
    for (const k of Object.keys(source)) {
      if (k === '__proto__') continue;
      const item = this.hashed(source[k]);
      if (item === undefined) continue;
      text += `${first ? '' : ','}${JSON.stringify(k)}:${item}`;
      first = false;
    }
    return `${text}}`;
  }
}

/**
 * Marks a property JSON.stringify would leave out; removed before the text is returned. A raw NUL
 * never occurs in JSON.stringify output (control characters are escaped), so it cannot clash.
 */
const omitted = '\u0000';

const omittedAfterComma = new RegExp(`,"[a-z_]+":${omitted}`, 'g');
const omittedFirst = new RegExp(`\\{"[a-z_]+":${omitted},?`, 'g');

/** Removes the properties marked `omitted` (only fields typed as present, so this is rare). */
function dropOmitted(text: string): string {
  return text.replace(omittedAfterComma, '').replace(omittedFirst, '{');
}

/** JSON.stringify of a plain field; `omitted` when JSON.stringify gives nothing (undefined, ...). */
function str(value: unknown): string {
  return JSON.stringify(value) ?? omitted;
}
