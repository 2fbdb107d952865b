import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isArcaError } from '../../../../src/lib/errors.js';
import { Keyring } from '../../../../src/storage/barrier/keyring.js';

test('a keyring survives encode/decode with every term, key, install time and count', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ installTimeMs: fc.nat(), encryptions: fc.nat() }), {
        minLength: 0,
        maxLength: 12,
      }),
      (rotations) => {
        let keyring = Keyring.create(1_000);
        for (const r of rotations) {
          const next = keyring.withNewTerm(r.installTimeMs);
          next.activeKey().encryptions = r.encryptions;
          keyring.zeroize();
          keyring = next;
        }
        const encoded = keyring.encode();
        const decoded = Keyring.decode(encoded);
        assert.equal(decoded.activeKey().term, rotations.length + 1);
        for (let term = 1; term <= rotations.length + 1; term++) {
          const a = keyring.keyFor(term)!;
          const b = decoded.keyFor(term)!;
          assert.deepEqual({ ...b, key: Buffer.from(b.key) }, { ...a, key: Buffer.from(a.key) });
        }
        assert.equal(decoded.keyFor(rotations.length + 2), undefined);
        keyring.zeroize();
        decoded.zeroize();
      },
    ),
    { numRuns: 50 },
  );
});

test('rotation keeps older keys, adds a distinct new one, and leaves the original untouched', () => {
  const first = Keyring.create(5);
  const second = first.withNewTerm(9);
  assert.equal(first.activeKey().term, 1);
  assert.equal(second.activeKey().term, 2);
  assert.deepEqual(second.keyFor(1)!.key, first.keyFor(1)!.key);
  assert.notDeepEqual(second.keyFor(2)!.key, second.keyFor(1)!.key);
  first.zeroize();
  assert.notEqual(
    second.keyFor(1)!.key.every((b) => b === 0),
    true,
    'copies are independent of the original',
  );
});

test('malformed keyring bytes are an integrity failure', () => {
  const encoded = Keyring.create(0).encode();
  for (const bad of [
    encoded.subarray(0, 3),
    encoded.subarray(0, encoded.length - 1),
    Buffer.from([2, ...encoded.subarray(1)]),
  ]) {
    assert.throws(
      () => Keyring.decode(bad),
      (err) => isArcaError(err, 'integrity_failure'),
    );
  }
  const wrongActive = Buffer.from(encoded);
  wrongActive.writeUInt32BE(7, 1);
  assert.throws(() => Keyring.decode(wrongActive), /active term missing/);
});
