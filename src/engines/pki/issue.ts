/**
 * `issue/<role>`, `sign/<role>` and `sign-verbatim`: leaf certificates from the mount's CA with the
 * role's name rules and TTL bounds (capped at `max_ttl` with Vault's warning; refused past the
 * CA's own expiry). `generate_lease` is stored on roles but issues no lease yet (Arca's lease
 * manager does not revoke PKI certificates), which the response says in a warning.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import type { Clock } from '../../lib/clock.js';
import { checkNames, requireRole, type PkiRole } from './roles.js';
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
import { buildCertificate, fromPem, parseCsr, toPem } from './x509.js';
import { childrenOf, fromDer, toDer } from './der.js';
import { isUrlConfig } from './shapes.js';

/** Fields of issue/sign. */
export const issueFields: Record<string, FieldSpec> = {
  role: { type: 'string' },
  common_name: { type: 'string' },
  alt_names: { type: 'string_list', default: [] },
  ip_sans: { type: 'string_list', default: [] },
  ttl: { type: 'duration' },
  format: { type: 'string', default: 'pem' },
  private_key_format: { type: 'string', default: 'der' },
  exclude_cn_from_sans: { type: 'bool', default: false },
  csr: { type: 'string' },
  remove_roots_from_chain: { type: 'bool' },
};

/** Resolves the certificate lifetime: requested, else role, else mount default; capped at max. */
export function resolveTtl(
  requested: number | undefined,
  role: PkiRole | undefined,
  warnings: string[],
): number {
  const maxTtl = role !== undefined && role.max_ttl > 0 ? role.max_ttl : limits.maxLeaseTtlSeconds;
  let ttl =
    requested !== undefined && requested > 0
      ? requested
      : role !== undefined && role.ttl > 0
        ? role.ttl
        : limits.defaultLeaseTtlSeconds;
  if (ttl > maxTtl) {
    warnings.push(`TTL "${ttl}s" is longer than permitted maxTTL "${maxTtl}s", so maxTTL is being used`);
    ttl = maxTtl;
  }
  return ttl;
}

/** The URLs from `config/urls` (empty when unset). */
export async function urlConfig(request: BackendRequest): Promise<UrlConfig> {
  return (
    (await readJson(request.storage, 'config/urls', isUrlConfig)) ?? {
      issuing_certificates: [],
      crl_distribution_points: [],
      ocsp_servers: [],
    }
  );
}

/** Everything needed to sign one leaf. */
interface LeafInput {
  commonName: string;
  dnsNames: string[];
  ips: string[];
  publicKey: KeyObject;
  ttlSeconds: number;
  role?: PkiRole;
}

/** Signs a leaf with the CA, stores it (unless `no_store`), and returns Vault's response fields. */
export async function signLeaf(request: BackendRequest, clock: Clock, ca: CaBundle, leaf: LeafInput) {
  const issuer = issuerOf(ca);
  const caCert = issuer.cert;
  const nowMs = clock.wallMs();
  const notAfter = new Date(Math.floor((nowMs + leaf.ttlSeconds * 1000) / 1000) * 1000);
  const caNotAfter = new Date(caCert.validTo);
  if (notAfter.getTime() > caNotAfter.getTime()) {
    throw new ArcaError(
      'invalid_request',
      `cannot satisfy request, as TTL would result in notAfter of ${notAfter.toISOString()} that is beyond the expiration of the CA certificate at ${caNotAfter.toISOString()}`,
    );
  }
  const urls = await urlConfig(request);
  const serial = newSerial();
  const der = buildCertificate({
    serial,
    subjectCommonName: leaf.commonName,
    issuerNameDer: issuer.subjectDer,
    notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - 30_000),
    notAfter,
    subjectPublicKey: leaf.publicKey,
    issuerKey: issuer.key,
    issuerPublicKey: issuer.publicKey,
    isCa: false,
    dnsNames: leaf.dnsNames,
    ipAddresses: leaf.ips,
    issuingCertificateUrls: urls.issuing_certificates,
    crlDistributionPoints: urls.crl_distribution_points,
    serverAuth: leaf.role?.server_flag ?? true,
    clientAuth: leaf.role?.client_flag ?? true,
  });
  const certificate = toPem('CERTIFICATE', der);
  const serialNumber = formatSerial(serial);
  if (leaf.role?.no_store !== true) {
    const record: CertRecord = { certificate, not_after_ms: notAfter.getTime() };
    await writeJson(request.storage, certKey(serialNumber), record);
  }
  return {
    certificate,
    issuing_ca: ca.certificate,
    ca_chain: [ca.certificate, ...ca.chain],
    serial_number: serialNumber,
    expiration: Math.floor(notAfter.getTime() / 1000),
  };
}

const issuerCache = new Map<
  string,
  { cert: X509Certificate; key: KeyObject; publicKey: KeyObject; subjectDer: Buffer }
>();

/**
 * The parsed CA (certificate, key objects, subject DER), cached per CA bundle by a SHA-256 of its
 * certificate and key (parsing them cost more than signing a leaf); at most 64 CAs are kept.
 */
function issuerOf(ca: CaBundle) {
  const id = createHash('sha256').update(ca.certificate).update(ca.private_key_der).digest('base64');
  const hit = issuerCache.get(id);
  if (hit !== undefined) return hit;
  const cert = new X509Certificate(ca.certificate);
  const entry = { cert, key: caKey(ca), publicKey: cert.publicKey, subjectDer: subjectNameDer(cert.raw) };
  if (issuerCache.size >= 64) issuerCache.clear();
  issuerCache.set(id, entry);
  return entry;
}

