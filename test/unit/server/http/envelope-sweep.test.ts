import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpApp, listenHttpApp, type HttpApp } from '../../../../src/server/http/app.js';
import { createLogger } from '../../../../src/server/logger.js';
import { LogSink, RecordingHandler } from './test-handler.js';
import { RawConnection } from './raw-http.js';

/**
 * Every answer on the wire, whoever writes it (Node's parser, fastify's router, the app, core), is
 * Vault-shaped: `{"errors":[...]}`, `Content-Type: application/json`, `Cache-Control: no-store`,
 * and never a 500 for a client's mistake. Sweeps malformed requests over raw sockets.
 */
describe('every answer uses the Vault envelope and Cache-Control: no-store', () => {
  let app: HttpApp;
  let port: number;
  before(async () => {
    app = createHttpApp({
      handler: new RecordingHandler(),
      logger: createLogger({ level: 'warn', destination: new LogSink() }),
      requestBodyBytesMax: 1024,
    });
    // Short parser timeouts so the 408 case is answered quickly (set before listen: Node reads them then).
    app.server.headersTimeout = 300;
    app.server.requestTimeout = 400;
    (app.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 50;
    port = Number(new URL(await listenHttpApp(app, '127.0.0.1:0')).port);
  });
  after(async () => {
    await app.close();
  });

  const H = 'Host: x\r\n';
  const cases: [name: string, wire: string, status: number][] = [
    ['invalid percent-encoding under /v1', `GET /v1/kv1/%ZZ HTTP/1.1\r\n${H}\r\n`, 400],
    ['invalid percent-encoding elsewhere', `GET /%ZZ HTTP/1.1\r\n${H}\r\n`, 400],
    ['unknown route /', `GET / HTTP/1.1\r\n${H}\r\n`, 404],
    ['unknown route /foo', `GET /foo HTTP/1.1\r\n${H}\r\n`, 404],
    ['unknown route /v2/x', `POST /v2/x HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\n{}`, 404],
    ['absolute-form target', `GET http://x/nothing HTTP/1.1\r\n${H}\r\n`, 404],
    ['OPTIONS under /v1', `OPTIONS /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['PROPFIND under /v1', `PROPFIND /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['TRACE under /v1', `TRACE /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['unknown method token', `FOO /v1/a HTTP/1.1\r\n${H}\r\n`, 400],
    ['bare LF line ends', `GET /v1/a HTTP/1.1\n${H.trim()}\n\n`, 400],
    ['NUL in the target', `GET /v1/a\0b HTTP/1.1\r\n${H}\r\n`, 400],
    ['obsolete line folding', `GET /v1/a HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, 400],
    ['invalid Content-Length', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 400],
    [
      'Content-Length and chunked',
      `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    ['non-chunked Transfer-Encoding', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, 400],
    ['bad chunk size', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    ['headers over the size limit', `GET /v1/a HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['request line over the size limit', `GET /v1/${'a'.repeat(70_000)} HTTP/1.1\r\n${H}\r\n`, 431],
    ['missing Host', 'GET /v1/a HTTP/1.1\r\n\r\n', 400],
    ['unsupported Expect', `GET /v1/a HTTP/1.1\r\n${H}Expect: tea\r\n\r\n`, 417],
    ['PATCH without merge-patch', `PATCH /v1/a HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\n{}`, 415],
    ['malformed JSON', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\n{"a":`, 400],
    ['JSON array body', `PUT /v1/a HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\n[]`, 400],
    [
      'odd content type',
      `POST /v1/a HTTP/1.1\r\n${H}Content-Type: multipart/x; b=\r\nContent-Length: 3\r\n\r\n--x`,
      400,
    ],
    [
      'body over the limit',
      `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 5000\r\n\r\n${'a'.repeat(5000)}`,
      413,
    ],
    [
      'JSON nested 400 levels',
      `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 800\r\n\r\n${'['.repeat(400)}${']'.repeat(400)}`,
      400,
    ],
    ['bad ?list value', `GET /v1/a?list=maybe HTTP/1.1\r\n${H}\r\n`, 400],
    ['bad X-Vault-Wrap-TTL', `GET /v1/a HTTP/1.1\r\n${H}X-Vault-Wrap-TTL: soon\r\n\r\n`, 400],
    ['headers never finished (timeout)', `GET /v1/a HTTP/1.1\r\n${H}X-Slow: 1\r\n`, 408],
    ['body never finished (timeout)', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\n{}`, 408],
  ];

  for (const [name, wire, status] of cases) {
    test(name, async () => {
      const conn = await RawConnection.open(port);
      try {
        await conn.write(wire).catch(() => undefined); // the server may close mid-write
        const [response] = await conn.waitForResponses(1, 4000);
        assert.equal(response.status, status, `${name}: ${response.body}`);
        assert.notEqual(response.status, 500);
        assert.equal(response.headers['cache-control'], 'no-store', name);
        assert.equal(response.headers['content-type'], 'application/json', name);
        const body = JSON.parse(response.body) as { errors?: unknown };
        assert.ok(Array.isArray(body.errors), `${name}: ${response.body}`);
        assert.deepEqual(Object.keys(body), ['errors'], `${name}: only the envelope: ${response.body}`);
      } finally {
        conn.destroy();
      }
    });
  }
});

test('a request arriving while the server drains is answered in the envelope (not fastify 503)', async () => {
  const handler = new RecordingHandler();
  const app = createHttpApp({ handler, logger: createLogger({ level: 'warn', destination: new LogSink() }) });
  const port = Number(new URL(await listenHttpApp(app, '127.0.0.1:0')).port);
  let release = (): void => undefined;
  let arrived = (): void => undefined;
  const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
  handler.reply(async () => {
    arrived();
    await new Promise<void>((resolve) => (release = resolve));
    return { data: { first: true } };
  });
  handler.fallback = { data: { second: true } };
  const conn = await RawConnection.open(port);
  try {
    await conn.write('GET /v1/first HTTP/1.1\r\nHost: x\r\n\r\n');
    await firstArrived;
    const closed = app.close();
    await conn.write('GET /v1/second HTTP/1.1\r\nHost: x\r\n\r\n');
    release();
    const responses = await conn.waitForResponses(2);
    await closed;
    for (const response of responses) {
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers['content-type'], 'application/json');
      assert.ok('data' in JSON.parse(response.body) || 'errors' in JSON.parse(response.body), response.body);
    }
  } finally {
    conn.destroy();
    release();
  }
});
