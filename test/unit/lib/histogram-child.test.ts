/**
 * A `HistogramChild` (observe without prom-client's per-call label hashing) must leave exactly what
 * prom-client's own `observe` leaves: same buckets, sum and count in the exposition, including
 * values on bucket bounds, above the last bound, after `reset()` and next to other series.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { HistogramChild, HistogramChildren } from '../../../src/lib/histogram-child.js';

const buckets = [0.001, 0.01, 0.1, 1];

function pair(): { registry: Registry; histogram: Histogram }[] {
  return [0, 1].map(() => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'arca_test_seconds',
      help: 'test',
      labelNames: ['backend', 'operation'],
      buckets,
      registers: [registry],
    });
    return { registry, histogram };
  });
}

test('a child observes exactly as prom-client does, across reset() and beside other series', async () => {
  const [reference, fast] = pair();
  const labels = { backend: 'leveldb', operation: 'get' };
  const child = new HistogramChild(fast.histogram, labels);
  const other = new HistogramChildren(fast.histogram);
  const values = [0.0005, 0.001, 0.05, 0.1, 0.7, 1, 3, 0, 0.01, 1e-9];
  const both = (value: number, labelsOf = labels) => {
    reference.histogram.observe(labelsOf, value);
    if (labelsOf === labels) child.observe(value);
    else other.child(labelsOf).observe(value);
  };
  for (const value of values) both(value);
  const put = { backend: 'leveldb', operation: 'put' };
  for (const value of values) both(value * 2, put);
  assert.equal(await fast.registry.metrics(), await reference.registry.metrics());
  reference.histogram.reset();
  fast.histogram.reset();
  for (const value of values.slice(3)) both(value);
  both(0.02, put);
  assert.equal(await fast.registry.metrics(), await reference.registry.metrics());
  assert.match(
    await fast.registry.metrics(),
    /arca_test_seconds_count\{backend="leveldb",operation="get"\} 7/,
  );
});

test('a non-finite value is refused as prom-client refuses it', () => {
  const [, fast] = pair();
  const child = new HistogramChild(fast.histogram, { backend: 'x', operation: 'get' });
  child.observe(0.1);
  assert.throws(() => child.observe(Number.NaN), TypeError);
});
