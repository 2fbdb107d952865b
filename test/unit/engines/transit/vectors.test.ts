import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, hkdfSync, sign } from 'node:crypto';
import { b64, dataOf, mountTransit } from './helpers.js';
import type { EngineHarness } from '../../../helpers/engine-harness.js';

/** Restores a key with the given raw material through the backup format (the only import path). */
async function restoreKey(
  t: EngineHarness,
  name: string,
  type: string,
  key: Buffer,
  extra: Record<string, unknown> = {},
) {
  const entry: Record<string, unknown> = {
    key: key.toString('base64'),
    hmac_key: Buffer.alloc(32, 7).toString('base64'),
    time: '2026-01-01T00:00:00.000Z',
  };
  if (type === 'ed25519') entry.public_key = key.subarray(32).toString('base64');
  const policy = {
    name,
    type,
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
    keys: { '1': entry },
    ...extra,
  };
  await t.call('write', 'restore', { data: { backup: b64(JSON.stringify({ policy })) } });
}

test('NIST AES-GCM vectors (GCM spec test cases 3 and 14) decrypt from the vault:v1 format', async () => {
  const t = await mountTransit();
  // Test case 3: AES-128, 96-bit IV, no AAD.
  await restoreKey(t, 'tc3', 'aes128-gcm96', Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex'));
  const iv = 'cafebabefacedbaddecaf888';
  const c3 =
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985';
  const t3 = '4d5c2af327cd64a62cf35abd2ba6fab4';
  const p3 =
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
  const ct3 = `vault:v1:${Buffer.from(iv + c3 + t3, 'hex').toString('base64')}`;
  const out3 = dataOf(await t.call('write', 'decrypt/tc3', { data: { ciphertext: ct3 } }));
  assert.equal(Buffer.from(String(out3.plaintext), 'base64').toString('hex'), p3);
  // Test case 14: AES-256, zero key and IV, one zero block.
  await restoreKey(t, 'tc14', 'aes256-gcm96', Buffer.alloc(32));
  const ct14 = `vault:v1:${Buffer.from('00'.repeat(12) + 'cea7403d4d606b6e074ec5d3baf39d18' + 'd0d1c8a799996bf0265b98b5d48ab919', 'hex').toString('base64')}`;
  const out14 = dataOf(await t.call('write', 'decrypt/tc14', { data: { ciphertext: ct14 } }));
  assert.equal(Buffer.from(String(out14.plaintext), 'base64').toString('hex'), '00'.repeat(16));
  // One flipped tag bit is Vault's authentication failure (400), not a 500.
  const bad = Buffer.from(ct14.slice('vault:v1:'.length), 'base64');
  bad[bad.length - 1] ^= 1;
  await assert.rejects(
    t.call('write', 'decrypt/tc14', { data: { ciphertext: `vault:v1:${bad.toString('base64')}` } }),
    (err: unknown) => (err as { messages: string[] }).messages[0] === 'cipher: message authentication failed',
  );
});

test('RFC 8032 Ed25519 test vectors 1 and 2: Arca signs byte for byte and verifies', async () => {
  const t = await mountTransit();
  const vectors = [
    {
      sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ];
  for (const [i, v] of vectors.entries()) {
    await restoreKey(t, `ed${i}`, 'ed25519', Buffer.from(v.sk + v.pk, 'hex'));
    const input = Buffer.from(v.msg, 'hex').toString('base64');
    const signed = dataOf(await t.call('write', `sign/ed${i}`, { data: { input } }));
    assert.equal(signed.signature, `vault:v1:${Buffer.from(v.sig, 'hex').toString('base64')}`);
    const ok = dataOf(
      await t.call('write', `verify/ed${i}`, { data: { input, signature: signed.signature } }),
    );
    assert.equal(ok.valid, true);
    const other = Buffer.from('ff' + v.msg, 'hex').toString('base64');
    const no = dataOf(
      await t.call('write', `verify/ed${i}`, { data: { input: other, signature: signed.signature } }),
    );
    assert.equal(no.valid, false);
    const read = dataOf(await t.call('read', `keys/ed${i}`));
    assert.deepEqual(
      (read.keys as Record<string, { public_key: string }>)['1']?.public_key,
      Buffer.from(v.pk, 'hex').toString('base64'),
    );
  }
});

test('a Vault-format ciphertext built independently (exported key, random nonce) decrypts; Arca output decrypts independently', async () => {
  const t = await mountTransit();
  for (const type of ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305']) {
    await t.call('write', `keys/${type}`, { data: { type, exportable: true } });
    const exported = dataOf(await t.call('read', `export/encryption-key/${type}`));
    const key = Buffer.from(String((exported.keys as Record<string, string>)['1']), 'base64');
    const alg =
      type === 'aes128-gcm96' ? 'aes-128-gcm' : type === 'aes256-gcm96' ? 'aes-256-gcm' : 'chacha20-poly1305';
    const nonce = Buffer.from('000102030405060708090a0b', 'hex');
    const cipher = createCipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
    const body = Buffer.concat([cipher.update('made outside Arca'), cipher.final(), cipher.getAuthTag()]);
    const ciphertext = `vault:v1:${Buffer.concat([nonce, body]).toString('base64')}`;
    const out = dataOf(await t.call('write', `decrypt/${type}`, { data: { ciphertext } }));
    assert.equal(Buffer.from(String(out.plaintext), 'base64').toString(), 'made outside Arca');
    // And the reverse: Arca's ciphertext opens with node:crypto from the documented layout.
    const enc = dataOf(await t.call('write', `encrypt/${type}`, { data: { plaintext: b64('from Arca') } }));
    const raw = Buffer.from(String(enc.ciphertext).slice('vault:v1:'.length), 'base64');
    const decipher = createDecipheriv(alg as 'aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const opened = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    assert.equal(opened.toString(), 'from Arca');
  }
});

test('derived keys use HKDF-SHA256(key, context) and convergent v3 takes its nonce from HMAC(derived, plaintext), as Vault', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/conv', {
    data: { derived: true, convergent_encryption: true, exportable: true },
  });
  const read = dataOf(await t.call('read', 'keys/conv'));
  assert.equal(read.kdf, 'hkdf_sha256');
  const exported = dataOf(await t.call('read', 'export/encryption-key/conv'));
  const master = Buffer.from(String((exported.keys as Record<string, string>)['1']), 'base64');
  const context = Buffer.from('user-42');
  const derived = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), context, 64));
  const plaintext = Buffer.from('same input');
  const nonce = createHmac('sha256', derived.subarray(32)).update(plaintext).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', derived.subarray(0, 32), nonce);
  const expected = `vault:v1:${Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64')}`;
  const data = { plaintext: plaintext.toString('base64'), context: context.toString('base64') };
  const a = dataOf(await t.call('write', 'encrypt/conv', { data }));
  const b = dataOf(await t.call('write', 'encrypt/conv', { data }));
  assert.equal(a.ciphertext, expected);
  assert.equal(b.ciphertext, expected);
  const other = dataOf(await t.call('write', 'encrypt/conv', { data: { ...data, context: b64('user-43') } }));
  assert.notEqual(other.ciphertext, expected);
  // Decrypting with the wrong context fails authentication; without a context it is Vault's 400.
  await assert.rejects(
    t.call('write', 'decrypt/conv', { data: { ciphertext: expected, context: b64('user-43') } }),
    /message authentication failed/,
  );
  await assert.rejects(
    t.call('write', 'decrypt/conv', { data: { ciphertext: expected } }),
    /missing 'context' for key derivation/,
  );
});

