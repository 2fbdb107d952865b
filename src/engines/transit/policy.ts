/**
 * A named transit key ("policy" in Vault's keysutil): its settings and every retained version.
 * Stored as JSON under `policy/<name>` in the mount's view, which is behind the barrier, so key
 * material is never plaintext on disk. Versions start at 1; `min_available_version` marks trimmed
 * versions (0 = none trimmed).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { StorageView } from '../../logical/storage-view.js';
import { cachedKeyPair } from './key-cache.js';
import { keyTypes, type TransitKeyType } from './key-types.js';

/** One key version. Binary fields are base64; asymmetric private keys are PKCS#8 DER (base64). */
export interface KeyVersion {
  /** AEAD key, HMAC-type key, or the 64-byte ed25519 private key (seed ‖ public), as Vault keeps it. */
  key?: string;
  /** The per-version HMAC key (every type but `hmac`, whose `key` is the HMAC key). */
  hmac_key?: string;
  /** PKCS#8 DER of an ECDSA or RSA private key. */
  private_der?: string;
  /** Vault's formatted public key: base64 raw for ed25519, PEM (PKIX) for ECDSA and RSA. */
  public_key?: string;
  /** RFC 3339 creation time. */
  time: string;
  /** Convergent nonce scheme of this version (3 for keys created here). */
  convergent_version?: number;
}

/** The stored policy. Field names follow Vault's read response. */
export interface KeyPolicy {
  name: string;
  type: TransitKeyType;
  derived: boolean;
  /** 0 = NIST SP 800-108 HMAC-SHA256 counter mode (old Vault), 1 = HKDF-SHA256 (Vault's current). */
  kdf: 0 | 1;
  convergent_encryption: boolean;
  exportable: boolean;
  allow_plaintext_backup: boolean;
  deletion_allowed: boolean;
  min_decryption_version: number;
  min_encryption_version: number;
  min_available_version: number;
  latest_version: number;
  auto_rotate_period_seconds: number;
  /** HMAC key size in bytes (`hmac` type only). */
  key_size?: number;
  keys: Record<string, KeyVersion>;
  backup_info?: { time: string; version: number };
  restore_info?: { time: string; version: number };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The storage key of a policy. */
export function policyKey(name: string): string {
  return `policy/${name}`;
}

/** Loads a policy, or undefined when absent; a stored entry that is not JSON is an integrity failure. */
export async function loadPolicy(storage: StorageView, name: string): Promise<KeyPolicy | undefined> {
  const raw = await storage.get(policyKey(name));
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(raw));
  } catch {
    throw new ArcaError('integrity_failure', 'stored transit key is not valid JSON');
  }
  if (!isKeyPolicy(parsed))
    throw new ArcaError('integrity_failure', 'stored transit key has an unexpected shape');
  return parsed;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/** Whether `v` has the shape of a stored (or restored) policy: checked before any use. */
export function isKeyPolicy(v: unknown): v is KeyPolicy {
  if (
    !isRecord(v) ||
    typeof v.name !== 'string' ||
    typeof v.type !== 'string' ||
    !Object.hasOwn(keyTypes, v.type)
  )
    return false;
  const bools = [
    'derived',
    'convergent_encryption',
    'exportable',
    'allow_plaintext_backup',
    'deletion_allowed',
  ];
  const ints = [
    'min_decryption_version',
    'min_encryption_version',
    'min_available_version',
    'latest_version',
    'auto_rotate_period_seconds',
  ];
  if (!bools.every((k) => typeof v[k] === 'boolean')) return false;
  if (!ints.every((k) => Number.isSafeInteger(v[k]) && (v[k] as number) >= 0)) return false;
  if (v.kdf !== 0 && v.kdf !== 1) return false;
  if (!isRecord(v.keys)) return false;
  return Object.entries(v.keys).every(
    ([version, e]) =>
      /^[1-9]\d*$/.test(version) &&
      isRecord(e) &&
      typeof e.time === 'string' &&
      optionalString(e.key) &&
      optionalString(e.hmac_key) &&
      optionalString(e.private_der) &&
      optionalString(e.public_key),
  );
}

/** Loads a policy or throws Vault's 400 `encryption key not found`. */
export async function requirePolicy(storage: StorageView, name: string): Promise<KeyPolicy> {
  const policy = await loadPolicy(storage, name);
  if (policy === undefined) throw new ArcaError('invalid_request', 'encryption key not found');
  return policy;
}

/** Writes a policy (one put: a policy and its versions change atomically). */
export async function savePolicy(storage: StorageView, policy: KeyPolicy): Promise<void> {
  await storage.put(policyKey(policy.name), encoder.encode(JSON.stringify(policy)));
}

/** Settings chosen when a key is created. */
export interface NewPolicyOptions {
  name: string;
  type: TransitKeyType;
  derived: boolean;
  convergent: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  autoRotatePeriodSeconds: number;
  keySizeBytes?: number;
}

