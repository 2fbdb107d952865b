import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/lib/clock.js';
import { isArcaError } from '../../../src/lib/errors.js';
import { Barrier } from '../../../src/storage/barrier/barrier.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import { ShamirSeal } from '../../../src/storage/seal/shamir-seal.js';
import {
  answerJoinChallenge,
  bundleSealConfig,
  JoinChallenges,
  type JoinClaim,
} from '../../../src/core/join-challenge.js';

/** An initialised, unsealed vault (5 shares, threshold 3) over memory. */
async function vault(clock: FakeClock): Promise<{ challenges: JoinChallenges; shares: Buffer[] }> {
  const physical = new MemoryPhysical();
  const barrier = new Barrier(physical, clock);
  const seal = new ShamirSeal(physical, barrier);
  const { shares } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  return { challenges: new JoinChallenges(physical, barrier, clock, 60_000), shares };
}

const claim: JoinClaim = {
  nodeId: 'node-2',
  apiAddr: 'http://127.0.0.1:8202',
  clusterAddr: '127.0.0.1:8302',
  publicKey: '12D3KooWjoiner',
};

describe('join challenge: only the key holders’ node can answer', () => {
  test('a node unsealed with a quorum of the cluster’s shares answers and is admitted once', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    assert.deepEqual(bundleSealConfig(bundle), { type: 'shamir', secretShares: 5, secretThreshold: 3 });
    const answer = await answerJoinChallenge(bundle, claim, [shares[4], shares[1], shares[2]], clock);
    assert.equal(challenges.verify(claim, answer), true);
    assert.equal(challenges.verify(claim, answer), false, 'a challenge is single use');
  });

  test('shares of another vault fail like a wrong unseal key', async () => {
    const clock = new FakeClock();
    const { challenges } = await vault(clock);
    const other = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    await assert.rejects(answerJoinChallenge(bundle, claim, other.shares.slice(0, 3), clock), (err) =>
      isArcaError(err, 'invalid_unseal_key'),
    );
  });

  test('fewer shares than the threshold cannot answer', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    await assert.rejects(answerJoinChallenge(bundle, claim, shares.slice(0, 2), clock), (err) =>
      isArcaError(err, 'invalid_unseal_key'),
    );
  });

  test('an answer binds the joiner’s key and addresses: it cannot admit another key', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    const answer = await answerJoinChallenge(bundle, claim, shares.slice(0, 3), clock);
    assert.equal(challenges.verify({ ...claim, publicKey: '12D3KooWattacker' }, answer), false);
  });

  test('a challenge issued for one node id cannot be answered for another', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue('node-3');
    await assert.rejects(answerJoinChallenge(bundle, claim, shares.slice(0, 3), clock), (err) =>
      isArcaError(err, 'integrity_failure'),
    );
  });

  test('a challenge expires', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    const answer = await answerJoinChallenge(bundle, claim, shares.slice(0, 3), clock);
    clock.advance(60_001);
    assert.equal(challenges.verify(claim, answer), false);
  });

  test('the bundle carries no plaintext key material', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    for (const share of shares) {
      for (const field of [bundle.wrappedRootKey, bundle.keyring, bundle.challenge])
        assert.equal(Buffer.from(field).includes(share.subarray(1, 17)), false);
    }
  });

  test('asking twice hands out the same pending challenge: the first bundle still answers (Vault)', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const first = await challenges.issue(claim.nodeId);
    // A retry whose first request the joiner gave up on, or a duplicate arriving late.
    await challenges.issue(claim.nodeId);
    const answer = await answerJoinChallenge(first, claim, shares.slice(0, 3), clock);
    assert.equal(challenges.verify(claim, answer), true);
  });

  test('a right answer whose admission fails stays pending: the same answer is taken later (regression)', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    const answer = await answerJoinChallenge(bundle, claim, shares.slice(0, 3), clock);
    const busy = new Error('a configuration change is already pending');
    await assert.rejects(
      challenges.verifyAndAdmit(claim, answer, () => Promise.reject(busy)),
      (err) => err === busy,
    );
    assert.equal(
      await challenges.verifyAndAdmit(claim, answer, () => Promise.resolve('admitted')),
      'admitted',
    );
    await assert.rejects(
      challenges.verifyAndAdmit(claim, answer, () => Promise.resolve('again')),
      (err) => isArcaError(err, 'permission_denied'),
      'single use once admitted',
    );
  });

  test('a wrong answer is refused and consumes the challenge; an expired one is not restored', async () => {
    const clock = new FakeClock();
    const { challenges, shares } = await vault(clock);
    const bundle = await challenges.issue(claim.nodeId);
    const answer = await answerJoinChallenge(bundle, claim, shares.slice(0, 3), clock);
    const wrong = Buffer.from(answer);
    wrong[0] ^= 1;
    let admitted = false;
    await assert.rejects(
      challenges.verifyAndAdmit(claim, wrong, async () => {
        admitted = true;
      }),
      (err) => isArcaError(err, 'permission_denied'),
    );
    assert.equal(admitted, false, 'nothing admitted on a wrong answer');
    assert.equal(challenges.verify(claim, answer), false, 'the wrong answer used the challenge up');

    const again = await challenges.issue(claim.nodeId);
    const right = await answerJoinChallenge(again, claim, shares.slice(0, 3), clock);
    await assert.rejects(
      challenges.verifyAndAdmit(claim, right, () => {
        clock.advance(60_001);
        return Promise.reject(new Error('too slow'));
      }),
    );
    assert.equal(challenges.verify(claim, right), false, 'expired while admitting: gone');
  });
});
