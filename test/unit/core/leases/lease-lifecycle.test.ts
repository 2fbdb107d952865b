import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaseFixture, removeFixture } from './lease-fixture.js';

/** ε (max_clock_offset) and the activation grace with the defaults (no election timeout). */
const epsilonMs = 500;

test('restart: every lease is restored with its original issue and expiry times, then expires on schedule', async () => {
  const first = await leaseFixture();
  try {
    const ids: string[] = [];
    const before = new Map<string, Record<string, unknown>>();
    for (const [i, ttl] of [30, 60, 90, 120, 3600].entries()) {
      ids.push(await first.issue(`role${i}`, { ttl }));
      first.clock.advance(1234);
    }
    for (const id of ids) before.set(id, await first.lookup(id));
    await first.close();

    const second = await leaseFixture(first);
    try {
      for (const id of ids) {
        const after = await second.lookup(id);
        assert.equal(after.issue_time, before.get(id)!.issue_time, `${id}: issue time kept`);
        assert.equal(after.expire_time, before.get(id)!.expire_time, `${id}: expiry kept`);
      }
      // The first four expire within 125 s of issue; the 1h one stays.
      second.clock.advance(125_000);
      await second.core.tick();
      assert.deepEqual(new Set(second.control.revoked), new Set(ids.slice(0, 4)));
      assert.equal((await second.lookup(ids[4])).id, ids[4]);
    } finally {
      await second.close();
    }
  } finally {
    await removeFixture(first);
  }
});

test('time rules: no revocation until now > expiry + ε; renew refuses once now > expiry − ε', async () => {
  const f = await leaseFixture();
  try {
    const a = await f.issue('a', { ttl: 10 });
    const b = await f.issue('b', { ttl: 10 });
    f.clock.advance(10_000 - epsilonMs);
    const renewAtBound = await f.call(
      'update',
      'sys/leases/renew',
      { lease_id: b, increment: 10 },
      f.rootToken,
    );
    assert.equal(renewAtBound.status, 200, 'at expiry − ε exactly the lease is still usable');
    f.clock.advance(1);
    const late = await f.call('update', 'sys/leases/renew', { lease_id: a }, f.rootToken);
    assert.equal(late.status, 400);
    assert.deepEqual(late.error!.messages, ['lease expired']);
    f.clock.advance(2 * epsilonMs - 1); // now = expiry + ε
    await f.core.tick();
    assert.deepEqual(f.control.revokeCalls, [], 'no revocation at expiry + ε');
    f.clock.advance(1);
    await f.core.tick();
    assert.deepEqual(f.control.revoked, [a], 'revoked just past expiry + ε; the renewed lease stays');
  } finally {
    await f.close();
    await removeFixture(f);
  }
});

test('a node that just became active revokes nothing before the grace of ε (+ election timeout) has passed', async () => {
  const first = await leaseFixture();
  try {
    const id = await first.issue('a', { ttl: 1 });
    await first.close();
    first.clock.advance(60_000); // long expired while no node was active
    const second = await leaseFixture(first);
    try {
      await second.core.tick();
      assert.deepEqual(second.control.revokeCalls, [], 'nothing right after activation');
      second.clock.advance(epsilonMs - 1);
      await second.core.tick();
      assert.deepEqual(second.control.revokeCalls, [], 'nothing inside the grace');
      second.clock.advance(1);
      await second.core.tick();
      assert.deepEqual(second.control.revoked, [id]);
    } finally {
      await second.close();
    }
  } finally {
    await removeFixture(first);
  }
});

test('a failed revocation is retried with backoff, the lease stays visible, then it succeeds', async () => {
  const f = await leaseFixture();
  try {
    const id = await f.issue('a', { ttl: 1 });
    f.control.failRevokes = 2;
    f.clock.advance(1000 + epsilonMs + 1);
    await f.core.tick();
    assert.deepEqual(f.control.revokeCalls, [id]);
    assert.equal((await f.lookup(id)).id, id, 'kept and visible after a failure');
    // Attempt 1 failed: the next one is 2^1 · 10 s ± 50 % away, so never before 10 s.
    f.clock.advance(9_999);
    await f.core.tick();
    assert.equal(f.control.revokeCalls.length, 1, 'no retry before the backoff');
    f.clock.advance(30_000 - 9_999);
    await f.core.tick();
    assert.equal(f.control.revokeCalls.length, 2, 'retried within 1.5 · 2 · 10 s');
    f.clock.advance(60_000); // attempt 2 failed: 2^2 · 10 s · 1.5 at most
    await f.core.tick();
    assert.deepEqual(f.control.revoked, [id]);
    const gone = await f.call('update', 'sys/leases/lookup', { lease_id: id }, f.rootToken);
    assert.equal(gone.status, 400);
    assert.deepEqual(gone.error!.messages, ['invalid lease']);
  } finally {
    await f.close();
    await removeFixture(f);
  }
});

