/**
 * The `telemetry { ... }` blocks of the server config (top level, and inside a listener), limited
 * to what Arca's metrics really do, so that no setting is accepted and then ignored:
 *
 * - `prometheus_retention_time` (duration, default 24h as in Vault): 0 disables the Prometheus
 *   format (`sys/metrics?format=prometheus` answers 400 `prometheus is not enabled`, as Vault
 *   does); any other value enables it. Arca's series never go stale (fixed label sets, gauges set
 *   at scrape time), so there is nothing for a retention window to expire.
 * - `disable_hostname`: Arca never prefixes metric names with the host name, which is what
 *   `disable_hostname = true` asks for; `false` (Vault's default, the hostname prefix) fails.
 * - listener `telemetry { unauthenticated_metrics_access }`: tokenless scrapes on that listener.
 *
 * Every other key (statsd/statsite/dogstatsd/circonus/stackdriver sinks, gauge periods, lease
 * metrics, filters ...) fails startup with a message naming it.
 */
import { parseDurationSeconds } from '../lib/durations.js';

/** The top-level telemetry settings Arca honours. */
export interface TelemetryConfig {
  /** 0 = Prometheus format disabled; otherwise enabled (Vault's default 24h). */
  prometheusRetentionSeconds: number;
  /** Always true: metric names carry no host name. */
  disableHostname: boolean;
}

/** The telemetry settings of one listener. */
export interface ListenerTelemetryConfig {
  /** Serve `/v1/sys/metrics` without a token on this listener. */
  unauthenticatedMetricsAccess: boolean;
}

type Fail = (message: string) => never;

/** Vault's default Prometheus retention (24h). */
const prometheusRetentionDefaultSeconds = 24 * 3600;

const supported = 'supported: prometheus_retention_time, disable_hostname = true';

function rejectOthers(block: Record<string, unknown>, prefix: string, known: string[], fail: Fail): void {
  for (const key of Object.keys(block)) {
    if (!known.includes(key)) {
      fail(`${prefix}.${key} is not supported: Arca serves metrics only at /v1/sys/metrics (${supported})`);
    }
  }
}

function bool(value: unknown, name: string, fallback: boolean, fail: Fail): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 0 || value === '0') return false;
  return fail(`${name} must be true or false`);
}

/** Validates a top-level `telemetry` block (`{}` when absent). */
export function parseTelemetry(block: Record<string, unknown>, fail: Fail): TelemetryConfig {
  rejectOthers(block, 'telemetry', ['prometheus_retention_time', 'disable_hostname'], fail);
  let prometheusRetentionSeconds = prometheusRetentionDefaultSeconds;
  if (block.prometheus_retention_time !== undefined) {
    try {
      prometheusRetentionSeconds = parseDurationSeconds(
        block.prometheus_retention_time,
        'telemetry.prometheus_retention_time',
      );
    } catch (err) {
      fail((err as Error).message);
    }
  }
  if (!bool(block.disable_hostname, 'telemetry.disable_hostname', true, fail)) {
    fail(
      'telemetry.disable_hostname = false is not supported: Arca never puts the host name in metric names',
    );
  }
  return { prometheusRetentionSeconds, disableHostname: true };
}

/** Validates a listener's `telemetry` block (`{}` when absent). */
export function parseListenerTelemetry(block: Record<string, unknown>, fail: Fail): ListenerTelemetryConfig {
  for (const key of Object.keys(block)) {
    if (key !== 'unauthenticated_metrics_access') {
      fail(`listener telemetry ${key} is not supported (supported: unauthenticated_metrics_access)`);
    }
  }
  return {
    unauthenticatedMetricsAccess: bool(
      block.unauthenticated_metrics_access,
      'listener telemetry unauthenticated_metrics_access',
      false,
      fail,
    ),
  };
}
