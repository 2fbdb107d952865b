import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/lib/clock.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { Barrier } from '../../../../src/storage/barrier/barrier.js';
import {
  keyringKey,
  sealConfigKey,
  wrappedRootKeyKey,
} from '../../../../src/storage/barrier/reserved-keys.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import { MemoryPhysical } from '../../../../src/storage/physical/memory.js';
import type { PhysicalBackend } from '../../../../src/storage/physical/physical.js';
import { ShamirSeal } from '../../../../src/storage/seal/shamir-seal.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

function stack(physical: PhysicalBackend = new MemoryPhysical()): {
  physical: PhysicalBackend;
  barrier: Barrier;
  seal: ShamirSeal;
} {
  const barrier = new Barrier(physical, new FakeClock());
  return { physical, barrier, seal: new ShamirSeal(physical, barrier) };
}

/** Initializes 5/3, writes a marker through the (still unsealed) barrier, then seals like core does. */
async function initialized5of3(): Promise<ReturnType<typeof stack> & { shares: Buffer[] }> {
  const s = stack();
  const { shares } = await s.seal.initialize({ secretShares: 5, secretThreshold: 3 });
  assert.equal(s.barrier.isSealed(), false, 'init leaves the barrier unsealed for core');
  await s.barrier.put('core/marker', bytes('hello'));
  s.barrier.seal();
  return { ...s, shares };
}

