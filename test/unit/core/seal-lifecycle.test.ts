import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initThroughApi, makeHarness, unsealThroughApi } from '../../helpers/core/core-harness.js';

/** Every k-subset of [0, n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= n - k; first++) {
    for (const rest of subsets(n - first - 1, k - 1)) out.push([first, ...rest.map((i) => i + first + 1)]);
  }
  return out;
}

test('an uninitialised vault reports initialized:false, t:0, n:0 and is sealed', async () => {
  const h = await makeHarness();
  const init = await h.call('read', 'sys/init');
  assert.equal(init.status, 200);
  assert.deepEqual(init.body, { initialized: false });
  const status = await h.call('read', 'sys/seal-status');
  assert.equal(status.body?.initialized, false);
  assert.equal(status.body?.sealed, true);
  assert.equal(status.body?.t, 0);
  assert.equal(status.body?.n, 0);
  assert.equal(status.body?.type, 'shamir');
  assert.equal(h.core.sealed(), true);
});

test('unseal and seal on an uninitialised vault answer 400', async () => {
  const h = await makeHarness();
  const unseal = await h.call('update', 'sys/unseal', { key: 'aa'.repeat(33) });
  assert.equal(unseal.status, 400);
  assert.match(unseal.error!.message, /not initialized/);
  const seal = await h.call('update', 'sys/seal');
  assert.equal(seal.status, 400);
});

test('init 5/3 returns 5 hex and base64 shares and a root token, and leaves the vault sealed', async () => {
  const h = await makeHarness();
  const { keys, keysBase64, rootToken } = await initThroughApi(h, 5, 3);
  assert.equal(keys.length, 5);
  assert.equal(keysBase64.length, 5);
  for (let i = 0; i < 5; i++) {
    assert.match(keys[i], /^[0-9a-f]+$/);
    assert.equal(Buffer.from(keysBase64[i], 'base64').toString('hex'), keys[i]);
  }
  assert.ok(rootToken.length > 0);
  const status = await h.call('read', 'sys/seal-status');
  assert.equal(status.body?.initialized, true);
  assert.equal(status.body?.sealed, true);
  assert.equal(status.body?.t, 3);
  assert.equal(status.body?.n, 5);
  assert.equal(status.body?.progress, 0);
  assert.equal(status.body?.cluster_name, undefined, 'cluster fields are omitted while sealed');
});

test('init twice answers 400 Vault is already initialized', async () => {
  const h = await makeHarness();
  await initThroughApi(h, 1, 1);
  const again = await h.call('update', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  assert.equal(again.status, 400);
  assert.deepEqual(again.error!.messages, ['Vault is already initialized']);
});

test('init rejects invalid share configurations with 400 and stays uninitialised', async () => {
  const h = await makeHarness();
  for (const [shares, threshold] of [
    [0, 0],
    [3, 4],
    [3, 1],
    [256, 3],
  ] as const) {
    const out = await h.call('update', 'sys/init', { secret_shares: shares, secret_threshold: threshold });
    assert.equal(out.status, 400, `${shares}/${threshold}`);
  }
  const bad = await h.call('update', 'sys/init', { secret_shares: 'five', secret_threshold: 3 });
  assert.equal(bad.status, 400);
  assert.equal((await h.call('read', 'sys/init')).body?.initialized, false);
});

test('each of the 10 three-share subsets of a 5/3 init unseals the vault', async () => {
  const h = await makeHarness();
  const { keys, keysBase64, rootToken } = await initThroughApi(h, 5, 3);
  const combos = subsets(5, 3);
  assert.equal(combos.length, 10);
  for (const [n, combo] of combos.entries()) {
    // Alternate hex and base64 input: both encodings are accepted.
    const chosen = combo.map((i) => (n % 2 === 0 ? keys[i] : keysBase64[i]));
    const first = await unsealThroughApi(h, chosen.slice(0, 2));
    assert.equal(first.sealed, true, 'two shares keep it sealed');
    assert.equal(first.progress, 2);
    assert.notEqual(first.nonce, '');
    const done = await unsealThroughApi(h, chosen.slice(2));
    assert.equal(done.sealed, false, `subset ${combo.join(',')}`);
    assert.equal(done.progress, 0);
    assert.equal(typeof done.cluster_id, 'string');
    assert.equal(h.core.sealed(), false);
    const seal = await h.call('update', 'sys/seal', {}, rootToken);
    assert.equal(seal.status, 204);
    assert.equal(h.core.sealed(), true);
  }
});

test('a wrong key set answers 400 and resets progress; a malformed key answers 400 and keeps it', async () => {
  const h = await makeHarness();
  const { keys } = await initThroughApi(h, 3, 2);
  const other = await makeHarness();
  const { keys: foreign } = await initThroughApi(other, 3, 2);

  await unsealThroughApi(h, [keys[0]]);
  const malformed = await h.call('update', 'sys/unseal', { key: 'not-hex-nor-base64!' });
  assert.equal(malformed.status, 400);
  assert.equal(
    (await h.call('read', 'sys/seal-status')).body?.progress,
    1,
    'malformed key leaves progress alone',
  );

  const wrong = await h.call('update', 'sys/unseal', { key: foreign[1] });
  assert.equal(wrong.status, 400);
  const after = await h.call('read', 'sys/seal-status');
  assert.equal(after.body?.progress, 0, 'a failed quorum resets progress');
  assert.equal(after.body?.sealed, true);

  const ok = await unsealThroughApi(h, [keys[1], keys[2]]);
  assert.equal(ok.sealed, false, 'the right shares still work after a failure');
});

test('unseal without key answers 400; reset discards progress; reset when unsealed answers 400', async () => {
  const h = await makeHarness();
  const { keys } = await initThroughApi(h, 3, 2);
  const missing = await h.call('update', 'sys/unseal', {});
  assert.equal(missing.status, 400);
  assert.match(missing.error!.message, /'key' must be specified/);
  await unsealThroughApi(h, [keys[0]]);
  const reset = await h.call('update', 'sys/unseal', { reset: true, key: keys[1] });
  assert.equal(reset.status, 200);
  assert.equal(reset.body?.progress, 0, 'reset wins over key');
  await unsealThroughApi(h, [keys[0], keys[1]]);
  const late = await h.call('update', 'sys/unseal', { reset: 'true' });
  assert.equal(late.status, 400);
  assert.deepEqual(late.error!.messages, ['vault is unsealed']);
  const again = await h.call('update', 'sys/unseal', { key: keys[2] });
  assert.equal(again.status, 200, 'unseal on an unsealed vault returns status');
  assert.equal(again.body?.sealed, false);
});

test('a sealed vault answers 503 for a secret path and for an authenticated sys path', async () => {
  const h = await makeHarness();
  const { rootToken } = await initThroughApi(h, 1, 1);
  for (const path of ['secret/data/foo', 'sys/mounts', 'auth/token/lookup-self']) {
    const out = await h.call('read', path, {}, rootToken);
    assert.equal(out.status, 503, path);
    assert.deepEqual(out.error!.messages, ['Vault is sealed']);
  }
});

test('sys/seal needs a token with sudo: none → 403, root → 204', async () => {
  const h = await makeHarness();
  const { keys, rootToken } = await initThroughApi(h, 1, 1);
  await unsealThroughApi(h, keys);
  assert.equal((await h.call('update', 'sys/seal')).status, 403);
  assert.equal((await h.call('update', 'sys/seal', {}, 'hvs.bogus')).status, 403);
  assert.equal(h.core.sealed(), false);
  assert.equal((await h.call('update', 'sys/seal', {}, rootToken)).status, 204);
  assert.equal(h.core.sealed(), true);
});
