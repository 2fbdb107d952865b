/**
 * Response wrapping end to end through the real core, the real HTTP app (127.0.0.1:0) and the
 * published node-vault client: wrap → unwrap round trips, single use, expiry on the fake clock,
 * lookup/rewrap/wrap, wrapped token creation (wrapped_accessor) and the audit trail (the wrapping
 * token appears only as an HMAC).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeVault from 'node-vault';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { unsealedHarness, type Harness } from '../../helpers/core/core-harness.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';

type HttpError = { response?: { statusCode: number; body?: { errors?: string[] } } };
const invalidWrapping = 'wrapping token is not valid or does not exist';

let h: Harness & { rootToken: string };
let server: RunningApp;
let dir: string;
let userToken: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arca-wrap-'));
  h = await unsealedHarness({ engines: { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory } });
  server = await startTestApp();
  server.handler.fallback = (req) => h.core.handleRequest(req);
  assert.equal((await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken)).status, 204);
  assert.equal((await h.call('update', 'kv/app', { password: 's3cret' }, h.rootToken)).status, 204);
  const created = await h.call('update', 'auth/token/create', { policies: ['default'] }, h.rootToken);
  userToken = created.response!.auth!.clientToken;
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function http(
  method: string,
  path: string,
  token: string,
  opts: { body?: unknown; wrapTtl?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const headers: Record<string, string> = { 'X-Vault-Token': token };
  if (opts.wrapTtl !== undefined) headers['X-Vault-Wrap-TTL'] = opts.wrapTtl;
  const res = await fetch(`${server.url}/v1/${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

type WrapInfo = {
  token: string;
  accessor: string;
  ttl: number;
  creation_path: string;
  creation_time: string;
};

async function wrappedRead(path: string, ttl: string): Promise<WrapInfo> {
  const res = await http('GET', path, h.rootToken, { wrapTtl: ttl });
  assert.equal(res.status, 200);
  assert.equal(res.body!.data, null, 'a wrapped answer carries no data');
  assert.equal(res.body!.request_id, '');
  return res.body!.wrap_info as WrapInfo;
}

test('HTTP: a wrapped read answers wrap_info only; unwrap with the wrapping token returns the original once', async () => {
  const info = await wrappedRead('kv/app', '5m');
  assert.equal(info.ttl, 300);
  assert.equal(info.creation_path, 'kv/app');
  assert.match(info.token, /^hvs\./);
  assert.match(info.creation_time, /^\d{4}-\d\d-\d\dT/);
  assert.equal('wrapped_accessor' in info, false, 'no token inside, no wrapped_accessor');

  const unwrapped = await http('POST', 'sys/wrapping/unwrap', info.token);
  assert.equal(unwrapped.status, 200);
  assert.deepEqual(unwrapped.body!.data, { password: 's3cret' });
  assert.equal(unwrapped.body!.mount_type, 'kv');
  assert.equal(unwrapped.body!.wrap_info, null);

  const again = await http('POST', 'sys/wrapping/unwrap', info.token);
  assert.equal(again.status, 400, 'a wrapping token is single-use');
  assert.deepEqual(again.body, { errors: [invalidWrapping] });
});

test('HTTP: "5m" and "300" are the same wrap TTL; a wrapping token cannot read anything else', async () => {
  const seconds = await wrappedRead('kv/app', '300');
  assert.equal(seconds.ttl, 300);
  const other = await http('GET', 'kv/app', seconds.token);
  assert.equal(other.status, 403, 'the response-wrapping policy grants only unwrap');
});

test('node-vault: a wrapped read (X-Vault-Wrap-TTL via requestOptions) and unwrap by a third party, twice', async () => {
  const root = nodeVault({ endpoint: server.url, token: h.rootToken });
  const wrapped = (await root.read('kv/app', { headers: { 'X-Vault-Wrap-TTL': '2m' } })) as {
    wrap_info: WrapInfo;
    data: unknown;
  };
  assert.equal(wrapped.data, null);
  assert.equal(wrapped.wrap_info.ttl, 120);
  const app = nodeVault({ endpoint: server.url, token: userToken });
  const unwrapped = (await app.unwrap({ token: wrapped.wrap_info.token })) as { data: { password: string } };
  assert.equal(unwrapped.data.password, 's3cret');
  await assert.rejects(app.unwrap({ token: wrapped.wrap_info.token }), (e: unknown) => {
    const r = (e as HttpError).response;
    return r?.statusCode === 400 && r.body?.errors?.[0] === invalidWrapping;
  });
});

test('an expired wrapping token cannot be unwrapped or looked up (fake clock)', async () => {
  const info = await wrappedRead('kv/app', '60s');
  h.clock.advance(61_000);
  const unwrap = await h.call('update', 'sys/wrapping/unwrap', { token: info.token }, userToken);
  assert.equal(unwrap.status, 400);
  assert.deepEqual(unwrap.error!.messages, [invalidWrapping]);
  const lookup = await h.call('update', 'sys/wrapping/lookup', { token: info.token });
  assert.equal(lookup.status, 400);
  const unknown = await h.call('update', 'sys/wrapping/unwrap', { token: 'hvs.nothing' }, userToken);
  assert.deepEqual(unknown.error!.messages, [invalidWrapping]);
  const empty = await h.call('update', 'sys/wrapping/unwrap', {}, '');
  assert.equal(empty.status, 403);
  assert.deepEqual(empty.error!.messages, ['error validating wrapping token: token is empty']);
  const notWrapping = await h.call('update', 'sys/wrapping/unwrap', { token: userToken }, h.rootToken);
  assert.deepEqual(
    notWrapping.error!.messages,
    [invalidWrapping],
    'an ordinary token is not a wrapping token',
  );
});

test('lookup is unauthenticated and spends nothing; rewrap moves the response to a new token', async () => {
  const info = await wrappedRead('kv/app', '10m');
  const looked = await http('POST', 'sys/wrapping/lookup', '', { body: { token: info.token } });
  assert.equal(looked.status, 200);
  const data = looked.body!.data as Record<string, unknown>;
  assert.equal(data.creation_path, 'kv/app');
  assert.equal(data.creation_ttl, 600);
  assert.equal(data.creation_time, info.creation_time);

  const denied = await http('POST', 'sys/wrapping/rewrap', userToken, { body: { token: info.token } });
  assert.equal(denied.status, 403, 'the default policy does not grant rewrap (as Vault)');
  const rewrapped = await http('POST', 'sys/wrapping/rewrap', h.rootToken, { body: { token: info.token } });
  assert.equal(rewrapped.status, 200);
  const fresh = rewrapped.body!.wrap_info as WrapInfo;
  assert.notEqual(fresh.token, info.token);
  assert.equal(fresh.ttl, 600, 'the original TTL');
  assert.equal(fresh.creation_path, 'kv/app', 'the original creation path');
  assert.equal((await http('POST', 'sys/wrapping/unwrap', info.token)).status, 400, 'the old token is gone');
  const unwrapped = await http('POST', 'sys/wrapping/unwrap', fresh.token);
  assert.deepEqual(unwrapped.body!.data, { password: 's3cret' });
});

test('sys/wrapping/wrap wraps arbitrary data and refuses an unwrapped request', async () => {
  const refused = await http('POST', 'sys/wrapping/wrap', userToken, { body: { a: 'b' } });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { errors: ['endpoint requires response wrapping to be used'] });
  const wrapped = await http('POST', 'sys/wrapping/wrap', userToken, {
    body: { a: 'b', n: 1 },
    wrapTtl: '1m',
  });
  assert.equal(wrapped.status, 200);
  const info = wrapped.body!.wrap_info as WrapInfo;
  assert.equal(info.creation_path, 'sys/wrapping/wrap');
  const unwrapped = await http('POST', 'sys/wrapping/unwrap', userToken, { body: { token: info.token } });
  assert.deepEqual(unwrapped.body!.data, { a: 'b', n: 1 });
});

test('a wrapped token creation carries wrapped_accessor; the unwrapped token works', async () => {
  const res = await http('POST', 'auth/token/create', h.rootToken, {
    body: { policies: ['default'] },
    wrapTtl: '1m',
  });
  const info = res.body!.wrap_info as WrapInfo & { wrapped_accessor: string };
  const unwrapped = await http('POST', 'sys/wrapping/unwrap', info.token);
  const auth = unwrapped.body!.auth as { client_token: string; accessor: string };
  assert.equal(info.wrapped_accessor, auth.accessor);
  const self = await http('GET', 'auth/token/lookup-self', auth.client_token);
  assert.equal(self.status, 200);
});

test('audit: the wrapped response is logged as wrap_info with the wrapping token HMACed', async () => {
  const file = join(dir, 'audit.log');
  const enabled = await h.call(
    'update',
    'sys/audit/file',
    { type: 'file', options: { file_path: file } },
    h.rootToken,
  );
  assert.equal(enabled.status, 204);
  const info = await wrappedRead('kv/app', '1m');
  assert.equal((await http('POST', 'sys/wrapping/unwrap', info.token)).status, 200);
  const log = await readFile(file, 'utf8');
  assert.ok(!log.includes(info.token), 'the wrapping token never appears in clear');
  assert.ok(!log.includes('s3cret'), 'the wrapped secret never appears in clear');
  const entries = log
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { type: string; request: { path: string }; response?: { wrap_info?: WrapInfo } },
    );
  const wrappedEntry = entries.find((e) => e.type === 'response' && e.response?.wrap_info !== undefined);
  assert.ok(wrappedEntry, 'a response entry with wrap_info');
  assert.match(wrappedEntry.response!.wrap_info!.token, /^hmac-sha256:/);
  assert.equal(wrappedEntry.response!.wrap_info!.creation_path, 'kv/app');
  assert.equal((await h.call('delete', 'sys/audit/file', {}, h.rootToken)).status, 204);
});

test('two concurrent unwraps of one token: exactly one gets the secret', async () => {
  const info = await wrappedRead('kv/app', '1m');
  const results = await Promise.all(
    Array.from({ length: 8 }, () =>
      h.call('update', 'sys/wrapping/unwrap', { token: info.token }, userToken),
    ),
  );
  assert.equal(results.filter((r) => r.status === 200).length, 1);
  assert.ok(results.every((r) => r.status === 200 || r.status === 400));
});

test('the response-wrapping policy is built in: readable, not listed, not writable or deletable', async () => {
  const listed = await h.call('list', 'sys/policies/acl/', {}, h.rootToken);
  assert.ok(!(listed.response!.data!.keys as string[]).includes('response-wrapping'));
  const write = await h.call('update', 'sys/policies/acl/response-wrapping', { policy: '' }, h.rootToken);
  assert.equal(write.status, 400);
  assert.equal((await h.call('delete', 'sys/policies/acl/response-wrapping', {}, h.rootToken)).status, 400);
});
