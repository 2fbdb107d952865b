import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { defaultJsonLimits } from '../../../src/lib/json-limits.js';
import { createHttpApp, listenHttpApp, type HttpApp } from '../../../src/server/http/app.js';
import { createLogger } from '../../../src/server/logger.js';
import { makeHarness } from '../../helpers/core/core-harness.js';
import { LogSink } from '../../unit/server/http/test-handler.js';

/** The real core (KV v2 at secret/) behind the real HTTP app on a real socket. */
describe('JSON body limits (Vault listener defaults) in front of the real KV engine', () => {
  let app: HttpApp;
  let strictApp: HttpApp;
  let url: string;
  let strictUrl: string;
  let token: string;
  before(async () => {
    const h = await makeHarness({ engines: { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory } });
    token = (await h.core.initializeDev({ rootTokenId: 'json-root' })).rootToken;
    const logger = createLogger({ level: 'warn', destination: new LogSink() });
    app = createHttpApp({ handler: h.core, logger });
    url = await listenHttpApp(app, '127.0.0.1:0');
    strictApp = createHttpApp({ handler: h.core, logger, jsonLimits: { ...defaultJsonLimits, depthMax: 4 } });
    strictUrl = await listenHttpApp(strictApp, '127.0.0.1:0');
  });
  after(async () => {
    await app.close();
    await strictApp.close();
  });

  const write = (base: string, path: string, body: string) =>
    fetch(`${base}/v1/secret/data/${path}`, {
      method: 'POST',
      headers: { 'x-vault-token': token, 'content-type': 'application/json' },
      body,
    });
  const nested = (levels: number) => `{"data":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
  const readStatus = async (path: string) =>
    (await fetch(`${url}/v1/secret/data/${path}`, { headers: { 'x-vault-token': token } })).status;

  test('5,000 levels of nesting → 400 failed to parse JSON input (was a 500 from a stack overflow)', async () => {
    const res = await write(url, 'deep', nested(5000));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      errors: ['failed to parse JSON input: JSON input exceeds allowed nesting depth'],
    });
    assert.equal(await readStatus('deep'), 404, 'nothing was written');
  });

  test('nesting at the limit (300 levels, counting the outer object) is stored', async () => {
    const res = await write(url, 'at-limit', nested(defaultJsonLimits.depthMax - 1));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await readStatus('at-limit'), 200);
    assert.equal((await write(url, 'over', nested(defaultJsonLimits.depthMax))).status, 400);
  });

  test('an object with 200k keys (3.5 MB) is refused before parsing; 10,000 keys are fine', async () => {
    const keys = (count: number) =>
      `{"data":{${Array.from({ length: count }, (_, i) => `"k${i}":"v"`).join(',')}}}`;
    const big = await write(url, 'wide', keys(200_000));
    assert.equal(big.status, 400);
    assert.deepEqual(await big.json(), {
      errors: ['failed to parse JSON input: JSON object exceeds allowed entry count'],
    });
    assert.equal(await readStatus('wide'), 404);
    assert.equal((await write(url, 'wide-ok', keys(10_000))).status, 200);
  });

  test('long strings, long arrays and merge-patch bodies are checked too', async () => {
    const long = await write(
      url,
      'long',
      `{"data":{"a":"${'x'.repeat(defaultJsonLimits.stringValueBytesMax + 1)}"}}`,
    );
    assert.deepEqual(await long.json(), {
      errors: ['failed to parse JSON input: JSON string value exceeds allowed length'],
    });
    const array = await write(url, 'array', `{"data":{"a":[${Array(10_001).fill(1).join(',')}]}}`);
    assert.deepEqual(await array.json(), {
      errors: ['failed to parse JSON input: JSON array exceeds allowed element count'],
    });
    const patch = await fetch(`${url}/v1/secret/data/array`, {
      method: 'PATCH',
      headers: { 'x-vault-token': token, 'content-type': 'application/merge-patch+json' },
      body: nested(5000),
    });
    assert.equal(patch.status, 400);
  });

  test('a listener configured with a lower max_json_depth enforces it', async () => {
    assert.equal((await write(strictUrl, 'strict', nested(2))).status, 200);
    const res = await write(strictUrl, 'strict', nested(4));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { errors: string[] }).errors[0], /nesting depth/);
  });
});
