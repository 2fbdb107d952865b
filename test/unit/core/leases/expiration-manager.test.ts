import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { SeededRng } from '../../../../src/lib/rng.js';
import { ExpirationManager, type ExpiryKind } from '../../../../src/core/expiration.js';
import { defaultLeaseTiming } from '../../../../src/core/leases-timing.js';
import { RecordingLogger } from '../../../helpers/core/core-harness.js';
import { expirationFixture } from './expiration-fixture.js';

const epsilonMs = 500;

/**
 * Random track / renew / untrack of leases AND tokens through the manager's trackers, with ticks
 * at random times, against a naive model (a map of id → expiry scanned on every tick). Handlers
 * record what they are handed and revoke when `ctx.isDue` holds: each tick must hand over exactly
 * the model's items with `now > expiry + ε`, each to its own kind's handler, and nothing else.
 */
test('property: one index for leases and tokens agrees with a naive model (kinds, ε rule, renew, untrack)', async () => {
  for (let seed = 1; seed <= 30; seed++) {
    const rng = new SeededRng(seed);
    const clock = new FakeClock();
    const expiration = new ExpirationManager({
      clock,
      logger: new RecordingLogger(),
      timing: { ...defaultLeaseTiming, maxClockOffsetMs: epsilonMs, maxRevocationsPerTick: 1_000_000 },
      isActive: () => true,
    });
    const model = new Map<string, { kind: ExpiryKind; expireWallMs: number }>();
    const handed: { kind: ExpiryKind; id: string }[] = [];
    for (const kind of ['lease', 'token'] as const) {
      expiration.setHandler(kind, {
        restore: async () => undefined,
        expire: async (id, ctx) => {
          handed.push({ kind, id });
          const item = model.get(id);
          if (item === undefined || !ctx.isDue(item.expireWallMs)) return 0;
          model.delete(id);
          return 1;
        },
      });
    }
    const trackers = { lease: expiration.tracker('lease'), token: expiration.tracker('token') };
    clock.advance(epsilonMs); // past the activation grace
    for (let step = 0; step < 300; step++) {
      const op = rng.intBelow(10);
      const kind: ExpiryKind = rng.intBelow(2) === 0 ? 'lease' : 'token';
      const n = rng.intBelow(40);
      const id = kind === 'lease' ? `db/creds/r/${n}` : `hash${n}`;
      if (op < 5) {
        // register or renew: a new absolute expiry from now
        const expireWallMs = clock.wallMs() + rng.intBelow(5000);
        trackers[kind].track(id, expireWallMs);
        model.set(id, { kind, expireWallMs });
      } else if (op < 6) {
        trackers[kind].untrack(id);
        model.delete(id);
      } else {
        clock.advance(rng.intBelow(2000));
        const now = clock.wallMs();
        const expected = [...model.entries()]
          .filter(([, item]) => now > item.expireWallMs + epsilonMs)
          .map(([itemId, item]) => ({ kind: item.kind, id: itemId }));
        handed.length = 0;
        const revoked = await expiration.expireDue();
        const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
        assert.deepEqual([...handed].sort(byId), expected.sort(byId), `seed ${seed} step ${step}`);
        assert.equal(revoked, expected.length);
      }
      for (const k of ['lease', 'token'] as const) {
        const inModel = [...model.values()].filter((item) => item.kind === k).length;
        assert.equal(expiration.count(k), inModel, `seed ${seed} step ${step}: ${k} count`);
      }
    }
  }
});

test('restart: the new active node restores leases AND tokens with their original expiries, and expires each on schedule', async () => {
  const f = await expirationFixture();
  try {
    const leaseIds: string[] = [];
    const tokens: { idHash: string; expireTimeMs: number }[] = [];
    for (const [i, ttl] of [30, 60, 90].entries()) {
      leaseIds.push(await f.issue(`role${i}`, ttl));
      const t = await f.token(ttl + 5);
      tokens.push({ idHash: t.entry.idHash, expireTimeMs: t.entry.expireTimeMs });
      f.clock.advance(1234);
    }
    const expiries = new Map<string, number>();
    for (const id of leaseIds) expiries.set(id, (await f.manager.lookup(id))!.expireWallMs);
    for (const t of tokens) expiries.set(t.idHash, t.expireTimeMs);

    const node = await f.restart();
    assert.equal(node.expiration.count('lease'), 3);
    assert.equal(node.expiration.count('token'), 3);
    for (const [id, expireWallMs] of expiries) {
      assert.equal(
        node.expiration.dueWallMs(id),
        expireWallMs + epsilonMs + 1,
        `${id}: original expiry kept`,
      );
    }
    f.clock.advance(epsilonMs); // past the new node's activation grace
    // Walk to the latest expiry + ε in steps; an item must be gone exactly once now > expiry + ε.
    const last = Math.max(...expiries.values()) + epsilonMs + 1;
    while (f.clock.wallMs() <= last) {
      await node.expiration.expireDue();
      const now = f.clock.wallMs();
      for (const id of leaseIds) {
        const gone = (await node.manager.lookup(id)) === undefined;
        assert.equal(gone, now > expiries.get(id)! + epsilonMs, `lease ${id} at ${now}`);
      }
      for (const t of tokens) {
        const gone = (await node.tokens.lookupByIdHash(t.idHash)) === undefined;
        const deleted = !(await f.storedToken(t.idHash));
        assert.ok(gone || now <= t.expireTimeMs - epsilonMs, 'unusable from expiry − ε');
        assert.equal(deleted, now > t.expireTimeMs + epsilonMs, `token ${t.idHash} at ${now}`);
      }
      f.clock.advance(250);
    }
    assert.deepEqual(new Set(f.control.revoked), new Set(leaseIds));
  } finally {
    await f.close();
  }
});

