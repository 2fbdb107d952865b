import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import type { Operation } from '../../../../src/logical/request.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';
import { call, errorOf } from './dispatch-helper.js';

async function setup() {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const store = tokenStoreFor({ storage, clock });
  await store.createRoot({ id: 'root' });
  const as = (token: string, op: Operation, path: string, data?: Record<string, unknown>) =>
    call(store, storage, token, op, path, data);
  return { store, clock, as };
}

test('roles CRUD with CLI strings; an update keeps fields it does not name', async () => {
  const { as, store } = await setup();
  const backend = store.backend();
  const rolePath = backend.paths.find((p) => p.pattern.startsWith('roles/(?'))!;
  assert.equal(
    await rolePath.existenceCheck!({
      params: { role_name: 'web' },
      data: {},
      fields: { get: () => undefined, has: () => false },
    } as never),
    false,
  );
  assert.deepEqual(
    await as('root', 'create', 'roles/web', {
      allowed_policies: 'web,DB',
      orphan: 'true',
      token_period: '1h',
      token_num_uses: '0',
      path_suffix: 'v1',
    }),
    {},
  );
  assert.equal(
    await rolePath.existenceCheck!({
      params: { role_name: 'web' },
      data: {},
      fields: { get: () => undefined, has: () => false },
    } as never),
    true,
  );
  const read = (await as('root', 'read', 'roles/web')).data!;
  assert.deepEqual(read.allowed_policies, ['db', 'web']);
  assert.equal(read.orphan, true);
  assert.equal(read.token_period, 3600);
  assert.equal(read.renewable, true);
  assert.equal(read.path_suffix, 'v1');
  assert.equal(read.token_type, 'default-service');
  await as('root', 'update', 'roles/web', { renewable: 'false' });
  const updated = (await as('root', 'read', 'roles/web')).data!;
  assert.equal(updated.renewable, false);
  assert.deepEqual(updated.allowed_policies, ['db', 'web'], 'kept');
  await as('root', 'update', 'roles/other', {});
  assert.deepEqual((await as('root', 'list', 'roles/')).data!.keys, ['other', 'web']);
  await as('root', 'delete', 'roles/other');
  assert.deepEqual((await as('root', 'list', 'roles/')).data!.keys, ['web']);
  const missing = await errorOf(as('root', 'read', 'roles/other'));
  assert.deepEqual([missing.httpStatus, missing.messages], [404, []]);
});

test('role field errors: bad values name the field; non-orphan batch roles and bound CIDRs are refused', async () => {
  const { as } = await setup();
  for (const [field, value] of [
    ['orphan', 'nah'],
    ['token_period', 'forever'],
    ['token_num_uses', 'x'],
    ['token_type', 'weird'],
  ] as const) {
    const err = await errorOf(as('root', 'update', 'roles/r', { [field]: value }));
    assert.equal(err.httpStatus, 400, field);
    assert.match(err.messages.join(' '), new RegExp(field), field);
  }
  assert.match(
    (await errorOf(as('root', 'update', 'roles/r', { token_type: 'batch' }))).messages[0],
    /cannot be 'batch' when role is set to generate non-orphan tokens/,
  );
  assert.match(
    (await errorOf(as('root', 'update', 'roles/r', { token_bound_cidrs: '10.0.0.0/8' }))).messages[0],
    /not supported/,
  );
});

test('creating against a role: allowed policies, disallowed policies, orphan, path, period', async () => {
  const { as } = await setup();
  await as('root', 'update', 'roles/app', {
    allowed_policies: 'web,db',
    disallowed_policies: 'db',
    orphan: true,
    token_period: '1h',
    path_suffix: 'v2',
  });
  const user = (await as('root', 'update', 'create', { policies: 'unrelated' })).auth!.clientToken;
  const mismatch = await errorOf(as(user, 'update', 'create/app', { policies: 'admin' }));
  assert.equal(mismatch.httpStatus, 400);
  assert.match(mismatch.messages[0], /must be subset of the role's allowed policies/);
  const disallowed = await errorOf(as(user, 'update', 'create/app', { policies: 'db' }));
  assert.deepEqual(disallowed.messages, ['token policy "db" is disallowed by this role']);
  const res = await as(user, 'update', 'create/app', { policies: 'web' });
  assert.deepEqual(res.auth!.policies, ['default', 'web'], 'not limited by the parent, thanks to the role');
  assert.equal(res.auth!.orphan, true);
  assert.equal(res.auth!.leaseDurationSeconds, 3600);
  const look = (await as('root', 'update', 'lookup', { token: res.auth!.clientToken })).data!;
  assert.equal(look.path, 'auth/token/create/app/v2');
  assert.equal(look.role, 'app');
  assert.equal(look.period, 3600);
  const unknown = await errorOf(as(user, 'update', 'create/none', {}));
  assert.deepEqual([unknown.httpStatus, unknown.messages], [400, ['unknown role none']]);
});

test('a role without allowed policies keeps the parent-subset rule; role limits num_uses and explicit max', async () => {
  const { as } = await setup();
  await as('root', 'update', 'roles/plain', { token_num_uses: 2, token_explicit_max_ttl: '2h' });
  const user = (await as('root', 'update', 'create', { policies: 'web' })).auth!.clientToken;
  assert.equal((await errorOf(as(user, 'update', 'create/plain', { policies: 'admin' }))).httpStatus, 400);
  const res = await as(user, 'update', 'create/plain', { ttl: '1h', explicit_max_ttl: '3h' });
  assert.deepEqual(res.auth!.policies, ['default', 'web']);
  assert.equal(res.auth!.numUses, 2);
  assert.equal(res.auth!.orphan, false);
  assert.deepEqual(res.warnings, [
    'Explicit max TTL specified both during creation call and in role; using the lesser value of 7200 seconds',
  ]);
});
