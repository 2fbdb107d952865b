import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpApp, listenHttpApp } from '../../../../src/server/http/app.js';
import { createLogger } from '../../../../src/server/logger.js';
import { LogSink, type JsonBody } from '../../server/http/test-handler.js';
import { leaseFixture, removeFixture } from './lease-fixture.js';

/**
 * sys/leases/* over real HTTP (the Fastify app on 127.0.0.1:0 in front of a real core over
 * LevelDB): Vault's methods, status codes, envelopes and error bodies.
 */
test('sys/leases/* over HTTP: Vault status codes, envelopes and errors', async () => {
  const f = await leaseFixture();
  const app = createHttpApp({
    handler: f.core,
    logger: createLogger({ level: 'error', destination: new LogSink() }),
  });
  const url = await listenHttpApp(app, '127.0.0.1:0');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/v1/${path}`, {
      method,
      headers: {
        'X-Vault-Token': f.rootToken,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json: JsonBody = text === '' ? undefined : JSON.parse(text);
    return { status: res.status, json };
  };
  try {
    const issued = await call('GET', 'db/creds/ro?ttl=600');
    assert.equal(issued.status, 200);
    const id = issued.json!.lease_id as string;
    assert.match(id, /^db\/creds\/ro\/\w{24}$/);
    assert.equal(issued.json!.lease_duration, 600);
    assert.equal(issued.json!.renewable, true);

    const looked = await call('PUT', 'sys/leases/lookup', { lease_id: id });
    assert.equal(looked.status, 200);
    assert.equal(looked.json!.data.id, id);
    assert.equal(looked.json!.data.ttl, 600);
    assert.equal(looked.json!.lease_id, '', 'lookup itself carries no lease');

    const listed = await call('LIST', 'sys/leases/lookup/db/creds/ro/');
    assert.deepEqual(listed.json!.data.keys, [id.split('/').at(-1)]);
    const listedGet = await call('GET', 'sys/leases/lookup/db/creds/?list=true');
    assert.deepEqual(listedGet.json!.data.keys, ['ro/']);

    const renewed = await call('PUT', 'sys/leases/renew', { lease_id: id, increment: 3600 });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.json!.lease_id, id);
    assert.equal(renewed.json!.lease_duration, 3600);
    assert.equal(renewed.json!.renewable, true);
    assert.equal(renewed.json!.mount_type, 'system');
    const viaUrl = await call('PUT', `sys/leases/renew/${id}`, { increment: '2h' });
    assert.equal(viaUrl.json!.lease_duration, 7200);

    const bad = await call('PUT', 'sys/leases/lookup', { lease_id: 'db/creds/ro/missing' });
    assert.deepEqual([bad.status, bad.json], [400, { errors: ['invalid lease'] }]);
    const noId = await call('PUT', 'sys/leases/revoke', {});
    assert.deepEqual([noId.status, noId.json], [400, { errors: ['lease_id must be specified'] }]);
    const notRenewable = await call('PUT', 'sys/leases/renew', { lease_id: 'db/creds/ro/missing' });
    assert.deepEqual([notRenewable.status, notRenewable.json], [400, { errors: ['lease not found'] }]);

    const queued = await call('PUT', 'sys/leases/revoke', { lease_id: id, sync: false });
    assert.deepEqual([queued.status, queued.json], [202, undefined]);
    const second = (await call('GET', 'db/creds/rw?ttl=600')).json!.lease_id as string;
    assert.equal((await call('PUT', `sys/revoke/${second}`)).status, 204);
    assert.deepEqual(f.control.revoked, [second]);
    const third = (await call('GET', 'db/creds/x?ttl=600')).json!.lease_id as string;
    assert.equal((await call('PUT', 'sys/leases/revoke-prefix/db/creds/x')).status, 204);
    assert.deepEqual(f.control.revoked, [second, third]);
    assert.equal((await call('PUT', 'sys/leases/revoke-force/db/creds/none')).status, 204);

    const tidy = await call('PUT', 'sys/leases/tidy');
    assert.equal(tidy.status, 202);
    assert.deepEqual(tidy.json!.warnings, [
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
    const irrevocable = await call('GET', 'sys/leases?type=irrevocable');
    assert.deepEqual(irrevocable.json!.data, { lease_count: 0, leases: [] });
    const count = await call('GET', 'sys/leases/count?type=irrevocable');
    assert.deepEqual(count.json!.data, { lease_count: 0, counts: {} });
    const limit = await call('GET', 'sys/leases?type=irrevocable&limit=0');
    assert.deepEqual(
      [limit.status, limit.json],
      [400, { errors: ["limit must be 'none' or a positive integer"] }],
    );

    const noToken = await fetch(`${url}/v1/sys/leases/lookup`, { method: 'PUT', body: '{}' });
    assert.equal(noToken.status, 403);
  } finally {
    await app.close();
    await f.close();
    await removeFixture(f);
  }
});
