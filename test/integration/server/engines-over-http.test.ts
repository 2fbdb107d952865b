import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import nodeVault from 'node-vault';
import { startServerProcess } from './server-process.js';

/** Runs the `arca` CLI against `address`; resolves with exit code and output (30 s bound). */
function arca(address: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/src/cli/main.js', ...args],
      {
        timeout: 30_000,
        env: {
          ...process.env,
          VAULT_ADDR: address,
          VAULT_TOKEN: 'root-engines',
          NODE_TEST_CONTEXT: undefined,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

test('pki and totp over HTTP on a real server; the arca CLI enables and drives transit', async () => {
  const server = await startServerProcess([
    '-dev',
    '-dev-listen-address=127.0.0.1:0',
    '-dev-root-token-id=root-engines',
  ]);
  try {
    const vault = nodeVault({ endpoint: server.address, token: 'root-engines' });
    await vault.mount({ mount_point: 'pki', type: 'pki' });
    await vault.mount({ mount_point: 'totp', type: 'totp' });
    const root = (await vault.write('pki/root/generate/internal', { common_name: 'Root', ttl: '8760h' })) as {
      data: { certificate: string };
    };
    await vault.write('pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true });
    const issued = (await vault.write('pki/issue/web', { common_name: 'a.example.com' })) as {
      data: { certificate: string; private_key: string };
    };
    const leaf = new X509Certificate(issued.data.certificate);
    assert.equal(leaf.verify(new X509Certificate(root.data.certificate).publicKey), true);
    // Raw endpoints keep their bytes and content types through the HTTP layer.
    const pem = await fetch(`${server.address}/v1/pki/ca/pem`);
    assert.equal(pem.status, 200);
    assert.equal((await pem.text()).trim(), root.data.certificate);
    const crl = await fetch(`${server.address}/v1/pki/crl`);
    assert.equal(crl.headers.get('content-type'), 'application/pkix-crl');
    assert.equal((await crl.arrayBuffer()).byteLength > 100, true);
    const refused = await fetch(`${server.address}/v1/pki/issue/web`, {
      method: 'POST',
      headers: { 'X-Vault-Token': 'root-engines' },
      body: JSON.stringify({ common_name: 'evil.org' }),
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), { errors: ['common name evil.org not allowed by this role'] });

    const key = (await vault.write('totp/keys/alice', {
      generate: true,
      issuer: 'Arca',
      account_name: 'alice',
    })) as { data: { url: string; barcode: string } };
    assert.match(key.data.url, /^otpauth:\/\/totp\/Arca:alice\?/);
    const code = (await vault.read('totp/code/alice')) as { data: { code: string } };
    const ok = (await vault.write('totp/code/alice', { code: code.data.code })) as {
      data: { valid: boolean };
    };
    assert.equal(ok.data.valid, true);
    const again = await fetch(`${server.address}/v1/totp/code/alice`, {
      method: 'POST',
      headers: { 'X-Vault-Token': 'root-engines' },
      body: JSON.stringify({ code: code.data.code }),
    });
    assert.equal(again.status, 400);

    const enabled = await arca(server.address, ['secrets', 'enable', 'transit']);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.equal(
      (await arca(server.address, ['write', 'transit/keys/cli', 'type=chacha20-poly1305'])).code,
      0,
    );
    const written = await arca(server.address, [
      'write',
      '-format=json',
      'transit/encrypt/cli',
      `plaintext=${Buffer.from('via cli').toString('base64')}`,
    ]);
    assert.equal(written.code, 0, written.stderr);
    const ciphertext = (JSON.parse(written.stdout) as { data: { ciphertext: string } }).data.ciphertext;
    const decrypted = await arca(server.address, [
      'write',
      '-field=plaintext',
      'transit/decrypt/cli',
      `ciphertext=${ciphertext}`,
    ]);
    assert.equal(Buffer.from(decrypted.stdout.trim(), 'base64').toString(), 'via cli');
  } finally {
    await server.stop();
  }
});