test('after the retry budget a lease is irrevocable: kept, counted, listed, logged, shown by lookup, never retried', async () => {
  const f = await leaseFixture();
  try {
    const id = await f.issue('a', { ttl: 1 });
    f.control.failRevokes = 1000;
    f.clock.advance(1000 + epsilonMs + 1);
    await f.core.tick();
    for (let attempt = 1; attempt < 6; attempt++) {
      f.clock.advance(1.5 * 2 ** attempt * 10_000);
      await f.core.tick();
    }
    assert.equal(f.control.revokeCalls.length, 6, 'Vault: 6 attempts');
    f.clock.advance(24 * 3600_000);
    await f.core.tick();
    assert.equal(f.control.revokeCalls.length, 6, 'never retried after that');

    const looked = await f.lookup(id);
    assert.equal(
      looked.revoke_error,
      'out of retries: failed to revoke entry: resp: (*logical.Response)(nil) err: database unreachable',
    );
    assert.equal(looked.renewable, false);
    const listed = await f.call('read', 'sys/leases', { type: 'irrevocable' }, f.rootToken);
    assert.equal(listed.status, 200);
    const leases = listed.response!.data!.leases as Record<string, unknown>[];
    assert.equal(listed.response!.data!.lease_count, 1);
    assert.equal(leases[0].lease_id, id);
    assert.equal(leases[0].error, looked.revoke_error);
    assert.match(String(leases[0].mount_id), /^leasing_/);
    const counted = await f.call('read', 'sys/leases/count', { type: 'irrevocable' }, f.rootToken);
    assert.equal(counted.response!.data!.lease_count, 1);
    assert.equal(
      (await f.call('read', 'sys/leases', {}, f.rootToken)).status,
      404,
      'Vault: only type=irrevocable',
    );

    const renew = await f.call('update', 'sys/leases/renew', { lease_id: id }, f.rootToken);
    assert.deepEqual(renew.error!.messages, ['lease is expired and has failed previous revocation attempts']);
    const text = String((await f.core.renderMetrics('prometheus')).body);
    assert.match(text, /^arca_leases_irrevocable 1$/m);
    assert.match(text, /^arca_lease_revocations_total\{result="irrevocable"\} 1$/m);
    assert.ok(f.logger.lines.some((line) => line.includes('lease is irrevocable')));
    assert.ok(!f.logger.lines.some((line) => line.includes('u-a')), 'no internal data in the log');

    // revoke-force clears it (Vault asks the engine once more and ignores its error).
    const forced = await f.call('update', `sys/leases/revoke-force/${id}`, {}, f.rootToken);
    assert.equal(forced.status, 204);
    assert.equal(
      (await f.call('read', 'sys/leases', { type: 'irrevocable' }, f.rootToken)).response!.data!.lease_count,
      0,
    );
  } finally {
    await f.close();
    await removeFixture(f);
  }
});

test('tokens follow the same time rules in the same expiration manager: unusable from expiry − ε, deleted only once now > expiry + ε', async () => {
  const f = await leaseFixture();
  try {
    const created = await f.call(
      'update',
      'auth/token/create',
      { policies: ['default'], ttl: '60s' },
      f.rootToken,
    );
    const token = created.response!.auth!.clientToken;
    const expirations = async (): Promise<string> =>
      /^arca_token_expirations_total (\d+)$/m.exec(
        String((await f.core.renderMetrics('prometheus')).body),
      )?.[1] ?? '';
    const pendingTokens = async (): Promise<string> =>
      /^arca_expiration_pending\{kind="token"\} (\d+)$/m.exec(
        String((await f.core.renderMetrics('prometheus')).body),
      )?.[1] ?? '';
    assert.equal(await pendingTokens(), '1', 'the new token is in the one index (the root never expires)');
    f.clock.advance(60_000 - epsilonMs - 1);
    const before = await f.call('read', 'auth/token/lookup-self', {}, token);
    assert.equal(before.status, 200, 'usable until expiry − ε');
    f.clock.advance(1);
    assert.equal((await f.call('read', 'auth/token/lookup-self', {}, token)).status, 403, 'expired for use');
    f.clock.advance(2 * epsilonMs); // now = expiry + ε exactly
    await f.core.tick();
    assert.equal(await expirations(), '0', 'not deleted at expiry + ε (the lease rule: now > expiry + ε)');
    f.clock.advance(1);
    await f.core.tick();
    assert.equal(await expirations(), '1');
    assert.equal(await pendingTokens(), '0');
  } finally {
    await f.close();
    await removeFixture(f);
  }
});
