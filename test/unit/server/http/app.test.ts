import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ArcaError } from '../../../../src/lib/errors.js';
import { readJson, startTestApp, type RunningApp } from './test-handler.js';
import { RawConnection } from './raw-http.js';

describe('HTTP app: /v1 mapping and Vault rendering', () => {
  let server: RunningApp;
  before(async () => {
    server = await startTestApp({ requestBodyBytesMax: 1024 });
  });
  after(async () => {
    await server.close();
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);

  test('GET is a read with query data; repeated params become arrays', async () => {
    const res = await call('/v1/secret/foo?version=2&tag=a&tag=b', {
      headers: { 'X-Vault-Token': 'hvs.tok' },
    });
    assert.equal(res.status, 200);
    const req = server.handler.last;
    assert.equal(req.operation, 'read');
    assert.equal(req.path, 'secret/foo');
    assert.deepEqual(req.data, { version: '2', tag: ['a', 'b'] });
    assert.equal(req.clientToken, 'hvs.tok');
    assert.match(req.id, /^[0-9a-f-]{36}$/);
    assert.equal(req.remoteAddress, '127.0.0.1');
    assert.equal(req.headers['x-vault-token'], undefined);
  });

  test('the envelope has every Vault field and the request id', async () => {
    server.handler.reply({ data: { a: 1 }, mountType: 'kv', warnings: ['w'] });
    const res = await call('/v1/secret/foo');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await readJson(res);
    assert.deepEqual(body, {
      request_id: server.handler.last.id,
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { a: 1 },
      wrap_info: null,
      warnings: ['w'],
      auth: null,
      mount_type: 'kv',
    });
  });

  test('auth block uses Vault names and seconds; secrets carry lease fields', async () => {
    server.handler.reply({
      leaseId: 'db/creds/x/abc',
      secret: { ttlSeconds: 3600, renewable: true },
      auth: {
        clientToken: 'hvs.child',
        accessor: 'acc',
        policies: ['default', 'p'],
        tokenPolicies: ['default', 'p'],
        metadata: { user: 'u' },
        leaseDurationSeconds: 60,
        renewable: true,
        entityId: '',
        tokenType: 'service',
        orphan: false,
        numUses: 0,
      },
    });
    const body = await readJson(await call('/v1/auth/token/create', { method: 'POST' }));
    assert.equal(body.lease_id, 'db/creds/x/abc');
    assert.equal(body.lease_duration, 3600);
    assert.equal(body.renewable, true);
    assert.equal(body.data, null);
    assert.deepEqual(body.auth, {
      client_token: 'hvs.child',
      accessor: 'acc',
      policies: ['default', 'p'],
      token_policies: ['default', 'p'],
      metadata: { user: 'u' },
      lease_duration: 60,
      renewable: true,
      entity_id: '',
      token_type: 'service',
      orphan: false,
      mfa_requirement: null,
      num_uses: 0,
    });
  });

  test('topLevelData copies data keys to the top level without clobbering the envelope', async () => {
    server.handler.reply({ data: { 'secret/': { type: 'kv' }, request_id: 'evil' }, topLevelData: true });
    const body = await readJson(await call('/v1/sys/mounts'));
    assert.deepEqual(body['secret/'], { type: 'kv' });
    assert.deepEqual(body.data['secret/'], { type: 'kv' });
    assert.equal(body.request_id, server.handler.last.id);
  });

  test('no data and no warnings → 204 with the standard headers', async () => {
    server.handler.reply({});
    const res = await call('/v1/secret/foo', { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(await res.text(), '');
    assert.equal(server.handler.last.operation, 'delete');
  });

  test('raw responses are written as given', async () => {
    server.handler.reply({ raw: { status: 503, contentType: 'application/json', body: '{"sealed":true}' } });
    const res = await call('/v1/sys/seal-status');
    assert.equal(res.status, 503);
    assert.equal(await res.text(), '{"sealed":true}');
    server.handler.reply({ raw: { status: 200, contentType: 'text/plain; version=0.0.4', body: 'x 1\n' } });
    const metrics = await call('/v1/sys/metrics?format=prometheus');
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4');
    assert.equal(metrics.headers.get('cache-control'), 'no-store');
    assert.equal(await metrics.text(), 'x 1\n');
  });

  test('POST and PUT are updates with the JSON body; empty body is {}', async () => {
    await call('/v1/secret/foo', { method: 'POST', body: JSON.stringify({ a: 'b', n: 5 }) });
    assert.equal(server.handler.last.operation, 'update');
    assert.deepEqual(server.handler.last.data, { a: 'b', n: 5 });
    await call('/v1/secret/foo', { method: 'PUT', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(server.handler.last.data, {});
  });

  test('bodies without a Content-Type (as the Go client sends them) are JSON, also chunked', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write(
        'POST /v1/a HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{"a":1}' +
          'PUT /v1/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"b":2}\r\n0\r\n\r\n',
      );
      const responses = await conn.waitForResponses(2);
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 200],
      );
      assert.deepEqual(
        server.handler.requests.slice(-2).map((r) => r.data),
        [{ a: 1 }, { b: 2 }],
      );
    } finally {
      conn.destroy();
    }
  });

  test('form-encoded bodies join repeated values with commas', async () => {
    await call('/v1/auth/token/create', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'policies=a&policies=b&ttl=1h',
    });
    assert.deepEqual(server.handler.last.data, { policies: 'a,b', ttl: '1h' });
  });

  test('JSON labelled as a form (curl --data @payload.json) is parsed as JSON, as Vault does', async () => {
    await call('/v1/auth/token/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '  {"token":"hvs.x","policies":["a"]}',
    });
    assert.deepEqual(server.handler.last.data, { token: 'hvs.x', policies: ['a'] });
  });

  test('a form field named __proto__ is data, not a prototype', async () => {
    await call('/v1/secret/foo', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '__proto__=x&a=1',
    });
    const data = server.handler.last.data;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, 'x');
  });

  test('bad JSON → 400 failed to parse JSON input, handler not called', async () => {
    const before = server.handler.requests.length;
    const res = await call('/v1/secret/foo', { method: 'POST', body: '{"a":' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = await readJson(res);
    assert.match(body.errors[0], /^failed to parse JSON input/);
    assert.equal(server.handler.requests.length, before);
    const array = await call('/v1/secret/foo', { method: 'POST', body: '[1]' });
    assert.equal(array.status, 400);
  });

  test('a body over the limit → 413 in Vault shape', async () => {
    const res = await call('/v1/secret/foo', {
      method: 'POST',
      body: JSON.stringify({ v: 'x'.repeat(2000) }),
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await readJson(res), { errors: ['request body too large'] });
  });

  test('PATCH needs merge-patch+json (else 415) and is a patch', async () => {
    const wrong = await call('/v1/secret/data/foo', {
      method: 'PATCH',
      body: '{"data":{}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(wrong.status, 415);
    assert.ok((await readJson(wrong)).errors[0].includes('merge-patch'));
    const ok = await call('/v1/secret/data/foo', {
      method: 'PATCH',
      body: '{"data":{"a":1}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(ok.status, 200);
    assert.equal(server.handler.last.operation, 'patch');
    assert.deepEqual(server.handler.last.data, { data: { a: 1 } });
  });

  test('GET ?list=true is a list with a trailing slash; a bad bool is 400', async () => {
    await call('/v1/secret/metadata?list=true&after=x');
    assert.equal(server.handler.last.operation, 'list');
    assert.equal(server.handler.last.path, 'secret/metadata/');
    assert.deepEqual(server.handler.last.data, { after: 'x' });
    await call('/v1/secret/metadata?list=false');
    assert.equal(server.handler.last.operation, 'read');
    const bad = await call('/v1/secret/metadata?list=maybe');
    assert.equal(bad.status, 400);
  });

  test('Authorization: Bearer is used only without X-Vault-Token', async () => {
    await call('/v1/a', { headers: { authorization: 'Bearer hvs.bearer' } });
    assert.equal(server.handler.last.clientToken, 'hvs.bearer');
    await call('/v1/a', { headers: { authorization: 'Bearer hvs.bearer', 'x-vault-token': 'hvs.x' } });
    assert.equal(server.handler.last.clientToken, 'hvs.x');
    await call('/v1/a', { headers: { authorization: 'Basic dTpw' } });
    assert.equal(server.handler.last.clientToken, '');
  });

  test('X-Vault-Wrap-TTL is parsed as a duration; garbage is 400', async () => {
    await call('/v1/a', { headers: { 'x-vault-wrap-ttl': '5m' } });
    assert.equal(server.handler.last.wrapTtlSeconds, 300);
    await call('/v1/a', { headers: { 'x-vault-wrap-ttl': '300' } });
    assert.equal(server.handler.last.wrapTtlSeconds, 300);
    const bad = await call('/v1/a', { headers: { 'x-vault-wrap-ttl': '-5m' } });
    assert.equal(bad.status, 400);
  });

  test('percent-encoded paths are decoded', async () => {
    await call('/v1/secret/a%20b/c');
    assert.equal(server.handler.last.path, 'secret/a b/c');
    const long = 'p/'.repeat(200) + 'x';
    await call(`/v1/${long}`);
    assert.equal(server.handler.last.path, long);
    const bad = await call('/v1/secret/a%zzb');
    assert.equal(bad.status, 400);
    assert.deepEqual(await readJson(bad), { errors: ['invalid percent-encoding in request path'] });
  });

  test('a read without a query string has empty data; an empty query string too', async () => {
    await call('/v1/secret/plain');
    assert.equal(server.handler.last.operation, 'read');
    assert.deepEqual(server.handler.last.data, {});
    await call('/v1/secret/plain?');
    assert.deepEqual(server.handler.last.data, {});
    assert.equal(server.handler.last.path, 'secret/plain');
  });

  test('ArcaError → its status and errors (+ data); empty errors array for not found', async () => {
    server.handler.reply(new ArcaError('permission_denied'));
    let res = await call('/v1/secret/foo');
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await readJson(res), { errors: ['permission denied'] });
    server.handler.reply(new ArcaError('not_found'));
    res = await call('/v1/secret/foo');
    assert.equal(res.status, 404);
    assert.deepEqual(await readJson(res), { errors: [] });
    server.handler.reply(new ArcaError('invalid_request', ['bad thing'], { detail: 1 }));
    res = await call('/v1/secret/foo');
    assert.deepEqual(await readJson(res), { errors: ['bad thing'], data: { detail: 1 } });
  });

  test('an unexpected error → 500 internal error, logged without request data, server keeps serving', async () => {
    server.handler.reply(new TypeError('boom in core'));
    const res = await call('/v1/secret/foo?password=hunter2', { headers: { 'x-vault-token': 'hvs.MARKER' } });
    assert.equal(res.status, 500);
    assert.deepEqual(await readJson(res), { errors: ['internal error'] });
    assert.ok(server.logs.text.includes('boom in core'));
    assert.ok(!server.logs.text.includes('hunter2'));
    assert.ok(!server.logs.text.includes('hvs.MARKER'));
    assert.equal((await call('/v1/secret/foo')).status, 200);
  });

  test('HEAD works for sys/health only and has no body', async () => {
    server.handler.reply({ raw: { status: 429, contentType: 'application/json', body: '{"standby":true}' } });
    const res = await call('/v1/sys/health', { method: 'HEAD' });
    assert.equal(res.status, 429);
    assert.equal(await res.text(), '');
    const other = await call('/v1/secret/foo', { method: 'HEAD' });
    assert.equal(other.status, 405);
  });

  test('OPTIONS and unknown methods under /v1 → 405; unknown non-v1 path → 404', async () => {
    const options = await call('/v1/secret/foo', { method: 'OPTIONS' });
    assert.equal(options.status, 405);
    assert.deepEqual(await readJson(options), { errors: ['unsupported operation'] });
    const propfind = await call('/v1/secret/foo', { method: 'PROPFIND' });
    assert.equal(propfind.status, 405);
    const missing = await call('/ui/whatever');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/json');
    assert.equal(missing.headers.get('cache-control'), 'no-store');
  });

  test('the request id is on the request log lines', async () => {
    await call('/v1/secret/logged');
    const id = server.handler.last.id;
    const line = server.logs.text.split('\n').find((l) => l.includes(id));
    assert.ok(line, 'a log line carries the request id');
    assert.equal(JSON.parse(line).request_id, id);
  });
  test('a JSON answer carries each header once, no charset, and its UTF-8 byte length', async () => {
    const secret = { note: 'grüße €uro 🔑' };
    server.handler.reply({ data: secret, mountType: 'kv' });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${server.url}/v1/secret/foo`, resolve).on('error', reject);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    for (const name of ['content-type', 'cache-control', 'content-length']) {
      assert.equal(names.filter((n) => n === name).length, 1, name);
    }
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(Number(res.headers['content-length']), body.length);
    assert.deepEqual((JSON.parse(body.toString('utf8')) as { data: unknown }).data, secret);
  });
});
