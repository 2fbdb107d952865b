import { test } from 'node:test';
import assert from 'node:assert/strict';
import { b64, badRequest, dataOf, mountTransit } from './helpers.js';

test('rotate, min_decryption_version refusals, rewrap, min_encryption_version and trim', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/k', {});
  const v1 = dataOf(await t.call('write', 'encrypt/k', { data: { plaintext: b64('one') } }));
  await t.call('write', 'keys/k/rotate', {});
  await t.call('write', 'keys/k/rotate', {});
  const v3 = dataOf(await t.call('write', 'encrypt/k', { data: { plaintext: b64('three') } }));
  assert.match(String(v3.ciphertext), /^vault:v3:/);
  assert.equal(v3.key_version, 3);
  const old = dataOf(await t.call('write', 'encrypt/k', { data: { plaintext: b64('x'), key_version: 1 } }));
  assert.match(String(old.ciphertext), /^vault:v1:/);
  // Raising min_decryption_version refuses older ciphertexts with Vault's message.
  await t.call('write', 'keys/k/config', { data: { min_decryption_version: 2 } });
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: v1.ciphertext } }),
    badRequest('ciphertext or signature version is disallowed by policy (too old)'),
  );
  await assert.rejects(
    t.call('write', 'rewrap/k', { data: { ciphertext: v1.ciphertext } }),
    badRequest('disallowed by policy (too old)'),
  );
  // Lowering it again restores access (versions are not trimmed yet); rewrap moves to v3.
  await t.call('write', 'keys/k/config', { data: { min_decryption_version: 1 } });
  const rewrapped = dataOf(await t.call('write', 'rewrap/k', { data: { ciphertext: v1.ciphertext } }));
  assert.match(String(rewrapped.ciphertext), /^vault:v3:/);
  assert.equal(
    dataOf(await t.call('write', 'decrypt/k', { data: { ciphertext: rewrapped.ciphertext } })).plaintext,
    b64('one'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: 'vault:v9:AAAA' } }),
    badRequest('invalid ciphertext: version is too new'),
  );
  // Configuration limits.
  await assert.rejects(
    t.call('write', 'keys/k/config', { data: { min_decryption_version: 4 } }),
    badRequest('latest key version is 3'),
  );
  await t.call('write', 'keys/k/config', { data: { min_encryption_version: 3, min_decryption_version: 2 } });
  await assert.rejects(
    t.call('write', 'encrypt/k', { data: { plaintext: b64('x'), key_version: 2 } }),
    badRequest('less than the minimum encryption key version'),
  );
  // Trim drops version 1 for good: even lowering min_decryption_version cannot bring it back.
  await assert.rejects(
    t.call('write', 'keys/k/trim', { data: { min_available_version: 3 } }),
    badRequest('min_decryption_version'),
  );
  await t.call('write', 'keys/k/trim', { data: { min_available_version: 2 } });
  const read = dataOf(await t.call('read', 'keys/k'));
  assert.deepEqual(Object.keys(read.keys as object), ['2', '3']);
  assert.equal(read.min_available_version, 2);
  await assert.rejects(
    t.call('write', 'keys/k/config', { data: { min_decryption_version: 1 } }),
    badRequest('min available version is 2'),
  );
  await assert.rejects(
    t.call('write', 'decrypt/k', { data: { ciphertext: v1.ciphertext } }),
    badRequest('too old'),
  );
});

test('delete needs deletion_allowed; exportable cannot be turned off; LIST keys', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/a', {});
  await t.call('write', 'keys/b', { data: { exportable: true } });
  assert.deepEqual(dataOf(await t.call('list', 'keys/')).keys, ['a', 'b']);
  await assert.rejects(t.call('delete', 'keys/a'), badRequest('deletion is not allowed'));
  await t.call('write', 'keys/a/config', { data: { deletion_allowed: true } });
  await t.call('delete', 'keys/a');
  await assert.rejects(
    t.call('read', 'keys/a'),
    (err: unknown) => (err as { code: string }).code === 'not_found',
  );
  await assert.rejects(
    t.call('write', 'keys/b/config', { data: { exportable: false } }),
    badRequest('cannot disable exportability'),
  );
  await assert.rejects(
    t.call('write', 'keys/b/config', { data: { auto_rotate_period: '10m' } }),
    badRequest('at least an hour'),
  );
  await assert.rejects(
    t.call('read', 'export/encryption-key/a'),
    (err: unknown) => (err as { code: string }).code === 'not_found',
  );
  await t.call('write', 'keys/c', {});
  await assert.rejects(t.call('read', 'export/encryption-key/c'), badRequest('not exportable'));
});

test('auto_rotate_period rotates on the first use after the period', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/r', { data: { auto_rotate_period: '1h' } });
  assert.equal(dataOf(await t.call('read', 'keys/r')).auto_rotate_period, 3600);
  assert.equal(dataOf(await t.call('write', 'encrypt/r', { data: { plaintext: b64('a') } })).key_version, 1);
  t.clock.advance(3600 * 1000);
  assert.equal(dataOf(await t.call('write', 'encrypt/r', { data: { plaintext: b64('a') } })).key_version, 2);
  assert.equal(dataOf(await t.call('write', 'encrypt/r', { data: { plaintext: b64('a') } })).key_version, 2);
});
