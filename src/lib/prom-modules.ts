/**
 * prom-client's metric classes and Node process metrics, loaded from prom-client's own files
 * instead of its package index. The index also loads the Pushgateway (https, zlib), the cluster
 * aggregator, summaries, and — through the default metrics' process-CPU counter, for exemplars
 * Arca does not use — all of `@opentelemetry/api` (51 files): about 75 ms of CPU at every server
 * start (issue 16: startup under 500 ms). The classes are the package's (same files, same module
 * instances), so their types come from the package's declarations.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const requirePackageFile = createRequire(import.meta.url);

/** prom-client's `Registry` (lib/registry.js). */
export const Registry = requirePackageFile('prom-client/lib/registry') as typeof PromClient.Registry;
/** A prom-client registry. */
export type Registry = PromClient.Registry;
/** prom-client's `Counter` (lib/counter.js). */
export const Counter = requirePackageFile('prom-client/lib/counter') as typeof PromClient.Counter;
/** A prom-client counter. */
export type Counter<T extends string = string> = PromClient.Counter<T>;
/** prom-client's `Gauge` (lib/gauge.js). */
export const Gauge = requirePackageFile('prom-client/lib/gauge') as typeof PromClient.Gauge;
/** A prom-client gauge. */
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
/** prom-client's `Histogram` (lib/histogram.js). */
export const Histogram = requirePackageFile('prom-client/lib/histogram') as typeof PromClient.Histogram;
/** A prom-client histogram. */
export type Histogram<T extends string = string> = PromClient.Histogram<T>;

type MetricModule = (
  registry: PromClient.Registry,
  config: { prefix: string; eventLoopMonitoringPrecision: number },
) => void;

/** collectDefaultMetrics' list after its process-CPU counter, in its order (prom-client 15 lib/defaultMetrics.js). */
const otherDefaultMetrics = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/**
 * Registers the same series as prom-client's `collectDefaultMetrics({ register, prefix })`: the
 * three process-CPU counters (re-implemented here without the exemplar branch, so without
 * `@opentelemetry/api`: same names, help and values — CPU used since registration, or since
 * `cpuSince` when given) and the other default metrics from prom-client's own files, in the same
 * order.
 */
export function collectProcessMetrics(
  registry: PromClient.Registry,
  prefix: string,
  cpuSince: NodeJS.CpuUsage = process.cpuUsage(),
): void {
  let last = cpuSince;
  const user = new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers: [registry],
    // As prom-client: this one counter's collect sets all three.
    collect() {
      const now = process.cpuUsage();
      const userMicros = now.user - last.user;
      const systemMicros = now.system - last.system;
      last = now;
      user.inc(userMicros / 1e6);
      system.inc(systemMicros / 1e6);
      total.inc((userMicros + systemMicros) / 1e6);
    },
  });
  const system = new Counter({
    name: `${prefix}process_cpu_system_seconds_total`,
    help: 'Total system CPU time spent in seconds.',
    registers: [registry],
  });
  const total = new Counter({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
  });
  for (const name of otherDefaultMetrics) {
    const metric = requirePackageFile(`prom-client/lib/metrics/${name}`) as MetricModule;
    metric(registry, { prefix, eventLoopMonitoringPrecision: 10 });
  }
}
