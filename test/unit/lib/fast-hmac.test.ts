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
