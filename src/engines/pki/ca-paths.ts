/**
 * CA lifecycle paths of the PKI engine: `root/generate/<internal|exported>`, `DELETE root`,
 * `intermediate/generate/<type>`, `root/sign-intermediate`, `intermediate/set-signed`. One CA per
 * mount (no multi-issuer yet).
 */
import { createPublicKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { rebuildCrl } from './crl.js';
import { csrFrom, subjectNameDer, urlConfig } from './issue.js';
import {
  caKey,
  certKey,
  formatSerial,
  generateKey,
  newSerial,
  privateKeyPem,
  readJson,
  requireCa,
  writeJson,
  type CaBundle,
  type CertRecord,
  type UrlConfig,
} from './store.js';
import { buildCertificate, buildCsr, fromPem, toPem } from './x509.js';
import { isPendingKey } from './shapes.js';

/** Longest CA lifetime accepted (CA TTLs are not capped by the mount's lease TTL here). */
const caTtlSecondsMax = 100 * 365 * 24 * 3600;
function caTtl(request: BackendRequest): number {
  const ttl = request.fields.get<number>('ttl') ?? 0;
  if (ttl < 0 || ttl > caTtlSecondsMax)
    throw new ArcaError('invalid_request', `ttl must be between 0 and ${caTtlSecondsMax}s`);
  return ttl === 0 ? 365 * 24 * 3600 : ttl;
}

function selfSigned(
  commonName: string,
  pair: { privateKey: KeyObject; publicKey: KeyObject },
  nowMs: number,
  ttlSeconds: number,
  urls: UrlConfig,
) {
  const serial = newSerial();
  const der = buildCertificate({
    serial,
    subjectCommonName: commonName,
    notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - 30_000),
    notAfter: new Date(Math.floor(nowMs / 1000) * 1000 + ttlSeconds * 1000),
    subjectPublicKey: pair.publicKey,
    issuerKey: pair.privateKey,
    issuerPublicKey: pair.publicKey,
    isCa: true,
    dnsNames: [],
    ipAddresses: [],
    issuingCertificateUrls: urls.issuing_certificates,
    crlDistributionPoints: urls.crl_distribution_points,
  });
  return { der, serial };
}

async function noExistingCa(request: BackendRequest): Promise<void> {
  if ((await request.storage.get('ca/bundle')) !== undefined) {
    throw new ArcaError(
      'invalid_request',
      'this mount already has a CA; delete it with DELETE root before generating another (Arca has one issuer per mount)',
    );
  }
}

function exportType(request: BackendRequest): 'internal' | 'exported' {
  const type = request.params.exported ?? '';
  if (type !== 'internal' && type !== 'exported')
    throw new ArcaError('invalid_request', `invalid type "${type}": must be "internal" or "exported"`);
  return type;
}

