import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { b64, badRequest, dataOf, mountTransit } from './helpers.js';

test('a batch with good and bad items answers 400 with per-item errors and results in order', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/k', {});
  const response = await t.call('write', 'encrypt/k', {
    data: {
      batch_input: [
        { plaintext: b64('a'), reference: 'r1' },
        { plaintext: 'not base64!', reference: 'r2' },
        { plaintext: b64('c'), key_version: 7 },
        { plaintext: b64('d') },
      ],
    },
  });
  assert.equal(response.raw?.status, 400);
  const results = dataOf(response).batch_results as Record<string, unknown>[];
  assert.equal(results.length, 4);
  assert.match(String(results[0]?.ciphertext), /^vault:v1:/);
  assert.equal(results[0]?.reference, 'r1');
  assert.equal(results[1]?.error, 'failed to base64-decode plaintext');
  assert.equal(results[1]?.reference, 'r2');
  assert.match(String(results[2]?.error), /higher than the latest key version/);
  assert.match(String(results[3]?.ciphertext), /^vault:v1:/);
  // partial_failure_response_code replaces the 400 when some items succeeded.
  const partial = await t.call('write', 'decrypt/k', {
    data: {
      partial_failure_response_code: 207,
      batch_input: [{ ciphertext: results[0]?.ciphertext }, { ciphertext: 'vault:v1:####' }],
    },
  });
  assert.equal(partial.raw?.status, 207);
  const decrypted = dataOf(partial).batch_results as Record<string, unknown>[];
  assert.equal(decrypted[0]?.plaintext, b64('a'));
  assert.equal(decrypted[1]?.error, 'invalid ciphertext: could not decode base64');
  // All good: a plain 200 envelope.
  const good = await t.call('write', 'decrypt/k', {
    data: { batch_input: [{ ciphertext: results[3]?.ciphertext }] },
  });
  assert.equal(good.raw, undefined);
  assert.deepEqual(good.data, { batch_results: [{ plaintext: b64('d') }] });
  await assert.rejects(
    t.call('write', 'encrypt/k', { data: { batch_input: 'nope' } }),
    badRequest('failed to parse batch input'),
  );
  await assert.rejects(
    t.call('write', 'encrypt/k', { data: { batch_input: [] } }),
    badRequest('missing batch input'),
  );
});

test('client mistakes are 400s: malformed base64, prefixes, unknown types, missing keys', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/k', {});
  await assert.rejects(
    t.call('write', 'encrypt/k', { data: { plaintext: '%%%' } }),
    badRequest('failed to base64-decode plaintext'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'abc' } }),
    badRequest('invalid ciphertext: no prefix'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'vault:v1' } }),
    badRequest('wrong number of fields'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'vault:vx:abc' } }),
    badRequest('version number could not be decoded'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'vault:v1:AAAA' } }),
    badRequest('invalid ciphertext length'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'vault:v1:' + 'A'.repeat(24) } }),
    badRequest('message authentication failed'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/nope', { data: { ciphertext: 'vault:v1:AAAA' } }),
    badRequest('encryption key not found'),
  );
  await assert.rejects(
    t.call('write', 'keys/bad', { data: { type: 'des' } }),
    badRequest('unknown key type'),
  );
  await assert.rejects(
    t.call('write', 'keys/bad2', { data: { convergent_encryption: true } }),
    badRequest('requires derivation'),
  );
  await assert.rejects(
    t.call('write', 'encrypt/k', { data: { plaintext: b64('x'), nonce: b64('short') } }),
    badRequest('nonce must be 12 bytes'),
  );
  await assert.rejects(
    t.call('write', 'hash/md5', { data: { input: b64('x') } }),
    badRequest('unsupported hash algorithm'),
  );
  await assert.rejects(t.call('write', 'random/999999999', {}), badRequest('bytes cannot be greater than'));
  assert.equal(t.storage.keys().length, 1, 'no failed call wrote anything');
});

