import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstrumentedBarrier } from '../../../src/core/instrumented-storage.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { deepFreeze } from '../../../src/lib/deep-freeze.js';
import { isArcaError } from '../../../src/lib/errors.js';
import { ArcaMetrics } from '../../../src/lib/metrics.js';
import { secureRandomBytes } from '../../../src/lib/rng.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';

async function getCount(metrics: ArcaMetrics): Promise<number> {
  const values = (await metrics.barrierOperations.get()).values;
  const count = values.find(
    (v) => v.metricName === 'arca_barrier_operation_duration_seconds_count' && v.labels.operation === 'get',
  );
  return count?.value ?? 0;
}

test('a read-cache hit through peekDecoded counts as a barrier get; a miss does not (get follows)', async () => {
  const metrics = new ArcaMetrics();
  const barrier = new InstrumentedBarrier(new MemoryPhysical(), new FakeClock(), metrics, {
    readCache: { entriesMax: 10, bytesMax: 1 << 20, valueBytesMax: 1024 },
  });
  await barrier.initialize(secureRandomBytes(32));
  const decode = (raw: Uint8Array) => deepFreeze(JSON.parse(Buffer.from(raw).toString('utf8')) as unknown);
  assert.equal(barrier.peekDecoded('k', decode), undefined);
  assert.equal(await getCount(metrics), 0, 'a miss is not an operation');
  await barrier.put('k', Buffer.from('{"a":1}'));
  assert.deepEqual(barrier.peekDecoded('k', decode), { a: 1 });
  assert.deepEqual(barrier.peekDecoded('k', decode), { a: 1 });
  assert.equal(await getCount(metrics), 2);
  barrier.seal();
  assert.throws(
    () => barrier.peekDecoded('k', decode),
    (err) => isArcaError(err, 'sealed'),
  );
  assert.equal(await getCount(metrics), 3, 'a failed get is timed too, as `get`');
});
