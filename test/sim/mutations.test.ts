/**
 * Proof that the simulator can fail: each deliberately planted core bug (RaftMutations) must be
 * caught by a SAFETY invariant within a bounded number of seeds of its tuned swarm (a stalled
 * cluster alone would not prove the checkers work), and the same tuned swarm with the switch off
 * must pass that seed (so the catch is the bug's doing, not the tuning's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, runSeed } from './run-seed.js';
import { mutationNames, mutationTuning } from './mutation-tuning.js';

const maxSeeds = 600;

for (const mutation of mutationNames) {
  test(`the simulator catches ${mutation} with a safety invariant within ${maxSeeds} seeds`, async () => {
    let caughtBy: number | undefined;
    let firstFailure: number | undefined;
    let failure = '';
    for (let seed = 1; seed <= maxSeeds && caughtBy === undefined; seed++) {
      const result = await runSeed(seed, defaultLimits, mutationTuning(mutation));
      if (!result.ok) firstFailure ??= seed;
      if (!result.ok && result.failureKind === 'invariant') {
        caughtBy = seed;
        failure = result.failure ?? '';
      }
    }
    assert.ok(caughtBy !== undefined, `${mutation} was not caught by an invariant within ${maxSeeds} seeds`);
    console.log(
      `${mutation}: caught by seed ${caughtBy} (first failing seed ${firstFailure}) — ${failure.split('\n')[0]}`,
    );
    const control = await runSeed(caughtBy, defaultLimits, mutationTuning(mutation, false));
    assert.ok(control.ok, `seed ${caughtBy} fails even without ${mutation}: ${control.failure ?? ''}`);
  });
}