/** A new policy with version 1 generated (Vault: derived keys use HKDF, convergent version 3). */
export function newPolicy(options: NewPolicyOptions, nowMs: number): KeyPolicy {
  const policy: KeyPolicy = {
    name: options.name,
    type: options.type,
    derived: options.derived,
    kdf: 1,
    convergent_encryption: options.convergent,
    exportable: options.exportable,
    allow_plaintext_backup: options.allowPlaintextBackup,
    deletion_allowed: false,
    min_decryption_version: 1,
    min_encryption_version: 0,
    min_available_version: 0,
    latest_version: 0,
    auto_rotate_period_seconds: options.autoRotatePeriodSeconds,
    keys: {},
  };
  if (options.type === 'hmac') policy.key_size = options.keySizeBytes ?? 32;
  rotateInMemory(policy, nowMs);
  return policy;
}

const pemPublic = (der: Buffer): string =>
  createPublicKey({ key: der, format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'pem',
  }) as string;

/** Generates the material of one new version of `type`. */
export function generateVersion(policy: KeyPolicy, nowMs: number): KeyVersion {
  const type = policy.type;
  const info = keyTypes[type];
  const version: KeyVersion = { time: new Date(nowMs).toISOString() };
  if (type !== 'hmac') version.hmac_key = secureRandomBytes(32).toString('base64');
  if (info.aeadKeyBytes !== undefined) {
    version.key = secureRandomBytes(info.aeadKeyBytes).toString('base64');
  } else if (type === 'hmac') {
    version.key = secureRandomBytes(policy.key_size ?? 32).toString('base64');
  } else if (type === 'ed25519') {
    const pair = generateKeyPairSync('ed25519');
    const seed = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
    const pub = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    version.key = Buffer.concat([seed, pub]).toString('base64');
    version.public_key = pub.toString('base64');
    seed.fill(0);
  } else {
    const pair =
      info.curve !== undefined
        ? generateKeyPairSync('ec', { namedCurve: info.curve.name })
        : generateKeyPairSync('rsa', { modulusLength: info.rsaBits ?? 2048 });
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    version.private_der = der.toString('base64');
    version.public_key = pemPublic(pair.publicKey.export({ format: 'der', type: 'spki' }));
    der.fill(0);
  }
  if (policy.convergent_encryption) version.convergent_version = 3;
  return version;
}

/** Adds a new latest version (Vault's RotateInMemory). */
export function rotateInMemory(policy: KeyPolicy, nowMs: number): void {
  const version = generateVersion(policy, nowMs);
  policy.latest_version += 1;
  policy.keys[String(policy.latest_version)] = version;
  if (policy.min_decryption_version === 0) policy.min_decryption_version = 1;
}

/** The entry of `version`, or Vault's 400 `no such key version` (trimmed or never existed). */
export function keyVersion(policy: KeyPolicy, version: number): KeyVersion {
  const entry = Object.hasOwn(policy.keys, String(version)) ? policy.keys[String(version)] : undefined;
  if (entry === undefined) throw new ArcaError('invalid_request', 'no such key version');
  return entry;
}

/** The node:crypto private key object of an asymmetric version (ed25519 from its seed). */
export function privateKeyOf(policy: KeyPolicy, entry: KeyVersion): KeyObject {
  return keyPairOf(policy, entry).privateKey;
}

/** The (cached) private and public key objects of an asymmetric version. */
export function keyPairOf(
  policy: KeyPolicy,
  entry: KeyVersion,
): { privateKey: KeyObject; publicKey: KeyObject } {
  if (policy.type === 'ed25519') {
    return cachedKeyPair('ed25519', entry.key ?? '', () => {
      const raw = Buffer.from(entry.key ?? '', 'base64');
      const key = ed25519PrivateKey(raw.subarray(0, 32));
      raw.fill(0);
      return key;
    });
  }
  return cachedKeyPair('pkcs8', entry.private_der ?? '', () =>
    createPrivateKey({ key: Buffer.from(entry.private_der ?? '', 'base64'), format: 'der', type: 'pkcs8' }),
  );
}

const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An ed25519 private key object from its 32-byte seed (the caller zeroizes the seed). */
export function ed25519PrivateKey(seed: Buffer) {
  const der = Buffer.concat([ed25519Pkcs8Prefix, seed]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return key;
}

/** Whether the policy is due for automatic rotation at `nowMs`. */
export function rotationDue(policy: KeyPolicy, nowMs: number): boolean {
  if (policy.auto_rotate_period_seconds <= 0) return false;
  const latest = policy.keys[String(policy.latest_version)];
  if (latest === undefined) return false;
  return nowMs - Date.parse(latest.time) >= policy.auto_rotate_period_seconds * 1000;
}
