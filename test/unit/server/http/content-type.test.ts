/**
 * The `application/json` fast path (a parser registered under that type so fastify caches it,
 * instead of re-parsing the header for the catch-all on every request) changes nothing a client
 * sees: every content type still reaches request-mapping.ts as bytes, bad JSON is still Vault's 400,
 * an oversized body still 413, and PATCH still needs merge-patch+json — repeated, so the cached
 * parser is the one answering.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readJson, startTestApp, type RunningApp } from './test-handler.js';

let server: RunningApp;
before(async () => {
  server = await startTestApp({ requestBodyBytesMax: 1024 });
});
after(async () => {
  await server.close();
});

const contentTypes: (string | undefined)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'text/plain',
  undefined,
];

function post(body: string, contentType: string | undefined): Promise<Response> {
  return fetch(`${server.url}/v1/secret/data/foo`, {
    method: 'POST',
    body,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
}

test('good JSON reaches the handler as data under every content type, every time', async () => {
  for (let round = 0; round < 3; round++) {
    for (const contentType of contentTypes) {
      const res = await post(`{"data":{"round":${round}}}`, contentType);
      assert.equal(res.status, 200, `${contentType}`);
      await res.arrayBuffer();
      assert.deepEqual(server.handler.last.data, { data: { round } }, `${contentType}`);
    }
  }
});

test('bad JSON is a 400 in Vault shape and never reaches the handler, under every content type', async () => {
  for (let round = 0; round < 3; round++) {
    for (const contentType of contentTypes) {
      const before = server.handler.requests.length;
      const res = await post('{"data":', contentType);
      assert.equal(res.status, 400, `${contentType}`);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.match((await readJson(res)).errors[0], /^failed to parse JSON input/);
      assert.equal(server.handler.requests.length, before);
    }
  }
});

test('an oversized JSON body is still 413, and PATCH with application/json still 415', async () => {
  for (let round = 0; round < 2; round++) {
    const big = await post(JSON.stringify({ v: 'x'.repeat(2000) }), 'application/json');
    assert.equal(big.status, 413);
    assert.deepEqual(await readJson(big), { errors: ['request body too large'] });
    const patch = await fetch(`${server.url}/v1/secret/data/foo`, {
      method: 'PATCH',
      body: '{"data":{}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(patch.status, 415);
    await patch.arrayBuffer();
  }
});
