import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify, constants } from 'node:crypto';
import { b64, badRequest, dataOf, mountTransit } from './helpers.js';

const encryptionTypes = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
];

test('encrypt/decrypt round trip for every encryption key type, with and without associated data', async () => {
  const t = await mountTransit();
  for (const type of encryptionTypes) {
    await t.call('write', `keys/k-${type}`, { data: { type } });
    const plaintext = b64(`secret for ${type}`);
    const enc = dataOf(await t.call('write', `encrypt/k-${type}`, { data: { plaintext } }));
    assert.match(String(enc.ciphertext), /^vault:v1:[A-Za-z0-9+/]+=*$/);
    assert.equal(enc.key_version, 1);
    const dec = dataOf(await t.call('write', `decrypt/k-${type}`, { data: { ciphertext: enc.ciphertext } }));
    assert.equal(dec.plaintext, plaintext, type);
    const read = dataOf(await t.call('read', `keys/k-${type}`));
    assert.equal(read.type, type);
    assert.equal(read.supports_encryption, true);
  }
  for (const type of ['aes256-gcm96', 'chacha20-poly1305']) {
    const ad = b64('header');
    const enc = dataOf(
      await t.call('write', `encrypt/k-${type}`, { data: { plaintext: b64('x'), associated_data: ad } }),
    );
    const dec = dataOf(
      await t.call('write', `decrypt/k-${type}`, {
        data: { ciphertext: enc.ciphertext, associated_data: ad },
      }),
    );
    assert.equal(dec.plaintext, b64('x'));
    await assert.rejects(
      t.call('write', `decrypt/k-${type}`, {
        data: { ciphertext: enc.ciphertext, associated_data: b64('other') },
      }),
      badRequest('message authentication failed'),
    );
  }
});

test('sign/verify round trip for every signing key type, checked independently with node:crypto', async () => {
  const t = await mountTransit();
  const input = b64('message to sign');
  const cases: {
    type: string;
    options: Record<string, unknown>;
    check?: (pub: string, sig: Buffer) => boolean;
  }[] = [
    {
      type: 'ed25519',
      options: {},
      check: (pub, sig) =>
        verify(
          null,
          Buffer.from('message to sign'),
          createPublicKey({
            key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pub, 'base64')]),
            format: 'der',
            type: 'spki',
          }),
          sig,
        ),
    },
    {
      type: 'ecdsa-p256',
      options: {},
      check: (pub, sig) => verify('sha256', Buffer.from('message to sign'), pub, sig),
    },
    {
      type: 'ecdsa-p384',
      options: { hash_algorithm: 'sha2-384' },
      check: (pub, sig) => verify('sha384', Buffer.from('message to sign'), pub, sig),
    },
    {
      type: 'ecdsa-p521',
      options: { marshaling_algorithm: 'jws', hash_algorithm: 'sha2-512' },
      check: (pub, sig) =>
        verify('sha512', Buffer.from('message to sign'), { key: pub, dsaEncoding: 'ieee-p1363' }, sig),
    },
    {
      type: 'rsa-2048',
      options: {},
      check: (pub, sig) =>
        verify(
          'sha256',
          Buffer.from('message to sign'),
          { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          sig,
        ),
    },
    {
      type: 'rsa-3072',
      options: { signature_algorithm: 'pkcs1v15' },
      check: (pub, sig) => verify('sha256', Buffer.from('message to sign'), pub, sig),
    },
    { type: 'rsa-4096', options: { signature_algorithm: 'pss', hash_algorithm: 'sha2-512' } },
  ];
  for (const c of cases) {
    await t.call('write', `keys/s-${c.type}`, { data: { type: c.type } });
    const signed = dataOf(await t.call('write', `sign/s-${c.type}`, { data: { input, ...c.options } }));
    const signature = String(signed.signature);
    assert.match(signature, /^vault:v1:/);
    const ok = dataOf(
      await t.call('write', `verify/s-${c.type}`, { data: { input, signature, ...c.options } }),
    );
    assert.equal(ok.valid, true, c.type);
    const no = dataOf(
      await t.call('write', `verify/s-${c.type}`, { data: { input: b64('other'), signature, ...c.options } }),
    );
    assert.equal(no.valid, false, c.type);
    if (c.check) {
      const read = dataOf(await t.call('read', `keys/s-${c.type}`));
      const pub = (read.keys as Record<string, { public_key: string }>)['1']?.public_key ?? '';
      const payload = signature.slice('vault:v1:'.length);
      const sig =
        c.options.marshaling_algorithm === 'jws'
          ? Buffer.from(payload, 'base64url')
          : Buffer.from(payload, 'base64');
      assert.equal(c.check(pub, sig), true, `${c.type} signature verifies outside Arca`);
    }
  }
  // RSA PKCS#1 v1.5 over a prehashed input equals the signature over the message.
  const digest = (await import('node:crypto'))
    .createHash('sha256')
    .update('message to sign')
    .digest('base64');
  const pre = dataOf(
    await t.call('write', 'sign/s-rsa-3072', {
      data: { input: digest, prehashed: true, signature_algorithm: 'pkcs1v15' },
    }),
  );
  const full = dataOf(
    await t.call('write', 'sign/s-rsa-3072', { data: { input, signature_algorithm: 'pkcs1v15' } }),
  );
  assert.equal(pre.signature, full.signature);
  const preOk = dataOf(
    await t.call('write', 'verify/s-rsa-3072', {
      data: { input: digest, prehashed: true, signature_algorithm: 'pkcs1v15', signature: full.signature },
    }),
  );
  assert.equal(preOk.valid, true);
  // A key type that cannot sign or encrypt says so with a 400.
  await assert.rejects(
    t.call('write', 'sign/s-missing', { data: { input } }),
    badRequest('encryption key not found'),
  );
  await t.call('write', 'keys/aes', {});
  await assert.rejects(
    t.call('write', 'sign/aes', { data: { input } }),
    badRequest('does not support signing'),
  );
  await assert.rejects(
    t.call('write', 'encrypt/s-ed25519', { data: { plaintext: input } }),
    badRequest('message encryption not supported for key type ed25519'),
  );
});

