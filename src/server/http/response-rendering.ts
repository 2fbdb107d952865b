/**
 * Renders a `LogicalResponse` or a thrown error the way Vault does (Vault's HTTP API docs): the
 * JSON envelope, `topLevelData` injection, raw responses as given, 204 when there is nothing to say,
 * and `{"errors":[...]}` (+ `data`) for failures. Pure: returns status, content type and body; the
 * app writes them (with `Cache-Control: no-store` on every response).
 */
import { ArcaError, errorCatalog } from '../../lib/errors.js';
import type { LogicalResponse, ResponseAuth } from '../../logical/response.js';
import { renderAuthJson } from '../../logical/response-auth-json.js';
import { isEmptyResponse, responseEnvelope } from '../../logical/response-envelope.js';

/** What the app writes. `body` undefined = no body (204, HEAD). */
export interface RenderedResponse {
  status: number;
  contentType: string;
  body?: string | Uint8Array;
}

/** Content type of every non-raw response. */
export const jsonContentType = 'application/json';

/** Vault's `auth` object: snake_case, seconds (with `mfa_requirement: null`, as Vault sends it). */
export function renderAuth(auth: ResponseAuth): Record<string, unknown> {
  return renderAuthJson(auth, { mfaRequirement: true });
}

/** Success rendering. `head` drops the body (HEAD requests: status only). */
export function renderResponse(requestId: string, response: LogicalResponse, head = false): RenderedResponse {
  if (response.raw) {
    const { status, contentType, body } = response.raw;
    return { status, contentType, body: head ? undefined : body };
  }
  if (isEmptyResponse(response)) return { status: 204, contentType: jsonContentType };
  const envelope = responseEnvelope(requestId, response);
  const hasData = response.data !== undefined && response.data !== null;
  const inject = response.topLevelData && hasData && response.wrapInfo === undefined;
  const body = inject ? { ...response.data, ...envelope } : envelope;
  return { status: 200, contentType: jsonContentType, body: head ? undefined : JSON.stringify(body) };
}

/** Renders `{"errors":[...]}` (+ `data`) for a status. */
export function renderErrors(
  status: number,
  errors: string[],
  data?: Record<string, unknown>,
): RenderedResponse {
  const body: Record<string, unknown> = { errors };
  if (data !== undefined) body.data = data;
  return { status, contentType: jsonContentType, body: JSON.stringify(body) };
}

/** Renders an `ArcaError`; anything else is a 500 `internal error` (the caller logs it). */
export function renderError(err: unknown): RenderedResponse {
  if (err instanceof ArcaError) return renderErrors(err.httpStatus, err.messages, err.data);
  return renderErrors(errorCatalog.internal.status, [errorCatalog.internal.message]);
}
