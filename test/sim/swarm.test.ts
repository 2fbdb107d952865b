/**
 * The deterministic simulator's swarm: 500 seeds of the PRODUCTION driver (RaftNode with its
 * durable log) on the simulated disk, a smaller set on real LevelDB log stores, and the pure core
 * under the simulator's own loop; each seed with its own cluster size, settings and fault rates,
 * invariants checked after every step, then a liveness phase. A failure names its seed; replay it
 * with `npm run sim -- --seed N` (add `--leveldb` or `--driver core` as the failure says).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, formatFailure, runSeed } from './run-seed.js';
import type { SimDriver } from './swarm-options.js';

/** Runs `count` seeds from `startSeed` on `driver`; fails with the first failures' reports. */
async function swarm(driver: SimDriver, count: number, startSeed = 1): Promise<void> {
  const failures: string[] = [];
  let steps = 0;
  const started = performance.now();
  for (let seed = startSeed; seed < startSeed + count; seed++) {
    const result = await runSeed(seed, defaultLimits, { driver });
    steps += result.steps;
    if (!result.ok) failures.push(formatFailure(result));
    if (failures.length >= 3) break;
  }
  console.log(
    `swarm (${driver}): ${count} seeds, ${steps} steps, ${((performance.now() - started) / 1000).toFixed(1)} s, ${failures.length} failures`,
  );
  assert.equal(failures.length, 0, failures.join('\n\n'));
}

test('the production driver passes 500 seeds on the simulated disk', async () => {
  await swarm('node', 500);
});

test('the production driver passes 12 seeds on real LevelDB log stores', async () => {
  await swarm('leveldb', 12);
});

test('the pure core passes 200 seeds under the simulator loop', async () => {
  await swarm('core', 200);
});

for (const driver of ['core', 'node', 'leveldb'] as const) {
  test(`a seed replays exactly on the ${driver} driver (same trace hash, steps, virtual time, stats)`, async () => {
    const a = await runSeed(4242, defaultLimits, { driver }, { traceHash: true });
    const b = await runSeed(4242, defaultLimits, { driver }, { traceHash: true });
    assert.ok(a.ok, formatFailure(a));
    assert.notEqual(a.traceHash, 0);
    assert.equal(a.traceHash, b.traceHash);
    assert.equal(a.steps, b.steps);
    assert.equal(a.virtualMs, b.virtualMs);
    assert.deepEqual(a.stats, b.stats);
    const other = await runSeed(4243, defaultLimits, { driver }, { traceHash: true });
    assert.notEqual(other.traceHash, a.traceHash, 'the hash tells runs apart');
  });
}

test('a removal already proposed counts: seed 7311470 no longer removes one of two voters and wedges', async () => {
  // Before the fix the membership workload counted only committed voters: with a removal from
  // three voters still in flight it removed a second voter, and the survivor never learned the
  // removal committed (no leader after the heal).
  const result = await runSeed(7311470, defaultLimits);
  assert.ok(result.ok, formatFailure(result));
});
