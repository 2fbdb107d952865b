/**
 * The typed HTTP client for Arca's Vault-compatible API, used by the CLI, the chaos harness and
 * integration tests — the only way those talk to a server. It speaks `node:http`/`node:https`
 * directly (any method including `LIST`, custom CA files, keep-alive agent, no extra dependency).
 *
 * Generic calls mirror the Go client's `Logical()`: `read`, `write`, `delete`, `list`, `patch`
 * return the envelope or `null` (204, or 404 with an empty `errors` — "no such key"); failures throw
 * `ApiError`. Typed helpers live in `client.sys`, `client.tokens`, `client.kv`.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { ApiError } from './errors.js';
import { KvApi } from './kv.js';
import { RaftApi } from './raft.js';
import { SysApi } from './sys.js';
import { CeremonyApi } from './ceremony.js';
import { TokenApi } from './tokens.js';
import type { Secret } from './types.js';
import type { ApiCaller, ApiResponse, Query, RequestOptions } from './caller.js';

export type { ApiResponse, Query, RequestOptions };

/** Connection settings, as the CLI reads them from `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_CACERT`, ... */
export interface ArcaClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8200` (a trailing `/` is ignored). */
  address: string;
  token?: string;
  /** PEM file with the CA (or self-signed certificate) to trust for https. */
  tlsCaFile?: string;
  /** PEM text alternative to `tlsCaFile`. */
  tlsCaPem?: string;
  /** Skip certificate verification (VAULT_SKIP_VERIFY). For development only. */
  insecure?: boolean;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Ask for response wrapping on every request (`X-Vault-Wrap-TTL`, the CLI's `-wrap-ttl`). */
  wrapTtl?: string;
}

export class ArcaClient implements ApiCaller {
  /** The token sent as `X-Vault-Token` ('' or undefined = none). */
  token: string | undefined;
  /** Sent as `X-Vault-Wrap-TTL` on every request when set (e.g. `5m`). */
  wrapTtl: string | undefined;
  readonly address: string;
  readonly sys: SysApi;
  readonly tokens: TokenApi;
  readonly kv: KvApi;
  readonly raft: RaftApi;
  /** Key-holder ceremonies: rekey, generate-root. */
  readonly ceremony: CeremonyApi;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly timeoutMs: number;

  constructor(options: ArcaClientOptions) {
    const url = new URL(options.address);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ApiError(
        0,
        [`unsupported address scheme ${url.protocol} (use http:// or https://)`],
        'connect',
      );
    }
    this.address = options.address.replace(/\/+$/, '');
    this.token = options.token;
    this.wrapTtl = options.wrapTtl;
    this.secure = url.protocol === 'https:';
    this.timeoutMs = options.timeoutMs ?? 60_000;
    const ca = options.tlsCaPem ?? (options.tlsCaFile ? readFileSync(options.tlsCaFile, 'utf8') : undefined);
    this.agent = this.secure
      ? new https.Agent({ keepAlive: true, ca, rejectUnauthorized: options.insecure !== true })
      : new http.Agent({ keepAlive: true });
    this.sys = new SysApi(this);
    this.tokens = new TokenApi(this);
    this.kv = new KvApi(this);
    this.raft = new RaftApi(this);
    this.ceremony = new CeremonyApi(this);
  }

  /** Closes pooled keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** Sends one request to `/v1/<path>`; throws `ApiError` for statuses >= 400 not in `acceptStatuses`. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(`${this.address}/v1/${encodePath(path)}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    const operation = `${method} ${url.pathname}`;
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', ...options.headers };
    if (this.token) headers['X-Vault-Token'] = this.token;
    if (this.wrapTtl) headers['X-Vault-Wrap-TTL'] = this.wrapTtl;
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const response = await this.send(url, method, headers, payload, operation);
    if (response.status >= 400 && !(options.acceptStatuses ?? []).includes(response.status)) {
      throw errorFrom(response, operation);
    }
    return response;
  }

  /**
   * A request with a raw byte body and a raw byte answer (Raft snapshots): nothing is parsed or
   * thrown for HTTP statuses; connection failures throw `ApiError` with status 0.
   */
  async requestBytes(
    method: string,
    path: string,
    body?: Uint8Array,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const url = new URL(`${this.address}/v1/${encodePath(path)}`);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (this.token) headers['X-Vault-Token'] = this.token;
    const payload =
      body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      headers['Content-Length'] = String(payload.length);
    }
    const operation = `${method} ${url.pathname}`;
    const transport = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(new ApiError(0, [err.message], operation)));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(new ApiError(0, [`error connecting to ${this.address}: ${err.message}`], operation)),
      );
      req.end(payload);
    });
  }

  /** `GET` a logical path. `null` when the path has no value (404 with empty errors). */
  async read<Data = Record<string, unknown>>(path: string, query?: Query): Promise<Secret<Data> | null> {
    return this.logical<Data>('GET', path, { query });
  }

  /** `PUT` data to a path (create or update). `null` for 204. */
  async write<Data = Record<string, unknown>>(
    path: string,
    data: Record<string, unknown> = {},
  ): Promise<Secret<Data> | null> {
    return this.logical<Data>('PUT', path, { body: data });
  }

  /** `DELETE` a path. */
  async delete<Data = Record<string, unknown>>(path: string, query?: Query): Promise<Secret<Data> | null> {
    return this.logical<Data>('DELETE', path, { query });
  }

  /** `LIST` a path (`null` when there are no keys). */
  async list(path: string): Promise<Secret<{ keys: string[] }> | null> {
    return this.logical<{ keys: string[] }>('LIST', path, {});
  }

  /** `PATCH` with a JSON merge patch. */
  async patch<Data = Record<string, unknown>>(
    path: string,
    data: Record<string, unknown>,
  ): Promise<Secret<Data> | null> {
    return this.logical<Data>('PATCH', path, { body: data, contentType: 'application/merge-patch+json' });
  }

  /**
   * A logical call: 204 → null; 404 with an empty `errors` → null; 404 carrying an envelope (KV v2
   * deleted version) → that envelope; other failures throw.
   */
  private async logical<Data>(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<Secret<Data> | null> {
    const response = await this.request(method, path, { ...options, acceptStatuses: [404] });
    if (response.status === 404) {
      const body = response.body as { errors?: unknown; data?: unknown } | undefined;
      if (body && 'data' in body && body.data !== undefined && !('errors' in body))
        return body as Secret<Data>;
      const errors = Array.isArray(body?.errors) ? (body.errors as string[]) : [];
      if (errors.length === 0) return null;
      throw errorFrom(response, `${method} /v1/${path}`);
    }
    if (response.status === 204 || response.body === undefined) return null;
    return asSecret<Data>(response.body);
  }

  private send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    payload: Buffer | undefined,
    operation: string,
  ): Promise<ApiResponse> {
    const transport = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(new ApiError(0, [err.message], operation)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          if (text !== '') {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const detail = err.code ? `${err.code}: ${err.message}` : err.message;
        reject(new ApiError(0, [`error connecting to ${this.address}: ${detail}`], operation));
      });
      req.end(payload);
    });
  }
}

/**
 * The envelope, or — for the few raw sys endpoints read through the generic calls (`sys/health`,
 * `sys/seal-status`, ...) — the raw object wrapped as the envelope's `data`, so callers always get one shape.
 */
function asSecret<Data>(body: unknown): Secret<Data> {
  if (body !== null && typeof body === 'object' && 'request_id' in body) return body as Secret<Data>;
  return {
    request_id: '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: (body ?? null) as Data | null,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}

/** Percent-encodes each path segment, keeping `/` (a trailing `/` is meaningful for lists). */
export function encodePath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function errorFrom(response: ApiResponse, operation: string): ApiError {
  const body = response.body as { errors?: unknown; data?: unknown } | undefined;
  const errors = Array.isArray(body?.errors)
    ? body.errors.map(String)
    : response.text !== ''
      ? [response.text.slice(0, 1024)]
      : [];
  const data =
    body && typeof body.data === 'object' && body.data !== null
      ? (body.data as Record<string, unknown>)
      : undefined;
  return new ApiError(response.status, errors, operation, data);
}
