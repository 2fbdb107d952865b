import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startServerProcess } from './server-process.js';

type HttpError = { response?: { statusCode: number; body?: { errors?: string[]; data?: unknown } } };
const status = (err: unknown): number | undefined => (err as HttpError).response?.statusCode;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

test('transit end to end through the published node-vault client against a real server process', async () => {
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    '-dev-root-token-id=root-transit',
  ]);
  try {
    const vault = nodeVault({ endpoint: server.address, token: 'root-transit' });
    await vault.mount({ mount_point: 'transit', type: 'transit' });
    await vault.transitCreateKey({ name: 'orders' });
    await vault.transitCreateKey({ name: 'signer', type: 'ed25519' });
    const listed = (await vault.transitListKeys()) as { data: { keys: string[] } };
    assert.deepEqual(listed.data.keys, ['orders', 'signer']);

    const enc = (await vault.encryptData({ name: 'orders', plaintext: b64('card 4111') })) as {
      data: { ciphertext: string; key_version: number };
    };
    assert.match(enc.data.ciphertext, /^vault:v1:/);
    const dec = (await vault.decryptData({ name: 'orders', ciphertext: enc.data.ciphertext })) as {
      data: { plaintext: string };
    };
    assert.equal(Buffer.from(dec.data.plaintext, 'base64').toString(), 'card 4111');

    await vault.write('transit/keys/orders/rotate', {});
    const rewrapped = (await vault.rewrapData({ name: 'orders', ciphertext: enc.data.ciphertext })) as {
      data: { ciphertext: string };
    };
    assert.match(rewrapped.data.ciphertext, /^vault:v2:/);
    const key = (await vault.transitReadKey({ name: 'orders' })) as {
      data: { latest_version: number; type: string };
    };
    assert.deepEqual([key.data.latest_version, key.data.type], [2, 'aes256-gcm96']);

    // min_decryption_version refusal is a 400 with Vault's message through the real HTTP stack.
    await vault.write('transit/keys/orders/config', { min_decryption_version: 2 });
    await assert.rejects(
      vault.decryptData({ name: 'orders', ciphertext: enc.data.ciphertext }),
      (e: unknown) => {
        const errors = (e as HttpError).response?.body?.errors ?? [];
        return (
          status(e) === 400 &&
          errors[0] === 'ciphertext or signature version is disallowed by policy (too old)'
        );
      },
    );

    const signed = (await vault.write('transit/sign/signer', { input: b64('msg') })) as {
      data: { signature: string };
    };
    const verified = (await vault.write('transit/verify/signer', {
      input: b64('msg'),
      signature: signed.data.signature,
    })) as {
      data: { valid: boolean };
    };
    assert.equal(verified.data.valid, true);

    // A mixed batch answers 400 with the per-item results in the body.
    await assert.rejects(
      vault.write('transit/encrypt/orders', {
        batch_input: [{ plaintext: b64('ok') }, { plaintext: '***' }],
      }),
      (e: unknown) => {
        const body = (e as HttpError).response?.body as
          { data?: { batch_results?: { error?: string }[] } } | undefined;
        return (
          status(e) === 400 && body?.data?.batch_results?.[1]?.error === 'failed to base64-decode plaintext'
        );
      },
    );
    // Bad input is never a 500.
    await assert.rejects(
      vault.decryptData({ name: 'orders', ciphertext: 'garbage' }),
      (e: unknown) => status(e) === 400,
    );
    await assert.rejects(vault.transitDeleteKey({ name: 'orders' }), (e: unknown) => status(e) === 400);
  } finally {
    await server.stop();
  }
});
