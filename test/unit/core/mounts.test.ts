import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

test('a fresh vault lists the default mounts sys/ and cubbyhole/ and auth token/', async () => {
  const h = await unsealedHarness();
  const mounts = await h.call('read', 'sys/mounts', {}, h.rootToken);
  assert.equal(mounts.status, 200);
  const data = mounts.response!.data!;
  assert.deepEqual(Object.keys(data).sort(), ['cubbyhole/', 'sys/']);
  assert.equal((data['sys/'] as { type: string }).type, 'system');
  assert.equal((data['cubbyhole/'] as { local: boolean }).local, true);
  assert.equal(mounts.response!.topLevelData, true, 'sys/mounts data is injected at top level');
  assert.equal(mounts.response!.mountType, 'system');
  const auth = await h.call('read', 'sys/auth', {}, h.rootToken);
  assert.deepEqual(Object.keys(auth.response!.data!), ['token/']);
  const token = auth.response!.data!['token/'] as { type: string; config: { token_type: string } };
  assert.equal(token.type, 'token');
  assert.equal(token.config.token_type, 'default-service');
});

test('enable, use, read, tune and disable a mount; its data goes with it', async () => {
  const h = await unsealedHarness();
  const enable = await h.call(
    'update',
    'sys/mounts/notes',
    { type: 'notes', description: 'my notes' },
    h.rootToken,
  );
  assert.equal(enable.status, 204);
  const entry = await h.call('read', 'sys/mounts/notes', {}, h.rootToken);
  const info = entry.response!.data!;
  assert.equal(info.type, 'notes');
  assert.equal(info.description, 'my notes');
  assert.match(info.uuid as string, /^[0-9a-f-]{36}$/);
  assert.match(info.accessor as string, /^notes_[0-9a-f]{8}$/);
  assert.deepEqual(info.config, { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false });

  assert.equal((await h.call('update', 'notes/a', { v: 1 }, h.rootToken)).status, 204);
  const read = await h.call('read', 'notes/a', {}, h.rootToken);
  assert.deepEqual(read.response!.data, { v: 1 });
  assert.equal(read.response!.mountType, 'notes');

  const tune = await h.call(
    'update',
    'sys/mounts/notes/tune',
    { default_lease_ttl: '1h', max_lease_ttl: 7200, description: 'tuned' },
    h.rootToken,
  );
  assert.equal(tune.status, 204);
  const tuned = await h.call('read', 'sys/mounts/notes/tune', {}, h.rootToken);
  assert.equal(tuned.response!.data!.default_lease_ttl, 3600);
  assert.equal(tuned.response!.data!.max_lease_ttl, 7200);
  assert.equal(tuned.response!.data!.description, 'tuned');
  const badTune = await h.call('update', 'sys/mounts/notes/tune', { default_lease_ttl: '3h' }, h.rootToken);
  assert.equal(badTune.status, 400, 'default above max is refused');
  const reset = await h.call(
    'update',
    'sys/mounts/notes/tune',
    { default_lease_ttl: 'system', max_lease_ttl: 'system' },
    h.rootToken,
  );
  assert.equal(reset.status, 204);
  assert.equal(
    (await h.call('read', 'sys/mounts/notes/tune', {}, h.rootToken)).response!.data!.default_lease_ttl,
    2764800,
  );

  assert.equal((await h.call('delete', 'sys/mounts/notes', {}, h.rootToken)).status, 204);
  const gone = await h.call('read', 'notes/a', {}, h.rootToken);
  assert.equal(gone.status, 404);
  assert.match(gone.error!.message, /no handler for route "notes\/a"\. route entry not found\./);
  // Re-enabling gets a new UUID and therefore none of the old data.
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, h.rootToken);
  assert.equal((await h.call('read', 'notes/a', {}, h.rootToken)).status, 404);
});

