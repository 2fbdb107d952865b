import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import type { PhysicalBackend, PhysicalOp } from '../../../src/storage/physical/physical.js';
import {
  initThroughApi,
  makeHarness,
  unsealThroughApi,
  type Harness,
} from '../../helpers/core/core-harness.js';

/**
 * Another node's view of the same storage (what a second server, or the same one after a restart,
 * reads): closing it leaves the store open for the others.
 */
class SharedPhysical implements PhysicalBackend {
  constructor(private readonly inner: PhysicalBackend) {}
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array): Promise<void> {
    return this.inner.put(key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  batch(ops: PhysicalOp[]): Promise<void> {
    return this.inner.batch(ops);
  }
  async close(): Promise<void> {}
}

async function unsealedWith(shares: number, threshold: number, physical = new MemoryPhysical()) {
  const h = await makeHarness({ physical: new SharedPhysical(physical) });
  const init = await initThroughApi(h, shares, threshold);
  await unsealThroughApi(h, init.keys.slice(0, threshold));
  assert.equal(h.core.sealed(), false);
  return { h, physical, ...init };
}

/** Runs a full rekey to `n`/`t`; returns the new hex keys and the update responses. */
async function rekeyTo(
  h: Harness,
  oldKeys: string[],
  n: number,
  t: number,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const init = await h.call('update', 'sys/rekey/init', { secret_shares: n, secret_threshold: t, ...extra });
  assert.equal(init.status, 200, init.error?.message);
  const nonce = init.body!.nonce as string;
  let last: Record<string, unknown> = {};
  for (const key of oldKeys) {
    const out = await h.call('update', 'sys/rekey/update', { key, nonce });
    assert.equal(out.status, 200, out.error?.message);
    last = out.body!;
  }
  return last;
}

test('rekey 3/5 -> 2/3 with verification: old shares work until verification, stop at it; new shares unseal after a restart', async () => {
  const { h, physical, keys } = await unsealedWith(5, 3);
  const idle = await h.call('read', 'sys/rekey/init');
  assert.deepEqual(idle.body, {
    nonce: '',
    started: false,
    t: 0,
    n: 0,
    progress: 0,
    required: 3,
    pgp_fingerprints: null,
    backup: false,
    verification_required: false,
  });
  const done = await rekeyTo(h, keys.slice(1, 4), 3, 2, { require_verification: true });
  assert.equal(done.complete, true);
  assert.equal(done.verification_required, true);
  const newKeys = done.keys as string[];
  assert.equal(newKeys.length, 3);
  const verifyNonce = done.verification_nonce as string;
  assert.match(verifyNonce, /^[0-9a-f-]{36}$/);

  // Before verification the OLD shares still unseal (a second core over the same storage).
  const other = await makeHarness({ physical: new SharedPhysical(physical) });
  assert.equal((await unsealThroughApi(other, keys.slice(0, 3))).sealed, false);
  await other.core.close().catch(() => undefined);

  const status = await h.call('read', 'sys/rekey/verify');
  assert.deepEqual(status.body, { nonce: verifyNonce, started: true, t: 2, n: 3, progress: 0 });
  const wrong = await h.call('update', 'sys/rekey/verify', { key: newKeys[0], nonce: 'nope' });
  assert.equal(wrong.status, 400);
  assert.equal(
    wrong.error!.messages[0],
    `incorrect nonce supplied; nonce for this verify operation is "${verifyNonce}"`,
  );
  const v1 = await h.call('update', 'sys/rekey/verify', { key: newKeys[2], nonce: verifyNonce });
  assert.equal(v1.body!.progress, 1);
  const v2 = await h.call('update', 'sys/rekey/verify', { key: newKeys[0], nonce: verifyNonce });
  assert.deepEqual(v2.body, { nonce: verifyNonce, complete: true });
  assert.deepEqual((await h.call('read', 'sys/rekey/init')).body?.started, false);
  await h.core.close();

  // After: a restarted node reports 2/3, refuses the old shares, unseals with two new ones.
  const restarted = await makeHarness({ physical: new SharedPhysical(physical) });
  const sealStatus = await restarted.call('read', 'sys/seal-status');
  assert.equal(sealStatus.body?.t, 2);
  assert.equal(sealStatus.body?.n, 3);
  await restarted.call('update', 'sys/unseal', { key: keys[0] });
  const refused = await restarted.call('update', 'sys/unseal', { key: keys[1] });
  assert.equal(refused.status, 400, 'old shares no longer combine into the key');
  assert.equal(restarted.core.sealed(), true);
  assert.equal((await unsealThroughApi(restarted, [newKeys[1], newKeys[2]])).sealed, false);
  await restarted.core.close();
});

test('rekey without verification commits at once; a wrong quorum is refused and progress resets', async () => {
  const { h, physical, keys } = await unsealedWith(3, 2);
  const other = await unsealedWith(3, 2);
  const init = await h.call('update', 'sys/rekey/init', { secret_shares: 1, secret_threshold: 1 });
  const nonce = init.body!.nonce as string;
  await h.call('update', 'sys/rekey/update', { key: keys[0], nonce });
  const bad = await h.call('update', 'sys/rekey/update', { key: other.keys[1], nonce });
  assert.equal(bad.status, 400);
  assert.match(bad.error!.messages[0], /^root key verification failed/);
  assert.equal((await h.call('read', 'sys/rekey/init')).body?.progress, 0);
  await h.call('update', 'sys/rekey/update', { key: keys[0], nonce });
  const done = await h.call('update', 'sys/rekey/update', { key: keys[2], nonce });
  assert.equal(done.body?.complete, true);
  assert.equal(done.body?.verification_required, false);
  assert.equal(done.body?.verification_nonce, undefined);
  const single = (done.body.keys as string[])[0];
  await h.core.close();
  const restarted = await makeHarness({ physical: new SharedPhysical(physical) });
  assert.equal((await unsealThroughApi(restarted, [single])).sealed, false);
  await restarted.core.close();
  await other.h.core.close();
});

test('rekey refuses with Vault messages: not started, second attempt, bad nonce, duplicate, bad parameters', async () => {
  const { h, keys } = await unsealedWith(3, 2);
  const none = await h.call('update', 'sys/rekey/update', { key: keys[0], nonce: 'x' });
  assert.deepEqual(none.error?.messages, ['no barrier rekey in progress']);
  const missing = await h.call('update', 'sys/rekey/update', { nonce: 'x' });
  assert.deepEqual(missing.error?.messages, ["'key' must be specified in request body as JSON"]);
  for (const [body, message] of [
    [{ secret_shares: 3, secret_threshold: 4 }, 'provided threshold greater than the total shares'],
    [
      { secret_shares: 3, secret_threshold: 2, backup: true },
      'cannot request a backup of the new keys without providing PGP keys for encryption',
    ],
    [{ secret_shares: 3, secret_threshold: 2, pgp_keys: ['a'] }, 'incorrect number of PGP keys for rekey'],
    [{ secret_shares: 1, secret_threshold: 1, pgp_keys: ['keybase:alice'] }, /keybase/],
  ] as const) {
    const out = await h.call('update', 'sys/rekey/init', body);
    assert.equal(out.status, 400, JSON.stringify(body));
    if (typeof message === 'string') assert.equal(out.error!.messages[0], message);
    else assert.match(out.error!.messages[0], message);
  }
  const init = await h.call('update', 'sys/rekey/init', { secret_shares: 2, secret_threshold: 2 });
  const nonce = init.body!.nonce as string;
  const again = await h.call('update', 'sys/rekey/init', { secret_shares: 2, secret_threshold: 2 });
  assert.deepEqual(again.error?.messages, ['rekey already in progress']);
  const wrongNonce = await h.call('update', 'sys/rekey/update', { key: keys[0], nonce: 'other' });
  assert.deepEqual(wrongNonce.error?.messages, [
    `incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`,
  ]);
  await h.call('update', 'sys/rekey/update', { key: keys[0], nonce });
  const dup = await h.call('update', 'sys/rekey/update', { key: keys[0], nonce });
  assert.deepEqual(dup.error?.messages, [
    'given key has already been provided during this generation operation',
  ]);
  const cancel = await h.call('delete', 'sys/rekey/init');
  assert.equal(cancel.status, 204);
  assert.equal((await h.call('read', 'sys/rekey/init')).body?.started, false);
  const noVerify = await h.call('read', 'sys/rekey/verify');
  assert.deepEqual(noVerify.error?.messages, ['no rekey configuration found']);
  await h.core.close();
});

test('concurrent submissions: the ones with a wrong nonce are refused, the right ones all count once', async () => {
  const { h, keys } = await unsealedWith(5, 3);
  const init = await h.call('update', 'sys/rekey/init', { secret_shares: 2, secret_threshold: 2 });
  const nonce = init.body!.nonce as string;
  const outs = await Promise.all([
    h.call('update', 'sys/rekey/update', { key: keys[0], nonce }),
    h.call('update', 'sys/rekey/update', { key: keys[1], nonce: 'stale-nonce' }),
    h.call('update', 'sys/rekey/update', { key: keys[2], nonce }),
    h.call('update', 'sys/rekey/update', { key: keys[3], nonce: '' }),
  ]);
  assert.deepEqual(
    outs.map((o) => o.status),
    [200, 400, 200, 400],
  );
  assert.equal((await h.call('read', 'sys/rekey/init')).body?.progress, 2);
  await h.core.close();
});

test('rekey and generate-root are unavailable while sealed (503)', async () => {
  const h = await makeHarness();
  await initThroughApi(h, 1, 1);
  assert.equal((await h.call('read', 'sys/rekey/init')).status, 503);
  assert.equal((await h.call('update', 'sys/generate-root/attempt', {})).status, 503);
});
