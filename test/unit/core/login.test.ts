import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArcaError } from '../../../src/lib/errors.js';
import type { BackendFactory } from '../../../src/logical/backend.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

/** A toy auth method: `login/<name>` with password "pw" grants policy "reader". */
const toyAuth: BackendFactory = async () => ({
  type: 'toy',
  paths: [
    {
      pattern: 'login/(?<name>[a-z]+)',
      unauthenticated: true,
      fields: { password: { type: 'string' } },
      operations: {
        update: async (req) => {
          if (req.fields.get<string>('password') !== 'pw')
            throw new ArcaError('invalid_credentials', 'invalid username or password');
          return {
            auth: {
              clientToken: '',
              accessor: '',
              policies: ['reader'],
              tokenPolicies: ['reader'],
              metadata: { username: req.params.name ?? '' },
              leaseDurationSeconds: 0,
              renewable: true,
              entityId: '',
              tokenType: 'service',
              orphan: true,
              numUses: 0,
            },
          };
        },
      },
    },
  ],
});

test('a login on an auth mount needs no token and core mints a working service token', async () => {
  const h = await unsealedHarness({ authEngines: { toy: toyAuth } });
  assert.equal((await h.call('update', 'sys/auth/toy', { type: 'toy' }, h.rootToken)).status, 204);
  await h.call('update', 'sys/auth/toy/tune', { default_lease_ttl: '1h' }, h.rootToken);
  const bad = await h.call('update', 'auth/toy/login/bob', { password: 'nope' });
  assert.equal(bad.status, 400);
  const login = await h.call('update', 'auth/toy/login/bob', { password: 'pw' }, 'hvs.garbage-is-ignored');
  assert.equal(login.status, 200, login.error?.message);
  const auth = login.response!.auth!;
  assert.match(auth.clientToken, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'reader']);
  assert.equal(auth.leaseDurationSeconds, 3600);
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.status, 200);
  assert.equal(self.response!.data!.path, 'auth/toy/login/bob');
  assert.equal(self.response!.data!.display_name, 'toy-bob');
  const listing = await h.call('read', 'sys/auth', {}, h.rootToken);
  assert.deepEqual(Object.keys(listing.response!.data!).sort(), ['token/', 'toy/']);
});
