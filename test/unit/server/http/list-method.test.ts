import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type RunningApp } from './test-handler.js';
import { RawConnection, chunkedRequest, request } from './raw-http.js';

describe('the LIST method over real sockets', () => {
  let server: RunningApp;
  before(async () => {
    server = await startTestApp();
    server.handler.fallback = (req) => ({
      data: { operation: req.operation, path: req.path, data: req.data },
    });
  });
  after(async () => {
    await server.close();
  });

  const echoed = (body: string) =>
    JSON.parse(body).data as { operation: string; path: string; data: unknown };

  test('sequential keep-alive requests mixing GET, LIST and POST (with "LIST " in bodies) all route right', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      const script: [string, string, string | undefined, string, string][] = [
        ['GET', '/v1/secret/a', undefined, 'read', 'secret/a'],
        ['LIST', '/v1/secret/metadata', undefined, 'list', 'secret/metadata/'],
        ['POST', '/v1/secret/b', '{"v":"LIST /v1/x HTTP/1.1\\r\\n"}', 'update', 'secret/b'],
        ['LIST', '/v1/sys/policies/acl', undefined, 'list', 'sys/policies/acl/'],
        ['POST', '/v1/secret/c', '{"LIST ":"LIST "}', 'update', 'secret/c'],
        ['LIST', '/v1/secret/', undefined, 'list', 'secret/'],
        ['GET', '/v1/secret/d', undefined, 'read', 'secret/d'],
      ];
      for (let i = 0; i < script.length; i++) {
        const [method, path, body] = script[i];
        await conn.write(request(method, path, body));
        const responses = await conn.waitForResponses(i + 1);
        const last = responses[i];
        assert.equal(last.status, 200, `${method} ${path}: ${last.body}`);
        assert.equal(echoed(last.body).operation, script[i][3]);
        assert.equal(echoed(last.body).path, script[i][4]);
      }
      assert.deepEqual(echoed((await conn.waitForResponses(3))[2].body).data, {
        v: 'LIST /v1/x HTTP/1.1\r\n',
      });
    } finally {
      conn.destroy();
    }
  });

  test('pipelined requests in one write, including LIST with a body and a chunked POST', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      const wire =
        request('LIST', '/v1/one') +
        request('POST', '/v1/two', '{"a":"LIST /v1/evil HTTP/1.1"}') +
        request('LIST', '/v1/three?after=k', '{"ignored":"LIST "}') +
        chunkedRequest(
          'POST',
          '/v1/four',
          ['b=\r\n\r\nLIST /v1/e', 'vil HTTP/1.1\r\n'],
          'application/x-www-form-urlencoded',
        ) +
        request('LIST', '/v1/five') +
        request('GET', '/v1/six', undefined, ['Connection: close']);
      await conn.write(wire);
      const responses = await conn.waitForResponses(6);
      const got = responses.map((r) => {
        const e = echoed(r.body);
        return `${e.operation} ${e.path}`;
      });
      assert.deepEqual(got, [
        'list one/',
        'update two',
        'list three/',
        'update four',
        'list five/',
        'read six',
      ]);
      assert.deepEqual(echoed(responses[2].body).data, { after: 'k' }, 'LIST data comes from the query only');
      assert.deepEqual(echoed(responses[3].body).data, { b: '\r\n\r\nLIST /v1/evil HTTP/1.1\r\n' });
      await conn.waitForClose();
    } finally {
      conn.destroy();
    }
  });

  test('every byte in its own TCP write still rewrites every LIST', async () => {
    const conn = await RawConnection.open(server.port);
    conn.socket.setNoDelay(true);
    try {
      const wire = Buffer.from(
        request('LIST', '/v1/x') + request('POST', '/v1/y', '{"k":"LIST "}') + request('LIST', '/v1/z'),
      );
      for (const byte of wire) await conn.write(Buffer.from([byte]));
      const responses = await conn.waitForResponses(3);
      assert.deepEqual(
        responses.map((r) => echoed(r.body).operation),
        ['list', 'update', 'list'],
      );
    } finally {
      conn.destroy();
    }
  });

  test('a genuine LINK request is not mistaken for LIST (405)', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write(request('LINK', '/v1/secret/a') + request('LIST', '/v1/secret/b'));
      const [link, list] = await conn.waitForResponses(2);
      assert.equal(link.status, 405);
      assert.deepEqual(JSON.parse(link.body), { errors: ['unsupported operation'] });
      assert.equal(echoed(list.body).operation, 'list');
    } finally {
      conn.destroy();
    }
  });

  test('node-style clients: fetch with method LIST works too', async () => {
    const res = await fetch(`${server.url}/v1/secret/metadata/app`, {
      method: 'LIST',
      headers: { 'x-vault-token': 't' },
    });
    assert.equal(res.status, 200);
    assert.equal(echoed(await res.text()).path, 'secret/metadata/app/');
  });

  test('idle keep-alive connections still time out through the rewriting socket', async () => {
    const previous = server.app.server.keepAliveTimeout;
    server.app.server.keepAliveTimeout = 200;
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write(request('LIST', '/v1/a'));
      await conn.waitForResponses(1);
      await conn.waitForClose(5000);
    } finally {
      server.app.server.keepAliveTimeout = previous;
      conn.destroy();
    }
  });

  test('a malformed request gets a Vault-shaped 400 and the connection closes', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write(
        'GET /v1/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      );
      const [response] = await conn.waitForResponses(1);
      assert.equal(response.status, 400);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.ok(Array.isArray(JSON.parse(response.body).errors));
      await conn.waitForClose();
    } finally {
      conn.destroy();
    }
  });
});
