import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendFactory } from '../../../src/logical/backend.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

/** An engine whose `slow` read waits until the test opens the gate. */
function gatedEngine(): { factory: BackendFactory; open: () => void; entered: Promise<void> } {
  let open!: () => void;
  let markEntered!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (markEntered = resolve));
  const factory: BackendFactory = async () => ({
    type: 'gated',
    paths: [
      {
        pattern: 'slow',
        operations: {
          read: async (req) => {
            markEntered();
            await gate;
            // Still able to use storage: the barrier has not been sealed under us.
            await req.storage.put('touched', Buffer.from('1'));
            return { data: { done: true } };
          },
        },
      },
    ],
  });
  return { factory, open, entered };
}

test('a seal waits for requests already inside; new requests get 503 meanwhile', async () => {
  const gated = gatedEngine();
  const h = await unsealedHarness({ engines: { gated: gated.factory } });
  await h.call('update', 'sys/mounts/gated', { type: 'gated' }, h.rootToken);
  const slow = h.call('read', 'gated/slow', {}, h.rootToken);
  await gated.entered;
  let sealed = false;
  const seal = h.call('update', 'sys/seal', {}, h.rootToken).then((out) => {
    sealed = true;
    return out;
  });
  // The seal has begun once core reports sealed (the lifecycle flips before its teardown drains).
  // Wait for that state — core over memory storage gets there in a few event-loop turns; the bound
  // counts turns, not milliseconds.
  for (let turns = 0; !h.core.sealed(); turns++) {
    assert.ok(turns < 10_000, 'the seal never started');
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(sealed, false, 'seal is waiting for the in-flight request');
  assert.equal((await h.call('read', 'sys/mounts', {}, h.rootToken)).status, 503, 'nothing new gets in');
  gated.open();
  const done = await slow;
  assert.equal(done.status, 200);
  assert.deepEqual(done.response!.data, { done: true });
  assert.equal((await seal).status, 204);
  assert.equal(h.core.sealed(), true);
});
