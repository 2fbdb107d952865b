import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaseFixture, removeFixture, type LeaseFixture } from './lease-fixture.js';

const epsilonMs = 500;

async function withFixture(fn: (f: LeaseFixture) => Promise<void>): Promise<void> {
  const f = await leaseFixture();
  try {
    await fn(f);
  } finally {
    await f.close();
    await removeFixture(f);
  }
}

test('lookup: Vault fields and errors; LIST of a prefix', () =>
  withFixture(async (f) => {
    const id = await f.issue('ro', { ttl: 120 });
    assert.match(id, /^db\/creds\/ro\/[0-9A-Za-z]{24}$/);
    f.clock.advance(20_400);
    const data = await f.lookup(id);
    const issue = new Date(Date.parse(String(data.issue_time)));
    assert.deepEqual(Object.keys(data).sort(), [
      'expire_time',
      'id',
      'issue_time',
      'last_renewal',
      'renewable',
      'ttl',
    ]);
    assert.equal(data.id, id);
    assert.equal(Date.parse(String(data.expire_time)) - issue.getTime(), 120_000);
    assert.equal(data.last_renewal, null);
    assert.equal(data.renewable, true);
    assert.equal(data.ttl, 100, "Vault's le.ttl(): expiry minus now rounded to the second");
    const missing = await f.call('update', 'sys/leases/lookup', {}, f.rootToken);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.error!.messages, ['lease_id must be specified']);
    const unknown = await f.call(
      'update',
      'sys/leases/lookup',
      { lease_id: 'db/creds/ro/nope' },
      f.rootToken,
    );
    assert.deepEqual([unknown.status, unknown.error!.messages], [400, ['invalid lease']]);
    const listed = await f.call('list', 'sys/leases/lookup/db/creds/', {}, f.rootToken);
    assert.deepEqual(listed.response!.data, { keys: ['ro/'] });
    const inRole = await f.call('list', 'sys/leases/lookup/db/creds/ro', {}, f.rootToken);
    assert.deepEqual(inRole.response!.data, { keys: [id.split('/').at(-1)] });
    assert.equal((await f.call('list', 'sys/leases/lookup/nothing/', {}, f.rootToken)).status, 404);
  }));

test('renew: through the engine, capped by the mount max from issue time with Vault warning; Vault errors', () =>
  withFixture(async (f) => {
    assert.equal(
      (await f.call('update', 'sys/mounts/db/tune', { max_lease_ttl: '100s' }, f.rootToken)).status,
      204,
    );
    const id = await f.issue('ro', { ttl: 50 });
    f.clock.advance(30_000);
    const renewed = await f.call('update', `sys/leases/renew/${id}`, { increment: '1000s' }, f.rootToken);
    assert.equal(renewed.status, 200, renewed.error?.message);
    assert.equal(renewed.response!.leaseId, id);
    assert.equal(renewed.response!.secret!.ttlSeconds, 70);
    assert.deepEqual(renewed.response!.warnings, [
      'TTL of "16m40s" exceeded the effective max_ttl of "1m10s"; TTL value is capped accordingly',
    ]);
    assert.equal(f.control.renewCalls.at(-1)!.incrementSeconds, 1000);
    assert.deepEqual(f.control.renewCalls.at(-1)!.internalData, { username: 'u-ro' });
    const looked = await f.lookup(id);
    assert.equal(looked.ttl, 70);
    assert.notEqual(looked.last_renewal, null);
    // The old alias, the engine's default TTL (60 s) within the cap.
    const alias = await f.call('update', 'sys/renew', { lease_id: id }, f.rootToken);
    assert.equal(alias.response!.secret!.ttlSeconds, 60);

    const fixed = await f.issue('fixed', { ttl: 50, renewable: false });
    const refused = await f.call('update', 'sys/leases/renew', { lease_id: fixed }, f.rootToken);
    assert.deepEqual([refused.status, refused.error!.messages], [400, ['lease is not renewable']]);
    const unknown = await f.call('update', 'sys/leases/renew', { lease_id: 'db/creds/x/y' }, f.rootToken);
    assert.deepEqual([unknown.status, unknown.error!.messages], [400, ['lease not found']]);
    const none = await f.call('update', 'sys/leases/renew', {}, f.rootToken);
    assert.deepEqual([none.status, none.error!.messages], [400, ['lease_id must be specified']]);
    f.clock.advance(70_000 - epsilonMs + 1); // past the 100 s max from issue, minus ε: expired for use
    const past = await f.call('update', 'sys/leases/renew', { lease_id: id }, f.rootToken);
    assert.deepEqual(past.error!.messages, ['lease expired']);
  }));