test('hmac for an hmac key and for an encryption key, verified in constant time; derived ed25519 signs per context', async () => {
  const t = await mountTransit();
  await t.call('write', 'keys/h', { data: { type: 'hmac', key_size: 64 } });
  await t.call('write', 'keys/e', {});
  for (const name of ['h', 'e']) {
    const a = dataOf(await t.call('write', `hmac/${name}/sha2-512`, { data: { input: b64('data') } }));
    assert.match(String(a.hmac), /^vault:v1:/);
    assert.equal(Buffer.from(String(a.hmac).slice(9), 'base64').length, 64);
    const ok = dataOf(
      await t.call('write', `verify/${name}/sha2-512`, { data: { input: b64('data'), hmac: a.hmac } }),
    );
    assert.equal(ok.valid, true);
    const no = dataOf(
      await t.call('write', `verify/${name}/sha2-256`, { data: { input: b64('data'), hmac: a.hmac } }),
    );
    assert.equal(no.valid, false);
  }
  assert.equal(dataOf(await t.call('read', 'keys/h')).key_size, 64);
  await t.call('write', 'keys/d', { data: { type: 'ed25519', derived: true } });
  const s1 = dataOf(await t.call('write', 'sign/d', { data: { input: b64('m'), context: b64('c1') } }));
  const s2 = dataOf(await t.call('write', 'sign/d', { data: { input: b64('m'), context: b64('c2') } }));
  assert.notEqual(s1.public_key, s2.public_key);
  const v1 = dataOf(
    await t.call('write', 'verify/d', {
      data: { input: b64('m'), context: b64('c1'), signature: s1.signature },
    }),
  );
  const v2 = dataOf(
    await t.call('write', 'verify/d', {
      data: { input: b64('m'), context: b64('c2'), signature: s1.signature },
    }),
  );
  assert.deepEqual([v1.valid, v2.valid], [true, false]);
});