function combinations<T>(items: T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) =>
    combinations(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

test('init validation follows Vault, with its messages', async () => {
  const cases: [number, number, string][] = [
    [0, 1, 'shares must be at least one'],
    [1, 0, 'threshold must be at least one'],
    [3, 1, 'threshold must be greater than one for multiple shares'],
    [256, 2, 'shares must be less than 256'],
    [255, 256, 'threshold must be less than 256'],
    [2, 3, 'threshold cannot be larger than shares'],
    [2.5, 2, 'shares must be an integer'],
  ];
  const { seal } = stack();
  for (const [secretShares, secretThreshold, message] of cases) {
    await assert.rejects(seal.initialize({ secretShares, secretThreshold }), (err) => {
      assert.ok(isArcaError(err, 'invalid_request'), String(err));
      assert.deepEqual(err.messages, [`invalid seal configuration: ${message}`]);
      assert.equal(err.httpStatus, 400);
      return true;
    });
  }
  assert.equal(await seal.config(), undefined, 'nothing was written');
});

test('init writes config, wrapped root key and keyring; a second init is already_initialized', async () => {
  const { physical, seal, shares } = await initialized5of3();
  assert.deepEqual(await seal.config(), { type: 'shamir', secretShares: 5, secretThreshold: 3 });
  assert.equal(shares.length, 5);
  for (const share of shares) assert.equal(share.length, 33);
  for (const key of [sealConfigKey, wrappedRootKeyKey, keyringKey]) assert.ok(await physical.get(key), key);
  await assert.rejects(seal.initialize({ secretShares: 1, secretThreshold: 1 }), (err) =>
    isArcaError(err, 'already_initialized'),
  );
});

test('init 5/3: each of the 10 three-share subsets unseals; two shares do not', async () => {
  const { barrier, seal, shares } = await initialized5of3();
  const subsets = combinations(shares, 3);
  assert.equal(subsets.length, 10);
  for (const subset of subsets) {
    let status = await seal.submitShare(subset[0]);
    assert.deepEqual(
      { ...status, nonce: '' },
      { sealed: true, threshold: 3, shares: 5, progress: 1, nonce: '' },
    );
    status = await seal.submitShare(subset[1]);
    assert.equal(status.progress, 2);
    assert.equal(barrier.isSealed(), true, 'two shares do not unseal');
    status = await seal.submitShare(subset[2]);
    assert.deepEqual(status, { sealed: false, threshold: 3, shares: 5, progress: 0, nonce: '' });
    assert.equal(Buffer.from((await barrier.get('core/marker'))!).toString(), 'hello');
    barrier.seal();
  }
});

test('1/1 init returns the unsplit KEK, which unseals alone', async () => {
  const { barrier, seal } = stack();
  const { shares } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
  assert.equal(shares.length, 1);
  assert.equal(shares[0].length, 32);
  barrier.seal();
  assert.equal((await seal.submitShare(shares[0])).sealed, false);
});

test('progress: the nonce is a UUID per attempt, duplicates are not counted, reset clears', async () => {
  const { seal, shares } = await initialized5of3();
  await seal.config();
  assert.deepEqual(seal.progress(), { sealed: true, threshold: 3, shares: 5, progress: 0, nonce: '' });
  const first = await seal.submitShare(shares[0]);
  assert.match(first.nonce, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const again = await seal.submitShare(Buffer.from(shares[0]));
  assert.equal(again.progress, 1, 'the same share twice counts once');
  assert.equal(again.nonce, first.nonce);
  seal.resetProgress();
  assert.deepEqual(seal.progress(), { sealed: true, threshold: 3, shares: 5, progress: 0, nonce: '' });
  const next = await seal.submitShare(shares[1]);
  assert.notEqual(next.nonce, first.nonce, 'a new attempt has a new nonce');
});

test('concurrent submissions are each counted once and unseal at the threshold', async () => {
  const { seal, shares } = await initialized5of3();
  const results = await Promise.all(shares.slice(0, 3).map((share) => seal.submitShare(share)));
  assert.deepEqual(
    results.map((r) => r.progress),
    [1, 2, 0],
  );
  assert.equal(results[2].sealed, false);
});

test('a wrong share fails at the threshold with invalid_unseal_key and resets progress', async () => {
  const { barrier, seal, shares } = await initialized5of3();
  const other = stack();
  const foreign = (await other.seal.initialize({ secretShares: 5, secretThreshold: 3 })).shares;
  await seal.submitShare(shares[0]);
  await seal.submitShare(shares[1]);
  await assert.rejects(seal.submitShare(foreign[2]), (err) => isArcaError(err, 'invalid_unseal_key'));
  assert.equal(seal.progress().progress, 0);
  assert.equal(seal.progress().nonce, '');
  assert.equal(barrier.isSealed(), true);
  // A corrupted byte in a real share is caught the same way (GCM rejects the garbage KEK).
  const corrupted = Buffer.from(shares[2]);
  corrupted[0] ^= 0xff;
  await seal.submitShare(shares[0]);
  await seal.submitShare(shares[1]);
  await assert.rejects(seal.submitShare(corrupted), (err) => isArcaError(err, 'invalid_unseal_key'));
  // Two shares with the same x-coordinate cannot be combined: also invalid, also reset.
  const sameX = Buffer.from(shares[0]);
  sameX[0] ^= 0x01;
  await seal.submitShare(shares[0]);
  await seal.submitShare(shares[1]);
  await assert.rejects(seal.submitShare(sameX), (err) => isArcaError(err, 'invalid_unseal_key'));
  assert.equal(seal.progress().progress, 0);
  // The right shares still work afterwards.
  for (const share of shares.slice(2, 5)) await seal.submitShare(share);
  assert.equal(barrier.isSealed(), false);
});

test('a share of malformed length is rejected before it is counted (Vault: 400, progress unchanged)', async () => {
  const { seal, shares } = await initialized5of3();
  await seal.submitShare(shares[0]);
  const before = seal.progress();
  await assert.rejects(seal.submitShare(new Uint8Array(15)), (err) => {
    assert.ok(isArcaError(err, 'invalid_request'));
    assert.deepEqual(err.messages, ['invalid key: key is shorter than minimum 16 bytes']);
    return true;
  });
  await assert.rejects(seal.submitShare(new Uint8Array(34)), (err) => {
    assert.ok(isArcaError(err, 'invalid_request'));
    assert.deepEqual(err.messages, ['invalid key: key is longer than maximum 33 bytes']);
    return true;
  });
  assert.deepEqual(seal.progress(), before);
});

test('not initialized → not_initialized; unsealed → status, and reset is vault_unsealed', async () => {
  const { seal } = stack();
  await assert.rejects(seal.submitShare(new Uint8Array(33)), (err) => isArcaError(err, 'not_initialized'));
  const init = await initialized5of3();
  for (const share of init.shares.slice(0, 3)) await init.seal.submitShare(share);
  const status = await init.seal.submitShare(init.shares[4]);
  assert.deepEqual(status, { sealed: false, threshold: 3, shares: 5, progress: 0, nonce: '' });
  assert.throws(
    () => init.seal.resetProgress(),
    (err) => isArcaError(err, 'vault_unsealed'),
  );
});

test('reopening the LevelDB directory and unsealing with shares gives the data back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-seal-'));
  try {
    const first = stack(await LevelPhysical.open(dir));
    const { shares } = await first.seal.initialize({ secretShares: 5, secretThreshold: 3 });
    await first.barrier.put('secret/data', bytes('intact'));
    await first.barrier.close();

    const second = stack(await LevelPhysical.open(dir));
    assert.deepEqual(await second.seal.config(), { type: 'shamir', secretShares: 5, secretThreshold: 3 });
    assert.equal(second.barrier.isSealed(), true);
    await assert.rejects(second.barrier.get('secret/data'), (err) => isArcaError(err, 'sealed'));
    for (const share of [shares[4], shares[0], shares[2]]) await second.seal.submitShare(share);
    assert.equal(Buffer.from((await second.barrier.get('secret/data'))!).toString(), 'intact');
    await second.barrier.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