test('revoke (sync default, sync=false → 202 then expiry), revoke-prefix, and the aliases', () =>
  withFixture(async (f) => {
    const a = await f.issue('a', { ttl: 3600 });
    const b = await f.issue('b', { ttl: 3600 });
    const c1 = await f.issue('c', { ttl: 3600 });
    const c2 = await f.issue('c', { ttl: 3600 });
    const other = await f.issue('other', { ttl: 3600 });
    assert.equal((await f.call('update', 'sys/leases/revoke', { lease_id: a }, f.rootToken)).status, 204);
    assert.deepEqual(f.control.revoked, [a]);
    const queued = await f.call('update', `sys/revoke/${b}`, { sync: false }, f.rootToken);
    assert.equal(queued.status, 202);
    assert.equal(queued.response!.raw!.body, '');
    assert.deepEqual(f.control.revoked, [a], 'queued, not yet revoked');
    f.clock.advance(epsilonMs + 1);
    await f.core.tick();
    assert.deepEqual(f.control.revoked, [a, b]);
    const prefix = await f.call('update', 'sys/leases/revoke-prefix/db/creds/c', {}, f.rootToken);
    assert.equal(prefix.status, 204);
    assert.deepEqual(new Set(f.control.revoked.slice(2)), new Set([c1, c2]));
    assert.equal((await f.lookup(other)).id, other, 'outside the prefix: kept');
    const unknown = await f.call('update', 'sys/leases/revoke', { lease_id: 'db/creds/none/x' }, f.rootToken);
    assert.equal(unknown.status, 204, 'unknown lease: nothing to do, as Vault');
    const aliasPrefix = await f.call('update', 'sys/revoke-prefix/db/', { sync: false }, f.rootToken);
    assert.equal(aliasPrefix.status, 202);
  }));

test('revoke-prefix stops at an engine failure with Vault error and keeps the lease; revoke-force drops it', () =>
  withFixture(async (f) => {
    const id = await f.issue('a', { ttl: 3600 });
    f.control.failRevokes = 1;
    const failed = await f.call('update', 'sys/leases/revoke-prefix/db/creds/a/', {}, f.rootToken);
    assert.equal(failed.status, 400);
    assert.deepEqual(failed.error!.messages, [
      `failed to revoke "${id}" (1 / 1): failed to revoke entry: resp: (*logical.Response)(nil) err: database unreachable`,
    ]);
    assert.equal((await f.lookup(id)).id, id);
    f.control.failRevokes = 1;
    const syncRevoke = await f.call('update', 'sys/leases/revoke', { lease_id: id }, f.rootToken);
    assert.deepEqual(syncRevoke.error!.messages, [
      'failed to revoke entry: resp: (*logical.Response)(nil) err: database unreachable',
    ]);
    f.control.failRevokes = 1;
    assert.equal((await f.call('update', 'sys/leases/revoke-force/db/creds/', {}, f.rootToken)).status, 204);
    const gone = await f.call('update', 'sys/leases/lookup', { lease_id: id }, f.rootToken);
    assert.equal(gone.status, 400);
  }));

test('sudo: revoke-prefix, revoke-force, LIST lookup and sys/leases need sudo; the default policy may renew and look up', () =>
  withFixture(async (f) => {
    const policy = `
path "sys/leases/*" { capabilities = ["update", "list", "read"] }
path "sys/revoke-prefix/*" { capabilities = ["update"] }
path "sys/leases" { capabilities = ["read"] }
path "db/*" { capabilities = ["read"] }`;
    assert.equal((await f.call('update', 'sys/policies/acl/leases', { policy }, f.rootToken)).status, 204);
    const created = await f.call('update', 'auth/token/create', { policies: ['leases'] }, f.rootToken);
    const token = created.response!.auth!.clientToken;
    const id = await f.issue('a', { ttl: 60 }, token);
    for (const [op, path] of [
      ['update', 'sys/leases/revoke-prefix/db/'],
      ['update', 'sys/revoke-prefix/db/'],
      ['update', 'sys/leases/revoke-force/db/'],
      ['list', 'sys/leases/lookup/db/'],
      ['list', 'sys/leases/lookup'],
      ['read', 'sys/leases'],
    ] as const) {
      assert.equal((await f.call(op, path, { type: 'irrevocable' }, token)).status, 403, `${op} ${path}`);
    }
    const plain = await f.call('update', 'auth/token/create', { policies: ['default'] }, f.rootToken);
    const defaultToken = plain.response!.auth!.clientToken;
    assert.equal((await f.call('update', 'sys/leases/lookup', { lease_id: id }, defaultToken)).status, 200);
    assert.equal((await f.call('update', 'sys/leases/renew', { lease_id: id }, defaultToken)).status, 200);
    assert.equal((await f.call('update', 'sys/renew', { lease_id: id }, defaultToken)).status, 200);
    assert.equal((await f.call('update', 'sys/leases/revoke', { lease_id: id }, defaultToken)).status, 403);
  }));