test('encrypt upserts a missing key (derived when a context is given); datakey, random, hash', async () => {
  const t = await mountTransit();
  const enc = dataOf(
    await t.call('write', 'encrypt/new', { data: { plaintext: b64('p'), context: b64('ctx') } }),
  );
  assert.equal(t.lastResolved, 'create');
  assert.equal(dataOf(await t.call('read', 'keys/new')).derived, true);
  assert.equal(
    dataOf(
      await t.call('write', 'decrypt/new', { data: { ciphertext: enc.ciphertext, context: b64('ctx') } }),
    ).plaintext,
    b64('p'),
  );
  await t.call('write', 'keys/dk', {});
  const plain = dataOf(await t.call('write', 'datakey/plaintext/dk', { data: { bits: 512 } }));
  assert.equal(Buffer.from(String(plain.plaintext), 'base64').length, 64);
  assert.equal(
    dataOf(await t.call('write', 'decrypt/dk', { data: { ciphertext: plain.ciphertext } })).plaintext,
    plain.plaintext,
  );
  const wrapped = dataOf(await t.call('write', 'datakey/wrapped/dk', {}));
  assert.equal(wrapped.plaintext, undefined);
  await assert.rejects(
    t.call('write', 'datakey/other/dk', {}),
    badRequest("must be 'plaintext' or 'wrapped'"),
  );
  const random = dataOf(await t.call('write', 'random/16', { data: { format: 'hex' } }));
  assert.match(String(random.random_bytes), /^[0-9a-f]{32}$/);
  const hash = dataOf(await t.call('write', 'hash/sha2-512', { data: { input: b64('abc') } }));
  assert.equal(hash.sum, createHash('sha512').update('abc').digest('hex'));
});

test('backup and restore carry every version; restore refuses to overwrite without force', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/b', { data: { exportable: true, allow_plaintext_backup: true } });
  const v1 = dataOf(await t.call('write', 'encrypt/b', { data: { plaintext: b64('kept') } }));
  await t.call('write', 'keys/b/rotate', {});
  const backup = dataOf(await t.call('read', 'backup/b')).backup;
  await t.call('write', 'restore/copy', { data: { backup } });
  assert.equal(
    dataOf(await t.call('write', 'decrypt/copy', { data: { ciphertext: v1.ciphertext } })).plaintext,
    b64('kept'),
  );
  assert.equal(dataOf(await t.call('read', 'keys/copy')).latest_version, 2);
  await assert.rejects(t.call('write', 'restore/copy', { data: { backup } }), badRequest('already exists'));
  await t.call('write', 'restore/copy', { data: { backup, force: true } });
  await assert.rejects(
    t.call('write', 'restore', { data: { backup: b64('{"policy":1}') } }),
    badRequest('not a transit key backup'),
  );
  await t.call('write', 'keys/nb', {});
  await assert.rejects(t.call('read', 'backup/nb'), badRequest('exporting is disallowed'));
});

test('restore refuses backups whose key material would not load (400, not a later 500); bad PSS salt length is a 400', async () => {
  const t = await mountTransit();
  const policy = (key: string) => ({
    policy: {
      name: 'r',
      type: 'aes256-gcm96',
      derived: false,
      kdf: 1,
      convergent_encryption: false,
      exportable: false,
      allow_plaintext_backup: false,
      deletion_allowed: false,
      min_decryption_version: 1,
      min_encryption_version: 0,
      min_available_version: 0,
      latest_version: 1,
      auto_rotate_period_seconds: 0,
      keys: { '1': { key, hmac_key: b64('h'.repeat(32)), time: '2026-01-01T00:00:00.000Z' } },
    },
  });
  await assert.rejects(
    t.call('write', 'restore/r', { data: { backup: b64(JSON.stringify(policy(b64('short')))) } }),
    badRequest('a key version does not load'),
  );
  await t.call('write', 'restore/r', {
    data: { backup: b64(JSON.stringify(policy(Buffer.alloc(32, 1).toString('base64')))) },
  });
  const enc = dataOf(await t.call('write', 'encrypt/r', { data: { plaintext: b64('ok') } }));
  assert.equal(
    dataOf(await t.call('write', 'decrypt/r', { data: { ciphertext: enc.ciphertext } })).plaintext,
    b64('ok'),
  );
  await t.call('write', 'keys/rsa', { data: { type: 'rsa-2048' } });
  await assert.rejects(
    t.call('write', 'sign/rsa', { data: { input: b64('m'), salt_length: '9999' } }),
    badRequest('requested salt length 9999 is invalid'),
  );
});
