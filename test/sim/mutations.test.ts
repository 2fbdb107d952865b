/**
 * Proof that the simulator can fail: each deliberately planted core bug (RaftMutations) must be
 * caught by a SAFETY invariant within a bounded number of seeds of its tuned swarm (a stalled
 * cluster alone would not prove the checkers work), and the same tuned swarm with the switch off
 * must pass that seed (so the catch is the bug's doing, not the tuning's). Three of them are also
 * planted under the production driver, whose checks judge what its callers are told (acks and
 * resolved reads) rather than what the core emits. (commitPreviousTermByCounting needs the
 * simulator's fine-grained crash timing in the core's Figure 8 window: 40 driver seeds did not
 * reach it, so it stays a core-only proof.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, runSeed } from './run-seed.js';
import { mutationNames, mutationTuning } from './mutation-tuning.js';
import type { SimDriver } from './swarm-options.js';

const maxSeeds = 600;
const driverMaxSeeds = 60;

/** Runs `mutation`'s tuned swarm on `driver` until a safety invariant catches it; then the control. */
async function catchMutation(mutation: (typeof mutationNames)[number], driver: SimDriver, seeds: number) {
  let caughtBy: number | undefined;
  let firstFailure: number | undefined;
  let failure = '';
  for (let seed = 1; seed <= seeds && caughtBy === undefined; seed++) {
    const result = await runSeed(seed, defaultLimits, { ...mutationTuning(mutation), driver });
    if (!result.ok) firstFailure ??= seed;
    if (!result.ok && result.failureKind === 'invariant') {
      caughtBy = seed;
      failure = result.failure ?? '';
    }
  }
  assert.ok(
    caughtBy !== undefined,
    `${mutation} was not caught by an invariant within ${seeds} ${driver} seeds`,
  );
  console.log(
    `${mutation} (${driver}): caught by seed ${caughtBy} (first failing seed ${firstFailure}) — ${failure.split('\n')[0]}`,
  );
  const control = await runSeed(caughtBy, defaultLimits, { ...mutationTuning(mutation, false), driver });
  assert.ok(control.ok, `seed ${caughtBy} fails even without ${mutation}: ${control.failure ?? ''}`);
}

for (const mutation of mutationNames) {
  test(`the simulator catches ${mutation} with a safety invariant within ${maxSeeds} seeds`, async () => {
    await catchMutation(mutation, 'core', maxSeeds);
  });
}

for (const mutation of ['readIndexBeforeTermCommit', 'voteBeforePersist', 'truncateOnEveryAppend'] as const) {
  test(`under the production driver the simulator catches ${mutation} within ${driverMaxSeeds} seeds`, async () => {
    await catchMutation(mutation, 'node', driverMaxSeeds);
  });
}
