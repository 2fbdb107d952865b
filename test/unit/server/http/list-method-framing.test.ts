import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type RunningApp } from './test-handler.js';
import { RawConnection, request } from './raw-http.js';

/**
 * Request-smuggling regressions for the LIST rewriter: every state in which the rewriter and
 * llhttp could disagree about where a request starts must be impossible or close the connection.
 * A "list" reaching the handler from a genuine LINK is the bypass these tests guard against.
 */
describe('LIST rewriting and request framing over real sockets', () => {
  let server: RunningApp;
  before(async () => {
    server = await startTestApp();
    server.handler.fallback = (req) => ({ data: { operation: req.operation, path: req.path } });
  });
  after(async () => {
    await server.close();
  });

  const operations = () => server.handler.requests.map((r) => `${r.operation} ${r.path}`);
  const secretLink = request('LINK', '/v1/secret/metadata/');

  test('an Upgrade header alone leaves rewriting on: a later genuine LINK is 405, a later LIST lists', async () => {
    for (const pipelined of [true, false]) {
      const conn = await RawConnection.open(server.port);
      try {
        const wires = [
          request('GET', '/v1/a', undefined, ['Upgrade: foo']),
          secretLink,
          request('LIST', '/v1/secret/metadata/'),
        ];
        if (pipelined) await conn.write(wires.join(''));
        for (let i = 0; i < wires.length; i++) {
          if (!pipelined) await conn.write(wires[i]);
          await conn.waitForResponses(i + 1);
        }
        const [get, link, list] = await conn.waitForResponses(3);
        assert.equal(get.status, 200);
        assert.equal(link.status, 405, `genuine LINK after Upgrade (pipelined=${pipelined}): ${link.body}`);
        assert.equal(list.status, 200, `LIST after Upgrade (pipelined=${pipelined}): ${list.body}`);
        assert.equal(JSON.parse(list.body).data.operation, 'list');
      } finally {
        conn.destroy();
      }
    }
  });

  test('a Connection: upgrade request is answered, then the connection closes; nothing after it runs', async () => {
    const upgrade = request('GET', '/v1/up', undefined, ['Upgrade: foo', 'Connection: upgrade']);
    const cases: { name: string; writes: string[] }[] = [
      { name: 'pipelined GET in the same write', writes: [upgrade + request('GET', '/v1/after')] },
      { name: 'pipelined genuine LINK in the same write', writes: [upgrade + secretLink] },
      {
        // Node drops the rest of the upgrade's TCP chunk and parses the next chunk afresh: the LINK
        // would start a request for llhttp while a rewriter that kept tracking sees a body.
        name: 'a body head in the same write, a genuine LINK in the next',
        writes: [upgrade + 'POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n', secretLink],
      },
      {
        name: 'an upgrade POST with a body, then a LINK',
        writes: [
          request('POST', '/v1/up', '{"a":1}', ['Upgrade: h2c', 'Connection: keep-alive, Upgrade']),
          secretLink,
        ],
      },
    ];
    const start = server.handler.requests.length;
    for (const { name, writes } of cases) {
      const before = server.handler.requests.length;
      const conn = await RawConnection.open(server.port);
      try {
        await conn.write(writes[0]);
        const [first] = await conn.waitForResponses(1);
        assert.equal(first.status, 200, name);
        assert.equal(first.headers.connection, 'close', name);
        for (const more of writes.slice(1)) await conn.write(more).catch(() => undefined);
        await conn.waitForClose();
        assert.equal(server.handler.requests.length, before + 1, `${name}: only the upgrade request ran`);
        assert.equal(conn.bytes.toString('latin1').match(/HTTP\/1\.1 /g)?.length, 1, name);
      } finally {
        conn.destroy();
      }
    }
    const ran = operations().slice(start);
    assert.ok(!ran.some((op) => op.startsWith('list')), ran.join(', '));
  });

  test('a request llhttp parses where the rewriter saw none is never served (connection destroyed)', async () => {
    // With a raised parser header limit, a 70 KB header line exceeds what the rewriter tracks (it
    // passes through from there) while llhttp accepts it: the genuine LINK after it reaches llhttp
    // unrewritten. The server must notice the unrecorded request instead of serving it as a list.
    // node:http reads `server.maxHeaderSize` (the `maxHeaderSize` option) for each new connection.
    const raw = server.app.server as unknown as { maxHeaderSize?: number };
    const previous = raw.maxHeaderSize;
    raw.maxHeaderSize = 512 * 1024;
    const before = server.handler.requests.length;
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write(
        request('GET', '/v1/big', undefined, [`X-Big: ${'a'.repeat(70 * 1024)}`]) + secretLink,
      );
      await conn.waitForClose();
      assert.deepEqual(operations().slice(before), ['read big']);
    } finally {
      raw.maxHeaderSize = previous;
      conn.destroy();
    }
  });

  test('extra spaces after the method still match (a genuine LINK stays a 405)', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      await conn.write('LINK  /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\n\r\n' + request('LIST', '/v1/l'));
      const [link, list] = await conn.waitForResponses(2);
      assert.equal(link.status, 405);
      assert.equal(JSON.parse(list.body).data.operation, 'list');
    } finally {
      conn.destroy();
    }
  });
});