/** The CA PathSpecs. */
export function caPaths(clock: Clock): PathSpec[] {
  const generateRoot = async (request: BackendRequest): Promise<LogicalResponse> => {
    const type = exportType(request);
    const commonName = request.fields.get<string>('common_name') ?? '';
    if (commonName === '') throw new ArcaError('invalid_request', 'the common_name field is required');
    await noExistingCa(request);
    const keyType = request.fields.get<string>('key_type') ?? 'rsa';
    const pair = generateKey(keyType, request.fields.get<number>('key_bits') ?? 0);
    const { der, serial } = selfSigned(
      commonName,
      pair,
      clock.wallMs(),
      caTtl(request),
      await urlConfig(request),
    );
    const certificate = toPem('CERTIFICATE', der);
    const pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const bundle: CaBundle = {
      certificate,
      private_key_der: pkcs8.toString('base64'),
      chain: [],
      serial_number: formatSerial(serial),
      key_type: keyType,
    };
    pkcs8.fill(0);
    await writeJson(request.storage, 'ca/bundle', bundle);
    await writeJson(request.storage, certKey(bundle.serial_number), {
      certificate,
      not_after_ms: Date.parse(new X509Certificate(certificate).validTo),
    } satisfies CertRecord);
    await rebuildCrl(request, clock);
    const data: Record<string, unknown> = {
      certificate,
      issuing_ca: certificate,
      serial_number: bundle.serial_number,
      expiration: Math.floor(Date.parse(new X509Certificate(certificate).validTo) / 1000),
      issuer_id: randomUUID(),
      issuer_name: request.fields.get<string>('issuer_name') ?? '',
      key_id: randomUUID(),
      key_name: '',
    };
    if (type === 'exported') Object.assign(data, exportedKey(request, pair.privateKey, keyType));
    return { data };
  };
  const generateIntermediate = async (request: BackendRequest): Promise<LogicalResponse> => {
    const type = exportType(request);
    const commonName = request.fields.get<string>('common_name') ?? '';
    if (commonName === '') throw new ArcaError('invalid_request', 'the common_name field is required');
    await noExistingCa(request);
    const keyType = request.fields.get<string>('key_type') ?? 'rsa';
    const pair = generateKey(keyType, request.fields.get<number>('key_bits') ?? 0);
    const csr = toPem('CERTIFICATE REQUEST', buildCsr(commonName, pair.privateKey, pair.publicKey));
    const pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    await writeJson(request.storage, 'ca/pending', {
      private_key_der: pkcs8.toString('base64'),
      key_type: keyType,
    });
    pkcs8.fill(0);
    const data: Record<string, unknown> = { csr, key_id: randomUUID() };
    if (type === 'exported') Object.assign(data, exportedKey(request, pair.privateKey, keyType));
    return { data };
  };
  const signIntermediate = async (request: BackendRequest): Promise<LogicalResponse> => {
    const ca = await requireCa(request.storage);
    const csr = csrFrom(request);
    const commonName = request.fields.get<string>('common_name') || csr.commonName;
    if (commonName === '') throw new ArcaError('invalid_request', 'the common_name field is required');
    const caCert = new X509Certificate(ca.certificate);
    const nowMs = clock.wallMs();
    const notAfter = Math.floor(nowMs / 1000) * 1000 + caTtl(request) * 1000;
    if (notAfter > Date.parse(caCert.validTo)) {
      throw new ArcaError(
        'invalid_request',
        `cannot satisfy request, as TTL would result in notAfter of ${new Date(notAfter).toISOString()} that is beyond the expiration of the CA certificate at ${new Date(caCert.validTo).toISOString()}`,
      );
    }
    const urls = await urlConfig(request);
    const serial = newSerial();
    const maxPathLength = request.fields.get<number>('max_path_length') ?? -1;
    const der = buildCertificate({
      serial,
      subjectCommonName: commonName,
      issuerNameDer: subjectNameDer(caCert.raw),
      notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - 30_000),
      notAfter: new Date(notAfter),
      subjectPublicKey: csr.publicKey,
      issuerKey: caKey(ca),
      issuerPublicKey: caCert.publicKey,
      isCa: true,
      dnsNames: [],
      ipAddresses: [],
      maxPathLength: maxPathLength >= 0 ? maxPathLength : undefined,
      issuingCertificateUrls: urls.issuing_certificates,
      crlDistributionPoints: urls.crl_distribution_points,
    });
    const certificate = toPem('CERTIFICATE', der);
    const serialNumber = formatSerial(serial);
    await writeJson(request.storage, certKey(serialNumber), {
      certificate,
      not_after_ms: notAfter,
    } satisfies CertRecord);
    return {
      data: {
        certificate,
        issuing_ca: ca.certificate,
        ca_chain: [certificate, ca.certificate, ...ca.chain],
        serial_number: serialNumber,
        expiration: Math.floor(notAfter / 1000),
      },
    };
  };
  const setSigned = async (request: BackendRequest): Promise<LogicalResponse> => {
    const pem = request.fields.get<string>('certificate') ?? '';
    const blocks = fromPem(pem, 'CERTIFICATE');
    const first = blocks[0];
    if (first === undefined) throw new ArcaError('invalid_request', 'no data found in PEM block');
    const pending = await readJson(request.storage, 'ca/pending', isPendingKey);
    if (pending === undefined)
      throw new ArcaError('invalid_request', 'no pending intermediate key: call intermediate/generate first');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(first);
    } catch {
      throw new ArcaError('invalid_request', 'certificate could not be parsed');
    }
    const pendingBundle: CaBundle = {
      certificate: toPem('CERTIFICATE', first),
      private_key_der: pending.private_key_der,
      chain: [],
      serial_number: '',
      key_type: pending.key_type,
    };
    const pendingPublic = createPublicKey(caKey(pendingBundle)).export({ format: 'der', type: 'spki' });
    if (!cert.publicKey.export({ format: 'der', type: 'spki' }).equals(pendingPublic)) {
      throw new ArcaError(
        'invalid_request',
        'the given certificate does not match the key generated by intermediate/generate',
      );
    }
    if (!cert.ca) throw new ArcaError('invalid_request', 'the given certificate is not marked for CA use');
    await noExistingCa(request);
    pendingBundle.chain = blocks.slice(1).map((der) => toPem('CERTIFICATE', der));
    pendingBundle.serial_number = cert.serialNumber.toLowerCase().match(/../g)?.join(':') ?? '';
    await writeJson(request.storage, 'ca/bundle', pendingBundle);
    await request.storage.delete('ca/pending');
    await rebuildCrl(request, clock);
    return { data: { imported_issuers: [randomUUID()], imported_keys: [] } };
  };
  const caFields = {
    exported: { type: 'string' },
    common_name: { type: 'string' },
    ttl: { type: 'duration' },
    key_type: { type: 'string', default: 'rsa' },
    key_bits: { type: 'int', default: 0 },
    issuer_name: { type: 'string' },
    key_name: { type: 'string' },
    private_key_format: { type: 'string', default: 'der' },
    format: { type: 'string', default: 'pem' },
    max_path_length: { type: 'int', default: -1 },
    csr: { type: 'string' },
    alt_names: { type: 'string_list' },
    ip_sans: { type: 'string_list' },
    use_csr_values: { type: 'bool' },
  } as const;
  return [
    {
      pattern: 'root/generate/(?<exported>[^/]+)',
      fields: caFields,
      operations: { update: generateRoot },
      help: 'Generate a new CA certificate and private key used for signing.',
    },
    {
      pattern: 'root',
      operations: {
        delete: async (request) => {
          await request.storage.batch([
            { type: 'delete', key: 'ca/bundle' },
            { type: 'delete', key: 'crl/der' },
            { type: 'delete', key: 'crl/revoked' },
          ]);
          return noContent;
        },
      },
      help: 'Deletes the root CA key to allow a new one to be generated.',
    },
    {
      pattern: 'intermediate/generate/(?<exported>[^/]+)',
      fields: caFields,
      operations: { update: generateIntermediate },
      help: 'Generate a new CSR and private key used for signing.',
    },
    {
      pattern: 'root/sign-intermediate',
      fields: caFields,
      operations: { update: signIntermediate },
      help: 'Issue an intermediate CA certificate based on the provided CSR.',
    },
    {
      pattern: 'intermediate/set-signed',
      fields: { certificate: { type: 'string' } },
      operations: { update: setSigned },
      help: 'Provide the signed intermediate CA cert.',
    },
  ];
}

/**
 * The `private_key` / `private_key_type` fields Vault returns only for `exported` generation (the
 * `internal` type never lets the key leave the barrier).
 */
function exportedKey(request: BackendRequest, key: KeyObject, keyType: string): Record<string, unknown> {
  return {
    private_key: privateKeyPem(key, request.fields.get<string>('private_key_format') ?? 'der'),
    private_key_type: keyType,
  };
}
