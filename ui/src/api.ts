/**
 * The UI's HTTP client: every call goes to this origin's `/v1/` API (so a standby serves its UI
 * and forwards API calls like any client's), with `X-Vault-Token` when signed in. Vault error
 * bodies (`{"errors":[...]}`) become `ApiError`s carrying the status and messages.
 */
import { currentToken } from './session.js';

/** A non-2xx answer from the API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.length > 0 ? errors.join('; ') : `HTTP ${status}`);
  }
}

/** A JSON object from the API (shapes are checked where used). */
export type Json = Record<string, any>;

/** Options of `call`. */
export interface CallOptions {
  /** Query parameters. */
  query?: Record<string, string>;
  /** JSON body (for PUT/POST). */
  body?: unknown;
  /** Resolve with the body of these non-2xx statuses instead of throwing (sys/health). */
  acceptStatuses?: number[];
}

/** Calls `method /v1/<path>`; resolves to the JSON body (`{}` for 204). */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Json> {
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
  const token = currentToken();
  if (token !== undefined) headers['X-Vault-Token'] = token;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`/v1/${path}${query}`, {
    method,
    headers,
    body,
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  const text = await response.text();
  let parsed: unknown = {};
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { errors: [`unexpected response (HTTP ${response.status})`] };
    }
  }
  const json = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Json;
  if (response.ok || options.acceptStatuses?.includes(response.status)) return json;
  const errors = Array.isArray(json.errors) ? json.errors.map(String) : [];
  throw new ApiError(response.status, errors);
}

/** `GET` shorthand. */
export const read = (path: string, query?: Record<string, string>): Promise<Json> =>
  call('GET', path, { query });

/** `PUT` with a JSON body. */
export const write = (path: string, body: unknown): Promise<Json> => call('PUT', path, { body });

/** `LIST` (sent as `GET ?list=true`); resolves to `data.keys`, or [] for a 404. */
export async function list(path: string): Promise<string[]> {
  try {
    const json = await call('GET', path, { query: { list: 'true' } });
    return Array.isArray(json.data?.keys) ? json.data.keys.map(String) : [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

/** A readable message for any error thrown by a call. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (HTTP ${err.status})`;
  return err instanceof Error ? err.message : String(err);
}
