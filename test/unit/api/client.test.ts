import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ArcaClient } from '../../../src/api/client.js';
import { isApiError } from '../../../src/api/errors.js';
import { kvApiPath, resolveKvPath } from '../../../src/api/kv.js';
import { ArcaError } from '../../../src/lib/errors.js';
import type { LogicalRequest } from '../../../src/logical/request.js';
import type { LogicalResponse } from '../../../src/logical/response.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';
import { makeSelfSignedCert } from '../server/http/self-signed.js';

/** A tiny fake core: mounts `secret/` (KV v2) and `kv1/` (v1) for version detection; echoes others. */
function fakeCore(req: LogicalRequest): LogicalResponse {
  const ui = /^sys\/internal\/ui\/mounts\/(.*)$/.exec(req.path);
  if (ui) {
    if (ui[1].startsWith('secret'))
      return { data: { path: 'secret/', type: 'kv', options: { version: '2' } } };
    if (ui[1].startsWith('kv1')) return { data: { path: 'kv1/', type: 'kv', options: null } };
    throw new ArcaError('not_found');
  }
  if (req.path === 'sys/seal-status' || req.path === 'sys/unseal') {
    return {
      raw: {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ sealed: true, t: 3, n: 5, progress: req.data.key ? 1 : 0 }),
      },
    };
  }
  if (req.path === 'sys/init' && req.operation === 'update') {
    return {
      raw: {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ keys: ['a'], keys_base64: ['b'], root_token: 'hvs.root' }),
      },
    };
  }
  if (req.path === 'sys/health') {
    return {
      raw: {
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ initialized: true, sealed: true }),
      },
    };
  }
  if (req.path === 'secret/data/gone') {
    return {
      raw: {
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          request_id: 'r',
          data: { data: null, metadata: { version: 3, deletion_time: 'x' } },
        }),
      },
    };
  }
  if (req.path.startsWith('missing')) throw new ArcaError('not_found');
  if (req.path.startsWith('forbidden')) throw new ArcaError('permission_denied');
  if (req.operation === 'delete' || req.path === 'auth/token/revoke') return {};
  return { data: { operation: req.operation, path: req.path, data: req.data, token: req.clientToken } };
}

