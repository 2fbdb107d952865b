import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/lib/clock.js';
import { SeededRng } from '../../../../src/lib/rng.js';
import { LeaseManager } from '../../../../src/core/leases.js';
import { defaultLeaseTiming, type LeaseTiming } from '../../../../src/core/leases-timing.js';
import { PrefixedStorageView } from '../../../../src/core/storage-view.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import { RecordingLogger } from '../../../helpers/core/core-harness.js';
import { leaseEngine } from '../../../helpers/core/lease-engine.js';

/** The manager over real LevelDB with the test engine mounted at `db/`, and a switch for "active". */
async function managerFixture(timing: Partial<LeaseTiming> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'arca-lease-manager-'));
  const physical = await LevelPhysical.open(dir);
  const clock = new FakeClock();
  const { factory, control } = leaseEngine();
  const mountStorage = new PrefixedStorageView(physical, 'logical/db/');
  const backend = await factory({
    mountPoint: 'db/',
    options: {},
    storage: mountStorage,
    clock,
    rng: new SeededRng(3),
  });
  const state = { active: true, liveTokens: new Set(['t-live']) };
  const logger = new RecordingLogger();
  const manager = new LeaseManager({
    storage: new PrefixedStorageView(physical, 'sys/'),
    clock,
    rng: new SeededRng(4),
    logger,
    timing: { ...defaultLeaseTiming, ...timing },
    isActive: () => state.active,
    resolveMount: (path) =>
      path.startsWith('db/') ? { backend, storage: mountStorage, mountPoint: 'db/' } : undefined,
    mountTtls: () => ({ defaultSeconds: 3600, maxSeconds: 7200 }),
    tokenExists: async (accessor) => state.liveTokens.has(accessor),
  });
  const issue = (role: string, ttlSeconds: number, tokenAccessor = 't-live') =>
    manager.register({
      path: `db/creds/${role}`,
      ttlSeconds,
      renewable: true,
      tokenAccessor,
      secretType: 'cred',
      internalData: { username: `u-${role}` },
    });
  return {
    manager,
    clock,
    control,
    state,
    logger,
    issue,
    close: async () => {
      await physical.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('deactivation mid-tick: the in-flight revoke finishes, no further engine call starts', async () => {
  const f = await managerFixture({ revocationConcurrency: 1 });
  try {
    const a = await f.issue('a', 1);
    await f.issue('b', 1);
    f.clock.advance(10_000);
    let release!: () => void;
    f.control.gate = new Promise((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (f.control.onRevokeStart = resolve));
    const tick = f.manager.expireDue();
    await started;
    f.state.active = false; // leadership lost while the engine call is in flight
    release();
    await tick;
    assert.deepEqual(f.control.revokeCalls, [a], 'only the call already in flight ran');
    f.clock.advance(60_000);
    assert.equal(await f.manager.expireDue(), 0);
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
    await f.manager.expireDue();
    assert.equal(f.control.revokeCalls.length, 1, 'first attempt failed, a retry is scheduled');
    f.manager.stop();
    assert.equal(f.manager.expiryAllowed(), false);
    f.clock.advance(3600_000);
    assert.equal(await f.manager.expireDue(), 0);
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
    assert.equal(await f.manager.expireDue(), 0);
    f.clock.advance(1499);
    assert.equal(await f.manager.expireDue(), 0);
    f.clock.advance(1);
    assert.equal(await f.manager.expireDue(), 1);
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
    assert.equal(await f.manager.expireDue(), 3);
    assert.equal(await f.manager.expireDue(), 2);
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
    const tick = f.manager.expireDue();
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
