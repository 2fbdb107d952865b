/**
 * The deterministic simulator's swarm over the real Raft core: 500 seeds, each with its own
 * cluster size, settings and fault rates, invariants checked after every step, then a liveness
 * phase. A failure names its seed; replay it with `npm run sim -- --seed N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, formatFailure, runSeed } from './run-seed.js';

const seeds = 500;
const startSeed = 1;

test(`the swarm passes ${seeds} seeds (safety under faults, then liveness after heal)`, () => {
  const failures: string[] = [];
  let steps = 0;
  const started = performance.now();
  for (let seed = startSeed; seed < startSeed + seeds; seed++) {
    const result = runSeed(seed, defaultLimits);
    steps += result.steps;
    if (!result.ok) failures.push(formatFailure(result));
    if (failures.length >= 3) break;
  }
  console.log(
    `swarm: ${seeds} seeds, ${steps} steps, ${((performance.now() - started) / 1000).toFixed(1)} s, ${failures.length} failures`,
  );
  assert.equal(failures.length, 0, failures.join('\n\n'));
});

test('a seed replays exactly (same steps, same virtual time, same stats)', () => {
  const a = runSeed(4242, defaultLimits);
  const b = runSeed(4242, defaultLimits);
  assert.equal(a.steps, b.steps);
  assert.equal(a.virtualMs, b.virtualMs);
  assert.deepEqual(a.stats, b.stats);
});

test('a removal already proposed counts: seed 7311470 no longer removes one of two voters and wedges', () => {
  // Before the fix the membership workload counted only committed voters: with a removal from
  // three voters still in flight it removed a second voter, and the survivor never learned the
  // removal committed (no leader after the heal).
  const result = runSeed(7311470, defaultLimits);
  assert.ok(result.ok, formatFailure(result));
});
