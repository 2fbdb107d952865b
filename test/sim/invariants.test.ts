/**
 * The invariant checks that only fire on a broken cluster must be able to fire: each is fed a
 * real simulated cluster, then a bad state planted on its disks, and must throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits } from './run-seed.js';
import { Simulation } from './simulation.js';
import { SimInvariantError } from './sim-state-machine.js';
import type { SimNode } from './sim-node.js';

/** A converged 3-voter run without compaction or membership changes, so every entry is in the logs. */
async function convergedCluster(): Promise<Simulation> {
  const sim = new Simulation(
    11,
    { overrides: { nodeCount: 3, compactProbability: 0, confChangeProbability: 0, proposeProbability: 0.9 } },
    0,
  );
  await sim.run(defaultLimits);
  assert.equal(sim.phase, 'done');
  return sim;
}

/** Overwrites `node`'s durable entry at `index` with other data (a lost fsync, a buggy truncation). */
function corruptDurableEntry(node: SimNode, index: number): void {
  const entry = node.disk.image().entries.find((e) => e.index === index);
  assert.ok(entry !== undefined, `${node.id} holds entry ${index} on disk`);
  assert.equal(node.disk.syncInFlight, false);
  node.disk.syncNow({ entries: [{ ...entry, data: new TextEncoder().encode('not-what-was-acked') }] });
}

test('checkAckedDurable fires when a majority of voters lost an acknowledged write from disk', async () => {
  const sim = await convergedCluster();
  const index = sim.checker.ackedMaxIndex;
  assert.ok(index > 1, 'the run acknowledged writes');
  const voters = sim.checker.committedConf.voters.map((id) => sim.nodes.get(id) as SimNode);
  assert.equal(voters.length, 3);
  sim.checker.checkAckedDurable(sim.nodes.values()); // the intact cluster passes

  corruptDurableEntry(voters[0], index);
  sim.checker.checkAckedDurable(sim.nodes.values()); // one copy of three lost: still on a majority

  corruptDurableEntry(voters[1], index);
  assert.throws(
    () => sim.checker.checkAckedDurable(sim.nodes.values()),
    (err: unknown) =>
      err instanceof SimInvariantError &&
      err.message.includes(`acknowledged write at index ${index}`) &&
      err.message.includes('durable on only 1 of 3 voters'),
  );
});
