/**
 * Arca loads prom-client's classes and process metrics from their own files (startup time). The
 * series must be exactly those of prom-client's `collectDefaultMetrics` — names, help, types,
 * labels and order — and the classes the package's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as promClient from 'prom-client';
import { Counter, Registry, collectProcessMetrics } from '../../../src/lib/prom-modules.js';

type Json = Awaited<ReturnType<promClient.Registry['getMetricsAsJSON']>>;

function shape(metrics: Json): unknown[] {
  return metrics.map((m) => ({
    name: m.name,
    help: m.help,
    type: m.type,
    labels: m.values.map((v) => Object.keys(v.labels).sort().join(',')).sort(),
  }));
}

test('collectProcessMetrics registers the series collectDefaultMetrics registers, in its order', async () => {
  const ours = new Registry();
  collectProcessMetrics(ours, 'arca_');
  const theirs = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: theirs, prefix: 'arca_' });
  const [a, b] = await Promise.all([ours.getMetricsAsJSON(), theirs.getMetricsAsJSON()]);
  assert.ok(a.length >= 10, `${a.length} process metrics`);
  assert.deepEqual(shape(a), shape(b));
  const text = await ours.metrics();
  assert.match(text, /^arca_process_cpu_seconds_total \d/m);
  assert.match(text, /^arca_nodejs_heap_size_used_bytes \d/m);
  ours.clear();
  theirs.clear();
});

test('the process-CPU counters add up and only grow', async () => {
  const registry = new Registry();
  collectProcessMetrics(registry, 'x_');
  const read = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const m of await registry.getMetricsAsJSON())
      if (m.name.startsWith('x_process_cpu')) out[m.name] = Number(m.values[0]?.value ?? NaN);
    return out;
  };
  const first = await read();
  let spin = 0;
  for (let i = 0; i < 2e6; i++) spin += Math.sqrt(i);
  assert.ok(spin > 0);
  const second = await read();
  for (const r of [first, second]) {
    const sum = r['x_process_cpu_user_seconds_total'] + r['x_process_cpu_system_seconds_total'];
    assert.ok(Math.abs(r['x_process_cpu_seconds_total'] - sum) < 1e-9, JSON.stringify(r));
  }
  assert.ok(second['x_process_cpu_seconds_total'] > first['x_process_cpu_seconds_total']);
  registry.clear();
});

test('the classes are the package classes (one module instance)', () => {
  assert.equal(Counter, promClient.Counter);
  assert.equal(Registry, promClient.Registry);
});
