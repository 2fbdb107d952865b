import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approleBackendFactory } from '../../../../src/engines/auth/approle/index.js';
import { unsealedHarness } from '../../../helpers/core/core-harness.js';

async function approle() {
  const h = await unsealedHarness({ authEngines: { approle: approleBackendFactory } });
  assert.equal((await h.call('update', 'sys/auth/approle', { type: 'approle' }, h.rootToken)).status, 204);
  const root = (op: Parameters<typeof h.call>[0], path: string, data: Record<string, unknown> = {}) =>
    h.call(op, path, data, h.rootToken);
  return { h, root };
}

async function roleIdOf(root: Awaited<ReturnType<typeof approle>>['root'], role: string): Promise<string> {
  return (await root('read', `auth/approle/role/${role}/role-id`)).response!.data!.role_id as string;
}

async function secretIdOf(
  root: Awaited<ReturnType<typeof approle>>['root'],
  role: string,
  data: Record<string, unknown> = {},
): Promise<{ secret_id: string; secret_id_accessor: string }> {
  const out = await root('update', `auth/approle/role/${role}/secret-id`, data);
  assert.equal(out.status, 200, out.error?.message);
  return out.response!.data as { secret_id: string; secret_id_accessor: string };
}

test('approle: role CRUD, role-id read and custom, Vault shapes and errors', async () => {
  const { root } = await approle();
  const created = await root('update', 'auth/approle/role/Web', {
    token_policies: 'web',
    token_ttl: '20m',
    secret_id_num_uses: 10,
    secret_id_ttl: '1h',
  });
  assert.equal(created.status, 204, created.error?.message);
  const read = await root('read', 'auth/approle/role/web');
  assert.deepEqual(read.response!.data, {
    bind_secret_id: true,
    local_secret_ids: false,
    secret_id_bound_cidrs: [],
    secret_id_num_uses: 10,
    secret_id_ttl: 3600,
    token_bound_cidrs: [],
    token_explicit_max_ttl: 0,
    token_max_ttl: 0,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: ['web'],
    token_type: 'default',
    token_ttl: 1200,
  });
  assert.deepEqual((await root('list', 'auth/approle/role/')).response!.data, { keys: ['web'] });
  assert.match(await roleIdOf(root, 'web'), /^[0-9a-f-]{36}$/);
  assert.equal((await root('update', 'auth/approle/role/web/role-id', { role_id: 'my-id' })).status, 204);
  assert.equal(await roleIdOf(root, 'web'), 'my-id');
  await root('update', 'auth/approle/role/other', {});
  const clash = await root('update', 'auth/approle/role/other/role-id', { role_id: 'my-id' });
  assert.equal(clash.status, 400);
  assert.deepEqual(clash.error!.messages, ['role_id already in use']);
  const noConstraint = await root('update', 'auth/approle/role/bare', { bind_secret_id: false });
  assert.deepEqual(noConstraint.error!.messages, ['at least one constraint should be enabled on the role']);
  assert.equal((await root('read', 'auth/approle/role/ghost/role-id')).status, 404);
  const ghostSecret = await root('update', 'auth/approle/role/ghost/secret-id');
  assert.deepEqual(ghostSecret.error!.messages, ['role "ghost" does not exist']);
});

