/** Shared helpers of the transit engine tests: mount, call, and decode raw batch responses. */
import { transitBackendFactory } from '../../../../src/engines/transit/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

/** A fresh transit mount over memory storage. */
export function mountTransit(): Promise<EngineHarness> {
  return EngineHarness.mount(transitBackendFactory);
}

/** `data` of a response (an envelope's data, or a raw JSON body's data). */
export function dataOf(response: LogicalResponse): Record<string, unknown> {
  if (response.raw !== undefined) {
    const body = JSON.parse(String(response.raw.body)) as { data: Record<string, unknown> };
    return body.data;
  }
  return response.data ?? {};
}

/** A predicate for `assert.rejects`: a 400 whose messages include `text`. */
export function badRequest(text: string) {
  return (err: unknown): boolean => {
    if (!isArcaError(err) || err.httpStatus !== 400) return false;
    if (!err.messages.some((m) => m.includes(text))) {
      throw new Error(`400 but messages were ${JSON.stringify(err.messages)}, expected "${text}"`);
    }
    return true;
  };
}

/** Base64 of a UTF-8 string. */
export const b64 = (text: string): string => Buffer.from(text).toString('base64');
