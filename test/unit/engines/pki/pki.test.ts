import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { pkiBackendFactory } from '../../../../src/engines/pki/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

type Data = Record<string, unknown>;

/** Runs openssl; resolves with exit code and combined output (bounded by a 30 s timeout). */
function openssl(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('openssl', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-pki-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PKI mount whose clock is the real one (OpenSSL checks validity against real time). */
async function mountPki(): Promise<EngineHarness> {
  const t = await EngineHarness.mount(pkiBackendFactory);
  t.clock.setWall(Date.now());
  return t;
}

const data = async (p: Promise<{ data?: Data | null }>): Promise<Data> => (await p).data ?? {};
const badRequest = (text: string) => (err: unknown) =>
  isArcaError(err) && err.httpStatus === 400 && err.messages.some((m) => m.includes(text));

test('root CA, role and issued RSA and EC certificates verify with openssl; cert/<serial> and LIST certs', async () => {
  const t = await mountPki();
  const root = await data(
    t.call('write', 'root/generate/internal', { data: { common_name: 'Arca Root', ttl: '87600h' } }),
  );
  assert.equal(root.private_key, undefined);
  await t.call('write', 'config/urls', {
    data: {
      issuing_certificates: 'http://127.0.0.1:8200/v1/pki/ca',
      crl_distribution_points: 'http://127.0.0.1:8200/v1/pki/crl',
    },
  });
  await t.call('write', 'roles/web', {
    data: { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h' },
  });
  await t.call('write', 'roles/web-ec', {
    data: { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', key_bits: 384 },
  });
  await withDir(async (dir) => {
    await writeFile(join(dir, 'root.pem'), String(root.certificate));
    for (const role of ['web', 'web-ec']) {
      const issued = await data(
        t.call('write', `issue/${role}`, {
          data: {
            common_name: 'app.example.com',
            alt_names: 'api.example.com',
            ip_sans: '127.0.0.1',
            ttl: '1h',
          },
        }),
      );
      assert.equal(issued.issuing_ca, root.certificate);
      assert.deepEqual(issued.ca_chain, [root.certificate]);
      assert.equal(issued.private_key_type, role === 'web' ? 'rsa' : 'ec');
      await writeFile(join(dir, `${role}.pem`), String(issued.certificate));
      const verified = await openssl(['verify', '-CAfile', join(dir, 'root.pem'), join(dir, `${role}.pem`)]);
      assert.equal(verified.code, 0, verified.output);
      assert.match(verified.output, /OK/);
      const cert = new X509Certificate(String(issued.certificate));
      assert.equal(cert.subjectAltName, 'DNS:app.example.com, DNS:api.example.com, IP Address:127.0.0.1');
      assert.equal(cert.checkHost('api.example.com'), 'api.example.com');
      assert.equal(cert.serialNumber.toLowerCase().match(/../g)?.join(':'), issued.serial_number);
      const lifetimeMs = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
      assert.ok(lifetimeMs <= 3600_000 + 31_000 && lifetimeMs >= 3600_000, `lifetime ${lifetimeMs}`);
      const stored = await data(t.call('read', `cert/${String(issued.serial_number)}`));
      assert.equal(stored.certificate, issued.certificate);
      assert.equal(stored.revocation_time, 0);
    }
  });
  const certs = (await data(t.call('list', 'certs/'))).keys as string[];
  assert.equal(certs.length, 3, 'root + two leaves');
  assert.ok(certs.includes(String(root.serial_number)));
  // TTL above the role's max_ttl is capped with Vault's warning.
  const capped = await t.call('write', 'issue/web', { data: { common_name: 'x.example.com', ttl: '1000h' } });
  assert.match(String(capped.warnings?.[0]), /maxTTL/);
  const cert = new X509Certificate(String(capped.data?.certificate));
  assert.ok(Date.parse(cert.validTo) - Date.now() <= 72 * 3600_000 + 5_000);
});

test('a role refuses names outside allowed_domains, IP SANs when not allowed, and non-globs', async () => {
  const t = await mountPki();
  await t.call('write', 'root/generate/internal', { data: { common_name: 'Root', ttl: '8760h' } });
  await t.call('write', 'roles/strict', {
    data: { allowed_domains: 'example.com', allow_subdomains: true, allow_ip_sans: false },
  });
  await t.call('write', 'roles/bare', { data: { allowed_domains: 'example.com', allow_bare_domains: true } });
  await t.call('write', 'roles/glob', {
    data: { allowed_domains: 'web-*.example.com', allow_glob_domains: true },
  });
  await assert.rejects(
    t.call('write', 'issue/strict', { data: { common_name: 'evil.com' } }),
    badRequest('common name evil.com not allowed by this role'),
  );
  await assert.rejects(
    t.call('write', 'issue/strict', { data: { common_name: 'example.com' } }),
    badRequest('not allowed by this role'),
  );
  await assert.rejects(
    t.call('write', 'issue/strict', { data: { common_name: 'a.example.com', alt_names: 'b.evil.com' } }),
    badRequest('subject alternate name b.evil.com not allowed'),
  );
  await assert.rejects(
    t.call('write', 'issue/strict', { data: { common_name: 'a.example.com', ip_sans: '10.0.0.1' } }),
    badRequest('IP Subject Alternative Names are not allowed'),
  );
  await assert.rejects(
    t.call('write', 'issue/bare', { data: { common_name: 'a.example.com' } }),
    badRequest('not allowed'),
  );
  assert.ok(
    (await data(t.call('write', 'issue/bare', { data: { common_name: 'example.com' } }))).certificate,
  );
  assert.ok(
    (await data(t.call('write', 'issue/glob', { data: { common_name: 'web-12.example.com' } }))).certificate,
  );
  await assert.rejects(
    t.call('write', 'issue/glob', { data: { common_name: 'db-1.example.com' } }),
    badRequest('not allowed'),
  );
  // An IPv6 SAN with an embedded IPv4 tail is encoded (it crashed the encoder before: 500).
  const mapped = await data(
    t.call('write', 'issue/glob', {
      data: { common_name: 'web-2.example.com', ip_sans: '::ffff:10.1.2.3,fe80::1' },
    }),
  );
  assert.equal(
    new X509Certificate(String(mapped.certificate)).subjectAltName,
    'DNS:web-2.example.com, IP Address:0:0:0:0:0:FFFF:A01:203, IP Address:FE80:0:0:0:0:0:0:1',
  );
  await assert.rejects(
    t.call('write', 'issue/nope', { data: { common_name: 'a.example.com' } }),
    badRequest('unknown role'),
  );
  await assert.rejects(
    t.call('write', 'roles/bad', { data: { key_type: 'dsa' } }),
    badRequest('unknown key type'),
  );
  await t.call('write', 'roles/long', { data: { allow_any_name: true, max_ttl: '9000h' } });
  await assert.rejects(
    t.call('write', 'issue/long', { data: { common_name: 'a.example.com', ttl: '9000h' } }),
    badRequest('beyond the expiration of the CA'),
  );
});

test('revocation appears in the CRL, which verifies with openssl; the revoked certificate fails crl_check', async () => {
  const t = await mountPki();
  const root = await data(
    t.call('write', 'root/generate/exported', {
      data: { common_name: 'Root', key_type: 'ec', ttl: '8760h' },
    }),
  );
  assert.match(String(root.private_key), /BEGIN EC PRIVATE KEY/);
  await t.call('write', 'roles/r', { data: { allow_any_name: true } });
  const keep = await data(t.call('write', 'issue/r', { data: { common_name: 'keep.test' } }));
  const gone = await data(t.call('write', 'issue/r', { data: { common_name: 'gone.test' } }));
  const revoked = await data(t.call('write', 'revoke', { data: { serial_number: gone.serial_number } }));
  assert.equal(typeof revoked.revocation_time, 'number');
  assert.equal(
    (await data(t.call('read', `cert/${String(gone.serial_number)}`))).revocation_time,
    revoked.revocation_time,
  );
  await assert.rejects(
    t.call('write', 'revoke', { data: { serial_number: '01:02' } }),
    badRequest('not found'),
  );
  await assert.rejects(
    t.call('write', 'revoke', { data: { serial_number: root.serial_number } }),
    badRequest('its own CRL'),
  );
  const crlPem = (await t.call('read', 'crl/pem')).raw?.body;
  const crlDer = (await t.call('read', 'crl')).raw;
  assert.equal(crlDer?.contentType, 'application/pkix-crl');
  await withDir(async (dir) => {
    await writeFile(join(dir, 'root.pem'), String(root.certificate));
    await writeFile(join(dir, 'crl.pem'), String(crlPem));
    await writeFile(join(dir, 'keep.pem'), String(keep.certificate));
    await writeFile(join(dir, 'gone.pem'), String(gone.certificate));
    const crl = await openssl([
      'crl',
      '-in',
      join(dir, 'crl.pem'),
      '-CAfile',
      join(dir, 'root.pem'),
      '-noout',
      '-text',
    ]);
    assert.equal(crl.code, 0, crl.output);
    assert.match(crl.output, /verify OK/);
    const goneSerial = String(gone.serial_number).replace(/:/g, '').toUpperCase();
    assert.ok(crl.output.replace(/\s/g, '').toUpperCase().includes(goneSerial), crl.output);
    const ok = await openssl([
      'verify',
      '-crl_check',
      '-CRLfile',
      join(dir, 'crl.pem'),
      '-CAfile',
      join(dir, 'root.pem'),
      join(dir, 'keep.pem'),
    ]);
    assert.equal(ok.code, 0, ok.output);
    const bad = await openssl([
      'verify',
      '-crl_check',
      '-CRLfile',
      join(dir, 'crl.pem'),
      '-CAfile',
      join(dir, 'root.pem'),
      join(dir, 'gone.pem'),
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /certificate revoked/);
  });
});

test('intermediate CA signed by a root mount; a CSR made by openssl signed through a role; chain verifies', async () => {
  const rootMount = await mountPki();
  const intMount = await mountPki();
  const root = await data(
    rootMount.call('write', 'root/generate/internal', { data: { common_name: 'Root', ttl: '87600h' } }),
  );
  const csr = await data(
    intMount.call('write', 'intermediate/generate/internal', {
      data: { common_name: 'Intermediate', key_type: 'ec' },
    }),
  );
  const signed = await data(
    rootMount.call('write', 'root/sign-intermediate', { data: { csr: csr.csr, ttl: '43800h' } }),
  );
  await intMount.call('write', 'intermediate/set-signed', {
    data: { certificate: `${String(signed.certificate)}\n${String(root.certificate)}` },
  });
  assert.equal(
    (await intMount.call('read', 'ca_chain')).raw?.body,
    `${String(signed.certificate)}\n${String(root.certificate)}\n`,
  );
  await intMount.call('write', 'roles/svc', {
    data: { allowed_domains: 'svc.local', allow_subdomains: true, key_type: 'any' },
  });
  await withDir(async (dir) => {
    const gen = await openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=db.svc.local',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'csr.pem'),
    ]);
    assert.equal(gen.code, 0, gen.output);
    const fromCsr = await data(
      intMount.call('write', 'sign/svc', { data: { csr: await readFile(join(dir, 'csr.pem'), 'utf8') } }),
    );
    assert.deepEqual(fromCsr.ca_chain, [signed.certificate, root.certificate]);
    const issued = await data(
      intMount.call('write', 'issue/svc', { data: { common_name: 'web.svc.local' } }),
    );
    await writeFile(join(dir, 'root.pem'), String(root.certificate));
    await writeFile(join(dir, 'int.pem'), String(signed.certificate));
    await writeFile(join(dir, 'csr-leaf.pem'), String(fromCsr.certificate));
    await writeFile(join(dir, 'leaf.pem'), String(issued.certificate));
    for (const leaf of ['csr-leaf.pem', 'leaf.pem']) {
      const v = await openssl([
        'verify',
        '-CAfile',
        join(dir, 'root.pem'),
        '-untrusted',
        join(dir, 'int.pem'),
        join(dir, leaf),
      ]);
      assert.equal(v.code, 0, v.output);
    }
    // Without the intermediate the chain does not build: the check can fail.
    const broken = await openssl(['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'leaf.pem')]);
    assert.notEqual(broken.code, 0);
    await assert.rejects(
      intMount.call('write', 'sign/svc', { data: { csr: 'garbage' } }),
      badRequest('csr contains no data'),
    );
  });
});

test("Node's tls trusts a server certificate issued by Arca when the client trusts the root", async () => {
  const t = await mountPki();
  const root = await data(
    t.call('write', 'root/generate/internal', { data: { common_name: 'Root', ttl: '8760h' } }),
  );
  await t.call('write', 'roles/tls', { data: { allowed_domains: 'example.com', allow_subdomains: true } });
  const issued = await data(
    t.call('write', 'issue/tls', { data: { common_name: 'app.example.com', ttl: '1h' } }),
  );
  const server = createServer(
    { cert: String(issued.certificate), key: String(issued.private_key) },
    (socket) => socket.end('hello'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      servername: 'app.example.com',
      ca: String(root.certificate),
    });
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    assert.equal(socket.authorized, true);
    assert.equal(chunk.toString(), 'hello');
    socket.destroy();
    // A name the certificate does not cover is refused by the client.
    const wrong = connect({
      host: '127.0.0.1',
      port,
      servername: 'other.example.org',
      ca: String(root.certificate),
    });
    const [err] = (await once(wrong, 'error')) as [Error & { code?: string }];
    assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    wrong.destroy();
  } finally {
    server.close();
  }
});
