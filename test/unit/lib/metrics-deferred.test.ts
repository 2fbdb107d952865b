/**
 * `new ArcaMetrics({ processMetrics: 'deferred' })` (the server's, issue 16: startup): the process
 * metrics are registered by `registerProcessMetrics()` — once — or by the first scrape, so no
 * exposition lacks them, and their CPU counters count from the constructor either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArcaMetrics } from '../../../src/lib/metrics.js';

const processSeries = /^arca_process_cpu_seconds_total /m;

async function names(metrics: ArcaMetrics): Promise<string[]> {
  return (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
}

function spinCpu(): void {
  const start = process.cpuUsage();
  let spin = 0;
  for (let i = 0; process.cpuUsage(start).user < 50_000 && i < 1e9; i++) spin += Math.sqrt(i);
  assert.ok(spin > 0);
}

test('deferred: nothing registered until registerProcessMetrics, which registers once', async () => {
  const metrics = new ArcaMetrics({ processMetrics: 'deferred' });
  assert.ok(!(await names(metrics)).includes('arca_process_cpu_seconds_total'));
  metrics.registerProcessMetrics();
  const registered = await names(metrics);
  assert.ok(registered.includes('arca_process_cpu_seconds_total'));
  assert.ok(registered.includes('arca_nodejs_eventloop_lag_seconds'));
  metrics.registerProcessMetrics(); // prom-client would throw on a second registration of a name
  assert.deepEqual(await names(metrics), registered);
  metrics.registry.clear();
});

test('deferred: a scrape before registerProcessMetrics still has the process metrics (both formats)', async () => {
  const text = new ArcaMetrics({ processMetrics: 'deferred' });
  assert.match(await text.prometheusText(), processSeries);
  const json = new ArcaMetrics({ processMetrics: 'deferred' });
  const body = (await json.vaultJson(0)) as { Counters: { Name: string }[] };
  assert.ok(body.Counters.some((c) => c.Name === 'arca_process_cpu_seconds_total'));
  text.registry.clear();
  json.registry.clear();
});

test('deferred: the CPU counters count from the constructor, not from the registration', async () => {
  const metrics = new ArcaMetrics({ processMetrics: 'deferred' });
  spinCpu(); // ≥ 50 ms of user CPU before the registration
  metrics.registerProcessMetrics();
  const user = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'arca_process_cpu_user_seconds_total',
  );
  assert.ok(Number(user?.values[0]?.value) >= 0.05, JSON.stringify(user?.values));
  metrics.registry.clear();
});

test('processMetrics: false never registers them, even on a scrape', async () => {
  const metrics = new ArcaMetrics({ processMetrics: false });
  metrics.registerProcessMetrics();
  assert.doesNotMatch(await metrics.prometheusText(), processSeries);
  metrics.registry.clear();
});
