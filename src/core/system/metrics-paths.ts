/**
 * sys/metrics (Vault's HTTP API docs): `?format=prometheus` → Prometheus text exposition with
 * prom-client's content type; no format → Vault's JSON dump `{Timestamp, Gauges, Counters,
 * Samples}`. Both are raw bodies (no envelope), as in Vault. Access is the usual ACL (`read` on
 * `sys/metrics`); the HTTP layer serves unauthenticated scrapes itself when the listener allows it.
 */
import { ArcaError } from '../../lib/errors.js';
import type { PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';

/** Renders the metrics in one format (implemented by core over `ArcaMetrics`). */
export type MetricsRenderer = (format: 'prometheus' | 'json') => Promise<LogicalResponse>;

/** Parses the `format` query parameter: '' → json, `prometheus`, anything else → 400. */
export function metricsFormat(value: unknown): 'prometheus' | 'json' {
  if (value === undefined || value === null || value === '' || value === 'json') return 'json';
  if (value === 'prometheus') return 'prometheus';
  throw new ArcaError(
    'invalid_request',
    `unknown metrics format "${typeof value === 'string' ? value : typeof value}"`,
  );
}

export function metricsPaths(render: MetricsRenderer): PathSpec[] {
  return [
    {
      pattern: 'metrics',
      fields: { format: { type: 'string' } },
      operations: { read: async (req) => render(metricsFormat(req.fields.get('format'))) },
    },
  ];
}
