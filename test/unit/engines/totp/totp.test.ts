import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totpBackendFactory } from '../../../../src/engines/totp/index.js';
import { base32Decode, base32Encode } from '../../../../src/engines/totp/base32.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

const badRequest = (text: string) => (err: unknown) =>
  isArcaError(err) && err.httpStatus === 400 && err.messages.some((m) => m.includes(text));

// RFC 6238 appendix B: 8 digits, 30 s period, per-algorithm ASCII seeds.
const seeds: Record<string, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};
const vectors: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

test('RFC 6238 test vectors: imported keys generate and validate the published codes', async () => {
  const t = await EngineHarness.mount(totpBackendFactory);
  for (const algorithm of ['SHA1', 'SHA256', 'SHA512']) {
    const key = base32Encode(Buffer.from(seeds[algorithm] ?? ''));
    await t.call('write', `keys/${algorithm}`, { data: { key, algorithm, digits: 8, period: 30 } });
  }
  for (const [seconds, sha1, sha256, sha512] of vectors) {
    t.clock.setWall(seconds * 1000);
    const codes = { SHA1: sha1, SHA256: sha256, SHA512: sha512 };
    for (const [algorithm, expected] of Object.entries(codes)) {
      assert.equal(
        (await t.call('read', `code/${algorithm}`)).data?.code,
        expected,
        `${algorithm} at ${seconds}`,
      );
    }
    const valid = await t.call('write', 'code/SHA256', { data: { code: sha256 } });
    assert.equal(valid.data?.valid, true);
  }
  t.clock.setWall(59 * 1000);
  assert.equal((await t.call('write', 'code/SHA1', { data: { code: '00000000' } })).data?.valid, false);
  assert.equal((await t.call('write', 'code/SHA1', { data: { code: '123' } })).data?.valid, false);
});

test('a code is accepted once within its window, the neighbouring period is accepted with skew 1', async () => {
  const t = await EngineHarness.mount(totpBackendFactory);
  await t.call('write', 'keys/k', { data: { key: base32Encode(Buffer.from(seeds.SHA1 ?? '')), period: 30 } });
  t.clock.setWall(1_800_000_000_000);
  const code = String((await t.call('read', 'code/k')).data?.code);
  assert.match(code, /^\d{6}$/);
  assert.equal((await t.call('write', 'code/k', { data: { code } })).data?.valid, true);
  await assert.rejects(t.call('write', 'code/k', { data: { code } }), badRequest('code already used'));
  t.clock.advance(30_000);
  await assert.rejects(t.call('write', 'code/k', { data: { code } }), badRequest('code already used'));
  const next = String((await t.call('read', 'code/k')).data?.code);
  assert.equal((await t.call('write', 'code/k', { data: { code: next } })).data?.valid, true);
  // Two periods later the old code is outside the skew: invalid (and its used marker was swept).
  t.clock.advance(90_000);
  assert.equal((await t.call('write', 'code/k', { data: { code } })).data?.valid, false);
  assert.ok(t.storage.keys().filter((k) => k.startsWith('used/')).length <= 1);
});

test('generated keys return an otpauth URL and a PNG barcode; importing the URL yields the same codes', async () => {
  const t = await EngineHarness.mount(totpBackendFactory);
  const generated = await t.call('write', 'keys/gen', {
    data: {
      generate: true,
      issuer: 'Arca',
      account_name: 'alice@example.com',
      algorithm: 'SHA256',
      qr_size: 150,
    },
  });
  const url = String(generated.data?.url);
  assert.match(
    url,
    /^otpauth:\/\/totp\/Arca:alice@example\.com\?algorithm=SHA256&digits=6&issuer=Arca&period=30&secret=[A-Z2-7]{32}$/,
  );
  const png = Buffer.from(String(generated.data?.barcode), 'base64');
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
  assert.equal(png.readUInt32BE(16), 150, 'IHDR width is qr_size');
  await t.call('write', 'keys/imported', { data: { url } });
  assert.deepEqual((await t.call('read', 'keys/imported')).data, {
    issuer: 'Arca',
    account_name: 'alice@example.com',
    period: 30,
    algorithm: 'SHA256',
    digits: 6,
  });
  assert.equal(
    (await t.call('read', 'code/gen')).data?.code,
    (await t.call('read', 'code/imported')).data?.code,
  );
  assert.deepEqual((await t.call('list', 'keys/')).data, { keys: ['gen', 'imported'] });
  const secret = new URL(url).searchParams.get('secret') ?? '';
  assert.equal(base32Decode(secret)?.length, 20);
  await t.call('delete', 'keys/gen');
  await assert.rejects(t.call('read', 'keys/gen'), (err: unknown) => isArcaError(err, 'not_found'));
});

test('TOTP client mistakes are 400s and write nothing', async () => {
  const t = await EngineHarness.mount(totpBackendFactory);
  await assert.rejects(t.call('write', 'keys/a', { data: {} }), badRequest('the key value is required'));
  await assert.rejects(
    t.call('write', 'keys/a', { data: { key: '0189!' } }),
    badRequest('invalid key value'),
  );
  await assert.rejects(
    t.call('write', 'keys/a', { data: { key: 'JBSWY3DP', digits: 7 } }),
    badRequest('6 or 8'),
  );
  await assert.rejects(
    t.call('write', 'keys/a', { data: { key: 'JBSWY3DP', algorithm: 'MD5' } }),
    badRequest('algorithm'),
  );
  await assert.rejects(t.call('write', 'keys/a', { data: { key: 'JBSWY3DP', skew: 2 } }), badRequest('skew'));
  await assert.rejects(
    t.call('write', 'keys/a', { data: { generate: true, issuer: 'x' } }),
    badRequest('account_name'),
  );
  await assert.rejects(
    t.call('write', 'keys/a', { data: { url: 'https://example.com' } }),
    badRequest('otpauth'),
  );
  await assert.rejects(
    t.call('write', 'keys/a', { data: { url: 'otpauth://totp/x?secret=!!' } }),
    badRequest('base32'),
  );
  await assert.rejects(t.call('read', 'code/none'), badRequest('unknown key'));
  assert.equal(t.storage.keys().length, 0);
});
