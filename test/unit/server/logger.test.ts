import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, parseLogLevel, requestLogger, scrubSecrets } from '../../../src/server/logger.js';
import { LogSink, startTestApp } from './http/test-handler.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('a logged request with secrets never shows them, but shows the request id', async () => {
  const sink = new LogSink();
  const logger = createLogger({ level: 'info', destination: sink });
  const log = requestLogger(logger, 'req-1234');
  log.info(
    {
      req: {
        method: 'POST',
        headers: { 'x-vault-token': 'hvs.MARKERTOKEN', authorization: 'Bearer MARKERBEARER' },
      },
      request: {
        path: 'secret/data/x',
        clientToken: 'MARKERCLIENT',
        data: { password: 'MARKERPASSWORD', nested: { secret_id: 'MARKERSECRETID' } },
      },
      init: { keys: ['MARKERKEY1'], keys_base64: ['MARKERKEY2'], root_token: 'MARKERROOT' },
      unseal: { key: 'MARKERUNSEAL', unseal_key: 'MARKERUNSEAL2' },
      auth: { client_token: 'MARKERCT', accessor: 'visible-accessor' },
    },
    'handled request',
  );
  await flush();
  const text = sink.text;
  assert.ok(!/MARKER/.test(text), `no secret marker in: ${text}`);
  const line = JSON.parse(text.trim());
  assert.equal(line.request_id, 'req-1234');
  assert.equal(line.msg, 'handled request');
  assert.equal(line.level, 'info');
  assert.equal(line.request.path, 'secret/data/x');
  assert.equal(line.auth.accessor, 'visible-accessor');
  assert.equal(line.req.headers['x-vault-token'], '[REDACTED]');
});

test('the HTTP app never logs tokens or bodies of failing requests', async () => {
  const server = await startTestApp();
  try {
    server.handler.reply(new Error('core exploded'));
    await fetch(`${server.url}/v1/secret/x`, {
      method: 'POST',
      headers: { 'x-vault-token': 'hvs.MARKERTOKEN' },
      body: JSON.stringify({ password: 'MARKERPASSWORD' }),
    });
    await flush();
    assert.ok(server.logs.text.includes('core exploded'));
    assert.ok(server.logs.text.includes(server.handler.last.id));
    assert.ok(!server.logs.text.includes('MARKER'));
  } finally {
    await server.close();
  }
});

test('scrubSecrets handles arrays, case and separators, and deep or cyclic objects', () => {
  assert.deepEqual(scrubSecrets([{ Token: 'a' }, { 'Client-Token': 'b' }, { ok: 1 }]), [
    { Token: '[REDACTED]' },
    { 'Client-Token': '[REDACTED]' },
    { ok: 1 },
  ]);
  const cyclic: Record<string, unknown> = { name: 'x' };
  cyclic.self = cyclic;
  assert.doesNotThrow(() => JSON.stringify(scrubSecrets(cyclic)));
});

test('log levels parse like Vault (warning = warn) and garbage is rejected', () => {
  assert.equal(parseLogLevel('WARNING'), 'warn');
  assert.equal(parseLogLevel('trace'), 'trace');
  assert.throws(() => parseLogLevel('verbose'), /invalid log level/);
});