test('approle: login with role_id + secret_id grants the role policies, TTL and metadata', async () => {
  const { h, root } = await approle();
  await root('update', 'auth/approle/role/web', { token_policies: 'web', token_ttl: '20m' });
  const roleId = await roleIdOf(root, 'web');
  const { secret_id } = await secretIdOf(root, 'web', { metadata: '{"team":"blue"}' });
  const login = await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id });
  assert.equal(login.status, 200, login.error?.message);
  const auth = login.response!.auth!;
  assert.deepEqual(auth.policies, ['default', 'web']);
  assert.equal(auth.leaseDurationSeconds, 1200);
  assert.deepEqual(auth.metadata, { team: 'blue', role_name: 'web' });
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.response!.data!.display_name, 'approle');
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'missing role_id'],
    [{ role_id: roleId }, 'missing secret_id'],
    [{ role_id: 'nope', secret_id }, 'invalid role or secret ID'],
    [{ role_id: roleId, secret_id: 'nope' }, 'invalid role or secret ID'],
  ];
  for (const [data, message] of cases) {
    const failed = await h.call('update', 'auth/approle/login', data);
    assert.equal(failed.status, 400, message);
    assert.deepEqual(failed.error!.messages, [message]);
  }
  // Renewal asks the role; once it is deleted the token no longer renews.
  assert.equal((await h.call('update', 'auth/token/renew-self', {}, auth.clientToken)).status, 200);
  await root('delete', 'auth/approle/role/web');
  const refused = await h.call('update', 'auth/token/renew-self', {}, auth.clientToken);
  assert.deepEqual(refused.error!.messages, ['role "web" does not exist during renewal']);
  assert.equal((await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id })).status, 400);
});

test('approle: secret-id lookup, accessor list/lookup/destroy, custom secret id, destroy', async () => {
  const { h, root } = await approle();
  await root('update', 'auth/approle/role/web', {});
  const a = await secretIdOf(root, 'web', { metadata: { k: 'v' }, num_uses: 3, ttl: '10m' });
  const b = await secretIdOf(root, 'web');
  const listed = await root('list', 'auth/approle/role/web/secret-id/');
  assert.deepEqual(listed.response!.data!.keys, [a.secret_id_accessor, b.secret_id_accessor].sort());
  const looked = await root('update', 'auth/approle/role/web/secret-id/lookup', { secret_id: a.secret_id });
  const data = looked.response!.data!;
  assert.equal(data.secret_id_accessor, a.secret_id_accessor);
  assert.equal(data.secret_id_num_uses, 3);
  assert.equal(data.secret_id_ttl, 600);
  assert.deepEqual(data.metadata, { k: 'v' });
  const byAccessor = await root('update', 'auth/approle/role/web/secret-id-accessor/lookup', {
    secret_id_accessor: a.secret_id_accessor,
  });
  assert.deepEqual(byAccessor.response!.data, data);
  assert.equal(
    (
      await root('update', 'auth/approle/role/web/secret-id-accessor/destroy', {
        secret_id_accessor: a.secret_id_accessor,
      })
    ).status,
    204,
  );
  const gone = await root('update', 'auth/approle/role/web/secret-id-accessor/lookup', {
    secret_id_accessor: a.secret_id_accessor,
  });
  assert.deepEqual(gone.error!.messages, [
    `failed to find accessor entry for secret_id_accessor: "${a.secret_id_accessor}"`,
  ]);
  const custom = await root('update', 'auth/approle/role/web/custom-secret-id', { secret_id: 'my-secret' });
  assert.equal(custom.response!.data!.secret_id, 'my-secret');
  const dup = await root('update', 'auth/approle/role/web/custom-secret-id', { secret_id: 'my-secret' });
  assert.deepEqual(dup.error!.messages, ['SecretID is already registered']);
  const roleId = await roleIdOf(root, 'web');
  assert.equal(
    (await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id: 'my-secret' })).status,
    200,
  );
  await root('update', 'auth/approle/role/web/secret-id/destroy', { secret_id: 'my-secret' });
  assert.equal(
    (await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id: 'my-secret' })).status,
    400,
  );
  const limits = await root('update', 'auth/approle/role/capped', {
    secret_id_num_uses: 2,
    secret_id_ttl: '1m',
  });
  assert.equal(limits.status, 204);
  const tooMany = await root('update', 'auth/approle/role/capped/secret-id', { num_uses: 5 });
  assert.deepEqual(tooMany.error!.messages, ["num_uses cannot be higher than the role's secret_id_num_uses"]);
  const tooLong = await root('update', 'auth/approle/role/capped/secret-id', { ttl: '1h' });
  assert.deepEqual(tooLong.error!.messages, ["ttl cannot be longer than the role's secret_id_ttl"]);
});

