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

test('an Upgrade header alone changes nothing; with Connection: upgrade nothing after the message is forwarded', () => {
  const alone = rewriteAll([
    Buffer.from('GET /a HTTP/1.1\r\nUpgrade: foo\r\n\r\nLINK /b HTTP/1.1\r\n\r\nLIST /c HTTP/1.1\r\n\r\n'),
  ]);
  assert.equal(
    alone.out,
    'GET /a HTTP/1.1\r\nUpgrade: foo\r\n\r\nUNLINK /b HTTP/1.1\r\n\r\nLINK /c HTTP/1.1\r\n\r\n',
  );
  assert.equal(alone.rewriter.takeRequest()?.closeAfter, false);

  const head =
    'POST /a HTTP/1.1\r\nUpgrade: h2c\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 4\r\n\r\n';
  for (const split of [0, 10, head.length, head.length + 2, head.length + 4]) {
    const wire = Buffer.from(`${head}LINKLINK /b HTTP/1.1\r\n\r\n`);
    const { out, rewriter } = rewriteAll([
      wire.subarray(0, split),
      wire.subarray(split),
      Buffer.from('LIST /'),
    ]);
    assert.equal(out, `${head}LINK`, `split at ${split}: the body is forwarded, nothing after it`);
    assert.equal(rewriter.discarding, true);
    assert.deepEqual(rewriter.takeRequest(), { method: 'POST', target: '/a', closeAfter: true });
    assert.equal(rewriter.takeRequest(), undefined);
  }
});

test('every forwarded request line is recorded with the method llhttp sees and its target', () => {
  const { rewriter } = rewriteAll([
    Buffer.from('LIST /v1/a?x=1 HTTP/1.1\r\n\r\nLINK  http://h/v1/b HTTP/1.1\r\n\r\nGET * HTTP/1.1\r\n\r\n'),
  ]);
  const taken = [
    rewriter.takeRequest(),
    rewriter.takeRequest(),
    rewriter.takeRequest(),
    rewriter.takeRequest(),
  ];
  assert.deepEqual(taken, [
    { method: 'LINK', target: '/v1/a?x=1', closeAfter: false },
    { method: 'UNLINK', target: 'http://h/v1/b', closeAfter: false },
    { method: 'GET', target: '*', closeAfter: false },
    undefined,
  ]);
});

test('a long chunked body with many small chunks keeps rewriting (no header budget per body)', () => {
  const chunks = '1\r\na\r\n'.repeat(100_000);
  const { out, rewriter } = rewriteAll([
    Buffer.from(
      `POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\nLIST /b HTTP/1.1\r\n\r\n`,
    ),
  ]);
  assert.equal(rewriter.passthrough, false);
  assert.ok(out.endsWith('LINK /b HTTP/1.1\r\n\r\n'));
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

test('chunks of whole requests whose methods stay are returned without copying; a rewrite copies', () => {
  const rewriter = new ListMethodRewriter();
  const gets = Buffer.from('GET /v1/a HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /v1/b HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(rewriter.transform(gets), gets);
  const list = Buffer.from('LIST /v1/a HTTP/1.1\r\nHost: x\r\n\r\n');
  const rewritten = rewriter.transform(list);
  assert.notEqual(rewritten, list);
  assert.equal(rewritten.toString('latin1'), 'LINK /v1/a HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(list.toString('latin1').slice(0, 4), 'LIST');
  // A method split across chunks: the held-back bytes are forwarded with the rest of the line.
  assert.equal(rewriter.transform(Buffer.from('GE')).length, 0);
  assert.equal(
    rewriter.transform(Buffer.from('T /v1/c HTTP/1.1\r\n\r\n')).toString(),
    'GET /v1/c HTTP/1.1\r\n\r\n',
  );
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
        for (const r of requests) assert.equal(rewriter.takeRequest()?.method, r.expected.split(' ')[0]);
        assert.equal(rewriter.takeRequest(), undefined);
      },
    ),
    { numRuns: 300 },
  );
});
