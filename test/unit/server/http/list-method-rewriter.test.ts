import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListMethodRewriter } from '../../../../src/server/http/list-method-rewriter.js';

const rewriteAll = (pieces: Buffer[]): { out: string; rewriter: ListMethodRewriter } => {
  const rewriter = new ListMethodRewriter();
  const out = Buffer.concat(pieces.map((p) => rewriter.transform(p))).toString('latin1');
  return { out, rewriter };
};

test('LIST becomes LINK and a genuine LINK becomes UNLINK; other methods are untouched', () => {
  const { out } = rewriteAll([
    Buffer.from(
      'LIST /v1/a HTTP/1.1\r\nHost: x\r\n\r\nLINK /v1/b HTTP/1.1\r\n\r\nGET /v1/LIST HTTP/1.1\r\n\r\n',
    ),
  ]);
  assert.equal(
    out,
    'LINK /v1/a HTTP/1.1\r\nHost: x\r\n\r\nUNLINK /v1/b HTTP/1.1\r\n\r\nGET /v1/LIST HTTP/1.1\r\n\r\n',
  );
});

test('bytes inside a Content-Length body are never rewritten', () => {
  const body = 'LIST /v1/x HTTP/1.1\r\n\r\n';
  const wire = `POST /v1/a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}LIST /v1/b HTTP/1.1\r\n\r\n`;
  const { out } = rewriteAll([Buffer.from(wire)]);
  assert.equal(
    out,
    `POST /v1/a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}LINK /v1/b HTTP/1.1\r\n\r\n`,
  );
});

test('chunked bodies with extensions and trailers are skipped exactly', () => {
  const wire =
    'POST /v1/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;ext=1\r\nLIST \r\n3\r\n\r\n\n\r\n0\r\nX-Trailer: LIST\r\n\r\nLIST /v1/b HTTP/1.1\r\n\r\n';
  const { out, rewriter } = rewriteAll([Buffer.from(wire)]);
  assert.ok(out.endsWith('\r\nLINK /v1/b HTTP/1.1\r\n\r\n'));
  assert.ok(out.includes('5;ext=1\r\nLIST \r\n'));
  assert.equal(rewriter.requestsSeen, 2);
  assert.equal(rewriter.passthrough, false);
});

test('ambiguous framing switches to pass-through (llhttp then rejects the request)', () => {
  for (const headers of [
    'Content-Length: 5\r\nTransfer-Encoding: chunked',
    'Content-Length: 5\r\nContent-Length: 6',
    'Content-Length: -1',
    'Transfer-Encoding: gzip',
    'Upgrade: websocket\r\nConnection: upgrade',
    'X-Folded: a\r\n b',
  ]) {
    const { out, rewriter } = rewriteAll([
      Buffer.from(`POST /v1/a HTTP/1.1\r\n${headers}\r\n\r\nLIST /v1/b HTTP/1.1\r\n\r\n`),
    ]);
    assert.equal(rewriter.passthrough, true, headers);
    assert.ok(out.endsWith('LIST /v1/b HTTP/1.1\r\n\r\n'), 'nothing after the ambiguity is rewritten');
  }
  const connect = rewriteAll([Buffer.from('CONNECT a:1 HTTP/1.1\r\n\r\nLIST / HTTP/1.1\r\n\r\n')]);
  assert.equal(connect.rewriter.passthrough, true);
});

test('an over-long method token is passed through unchanged', () => {
  const method = 'X'.repeat(100);
  const { out, rewriter } = rewriteAll([Buffer.from(`${method} / HTTP/1.1\r\n\r\n`)]);
  assert.equal(out, `${method} / HTTP/1.1\r\n\r\n`);
  assert.equal(rewriter.passthrough, true);
});

test('unchanged chunks are returned without copying', () => {
  const rewriter = new ListMethodRewriter();
  rewriter.transform(Buffer.from('POST /v1/a HTTP/1.1\r\nContent-Length: 10000\r\n\r\n'));
  const body = Buffer.alloc(4096, 0x41);
  assert.equal(rewriter.transform(body), body);
});

/** One generated request and what the parser must see for it. */
interface Generated {
  wire: string;
  expected: string;
}

const methodArb = fc.constantFrom('GET', 'LIST', 'POST', 'PUT', 'DELETE', 'LINK', 'PATCH');
const bodyArb = fc
  .array(fc.constantFrom('LIST ', 'LINK ', '\r\n', '\r\n\r\n', 'a', '0\r\n', 'GET /', ' '), { maxLength: 12 })
  .map((parts) => parts.join(''));

const requestArb = fc
  .record({
    method: methodArb,
    path: fc.constantFrom('/v1/a', '/v1/LIST', '/v1/secret/metadata/'),
    body: bodyArb,
    framing: fc.constantFrom('none', 'length', 'chunked'),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    bareLf: fc.boolean(),
  })
  .map(({ method, path, body, framing, cuts, bareLf }): Generated => {
    const eol = bareLf ? '\n' : '\r\n';
    let headers = `Host: x${eol}X-Note: LIST ${eol}`;
    let payload = '';
    if (framing === 'length' || (framing === 'none' && body !== '')) {
      headers += `Content-Length: ${body.length}${eol}`;
      payload = body;
    } else if (framing === 'chunked') {
      headers += `Transfer-Encoding: chunked${eol}`;
      const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
      let last = 0;
      for (const p of [...points, body.length]) {
        const piece = body.slice(last, p);
        if (piece.length > 0) payload += `${piece.length.toString(16)}\r\n${piece}\r\n`;
        last = p;
      }
      payload += '0\r\n\r\n';
    }
    const rest = ` ${path} HTTP/1.1${eol}${headers}${eol}${payload}`;
    const seen = method === 'LIST' ? 'LINK' : method === 'LINK' ? 'UNLINK' : method;
    return { wire: method + rest, expected: seen + rest };
  });

test('property: any sequence of requests, split anywhere, is rewritten exactly at request starts', () => {
  fc.assert(
    fc.property(
      fc.array(requestArb, { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (requests, splits) => {
        const wire = Buffer.from(requests.map((r) => r.wire).join(''), 'latin1');
        const expected = requests.map((r) => r.expected).join('');
        const points = [...new Set(splits.map((s) => s % (wire.length + 1)))].sort((a, b) => a - b);
        const pieces: Buffer[] = [];
        let last = 0;
        for (const p of [...points, wire.length]) {
          pieces.push(wire.subarray(last, p));
          last = p;
        }
        const { out, rewriter } = rewriteAll(pieces);
        assert.equal(out, expected);
        assert.equal(rewriter.requestsSeen, requests.length);
        assert.equal(rewriter.passthrough, false);
      },
    ),
    { numRuns: 300 },
  );
});
