import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expirationFixture } from './expiration-fixture.js';

const managerFixture = expirationFixture;

test('deactivation mid-tick: the in-flight revoke finishes, no further engine call starts', async () => {
  const f = await managerFixture({ revocationConcurrency: 1 });
  try {
    const a = await f.issue('a', 1);
    await f.issue('b', 1);
    f.clock.advance(10_000);
    let release!: () => void;
    f.control.gate = new Promise((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (f.control.onRevokeStart = resolve));
    const tick = f.expiration.expireDue();
    await started;
    f.state.active = false; // leadership lost while the engine call is in flight
    release();
    await tick;
    assert.deepEqual(f.control.revokeCalls, [a], 'only the call already in flight ran');
    f.clock.advance(60_000);
    assert.equal(await f.expiration.expireDue(), 0);
    assert.deepEqual(f.control.revokeCalls, [a]);
  } finally {
    await f.close();
  }
});

test('after stop() nothing revokes again, not even a scheduled retry', async () => {
  const f = await managerFixture();
  try {
    await f.issue('a', 1);
    f.control.failRevokes = 1;
    f.clock.advance(10_000);
    await f.expiration.expireDue();
    assert.equal(f.control.revokeCalls.length, 1, 'first attempt failed, a retry is scheduled');
    f.expiration.stop();
    assert.equal(f.expiration.expiryAllowed(), false);
    f.clock.advance(3600_000);
    assert.equal(await f.expiration.expireDue(), 0);
    assert.equal(f.control.revokeCalls.length, 1, 'no retry after stop');
  } finally {
    await f.close();
  }
});

test('the activation grace is ε plus the election timeout, on the monotonic clock (a wall step cannot shorten it)', async () => {
  const f = await managerFixture({ maxClockOffsetMs: 500, electionTimeoutMs: 1000 });
  try {
    await f.issue('a', 1);
    f.clock.setWall(f.clock.wallMs() + 3600_000); // the wall clock jumps an hour ahead
    assert.equal(await f.expiration.expireDue(), 0);
    f.clock.advance(1499);
    assert.equal(await f.expiration.expireDue(), 0);
    f.clock.advance(1);
    assert.equal(await f.expiration.expireDue(), 1);
  } finally {
    await f.close();
  }
});

test('tidy revokes (force mode) the leases whose token is gone and keeps the rest', async () => {
  const f = await managerFixture();
  try {
    const orphan = await f.issue('a', 3600, 't-gone');
    const kept = await f.issue('b', 3600, 't-live');
    f.control.failRevokes = 1; // force mode ignores the engine error
    f.manager.startTidy();
    await f.manager.tidyDone();
    assert.deepEqual(f.control.revokeCalls, [orphan]);
    assert.equal(await f.manager.lookup(orphan), undefined);
    assert.equal((await f.manager.lookup(kept))?.leaseId, kept);
  } finally {
    await f.close();
  }
});

test('a tick revokes at most maxRevocationsPerTick leases; the rest wait for the next tick', async () => {
  const f = await managerFixture({ maxRevocationsPerTick: 3 });
  try {
    for (let i = 0; i < 5; i++) await f.issue(`r${i}`, 1);
    f.clock.advance(10_000);
    assert.equal(await f.expiration.expireDue(), 3);
    assert.equal(await f.expiration.expireDue(), 2);
    assert.equal(f.manager.count(), 0);
  } finally {
    await f.close();
  }
});

test('with concurrent revocations, deactivation still stops every call not yet started', async () => {
  const f = await managerFixture({ revocationConcurrency: 2 });
  try {
    for (let i = 0; i < 6; i++) await f.issue(`r${i}`, 1);
    f.clock.advance(10_000);
    let release!: () => void;
    f.control.gate = new Promise((resolve) => (release = resolve));
    let starts = 0;
    const twoStarted = new Promise<void>((resolve) => {
      f.control.onRevokeStart = () => {
        if (++starts === 2) resolve();
      };
    });
    const tick = f.expiration.expireDue();
    await twoStarted;
    f.state.active = false;
    release();
    assert.equal(await tick, 2, 'the two in flight complete');
    assert.equal(f.control.revokeCalls.length, 2, 'no call started after deactivation');
    assert.equal(f.manager.count(), 4, 'the rest are kept for the next active node');
  } finally {
    await f.close();
  }
});
