/**
 * X.509 v3 certificates, v2 CRLs and PKCS#10 CSR parsing for the PKI engine. Structures are built
 * with ./der.ts and signed with node:crypto (RSA PKCS#1 v1.5 or ECDSA, hash chosen by key size as
 * Vault does), so OpenSSL, Node's tls and browsers accept them.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bits,
  bool,
  childrenOf,
  contentOf,
  explicit,
  fromDer,
  implicitBytes,
  implicitSeq,
  nul,
  octets,
  oid,
  oidOf,
  seq,
  set,
  smallInt,
  time,
  toDer,
  uint,
  utf8,
  type Asn1,
} from './der.js';

/** What goes into one certificate. */
export interface CertificateSpec {
  serial: Buffer;
  subjectCommonName: string;
  /** Issuer's subject DER (self for a root). */
  issuerNameDer?: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: KeyObject;
  issuerKey: KeyObject;
  /** Issuer's public key for the authority key id (self for a root). */
  issuerPublicKey: KeyObject;
  isCa: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  issuingCertificateUrls?: string[];
  crlDistributionPoints?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** For a CA: the path length constraint (undefined = none). */
  maxPathLength?: number;
}

const oids = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  crlNumber: '2.5.29.20',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
};

/** A Name with one CN. */
export function nameDer(commonName: string): Buffer {
  return toDer(seq(set(seq(oid(oids.commonName), utf8(commonName)))));
}

function signatureAlgorithm(key: KeyObject): { node: Asn1; hash: string } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return { node: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
    if (curve === 'secp521r1') return { node: seq(oid('1.2.840.10045.4.3.4')), hash: 'sha512' };
    return { node: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
  }
  return { node: seq(oid('1.2.840.113549.1.1.11'), nul()), hash: 'sha256' };
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1), as Go and Vault compute it. */
export function keyId(publicKey: KeyObject): Buffer {
  const spki = fromDer(publicKey.export({ format: 'der', type: 'spki' }));
  const bitString = contentOf(childrenOf(spki)[1] ?? spki).subarray(1);
  return createHash('sha1').update(bitString).digest();
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  return critical ? seq(oid(id), bool(true), octets(toDer(value))) : seq(oid(id), octets(toDer(value)));
}

function keyUsageDer(isCa: boolean): Buffer {
  // BIT STRING, DER: bit 0 digitalSignature, 2 keyEncipherment, 4 keyAgreement, 5 keyCertSign, 6 cRLSign.
  // CA: digitalSignature|keyCertSign|cRLSign; leaf: Vault's default DigitalSignature|KeyAgreement|KeyEncipherment.
  return isCa ? Buffer.from([0x03, 0x02, 0x01, 0x86]) : Buffer.from([0x03, 0x02, 0x03, 0xa8]);
}

function generalNames(dnsNames: string[], ips: string[]): Asn1 {
  const names: Asn1[] = dnsNames.map((name) => implicitBytes(2, Buffer.from(name, 'ascii')));
  for (const ip of ips) names.push(implicitBytes(7, ipBytes(ip)));
  return seq(...names);
}

