/**
 * Vault's batch semantics for transit: each item succeeds or carries its own `error`; when any
 * item failed the whole response is HTTP 400 (or `partial_failure_response_code` when some
 * succeeded) with the full envelope and `batch_results`, never an all-or-nothing 400.
 */
import { ArcaError, isArcaError } from '../../lib/errors.js';
import type { BackendRequest } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';

/** Largest batch accepted (bounds the work of one request). */
export const batchItemsMax = 10_000;

/** The batch items of a request, or undefined when `batch_input` was not sent. */
export function batchItems(request: BackendRequest): Record<string, unknown>[] | undefined {
  const raw = request.data.batch_input;
  if (raw === undefined || raw === null) return undefined;
  let items: unknown = raw;
  if (typeof raw === 'string') {
    try {
      items = JSON.parse(raw);
    } catch {
      throw new ArcaError('invalid_request', 'failed to parse batch input: not a JSON list');
    }
  }
  if (!Array.isArray(items))
    throw new ArcaError('invalid_request', 'failed to parse batch input: not a list');
  if (items.length === 0) throw new ArcaError('invalid_request', 'missing batch input to process');
  if (items.length > batchItemsMax) {
    throw new ArcaError('invalid_request', `batch input has ${items.length} items (max ${batchItemsMax})`);
  }
  return items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ArcaError('invalid_request', 'failed to parse batch input: every item must be an object');
    }
    return item as Record<string, unknown>;
  });
}

/** A string field of a batch item (numbers are stringified; anything else is a per-item error). */
export function itemString(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ArcaError('invalid_request', `'${name}' must be a string`);
}

/** An integer field of a batch item. */
export function itemInt(item: Record<string, unknown>, name: string): number {
  const value = item[name];
  if (value === undefined || value === null || value === '') return 0;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed)) throw new ArcaError('invalid_request', `'${name}' must be an integer`);
  return parsed;
}

/**
 * Runs `work` on every item; a client mistake (ArcaError 4xx) becomes that item's `error`, anything
 * else is rethrown (a 500, not a silent per-item failure). `reference` is echoed back.
 */
export async function runBatch(
  request: BackendRequest,
  items: Record<string, unknown>[],
  work: (item: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<LogicalResponse> {
  let failed = false;
  let succeeded = false;
  const results: Record<string, unknown>[] = [];
  for (const item of items) {
    const reference = typeof item.reference === 'string' ? { reference: item.reference } : {};
    try {
      results.push({ ...(await work(item)), ...reference });
      succeeded = true;
    } catch (err) {
      if (!isArcaError(err) || err.httpStatus >= 500) throw err;
      results.push({ error: err.messages.join('; '), ...reference });
      failed = true;
    }
  }
  const data = { batch_results: results };
  if (!failed) return { data };
  let status = 400;
  const warnings: string[] = [];
  const requested = request.data.partial_failure_response_code;
  if (requested !== undefined && succeeded) {
    const code = Number(requested);
    if (Number.isInteger(code) && code >= 1 && code <= 599) status = code;
    else warnings.push('partial_failure_response_code must be between 1 and 599; ignored');
  }
  const envelope = {
    request_id: request.requestId,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: warnings.length > 0 ? warnings : null,
    auth: null,
    mount_type: 'transit',
  };
  return { raw: { status, contentType: 'application/json', body: JSON.stringify(envelope) } };
}
