/**
 * The audit seam. Core hands every audited request (before the engine runs) and its response
 * (before the client sees it) to an `AuditBroker`; the audit engineer's broker HMACs the secrets
 * and writes to its devices. Core fails closed: with at least one device, a throw from the broker
 * turns the request into a 500 `internal error` and, for the request entry, the engine never runs.
 */
import type { Operation } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';

/** The caller as the audit trail sees it (raw token included: the broker must HMAC it). */
export interface AuditAuth {
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  metadata: Record<string, string>;
  entityId: string;
  /** Absent = `service`. */
  tokenType?: 'service' | 'batch';
}

/** The request as the audit trail sees it. Values are raw; the broker hashes every string. */
export interface AuditRequest {
  id: string;
  operation: Operation;
  path: string;
  data: Record<string, unknown>;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  clientToken: string;
  remoteAddress: string;
  headers: Record<string, string>;
  wrapTtlSeconds?: number;
}

/** One audit record: `type: 'request'` before the engine runs, `type: 'response'` after. */
export interface AuditEntry {
  type: 'request' | 'response';
  /** Wall-clock time from the injected clock, ms since the epoch. */
  timeMs: number;
  auth?: AuditAuth;
  request: AuditRequest;
  /** Present on response entries that succeeded. */
  response?: LogicalResponse;
  /** Set when the request failed (error messages only, never secrets). */
  error?: string;
}

/** What core needs from the audit subsystem. */
export interface AuditBroker {
  /** True when at least one audit device is enabled (else core skips auditing). */
  hasDevices(): boolean;
  /** Resolves once at least one device recorded the entry; rejects otherwise. */
  logRequest(entry: AuditEntry): Promise<void>;
  /** Same contract as `logRequest`, for the response. */
  logResponse(entry: AuditEntry): Promise<void>;
}
