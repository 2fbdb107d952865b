/**
 * The PKI engine's storage (all in the mount's barrier-encrypted view): the CA bundle
 * (`ca/bundle`), a pending intermediate key (`ca/pending`), roles (`role/<name>`), issued
 * certificates (`certs/<serial-with-hyphens>`), the CRL number and `config/urls`.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { CaBundle } from './types.js';

import { isCaBundle } from './shapes.js';
export type { CaBundle, CertRecord, UrlConfig } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a JSON entry and checks its shape; an entry that is not JSON or not of the shape is an integrity failure. */
export async function readJson<T>(
  storage: StorageView,
  key: string,
  isShape: (v: unknown) => v is T,
): Promise<T | undefined> {
  const raw = await storage.get(key);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(raw));
  } catch {
    throw new ArcaError('integrity_failure', `stored pki entry ${key} is not valid JSON`);
  }
  if (!isShape(parsed))
    throw new ArcaError('integrity_failure', `stored pki entry ${key} has an unexpected shape`);
  return parsed;
}

/** Writes a JSON entry. */
export async function writeJson(storage: StorageView, key: string, value: unknown): Promise<void> {
  await storage.put(key, encoder.encode(JSON.stringify(value)));
}

/** Loads the CA or throws Vault's 400 when the mount has none yet. */
export async function requireCa(storage: StorageView): Promise<CaBundle> {
  const ca = await readJson(storage, 'ca/bundle', isCaBundle);
  if (ca === undefined) throw new ArcaError('invalid_request', 'no default issuer currently configured');
  return ca;
}

/** The CA's private key object. */
export function caKey(ca: CaBundle): KeyObject {
  return createPrivateKey({ key: Buffer.from(ca.private_key_der, 'base64'), format: 'der', type: 'pkcs8' });
}

/** Vault's serial format: lower-case hex byte pairs joined by ':'. */
export function formatSerial(serial: Buffer): string {
  return [...serial].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Storage key of a certificate (Vault stores serials with '-'). */
export function certKey(serial: string): string {
  return `certs/${serial.toLowerCase().replace(/:/g, '-')}`;
}

/** 20 random bytes, positive and minimal in DER (first byte 0x01..0x7f). */
export function newSerial(): Buffer {
  const serial = secureRandomBytes(20);
  serial[0] = ((serial[0] ?? 1) & 0x7f) | 0x01;
  return serial;
}

/** A node:crypto key pair for `key_type` (rsa | ec) and `key_bits`, with Vault's defaults and messages. */
export function generateKey(keyType: string, keyBits: number) {
  if (keyType === 'rsa') {
    const modulusLength = keyBits === 0 ? 2048 : keyBits;
    if (![2048, 3072, 4096, 8192].includes(modulusLength)) {
      throw new ArcaError('invalid_request', `unsupported bit length for RSA key: ${modulusLength}`);
    }
    return { ...generateKeyPairSync('rsa', { modulusLength }), keyType };
  }
  if (keyType === 'ec') {
    const curve = { 0: 'P-256', 224: 'P-224', 256: 'P-256', 384: 'P-384', 521: 'P-521' }[keyBits];
    if (curve === undefined)
      throw new ArcaError('invalid_request', `unsupported bit length for EC key: ${keyBits}`);
    return { ...generateKeyPairSync('ec', { namedCurve: curve }), keyType };
  }
  throw new ArcaError('invalid_request', `unknown key type: ${keyType}`);
}

/** The private key in Vault's default PEM form (PKCS#1 for RSA, SEC1 for EC) or PKCS#8 when asked. */
export function privateKeyPem(key: KeyObject, format: string): string {
  if (format === 'pkcs8') return String(key.export({ format: 'pem', type: 'pkcs8' })).trimEnd();
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return String(key.export({ format: 'pem', type })).trimEnd();
}