test('signatures and HMACs made outside Arca in Vault format (exported keys) verify; Arca HMAC equals an independent one', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/ec', { data: { type: 'ecdsa-p256', exportable: true } });
  const exported = dataOf(await t.call('read', 'export/signing-key/ec'));
  const pem = String((exported.keys as Record<string, string>)['1']);
  assert.match(pem, /BEGIN EC PRIVATE KEY/);
  const message = Buffer.from('signed elsewhere');
  const der = sign('sha256', message, createPrivateKey(pem));
  const jws = sign('sha256', message, { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' });
  const input = message.toString('base64');
  const asn1 = dataOf(
    await t.call('write', 'verify/ec', { data: { input, signature: `vault:v1:${der.toString('base64')}` } }),
  );
  assert.equal(asn1.valid, true);
  const raw = dataOf(
    await t.call('write', 'verify/ec', {
      data: { input, marshaling_algorithm: 'jws', signature: `vault:v1:${jws.toString('base64url')}` },
    }),
  );
  assert.equal(raw.valid, true);
  await t.call('write', 'keys/mac', { data: { type: 'hmac', exportable: true } });
  const macKey = String(
    (dataOf(await t.call('read', 'export/hmac-key/mac')).keys as Record<string, string>)['1'],
  );
  const expected = `vault:v1:${createHmac('sha256', Buffer.from(macKey, 'base64')).update(message).digest('base64')}`;
  assert.equal(dataOf(await t.call('write', 'hmac/mac', { data: { input } })).hmac, expected);
  assert.equal(dataOf(await t.call('write', 'verify/mac', { data: { input, hmac: expected } })).valid, true);
});