/** Subject Name DER from certificate DER (tbs fields: [0] version, serial, alg, issuer, validity, subject). */
export function subjectNameDer(certDer: Buffer): Buffer {
  const tbs = childrenOf(fromDer(certDer))[0];
  const subject = childrenOf(tbs)[5];
  if (subject === undefined) throw new ArcaError('invalid_request', 'certificate has no subject');
  return toDer(subject);
}

function namesFromRequest(request: BackendRequest, commonName: string) {
  const alt = request.fields.get<string[]>('alt_names') ?? [];
  const ips = request.fields.get<string[]>('ip_sans') ?? [];
  const dnsNames: string[] = [];
  for (const name of alt) (isIP(name) !== 0 ? ips : dnsNames).push(name);
  const exclude = request.fields.get<boolean>('exclude_cn_from_sans') ?? false;
  if (!exclude && commonName !== '') {
    if (isIP(commonName) !== 0) {
      if (!ips.includes(commonName)) ips.push(commonName);
    } else if (!dnsNames.includes(commonName)) {
      dnsNames.unshift(commonName);
    }
  }
  return { dnsNames, ips };
}

/** Decodes a PEM CSR field with Vault's messages. */
export function csrFrom(request: BackendRequest) {
  const pem = request.fields.get<string>('csr') ?? '';
  if (pem === '') throw new ArcaError('invalid_request', '"csr" is empty');
  const blocks = fromPem(pem, '(?:NEW )?CERTIFICATE REQUEST');
  const der = blocks[0];
  if (der === undefined) throw new ArcaError('invalid_request', 'csr contains no data');
  try {
    return parseCsr(der);
  } catch (err) {
    throw new ArcaError(
      'invalid_request',
      `certificate request could not be parsed: ${(err as Error).message}`,
    );
  }
}

function checkKeyType(role: PkiRole, key: KeyObject): void {
  if (role.key_type === 'any') return;
  if (key.asymmetricKeyType !== role.key_type) {
    throw new ArcaError('invalid_request', `role requires keys of type ${role.key_type}`);
  }
}

function leaseWarning(role: PkiRole, warnings: string[]): void {
  if (role.generate_lease) {
    warnings.push(
      'generate_lease is set on this role, but Arca does not yet attach leases to PKI certificates',
    );
  }
}

/** The issuing PathSpecs. */
export function issuePaths(clock: Clock): PathSpec[] {
  const issue = async (request: BackendRequest): Promise<LogicalResponse> => {
    const role = await requireRole(request, request.params.role ?? '');
    const commonName = request.fields.get<string>('common_name') ?? '';
    if (commonName === '')
      throw new ArcaError(
        'invalid_request',
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    const { dnsNames, ips } = namesFromRequest(request, commonName);
    checkNames(role, commonName, dnsNames, ips);
    const warnings: string[] = [];
    const ttlSeconds = resolveTtl(request.fields.get<number>('ttl'), role, warnings);
    leaseWarning(role, warnings);
    const ca = await requireCa(request.storage);
    const keyType = role.key_type === 'any' ? 'rsa' : role.key_type;
    const pair = generateKey(keyType, role.key_bits);
    const data = await signLeaf(request, clock, ca, {
      commonName,
      dnsNames,
      ips,
      publicKey: pair.publicKey,
      ttlSeconds,
      role,
    });
    const format = request.fields.get<string>('private_key_format') ?? 'der';
    return {
      data: { ...data, private_key: privateKeyPem(pair.privateKey, format), private_key_type: keyType },
      warnings: warnings.length > 0 ? warnings : undefined,
    };
  };
  const signCsr = async (request: BackendRequest, verbatim: boolean): Promise<LogicalResponse> => {
    const role = verbatim ? undefined : await requireRole(request, request.params.role ?? '');
    const csr = csrFrom(request);
    const commonName = csr.commonName || (request.fields.get<string>('common_name') ?? '');
    const fromRequest = namesFromRequest(request, commonName);
    const dnsNames = [...new Set([...fromRequest.dnsNames, ...csr.dnsNames])];
    const ips = [...new Set([...fromRequest.ips, ...csr.ipAddresses])];
    const warnings: string[] = [];
    if (role !== undefined) {
      checkNames(role, commonName, dnsNames, ips);
      checkKeyType(role, csr.publicKey);
      leaseWarning(role, warnings);
    }
    const ttlSeconds = resolveTtl(request.fields.get<number>('ttl'), role, warnings);
    const ca = await requireCa(request.storage);
    const data = await signLeaf(request, clock, ca, {
      commonName,
      dnsNames,
      ips,
      publicKey: csr.publicKey,
      ttlSeconds,
      role,
    });
    return { data, warnings: warnings.length > 0 ? warnings : undefined };
  };
  const roleName = '(?<role>\\w(?:[\\w.-]*\\w)?)';
  return [
    {
      pattern: `issue/${roleName}`,
      fields: issueFields,
      operations: { update: issue },
      help: 'Request a certificate using a certain role.',
    },
    {
      pattern: `sign/${roleName}`,
      fields: issueFields,
      operations: { update: (r) => signCsr(r, false) },
      help: 'Request certificates using a certain role with the provided details.',
    },
    {
      pattern: 'sign-verbatim(?:/(?<role>[\\w.-]+))?',
      fields: issueFields,
      operations: { update: (r) => signCsr(r, true) },
      help: 'Request a certificate signed verbatim from a CSR.',
    },
  ];
}
