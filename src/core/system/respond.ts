/** Response helpers for the system backend. */
import type { LogicalResponse } from '../../logical/response.js';

/** A non-envelope JSON body (sys/init, seal-status, unseal, health, leader). */
export function rawJson(status: number, body: unknown): LogicalResponse {
  return { raw: { status, contentType: 'application/json', body: JSON.stringify(body) } };
}

/** RFC 3339 (UTC, second precision) of a wall-clock millisecond timestamp. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