describe('ArcaClient against the real HTTP app', () => {
  let server: RunningApp;
  let client: ArcaClient;
  before(async () => {
    server = await startTestApp();
    server.handler.fallback = fakeCore;
    client = new ArcaClient({ address: server.url, token: 'hvs.client' });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test('read sends the token and returns the envelope; a missing key is null', async () => {
    const secret = await client.read('kv1/app', { version: 2 });
    assert.equal(secret?.data?.operation, 'read');
    assert.equal(secret?.data?.token, 'hvs.client');
    assert.deepEqual(secret?.data?.data, { version: '2' });
    assert.equal(server.handler.last.headers['x-vault-request'], 'true');
    assert.equal(await client.read('missing/x'), null);
  });

  test('errors are typed ApiErrors with status and the server errors', async () => {
    await assert.rejects(client.read('forbidden/x'), (err: unknown) => {
      assert.ok(isApiError(err, 403));
      assert.deepEqual(err.errors, ['permission denied']);
      assert.match(err.message, /GET \/v1\/forbidden\/x: Code: 403/);
      return true;
    });
  });

  test('list uses the LIST method (through the server rewriter); write, patch, delete map to their operations', async () => {
    const listed = await client.list('kv1/dir');
    assert.equal(listed?.data?.keys, undefined);
    assert.equal(server.handler.last.operation, 'list');
    assert.equal(server.handler.last.path, 'kv1/dir/');
    await client.write('kv1/app', { a: 'b' });
    assert.equal(server.handler.last.operation, 'update');
    assert.deepEqual(server.handler.last.data, { a: 'b' });
    await client.patch('kv1/app', { a: 'c' });
    assert.equal(server.handler.last.operation, 'patch');
    assert.equal(await client.delete('kv1/app'), null);
    assert.equal(server.handler.last.operation, 'delete');
  });

  test('raw sys objects read through the generic calls come back as envelope data', async () => {
    const secret = await client.read('sys/seal-status');
    assert.equal(secret?.data?.sealed, true);
    assert.equal(secret?.lease_duration, 0);
  });

  test('paths are percent-encoded per segment', async () => {
    await client.read('kv1/a b/c?d');
    assert.equal(server.handler.last.path, 'kv1/a b/c?d');
  });

  test('sys helpers: raw endpoints return their objects; health states are not errors', async () => {
    assert.deepEqual(await client.sys.init({ secret_shares: 5, secret_threshold: 3 }), {
      keys: ['a'],
      keys_base64: ['b'],
      root_token: 'hvs.root',
    });
    assert.deepEqual(server.handler.last.data, { secret_shares: 5, secret_threshold: 3 });
    assert.equal((await client.sys.unseal('share')).progress, 1);
    assert.equal((await client.sys.sealStatus()).t, 3);
    const health = await client.sys.health();
    assert.equal(health.status, 503);
    assert.equal(health.body.sealed, true);
  });

  test('token helpers hit the documented endpoints', async () => {
    await client.tokens.create({ policies: ['p'], ttl: '1h' }, { orphan: true });
    assert.equal(server.handler.last.path, 'auth/token/create-orphan');
    assert.deepEqual(server.handler.last.data, { policies: ['p'], ttl: '1h' });
    await client.tokens.lookupSelf();
    assert.equal(server.handler.last.path, 'auth/token/lookup-self');
    await client.tokens.revoke('hvs.other');
    assert.deepEqual(server.handler.last.data, { token: 'hvs.other' });
  });

  test('kv detects v2 via sys/internal/ui/mounts and rewrites paths; v1 paths stay as they are', async () => {
    await client.kv.put('secret/app/db', { password: 'x' }, { cas: 0 });
    assert.equal(server.handler.last.path, 'secret/data/app/db');
    assert.deepEqual(server.handler.last.data, { data: { password: 'x' }, options: { cas: 0 } });
    await client.kv.get('secret/app/db', 2);
    assert.equal(server.handler.last.path, 'secret/data/app/db');
    assert.deepEqual(server.handler.last.data, { version: '2' });
    await client.kv.list('secret/app');
    assert.equal(server.handler.last.path, 'secret/metadata/app/');
    await client.kv.undelete('secret/app/db', [1, 2]);
    assert.equal(server.handler.last.path, 'secret/undelete/app/db');
    await client.kv.put('kv1/app', { a: '1' });
    assert.equal(server.handler.last.path, 'kv1/app');
    assert.deepEqual(server.handler.last.data, { a: '1' });
    await assert.rejects(client.kv.patch('kv1/app', { a: '2' }), /only supported on KV version 2/);
    await client.kv.put('other/x', { a: '1' });
    assert.equal(server.handler.last.path, 'other/x', 'no visible mount: treated as v1');
  });

  test('a KV v2 deleted version (404 with an envelope) is returned, not thrown', async () => {
    const secret = await client.kv.get('secret/gone');
    assert.deepEqual(secret?.data, { data: null, metadata: { version: 3, deletion_time: 'x' } });
  });
});

test('connection failures are ApiErrors with status 0', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  const client = new ArcaClient({ address: `http://127.0.0.1:${port}` });
  await assert.rejects(
    client.sys.sealStatus(),
    (err: unknown) => isApiError(err, 0) && /ECONNREFUSED/.test(err.message),
  );
  client.close();
});

test('https with a CA file verifies the server; an untrusted server is refused', async () => {
  const cert = makeSelfSignedCert();
  const server = await startTestApp({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
  const trusted = new ArcaClient({ address: server.url, tlsCaFile: cert.certFile });
  const untrusted = new ArcaClient({ address: server.url });
  try {
    assert.equal((await trusted.read('kv1/x'))?.data?.ok, true);
    await assert.rejects(untrusted.read('kv1/x'), (err: unknown) => isApiError(err, 0));
  } finally {
    trusted.close();
    untrusted.close();
    await server.close();
    cert.cleanup();
  }
});

test('kv path rewriting is a pure function', () => {
  const kv = resolveKvPath('/secret/a/b', { path: 'secret/', type: 'kv', options: { version: '2' } });
  assert.deepEqual(kv, { mountPath: 'secret/', version: 2, relative: 'a/b' });
  assert.equal(kvApiPath(kv, 'metadata'), 'secret/metadata/a/b');
  assert.equal(
    kvApiPath(resolveKvPath('kv/x', { path: 'kv/', type: 'kv', options: { version: '1' } })),
    'kv/x',
  );
});