test('approle: secret_id_num_uses N under 50 concurrent logins → exactly N succeed', async () => {
  const { h, root } = await approle();
  await root('update', 'sys/auth/approle/tune', { user_lockout_config: { lockout_disable: true } });
  await root('update', 'auth/approle/role/web', { secret_id_num_uses: 7 });
  const roleId = await roleIdOf(root, 'web');
  const { secret_id } = await secretIdOf(root, 'web');
  const results = await Promise.all(
    Array.from({ length: 50 }, () => h.call('update', 'auth/approle/login', { role_id: roleId, secret_id })),
  );
  assert.equal(results.filter((r) => r.status === 200).length, 7);
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.deepEqual(r.error!.messages, ['invalid role or secret ID']);
  }
  assert.equal(
    (await root('list', 'auth/approle/role/web/secret-id/')).status,
    404,
    'the spent secret id is gone',
  );
});

test('approle: an expired secret id fails and tidy removes it', async () => {
  const { h, root } = await approle();
  await root('update', 'auth/approle/role/web', { secret_id_ttl: '60s' });
  const roleId = await roleIdOf(root, 'web');
  const { secret_id } = await secretIdOf(root, 'web');
  await secretIdOf(root, 'web');
  h.clock.advance(61_000);
  assert.equal((await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id })).status, 400);
  assert.equal((await root('update', 'auth/approle/tidy/secret-id')).status, 200);
  assert.equal((await root('list', 'auth/approle/role/web/secret-id/')).status, 404);
});

test('approle: CIDR binding — secret id cidr_list, role secret_id_bound_cidrs, token_bound_cidrs', async () => {
  const { h, root } = await approle();
  await root('update', 'auth/approle/role/web', {});
  const roleId = await roleIdOf(root, 'web');
  const far = await secretIdOf(root, 'web', { cidr_list: '10.0.0.0/8' });
  const refused = await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id: far.secret_id });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.error!.messages, [
    'source address "127.0.0.1" unauthorized through CIDR restrictions on the secret ID',
  ]);
  const near = await h.call(
    'update',
    'auth/approle/login',
    { role_id: roleId, secret_id: far.secret_id },
    '',
    {
      remoteAddress: '10.1.1.1',
    },
  );
  assert.equal(near.status, 200);
  const bound = await secretIdOf(root, 'web', { token_bound_cidrs: '10.0.0.0/8' });
  const token = (
    await h.call('update', 'auth/approle/login', { role_id: roleId, secret_id: bound.secret_id })
  ).response!.auth!.clientToken;
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 403);
  await root('update', 'auth/approle/role/locked', { secret_id_bound_cidrs: '192.168.0.0/16' });
  const lockedRoleId = await roleIdOf(root, 'locked');
  const outsideRole = await secretIdOf(root, 'locked', { cidr_list: '10.0.0.0/8' }).catch((e: unknown) => e);
  assert.ok(outsideRole instanceof Error, 'a secret id CIDR outside the role CIDRs is refused');
  const s = await secretIdOf(root, 'locked');
  const denied = await h.call('update', 'auth/approle/login', {
    role_id: lockedRoleId,
    secret_id: s.secret_id,
  });
  assert.deepEqual(denied.error!.messages, [
    'source address "127.0.0.1" unauthorized by CIDR restrictions on the role',
  ]);
  await root('update', 'auth/approle/role/nosecret', {
    bind_secret_id: false,
    secret_id_bound_cidrs: '127.0.0.0/8',
  });
  const noSecret = await h.call('update', 'auth/approle/login', {
    role_id: await roleIdOf(root, 'nosecret'),
  });
  assert.equal(noSecret.status, 200, noSecret.error?.message);
});
