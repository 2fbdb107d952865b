import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaseFixture, removeFixture, type LeaseFixture } from './lease-fixture.js';

const epsilonMs = 500;

async function withFixture(fn: (f: LeaseFixture) => Promise<void>): Promise<void> {
  const f = await leaseFixture();
  try {
    const policy =
      'path "db/*" { capabilities = ["read"] }\n' +
      'path "sys/leases/renew" { capabilities = ["update"] }\n' +
      'path "auth/token/create" { capabilities = ["update"] }';
    await f.call('update', 'sys/policies/acl/creds', { policy }, f.rootToken);
    await fn(f);
  } finally {
    await f.close();
    await removeFixture(f);
  }
}

/** A token created by `creator` with `data` (policies `creds`). */
async function createToken(f: LeaseFixture, creator: string, data: Record<string, unknown>): Promise<string> {
  const out = await f.call('update', 'auth/token/create', { policies: ['creds'], ...data }, creator);
  assert.equal(out.status, 200, out.error?.message);
  return out.response!.auth!.clientToken;
}

/** Reads `db/creds/<role>` with `token`: lease id and reported lease_duration. */
async function creds(f: LeaseFixture, role: string, ttl: number, token: string) {
  const out = await f.call('read', `db/creds/${role}`, { ttl }, token);
  assert.equal(out.status, 200, out.error?.message);
  return { leaseId: out.response!.leaseId!, ttlSeconds: out.response!.secret!.ttlSeconds };
}

test("a batch token's lease is capped at the token's expiry, at issue and on renew (Vault's Register/Renew)", () =>
  withFixture(async (f) => {
    const parent = await createToken(f, f.rootToken, { ttl: '1h' });
    const batch = await createToken(f, parent, { type: 'batch', ttl: '60s' });
    assert.match(batch, /^hvb\./);
    const tokenExpiry = f.clock.wallMs() + 60_000;
    const { leaseId, ttlSeconds } = await creds(f, 'a', 3600, batch);
    assert.equal(ttlSeconds, 60, 'lease_duration is what is left of the batch token');
    assert.equal(Date.parse(String((await f.lookup(leaseId)).expire_time)), tokenExpiry);

    f.clock.advance(20_000);
    const renewed = await f.call('update', 'sys/leases/renew', { lease_id: leaseId, increment: 3600 }, batch);
    assert.equal(renewed.status, 200, renewed.error?.message);
    assert.equal(renewed.response!.secret!.ttlSeconds, 40, 'renew cannot outlive the batch token');
    assert.equal(Date.parse(String((await f.lookup(leaseId)).expire_time)), tokenExpiry);

    // A service token's lease is not capped (control).
    const service = await creds(f, 'b', 3600, parent);
    assert.equal(service.ttlSeconds, 3600);
  }));

test('the lease of an expired batch token is revoked once now > token expiry + ε (orphan and non-orphan)', () =>
  withFixture(async (f) => {
    const parent = await createToken(f, f.rootToken, { ttl: '1h' });
    const child = await createToken(f, parent, { type: 'batch', ttl: '30s' });
    const orphan = await createToken(f, f.rootToken, { type: 'batch', ttl: '30s', no_parent: true });
    const a = await creds(f, 'a', 3600, child);
    const b = await creds(f, 'b', 3600, orphan);
    f.clock.advance(30_000 + epsilonMs);
    await f.core.tick();
    assert.deepEqual(f.control.revokeCalls, [], 'not at expiry + ε');
    f.clock.advance(1);
    await f.core.tick();
    assert.deepEqual(new Set(f.control.revoked), new Set([a.leaseId, b.leaseId]));
  }));

test("revoking a non-orphan batch token's parent revokes the batch token's leases; an orphan's stay", () =>
  withFixture(async (f) => {
    const parent = await createToken(f, f.rootToken, { ttl: '1h' });
    const child = await createToken(f, parent, { type: 'batch', ttl: '30m' });
    const orphan = await createToken(f, f.rootToken, { type: 'batch', ttl: '30m', no_parent: true });
    const mine = await creds(f, 'a', 3600, child);
    const kept = await creds(f, 'b', 3600, orphan);
    const revoke = await f.call('update', 'auth/token/revoke', { token: parent }, f.rootToken);
    assert.equal(revoke.status, 204);
    f.clock.advance(epsilonMs + 1);
    await f.core.tick();
    assert.deepEqual(f.control.revoked, [mine.leaseId]);
    assert.equal((await f.lookup(kept.leaseId)).id, kept.leaseId);
  }));
