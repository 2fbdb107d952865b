import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Sha256Hmac } from '../../../src/lib/fast-hmac.js';

test('Sha256Hmac equals createHmac for any key (short, block-sized, long) and message, reused', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
      (key, messages) => {
        const hmac = new Sha256Hmac(key);
        for (const m of messages)
          assert.equal(hmac.hex(m), createHmac('sha256', key).update(m).digest('hex'));
      },
    ),
  );
  assert.equal(new Sha256Hmac('salt').hex('x'), createHmac('sha256', 'salt').update('x').digest('hex'));
});

test('Sha256Hmac handles messages beyond its buffer (growth), multi-byte UTF-8 and bytes, reused', () => {
  const hmac = new Sha256Hmac('k'.repeat(70));
  const expected = (m: string | Uint8Array): string =>
    createHmac('sha256', 'k'.repeat(70)).update(m).digest('hex');
  const messages: (string | Uint8Array)[] = [
    'short',
    'é€😀'.repeat(2000),
    'x'.repeat(100_000),
    new Uint8Array(9000).fill(7),
    '',
    'short',
  ];
  for (const m of messages) assert.equal(hmac.hex(m), expected(m));
});

test('Sha256Hmac keeps no message bytes after a call (a hashed token does not outlive the request)', () => {
  const hmac = new Sha256Hmac('salt');
  const token = 'hvs.CAESIJ3ZsecretTokenValue0123456789';
  assert.equal(hmac.hex(token), createHmac('sha256', 'salt').update(token).digest('hex'));
  const held = (hmac as unknown as { inner: Buffer; outer: Buffer }).inner;
  assert.equal(held.includes(Buffer.from(token, 'utf8')), false);
  assert.equal(
    held.subarray(64).every((byte) => byte === 0),
    true,
  );
  assert.equal(hmac.hex(token), createHmac('sha256', 'salt').update(token).digest('hex')); // still right
});