/** The 4 or 16 bytes of an IP address literal. */
export function ipBytes(literal: string): Buffer {
  let ip = literal;
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const embedded = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (embedded !== null) {
    const v4 = Buffer.from((embedded[2] ?? '').split('.').map(Number));
    ip = `${embedded[1] ?? ''}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head = '', tail = ''] = ip.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = ip.includes('::') ? parse(tail) : [];
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Builds and signs a certificate; returns its DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  const sigAlg = signatureAlgorithm(spec.issuerKey);
  const subject = nameDer(spec.subjectCommonName);
  const issuer = spec.issuerNameDer ?? subject;
  const extensions: Asn1[] = [];
  const constraints: Asn1[] = spec.isCa ? [bool(true)] : [];
  if (spec.isCa && spec.maxPathLength !== undefined && spec.maxPathLength >= 0)
    constraints.push(smallInt(spec.maxPathLength));
  extensions.push(extension(oids.basicConstraints, true, seq(...constraints)));
  extensions.push(extension(oids.keyUsage, true, fromDer(keyUsageDer(spec.isCa))));
  if (!spec.isCa) {
    const usages: Asn1[] = [];
    if (spec.serverAuth !== false) usages.push(oid(oids.serverAuth));
    if (spec.clientAuth !== false) usages.push(oid(oids.clientAuth));
    if (usages.length > 0) extensions.push(extension(oids.extKeyUsage, false, seq(...usages)));
  }
  extensions.push(extension(oids.subjectKeyId, false, octets(keyId(spec.subjectPublicKey))));
  extensions.push(extension(oids.authorityKeyId, false, seq(implicitBytes(0, keyId(spec.issuerPublicKey)))));
  if (spec.issuingCertificateUrls && spec.issuingCertificateUrls.length > 0) {
    const access = spec.issuingCertificateUrls.map((url) =>
      seq(oid(oids.caIssuers), implicitBytes(6, Buffer.from(url))),
    );
    extensions.push(extension(oids.authorityInfoAccess, false, seq(...access)));
  }
  if (spec.crlDistributionPoints && spec.crlDistributionPoints.length > 0) {
    const points = spec.crlDistributionPoints.map((url) =>
      seq(implicitSeq(0, [implicitSeq(0, [implicitBytes(6, Buffer.from(url))])])),
    );
    extensions.push(extension(oids.crlDistributionPoints, false, seq(...points)));
  }
  if (spec.dnsNames.length > 0 || spec.ipAddresses.length > 0) {
    extensions.push(extension(oids.subjectAltName, false, generalNames(spec.dnsNames, spec.ipAddresses)));
  }
  const spki = fromDer(spec.subjectPublicKey.export({ format: 'der', type: 'spki' }));
  const tbs = seq(
    explicit(0, smallInt(2)),
    uint(spec.serial),
    sigAlg.node,
    fromDer(issuer),
    seq(time(spec.notBefore), time(spec.notAfter)),
    fromDer(subject),
    spki,
    explicit(3, seq(...extensions)),
  );
  const tbsDer = toDer(tbs);
  const signature = sign(sigAlg.hash, tbsDer, spec.issuerKey);
  return toDer(seq(fromDer(tbsDer), sigAlg.node, bits(signature)));
}

/** One revoked certificate in a CRL. */
export interface RevokedEntry {
  serial: Buffer;
  revokedAt: Date;
}

/** Builds and signs a v2 CRL; returns its DER. */
export function buildCrl(input: {
  issuerNameDer: Buffer;
  issuerKey: KeyObject;
  issuerPublicKey: KeyObject;
  thisUpdate: Date;
  nextUpdate: Date;
  number: number;
  revoked: RevokedEntry[];
}): Buffer {
  const sigAlg = signatureAlgorithm(input.issuerKey);
  const items: Asn1[] = [
    smallInt(1),
    sigAlg.node,
    fromDer(input.issuerNameDer),
    time(input.thisUpdate),
    time(input.nextUpdate),
  ];
  if (input.revoked.length > 0)
    items.push(seq(...input.revoked.map((r) => seq(uint(r.serial), time(r.revokedAt)))));
  items.push(
    explicit(
      0,
      seq(
        extension(oids.authorityKeyId, false, seq(implicitBytes(0, keyId(input.issuerPublicKey)))),
        extension(oids.crlNumber, false, smallInt(input.number)),
      ),
    ),
  );
  const tbsDer = toDer(seq(...items));
  return toDer(seq(fromDer(tbsDer), sigAlg.node, bits(sign(sigAlg.hash, tbsDer, input.issuerKey))));
}

/** What a CSR carries. */
export interface ParsedCsr {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  publicKey: KeyObject;
}

function commonNameOf(name: Asn1 | undefined): string {
  for (const rdn of childrenOf(name)) {
    for (const attribute of childrenOf(rdn)) {
      const [type, value] = childrenOf(attribute);
      if (oidOf(type) === oids.commonName && value !== undefined) return forgeDecode(contentOf(value));
    }
  }
  return '';
}

const forgeDecode = (bytes: Buffer): string => bytes.toString('utf8');

/** Parses and verifies a PKCS#10 CSR (DER); throws on malformed input or a bad self-signature. */
export function parseCsr(der: Buffer): ParsedCsr {
  const root = fromDer(der);
  const [info, algorithm, signature] = childrenOf(root);
  if (info === undefined || algorithm === undefined || signature === undefined) throw new Error('not a CSR');
  const [, subject, spki, attributes] = childrenOf(info);
  if (spki === undefined) throw new Error('not a CSR');
  const publicKey = createPublicKey({ key: toDer(spki), format: 'der', type: 'spki' });
  const algOid = oidOf(childrenOf(algorithm)[0]);
  const hash = {
    '1.2.840.113549.1.1.11': 'sha256',
    '1.2.840.113549.1.1.12': 'sha384',
    '1.2.840.113549.1.1.13': 'sha512',
    '1.2.840.10045.4.3.2': 'sha256',
    '1.2.840.10045.4.3.3': 'sha384',
    '1.2.840.10045.4.3.4': 'sha512',
    '1.2.840.113549.1.1.5': 'sha1',
  }[algOid];
  if (hash === undefined) throw new Error('unsupported CSR signature algorithm');
  if (!verify(hash, toDer(info), publicKey, contentOf(signature).subarray(1)))
    throw new Error('CSR signature did not verify');
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const attribute of childrenOf(attributes)) {
    const [type, values] = childrenOf(attribute);
    if (oidOf(type) !== oids.extensionRequest) continue;
    for (const ext of childrenOf(childrenOf(values)[0])) {
      const parts = childrenOf(ext);
      if (oidOf(parts[0]) !== oids.subjectAltName) continue;
      const valueNode = parts[parts.length - 1];
      if (valueNode === undefined) continue;
      for (const general of childrenOf(fromDer(contentOf(valueNode)))) {
        const bytes = contentOf(general);
        if (Number(general.type) === 2) dnsNames.push(bytes.toString('ascii'));
        if (Number(general.type) === 7 && bytes.length === 4) ipAddresses.push([...bytes].join('.'));
      }
    }
  }
  return { commonName: commonNameOf(subject), dnsNames, ipAddresses, publicKey };
}

/** PEM armour. */
export function toPem(label: string, der: Buffer): string {
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

/** The DER blocks of every `label` PEM block in `text`. */
export function fromPem(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

/** Builds and signs a PKCS#10 CSR for `commonName` with `key` (for intermediate/generate). */
export function buildCsr(commonName: string, privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const sigAlg = signatureAlgorithm(privateKey);
  const info = seq(
    smallInt(0),
    fromDer(nameDer(commonName)),
    fromDer(publicKey.export({ format: 'der', type: 'spki' })),
    implicitSeq(0, []),
  );
  const infoDer = toDer(info);
  return toDer(seq(fromDer(infoDer), sigAlg.node, bits(sign(sigAlg.hash, infoDer, privateKey))));
}
