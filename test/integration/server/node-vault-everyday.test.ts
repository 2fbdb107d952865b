import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startServerProcess } from './server-process.js';

type HttpError = { response?: { statusCode: number; body?: { errors?: string[] } } };
const status = (err: unknown): number | undefined => (err as HttpError).response?.statusCode;

test('everyday vault use with the published node-vault client: KV v2, a policy, a token limited to it, 403 outside it', async () => {
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    '-dev-root-token-id=root-e2e',
  ]);
  try {
    const root = nodeVault({ endpoint: server.address, token: 'root-e2e' });
    await root.mount({ mount_point: 'team', type: 'kv-v2' });
    await root.write('team/data/app/db', { data: { user: 'app', password: 's3cret' } });
    await root.write('team/data/app/api', { data: { key: 'k1' } });
    await root.write('team/data/other/x', { data: { v: '1' } });

    const listed = (await root.list('team/metadata/app')) as { data: { keys: string[] } };
    assert.deepEqual(listed.data.keys, ['api', 'db']);

    await root.addPolicy({
      name: 'app-reader',
      rules:
        'path "team/data/app/*" {\n  capabilities = ["read"]\n}\npath "team/metadata/app/*" {\n  capabilities = ["list"]\n}\n',
    });
    const created = (await root.tokenCreate({ policies: ['app-reader'], ttl: '1h' })) as {
      auth: { client_token: string; policies: string[] };
    };
    assert.deepEqual(created.auth.policies.sort(), ['app-reader', 'default']);
    root.token = 'root-e2e'; // node-vault's tokenCreate switches the client to the new token

    const app = nodeVault({ endpoint: server.address, token: created.auth.client_token });
    const read = (await app.read('team/data/app/db')) as { data: { data: { password: string } } };
    assert.equal(read.data.data.password, 's3cret');
    await assert.rejects(app.read('team/data/other/x'), (e: unknown) => status(e) === 403);
    await assert.rejects(
      app.write('team/data/app/db', { data: { password: 'x' } }),
      (e: unknown) => status(e) === 403,
    );
    // The denied write changed nothing.
    const again = (await root.read('team/data/app/db')) as { data: { metadata: { version: number } } };
    assert.equal(again.data.metadata.version, 1);

    // A revoked token is an invalid token: 403 with both messages Vault clients look for.
    await root.write('auth/token/revoke', { token: created.auth.client_token });
    await assert.rejects(app.read('team/data/app/db'), (e: unknown) => {
      const errors = (e as HttpError).response?.body?.errors?.join(' ') ?? '';
      return status(e) === 403 && errors.includes('permission denied') && errors.includes('invalid token');
    });
  } finally {
    await server.stop();
  }
});
