/**
 * How core moves the metrics of `ArcaMetrics` (src/lib/metrics.ts): request counts and latency by
 * mount/operation/status, 403 reasons, token creations/revocations, the audit broker's observer,
 * and the scrape itself (gauges refreshed at scrape time, then Prometheus text or Vault's JSON).
 * Labels are bounded: mounts are mount points (an unknown path counts as `unknown`), never paths.
 */
import { isArcaError } from '../lib/errors.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import type { LogicalRequest } from '../logical/request.js';
import type { LogicalResponse, RawResponse } from '../logical/response.js';
import { ArcaError } from '../lib/errors.js';
import type { AuditObserver } from './audit/broker.js';
import type { PipelineTrace } from './pipeline.js';

/** The HTTP status the HTTP layer will send for a successful logical response. */
export function statusOf(response: LogicalResponse): number {
  if (response.raw !== undefined) return response.raw.status;
  const empty = (response.data === undefined || response.data === null) && response.warnings === undefined;
  return empty && response.auth === undefined ? 204 : 200;
}

/** Token creation kind of a successful response that carries `auth`. */
function creationKind(path: string): string {
  if (path.startsWith('auth/token/create-orphan')) return 'orphan';
  if (path.startsWith('auth/token/create/')) return 'role';
  if (path.startsWith('auth/token/create')) return 'child';
  return 'login';
}

/** Records one finished request (success: `response`; failure: `error`). */
export function observeRequest(
  metrics: ArcaMetrics,
  request: LogicalRequest,
  mount: string,
  seconds: number,
  outcome: { response: LogicalResponse } | { error: unknown },
): void {
  const path = request.path.replace(/^\/+/, '');
  const operation = request.operation;
  let status: number;
  if ('response' in outcome) {
    status = statusOf(outcome.response);
    if (outcome.response.auth !== undefined) metrics.tokenCreations.inc({ kind: creationKind(path) });
  } else {
    const err = outcome.error;
    status = isArcaError(err) ? err.httpStatus : 500;
    if (isArcaError(err) && status === 403) {
      metrics.requestsDenied.inc({
        reason: err.code === 'invalid_token' ? 'invalid_token' : 'permission_denied',
      });
    }
  }
  if (path.startsWith('auth/token/revoke')) {
    metrics.tokenRevocations.inc({ result: status < 400 ? 'success' : 'failure' });
  }
  metrics.requests.inc({ mount, operation, status: String(status) });
  metrics.requestDurationSeries.child({ mount, operation }).observe(seconds);
}

/**
 * Runs `serve` and records the finished request under the mount `label` gives (the pipeline
 * reports the route it matched in the trace, so the label costs no second match). An undefined
 * answer (a standby read handed to the active node, which counts it) is not recorded.
 */
export function observed<T extends LogicalResponse | undefined>(
  metrics: ArcaMetrics | undefined,
  request: LogicalRequest,
  label: (trace: PipelineTrace) => string,
  serve: (trace?: PipelineTrace) => Promise<T>,
): Promise<T> {
  if (metrics === undefined) return serve();
  const trace: PipelineTrace = {};
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  return serve(trace).then(
    (response) => {
      if (response !== undefined) observeRequest(metrics, request, label(trace), seconds(), { response });
      return response;
    },
    (error: unknown) => {
      observeRequest(metrics, request, label(trace), seconds(), { error });
      throw error;
    },
  );
}

/**
 * The metrics scrape (`sys/metrics`, or tokenless when the listener allows it): 400 when core was
 * built without metrics, or for the Prometheus format when `prometheusEnabled` is false.
 */
export async function scrapeMetrics(
  metrics: ArcaMetrics | undefined,
  format: 'prometheus' | 'json',
  prometheusEnabled: boolean,
  state: ScrapeState,
): Promise<RawResponse> {
  if (metrics === undefined) {
    throw new ArcaError(
      'invalid_request',
      format === 'prometheus' ? 'prometheus is not enabled' : 'metrics are not enabled',
    );
  }
  if (format === 'prometheus' && !prometheusEnabled) {
    return { status: 400, contentType: 'text/plain', body: 'prometheus is not enabled' };
  }
  return renderMetrics(metrics, format, state);
}

/** The audit broker's observer: writes, failures and write latency per device. */
export function auditObserver(metrics: ArcaMetrics): AuditObserver {
  return {
    written: (device, type, seconds) => {
      metrics.auditWrites.inc({ device, type });
      metrics.auditWriteDuration.observe({ device }, seconds);
    },
    failed: (device, type, reason) => metrics.auditFailures.inc({ device, type, reason }),
  };
}

/** Point-in-time values set just before a scrape. */
export interface ScrapeState {
  sealed: boolean;
  /** Leases tracked, when unsealed. */
  leases?: number;
  /** Items in the expiration manager's index by kind, when unsealed. */
  expirationPending?: { lease: number; token: number };
  nowMs: number;
}

/** Renders a scrape: Prometheus text (`prometheus`) or Vault's JSON dump (`json`). */
export async function renderMetrics(
  metrics: ArcaMetrics,
  format: 'prometheus' | 'json',
  state: ScrapeState,
): Promise<RawResponse> {
  metrics.sealed.set(state.sealed ? 1 : 0);
  if (state.leases !== undefined) metrics.leases.set(state.leases);
  for (const [kind, count] of Object.entries(state.expirationPending ?? {}))
    metrics.expirationPending.set({ kind }, count);
  if (format === 'prometheus') {
    return { status: 200, contentType: metrics.prometheusContentType, body: await metrics.prometheusText() };
  }
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify(await metrics.vaultJson(state.nowMs)),
  };
}
