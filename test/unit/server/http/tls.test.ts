import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startTestApp, type RunningApp } from './test-handler.js';
import { RawConnection, request } from './raw-http.js';
import { makeSelfSignedCert, type SelfSigned } from './self-signed.js';

let cert: SelfSigned;
let server: RunningApp;
before(async () => {
  cert = makeSelfSignedCert();
  server = await startTestApp({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
  server.handler.fallback = (req) => ({ data: { operation: req.operation, path: req.path } });
});
after(async () => {
  await server.close();
  cert.cleanup();
});

test('the listener speaks TLS with the configured certificate and reports an https URL', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.request(`${server.url}/v1/secret/a`, { ca: cert.certPem, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(JSON.parse(body).data.operation, 'read');
});

test('LIST works over TLS on a keep-alive connection', async () => {
  const conn = await RawConnection.open(server.port, { tls: true });
  try {
    await conn.write(
      request('LIST', '/v1/secret/') +
        request('POST', '/v1/secret/a', '{"x":"LIST "}') +
        request('LIST', '/v1/b'),
    );
    const responses = await conn.waitForResponses(3);
    assert.deepEqual(
      responses.map((r) => JSON.parse(r.body).data.operation),
      ['list', 'update', 'list'],
    );
  } finally {
    conn.destroy();
  }
});
