/**
 * Bugs the simulator found in the production driver (src/raft/node.ts), each pinned to the seed
 * that found it. Replay with `npm run sim -- --seed N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, formatFailure, runSeed } from './run-seed.js';

test('seed 1: the driver restores the snapshot it starts from WITH its metadata (the index it covers)', async () => {
  // Before the fix `start()` called `restore(data)` without the metadata. The bootstrap snapshot's
  // data is the empty state (index 0) labelled index 1, so the state machine could not know it
  // stood at index 1 and saw entry 2 as a gap ("applied entries not contiguous: got index 2 after
  // applied 0"); every seed of the driver failed that way.
  const result = await runSeed(1, defaultLimits, { driver: 'node' });
  assert.ok(result.ok, formatFailure(result));
});

test('seed 274: after a restart the driver does not label a durable state machine that is ahead as an older snapshot', async () => {
  // n1 crashed with its state machine (durable, like the production StateStore) at 24 but its
  // log's commit at 21. On restart the core re-delivered 2..21, the snapshot threshold fired at
  // applied 21, and the driver took `stateMachine.snapshot()` — the state at 24 — as the snapshot
  // at index 21. Followers installing it would re-apply 22..24 on top of a state that had them
  // ("snapshot data covers index 24 but its metadata says 21" when n6 installed it).
  const result = await runSeed(274, defaultLimits, { driver: 'node' });
  assert.ok(result.ok, formatFailure(result));
});

test('seed 925: duplicate snapshot rejects rewind the stream once, not once per duplicate (no resend storm)', async () => {
  // A joiner rejected the in-flight chunks of a snapshot stream (each named the offset it
  // expected). The leader rewound and resent the whole window for EVERY reject, so each round
  // multiplied the chunks in flight, and the traffic grew until the event queue overflowed
  // ("event storm"). Now a reject naming the offset the stream was already rewound to is ignored
  // until the follower confirms progress (stalls are still retried by the heartbeat path).
  const result = await runSeed(925, defaultLimits, { driver: 'node' });
  assert.ok(result.ok, formatFailure(result));
});
