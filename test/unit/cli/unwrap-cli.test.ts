/**
 * `-wrap-ttl` on any command and `arca unwrap`, end to end over HTTP against a real in-memory
 * server: the wrapped answer prints vault's wrapping_token rows, `-field=wrapping_token` prints the
 * token alone, and unwrap (first or third party) prints the secret once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRealServer, type RealServer } from '../../helpers/real-server.js';
import { runCaptured, type Run } from './run-captured.js';

let server: RealServer;
let home: string;
let root = '';

const cli = (env: Record<string, string>, ...argv: string[]): Promise<Run> =>
  runCaptured(argv, { env: { VAULT_ADDR: server.url, ...env }, homeDir: home });

before(async () => {
  server = await startRealServer();
  home = mkdtempSync(join(tmpdir(), 'arca-unwrap-home-'));
  const init = JSON.parse(
    (await cli({}, 'operator', 'init', '-key-shares=1', '-key-threshold=1', '-format=json')).out,
  );
  root = init.root_token;
  assert.equal((await cli({}, 'operator', 'unseal', init.unseal_keys_b64[0])).code, 0);
  assert.equal((await cli({ VAULT_TOKEN: root }, 'secrets', 'enable', '-path=kv', 'kv')).code, 0);
  assert.equal((await cli({ VAULT_TOKEN: root }, 'write', 'kv/app', 'password=s3cret')).code, 0);
});

after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

test('-wrap-ttl prints the wrap info rows; unwrap with the token as argument prints the secret once', async () => {
  const wrapped = await cli({ VAULT_TOKEN: root }, 'read', '-wrap-ttl=5m', 'kv/app');
  assert.equal(wrapped.code, 0, wrapped.err);
  assert.match(wrapped.out, /wrapping_token:\s+hvs\.\S+/);
  assert.match(wrapped.out, /wrapping_token_ttl:\s+5m/);
  assert.match(wrapped.out, /wrapping_token_creation_path:\s+kv\/app/);
  assert.doesNotMatch(wrapped.out, /s3cret/);
  const token = /wrapping_token:\s+(\S+)/.exec(wrapped.out)![1];

  const unwrapped = await cli({}, 'unwrap', token);
  assert.equal(unwrapped.code, 0, unwrapped.err);
  assert.match(unwrapped.out, /password\s+s3cret/);
  const again = await cli({}, 'unwrap', token);
  assert.equal(again.code, 2);
  assert.match(again.err, /^Error unwrapping: [^]*wrapping token is not valid or does not exist/);
});

test('-field=wrapping_token prints the bare token; a third-party unwrap (own token set) works', async () => {
  const wrapped = await cli({ VAULT_TOKEN: root }, 'read', '-wrap-ttl=60', '-field=wrapping_token', 'kv/app');
  assert.equal(wrapped.code, 0, wrapped.err);
  const token = wrapped.out.trim();
  assert.match(token, /^hvs\.\S+$/);
  const unwrapped = await cli({ VAULT_TOKEN: root }, 'unwrap', '-format=json', token);
  assert.equal(unwrapped.code, 0, unwrapped.err);
  assert.equal(JSON.parse(unwrapped.out).data.password, 's3cret');
});
