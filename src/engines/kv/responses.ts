/**
 * Response helpers shared by the KV paths: Vault's raw 404 (a full envelope whose `data` still
 * carries the version metadata, which the CLI prints for deleted and destroyed versions), the
 * plain 404 (`{"errors":[]}`) and list responses (an empty list is that same 404, as in Vault).
 */
import { ArcaError } from '../../lib/errors.js';
import type { LogicalResponse } from '../../logical/response.js';

/** A 404 whose body is the normal envelope with `data` (Vault's RespondWithStatusCode). */
export function rawNotFound(requestId: string, data: Record<string, unknown>): LogicalResponse {
  const envelope = {
    request_id: requestId,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
  return { raw: { status: 404, contentType: 'application/json', body: JSON.stringify(envelope) } };
}

/** Vault's 404 for a missing key: `{"errors":[]}`. */
export function notFound(): ArcaError {
  return new ArcaError('not_found');
}

/** `{"keys":[...]}`, or the empty 404 when there are none. */
export function listResponse(keys: string[]): LogicalResponse {
  if (keys.length === 0) throw notFound();
  return { data: { keys } };
}

/** A 400 with Vault's message (logical.ErrorResponse + ErrInvalidRequest). */
export function badRequest(message: string | string[]): ArcaError {
  return new ArcaError('invalid_request', message);
}