test('no token is revoked before expiry + ε: not at expiry, not at expiry + ε, only after (fake clock)', async () => {
  const f = await expirationFixture();
  try {
    f.clock.advance(epsilonMs); // past the activation grace
    const t = await f.token(10);
    const child = await f.token(3600, t.entry.idHash);
    f.clock.setWall(t.entry.expireTimeMs);
    assert.equal(await f.expiration.expireDue(), 0, 'at expiry');
    f.clock.setWall(t.entry.expireTimeMs + epsilonMs);
    assert.equal(await f.expiration.expireDue(), 0, 'at expiry + ε');
    assert.ok(await f.storedToken(t.entry.idHash));
    f.clock.setWall(t.entry.expireTimeMs + epsilonMs + 1);
    assert.equal(await f.expiration.expireDue(), 2, 'the token and its child, together');
    assert.equal(await f.storedToken(t.entry.idHash), false);
    assert.equal(await f.storedToken(child.entry.idHash), false);
    assert.equal(f.expiration.count('token'), 0, 'the child left the index with its tree');
  } finally {
    await f.close();
  }
});

test('a deposed leader revokes neither leases nor tokens, even with both long overdue', async () => {
  const f = await expirationFixture();
  try {
    const lease = await f.issue('a', 1);
    const t = await f.token(1);
    f.clock.advance(60_000);
    f.state.active = false; // leadership lost
    assert.equal(f.expiration.expiryAllowed(), false);
    assert.equal(await f.expiration.expireDue(), 0);
    assert.deepEqual(f.control.revokeCalls, []);
    assert.ok(await f.storedToken(t.entry.idHash), 'the token is still stored');
    assert.equal(f.expiration.count('lease') + f.expiration.count('token'), 2, 'both stay indexed');
    // A new active node (this one deactivated for good) revokes both after its grace.
    f.state.active = true;
    const node = await f.restart();
    assert.equal(await node.expiration.expireDue(), 0, 'nothing inside the new grace');
    f.clock.advance(epsilonMs);
    assert.equal(await node.expiration.expireDue(), 2);
    assert.deepEqual(f.control.revoked, [lease]);
    assert.equal(await f.storedToken(t.entry.idHash), false);
  } finally {
    await f.close();
  }
});

test('deactivation mid-tick: a token due after an in-flight lease revocation is not revoked', async () => {
  const f = await expirationFixture({ revocationConcurrency: 1 });
  try {
    const lease = await f.issue('a', 1);
    f.clock.advance(1);
    const t = await f.token(1); // due 1 ms after the lease
    f.clock.advance(60_000);
    let release!: () => void;
    f.control.gate = new Promise((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (f.control.onRevokeStart = resolve));
    const tick = f.expiration.expireDue();
    await started;
    f.state.active = false; // leadership lost while the lease's engine call is in flight
    release();
    assert.equal(await tick, 1, 'only the lease already in flight');
    assert.deepEqual(f.control.revoked, [lease]);
    assert.ok(await f.storedToken(t.entry.idHash), 'the token was not revoked after deactivation');
  } finally {
    await f.close();
  }
});

test('the token handler re-checks under the lock: a token renewed after it was indexed is re-tracked, not revoked', async () => {
  const f = await expirationFixture();
  try {
    f.clock.advance(epsilonMs);
    const t = await f.token(10);
    // Renewed by another path that bypassed this manager's tracker (e.g. written by a previous
    // leader): the index still holds the old expiry.
    f.clock.advance(5_000);
    await f.tokens.renew(t.entry.idHash, 60);
    f.expiration.tracker('token').track(t.entry.idHash, t.entry.expireTimeMs); // stale item
    f.clock.setWall(t.entry.expireTimeMs + epsilonMs + 1);
    assert.equal(await f.expiration.expireDue(), 0);
    assert.ok(await f.tokens.lookupByIdHash(t.entry.idHash), 'still valid');
    assert.ok(
      (f.expiration.dueWallMs(t.entry.idHash) ?? 0) > f.clock.wallMs(),
      're-tracked at its new expiry',
    );
  } finally {
    await f.close();
  }
});