test('overlapping, reserved and unknown-type mounts are refused with 400', async () => {
  const h = await unsealedHarness();
  assert.equal((await h.call('update', 'sys/mounts/team/app', { type: 'notes' }, h.rootToken)).status, 204);
  for (const path of ['team/app', 'team', 'team/app/sub']) {
    const out = await h.call('update', `sys/mounts/${path}`, { type: 'notes' }, h.rootToken);
    assert.equal(out.status, 400, path);
    assert.deepEqual(out.error!.messages, ['path is already in use at team/app/']);
  }
  for (const path of ['sys', 'sys/foo', 'auth/x', 'cubbyhole', 'identity']) {
    assert.equal(
      (await h.call('update', `sys/mounts/${path}`, { type: 'notes' }, h.rootToken)).status,
      400,
      path,
    );
  }
  const unknown = await h.call('update', 'sys/mounts/x', { type: 'nope' }, h.rootToken);
  assert.equal(unknown.status, 400);
  assert.match(unknown.error!.message, /plugin not found/);
  assert.equal((await h.call('update', 'sys/mounts/y', {}, h.rootToken)).status, 400, 'type is required');
  assert.equal((await h.call('delete', 'sys/mounts/sys', {}, h.rootToken)).status, 400);
  assert.equal((await h.call('delete', 'sys/mounts/cubbyhole', {}, h.rootToken)).status, 400);
});

test('two mounts of the same engine are isolated from each other', async () => {
  const h = await unsealedHarness();
  await h.call('update', 'sys/mounts/one', { type: 'notes' }, h.rootToken);
  await h.call('update', 'sys/mounts/two', { type: 'notes' }, h.rootToken);
  await h.call('update', 'one/k', { owner: 'one' }, h.rootToken);
  assert.equal((await h.call('read', 'two/k', {}, h.rootToken)).status, 404);
  assert.deepEqual((await h.call('list', 'one/', {}, h.rootToken)).response!.data, { keys: ['k'] });
});

test('sys/auth: enabling an unknown type is 400, token/ cannot be disabled, tune works', async () => {
  const h = await unsealedHarness();
  const unknown = await h.call('update', 'sys/auth/userpass', { type: 'userpass' }, h.rootToken);
  assert.equal(unknown.status, 400);
  const again = await h.call('update', 'sys/auth/token', { type: 'token' }, h.rootToken);
  assert.equal(again.status, 400);
  assert.equal((await h.call('delete', 'sys/auth/token', {}, h.rootToken)).status, 400);
  assert.equal(
    (await h.call('update', 'sys/auth/token/tune', { max_lease_ttl: '48h' }, h.rootToken)).status,
    204,
  );
  const tuned = await h.call('read', 'sys/auth/token/tune', {}, h.rootToken);
  assert.equal(tuned.response!.data!.max_lease_ttl, 172800);
});

test('secret responses get the mount default TTL, are capped with a warning and get a lease id', async () => {
  const h = await unsealedHarness();
  await h.call(
    'update',
    'sys/mounts/notes',
    { type: 'notes', config: { default_lease_ttl: '10m', max_lease_ttl: '1h' } },
    h.rootToken,
  );
  const dflt = await h.call('read', 'notes/lease/a', {}, h.rootToken);
  assert.equal(dflt.response!.secret!.ttlSeconds, 600);
  assert.match(dflt.response!.leaseId!, /^notes\/lease\/a\/[0-9A-Za-z]{24}$/);
  const capped = await h.call('read', 'notes/lease/b', { ttl: '7200' }, h.rootToken);
  assert.equal(capped.response!.secret!.ttlSeconds, 3600);
  assert.deepEqual(capped.response!.warnings, [
    'TTL of "2h0m0s" exceeded the effective max_ttl of "1h0m0s"; TTL value is capped accordingly',
  ]);
});

test('sys/internal/ui/mounts/<path> tells the mount and its options to a token with access; 403 otherwise', async () => {
  const h = await unsealedHarness();
  await h.call('update', 'sys/mounts/notes', { type: 'notes', options: { version: 2 } }, h.rootToken);
  const out = await h.call('read', 'sys/internal/ui/mounts/notes/foo', {}, h.rootToken);
  assert.equal(out.status, 200);
  assert.equal(out.response!.data!.path, 'notes/');
  assert.equal(out.response!.data!.type, 'notes');
  assert.deepEqual(out.response!.data!.options, { version: '2' });
  assert.equal((await h.call('read', 'sys/internal/ui/mounts/notes/foo')).status, 403);
  assert.equal((await h.call('read', 'sys/internal/ui/mounts/nothing/here', {}, h.rootToken)).status, 403);
  const all = await h.call('read', 'sys/internal/ui/mounts', {}, h.rootToken);
  assert.ok('notes/' in (all.response!.data!.secret as object));
});
