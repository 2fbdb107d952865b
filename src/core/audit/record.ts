/**
 * What core hands the audit broker for one request (and again, with the response, after it), and
 * its rendering into Vault's audit entry format (`type` request/response with `auth`, `request`,
 * `response`, `error`). Rendering applies the device's hashing options, so each device decides
 * what it reveals.
 */
import type { AuditHasher } from './hasher.js';

/** The caller as core resolved it. */
export interface AuditAuth {
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  tokenPolicies: string[];
  metadata: Record<string, string>;
  entityId: string;
  tokenType: string;
  tokenTtlSeconds: number;
  tokenIssueTime: string;
  remainingUses?: number;
  policyResults?: { allowed: boolean; grantingPolicies: string[] };
}

/** The request as core saw it. */
export interface AuditRequest {
  id: string;
  operation: string;
  path: string;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  clientToken: string;
  clientTokenAccessor: string;
  data: Record<string, unknown> | null;
  remoteAddress: string;
  wrapTtlSeconds: number;
}

/** The response core is about to return. */
export interface AuditResponse {
  mountPoint: string;
  mountType: string;
  data: Record<string, unknown> | null;
  warnings: string[] | null;
  leaseId: string;
  auth?: { clientToken: string; accessor: string; policies: string[]; leaseDurationSeconds: number };
  /** HTTP status when the response is an error. */
  status?: number;
}

/** One audit record: a request entry has no `response`. */
export interface AuditRecord {
  timeMs: number;
  auth: AuditAuth | null;
  request: AuditRequest;
  response?: AuditResponse;
  error: string;
}

/** Device options that change rendering. */
export interface RenderOptions {
  /** Hash accessors too (Vault default true). */
  hmacAccessor: boolean;
  /** Write values in plaintext (Vault default false). */
  logRaw: boolean;
}

/** Renders one record as Vault's JSON audit entry object. */
export function renderEntry(
  type: 'request' | 'response',
  record: AuditRecord,
  hasher: AuditHasher,
  options: RenderOptions,
): Record<string, unknown> {
  const h = (value: string): string => (options.logRaw || value === '' ? value : hasher.hash(value));
  const ha = (value: string): string => (options.hmacAccessor ? h(value) : value);
  const hv = (value: unknown): unknown =>
    options.logRaw || value == null ? value : hasher.hashValues(value);
  const a = record.auth;
  const entry: Record<string, unknown> = {
    time: new Date(record.timeMs).toISOString(),
    type,
    auth: a
      ? {
          client_token: h(a.clientToken),
          accessor: ha(a.accessor),
          display_name: a.displayName,
          policies: a.policies,
          token_policies: a.tokenPolicies,
          metadata: a.metadata,
          entity_id: a.entityId,
          token_type: a.tokenType,
          token_ttl: a.tokenTtlSeconds,
          token_issue_time: a.tokenIssueTime,
          ...(a.remainingUses !== undefined ? { remaining_uses: a.remainingUses } : {}),
          ...(a.policyResults
            ? {
                policy_results: {
                  allowed: a.policyResults.allowed,
                  granting_policies: a.policyResults.grantingPolicies.map((name) => ({ name, type: 'acl' })),
                },
              }
            : {}),
        }
      : null,
    request: {
      id: record.request.id,
      operation: record.request.operation,
      mount_point: record.request.mountPoint,
      mount_type: record.request.mountType,
      mount_accessor: record.request.mountAccessor,
      client_token: h(record.request.clientToken),
      client_token_accessor: ha(record.request.clientTokenAccessor),
      namespace: { id: 'root' },
      path: record.request.path,
      data: hv(record.request.data),
      remote_address: record.request.remoteAddress,
      wrap_ttl: record.request.wrapTtlSeconds,
    },
  };
  const r = record.response;
  if (type === 'response' && r) {
    entry.response = {
      mount_point: r.mountPoint,
      mount_type: r.mountType,
      data: hv(r.data),
      warnings: r.warnings,
      ...(r.leaseId ? { secret: { lease_id: r.leaseId } } : {}),
      ...(r.auth
        ? {
            auth: {
              client_token: h(r.auth.clientToken),
              accessor: ha(r.auth.accessor),
              policies: r.auth.policies,
              lease_duration: r.auth.leaseDurationSeconds,
            },
          }
        : {}),
    };
  }
  entry.error = record.error;
  return entry;
}
