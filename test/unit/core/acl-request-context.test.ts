/**
 * The pipeline hands the ACL the request's data and its wrap TTL as two separate things: parameter
 * constraints see the body/query keys as sent, wrapping bounds see `X-Vault-Wrap-TTL` only, and no
 * client key (`data`, `wrapTtlSeconds`) can stand in for either. Real core, real KV v1 mount.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { unsealedHarness, type Harness } from '../../helpers/core/core-harness.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';

const policy = `
path "kv1/params" {
  capabilities = ["create", "update", "read"]
  allowed_parameters = { "owner" = [] }
}
path "kv1/denyp" {
  capabilities = ["create", "update", "read"]
  denied_parameters = { "admin" = [] }
}
path "kv1/required" {
  capabilities = ["create", "update", "read"]
  required_parameters = ["owner"]
}
path "kv1/wrapped" {
  capabilities = ["create", "update", "read"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "10m"
}
path "kv1/open" {
  capabilities = ["create", "update", "read"]
}
`;

let h: Harness & { rootToken: string };
let token: string;
let server: RunningApp | undefined;

after(async () => {
  await server?.close();
});

before(async () => {
  h = await unsealedHarness({ engines: { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory } });
  assert.equal((await h.call('update', 'sys/mounts/kv1', { type: 'kv' }, h.rootToken)).status, 204);
  assert.equal((await h.call('update', 'sys/policies/acl/p', { policy }, h.rootToken)).status, 204);
  const created = await h.call('update', 'auth/token/create', { policies: ['p'] }, h.rootToken);
  token = created.response!.auth!.clientToken;
});

test('allowed_parameters refuses a key outside the list (was 204 before the fix)', async () => {
  assert.equal((await h.call('update', 'kv1/params', { color: 'green' }, token)).status, 403);
  assert.equal((await h.call('update', 'kv1/params', { owner: 'me' }, token)).status, 204);
  assert.equal((await h.call('update', 'kv1/params', { owner: 'me', color: 'x' }, token)).status, 403);
});

test('denied_parameters refuses the denied key', async () => {
  assert.equal((await h.call('update', 'kv1/denyp', { admin: 'x' }, token)).status, 403);
  assert.equal((await h.call('update', 'kv1/denyp', { other: 'x' }, token)).status, 204);
});

test('required_parameters looks at the request keys, not at a nested "data" object', async () => {
  assert.equal((await h.call('update', 'kv1/required', { owner: '1' }, token)).status, 204);
  assert.equal((await h.call('update', 'kv1/required', { data: { owner: '1' } }, token)).status, 403);
  assert.equal((await h.call('update', 'kv1/required', {}, token)).status, 403);
});

test('min/max_wrapping_ttl are checked against the wrap TTL; inside them the answer is wrapped', async () => {
  assert.equal((await h.call('update', 'kv1/wrapped', { v: 'secret' }, h.rootToken)).status, 204);
  const wrapped = (seconds: number | undefined, data: Record<string, unknown> = {}) =>
    h.call('read', 'kv1/wrapped', data, token, seconds === undefined ? {} : { wrapTtlSeconds: seconds });
  const inBounds = await wrapped(300);
  assert.equal(inBounds.status, 200, 'the ACL admits it');
  assert.equal(inBounds.response!.wrapInfo!.ttlSeconds, 300);
  assert.equal(inBounds.response!.data, undefined, 'only wrap_info is answered');
  assert.equal((await wrapped(30)).status, 403, 'below min_wrapping_ttl');
  assert.equal((await wrapped(3600)).status, 403, 'above max_wrapping_ttl');
  assert.equal((await wrapped(undefined)).status, 403, 'not wrapped at all');
  // A query parameter named like the internal field is request data, not a wrap TTL.
  assert.equal((await wrapped(undefined, { wrapTtlSeconds: '120' })).status, 403);
  assert.equal((await wrapped(undefined, { wrapTtlSeconds: 120, data: { owner: 'x' } })).status, 403);
});

test('a wrap request on an unconstrained path is wrapped for root and others; the ACL still refuses first', async () => {
  const root = await h.call('update', 'kv1/open', { a: 'b' }, h.rootToken, { wrapTtlSeconds: 60 });
  assert.equal(
    root.status,
    204,
    'a write with nothing to answer is not wrapped (Vault wraps only a response)',
  );
  const plain = await h.call('read', 'kv1/open', {}, token, { wrapTtlSeconds: 60 });
  assert.equal(plain.status, 200);
  assert.equal(plain.response!.wrapInfo!.creationPath, 'kv1/open');
  // Refusal by the ACL still comes first.
  assert.equal((await h.call('read', 'kv1/elsewhere', {}, token, { wrapTtlSeconds: 60 })).status, 403);
});

test('over HTTP: ?wrapTtlSeconds= is data (403), X-Vault-Wrap-TTL within bounds is wrapped, outside a 403', async () => {
  server = await startTestApp();
  server.handler.fallback = (req) => h.core.handleRequest(req);
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${server!.url}/v1/kv1/wrapped${query}`, { headers: { 'X-Vault-Token': token, ...headers } });
  assert.equal((await get('?wrapTtlSeconds=120')).status, 403);
  assert.equal((await get('?data=x&wrapTtlSeconds=120')).status, 403);
  const wrapped = await get('', { 'X-Vault-Wrap-TTL': '5m' });
  assert.equal(wrapped.status, 200);
  const body = (await wrapped.json()) as { wrap_info: { ttl: number }; data: unknown };
  assert.equal(body.wrap_info.ttl, 300);
  assert.equal(body.data, null);
  assert.equal((await get('', { 'X-Vault-Wrap-TTL': '30s' })).status, 403);
  assert.equal((await get('', { 'X-Vault-Wrap-TTL': '1h' })).status, 403);
});