test("revoking a token revokes its leases and its children's leases (after ε), not others'", () =>
  withFixture(async (f) => {
    const policy =
      'path "db/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }';
    await f.call('update', 'sys/policies/acl/creds', { policy }, f.rootToken);
    const parent = (await f.call('update', 'auth/token/create', { policies: ['creds'] }, f.rootToken))
      .response!.auth!.clientToken;
    const child = (await f.call('update', 'auth/token/create', { policies: ['creds'] }, parent)).response!
      .auth!.clientToken;
    const mine = await f.issue('p', { ttl: 3600 }, parent);
    const childs = await f.issue('c', { ttl: 3600 }, child);
    const roots = await f.issue('r', { ttl: 3600 });
    assert.equal((await f.call('update', 'auth/token/revoke', { token: parent }, f.rootToken)).status, 204);
    assert.equal(Date.parse(String((await f.lookup(mine)).expire_time)), f.clock.wallMs(), 'expires now');
    f.clock.advance(epsilonMs + 1);
    await f.core.tick();
    assert.deepEqual(new Set(f.control.revoked), new Set([mine, childs]));
    assert.equal((await f.lookup(roots)).id, roots);
  }));

test('disabling a mount revokes its leases first; an engine failure keeps the mount and the lease (Vault)', () =>
  withFixture(async (f) => {
    const id = await f.issue('a', { ttl: 3600 });
    f.control.failRevokes = 1;
    const refused = await f.call('delete', 'sys/mounts/db', {}, f.rootToken);
    assert.equal(refused.status, 400);
    assert.match(
      refused.error!.messages[0],
      /^failed to revoke ".*" \(1 \/ 1\): failed to revoke entry: .*database unreachable$/,
    );
    assert.ok((await f.call('read', 'sys/mounts/db', {}, f.rootToken)).status === 200, 'mount kept');
    assert.equal((await f.lookup(id)).id, id, 'lease kept');
    assert.equal((await f.call('delete', 'sys/mounts/db', {}, f.rootToken)).status, 204);
    assert.deepEqual(f.control.revoked, [id]);
    assert.equal((await f.call('update', 'sys/leases/lookup', { lease_id: id }, f.rootToken)).status, 400);
  }));

test('tidy: 202 with Vault warning; leases of live tokens stay', () =>
  withFixture(async (f) => {
    const kept = await f.issue('b', { ttl: 3600 });
    const tidy = await f.call('update', 'sys/leases/tidy', {}, f.rootToken);
    assert.equal(tidy.status, 202);
    assert.deepEqual(tidy.body!.warnings, [
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
    await f.core.tick();
    assert.equal((await f.lookup(kept)).id, kept);
  }));

test("a mount's tuned default_lease_ttl applies to new leases and its max caps them (with Vault's warning)", () =>
  withFixture(async (f) => {
    const tuned = await f.call(
      'update',
      'sys/mounts/db/tune',
      { default_lease_ttl: '30s', max_lease_ttl: '1m' },
      f.rootToken,
    );
    assert.equal(tuned.status, 204);
    const read = await f.call('read', 'sys/mounts/db/tune', {}, f.rootToken);
    assert.equal(read.response!.data!.default_lease_ttl, 30);
    assert.equal(read.response!.data!.max_lease_ttl, 60);
    const byDefault = await f.call('read', 'db/creds/a', {}, f.rootToken);
    assert.equal(byDefault.response!.secret!.ttlSeconds, 30);
    const capped = await f.call('read', 'db/creds/b', { ttl: 600 }, f.rootToken);
    assert.equal(capped.response!.secret!.ttlSeconds, 60);
    assert.equal(capped.response!.warnings!.length, 1);
    const data = await f.lookup(capped.response!.leaseId!);
    assert.equal(data.ttl, 60);
  }));
