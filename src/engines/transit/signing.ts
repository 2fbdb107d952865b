/**
 * HMAC, sign and verify with Vault's output format `vault:v<N>:<base64>`: ed25519 signs the input
 * itself (derived keys: seed = HKDF(key, context)), ECDSA over the hash with ASN.1 DER (default) or
 * JWS r‖s marshaling, RSA with PSS (default; salt length `auto` = maximum when signing, detected
 * when verifying) or PKCS#1 v1.5.
 */
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  privateEncrypt,
  publicDecrypt,
  sign,
  verify,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { decodeBase64Strict, parseVersioned, versionPrefix, zeroize } from './codec.js';
import { deriveKey } from './kdf.js';
import { hashAlgorithms, keyTypes } from './key-types.js';
import { ed25519PrivateKey, keyPairOf, keyVersion, type KeyPolicy } from './policy.js';
import { decryptionVersion } from './symmetric.js';

/** Options of sign/verify. */
export interface SignOptions {
  hashAlgorithm: string;
  prehashed: boolean;
  signatureAlgorithm: string;
  marshaling: string;
  saltLength: string;
  context?: Buffer;
}

/** Node's digest name for a Vault hash name, or Vault's 400. */
export function digestName(algorithm: string): string {
  const name = Object.hasOwn(hashAlgorithms, algorithm) ? hashAlgorithms[algorithm] : undefined;
  if (name === undefined) throw new ArcaError('invalid_request', `unsupported hash algorithm ${algorithm}`);
  return name;
}

/** The HMAC key of a version (the key itself for `hmac` keys). The caller zeroizes it. */
function hmacKeyOf(policy: KeyPolicy, version: number): Buffer {
  const entry = keyVersion(policy, version);
  const encoded = policy.type === 'hmac' ? entry.key : entry.hmac_key;
  if (encoded === undefined)
    throw new ArcaError('invalid_request', 'no HMAC key exists for that key version');
  return Buffer.from(encoded, 'base64');
}

/** HMAC of `input` with version `version`, as `vault:v<N>:<base64>`. */
export function hmacValue(policy: KeyPolicy, version: number, algorithm: string, input: Buffer): string {
  const key = hmacKeyOf(policy, version);
  try {
    return versionPrefix(version) + createHmac(digestName(algorithm), key).update(input).digest('base64');
  } finally {
    zeroize(key);
  }
}

/** Constant-time check of a `vault:v<N>:` HMAC. */
export function verifyHmac(policy: KeyPolicy, algorithm: string, input: Buffer, value: string): boolean {
  const parsed = parseVersioned(value, 'hmac');
  const version = decryptionVersion(policy, parsed.version, 'hmac');
  const expected = Buffer.from(hmacValue(policy, version, algorithm, input));
  const given = Buffer.from(value);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function signingKey(
  policy: KeyPolicy,
  version: number,
  context: Buffer | undefined,
): { key: KeyObject; publicKeyObject: KeyObject; publicKey?: Buffer } {
  const entry = keyVersion(policy, version);
  if (policy.type === 'ed25519' && policy.derived) {
    const raw = Buffer.from(entry.key ?? '', 'base64');
    const seed = deriveKey(policy.kdf, raw, context ?? Buffer.alloc(0), 32);
    zeroize(raw);
    const key = ed25519PrivateKey(seed.subarray(0, 32));
    zeroize(seed);
    const publicKeyObject = createPublicKey(key);
    const publicKey = publicKeyObject.export({ format: 'der', type: 'spki' }).subarray(-32);
    return { key, publicKeyObject, publicKey };
  }
  const pair = keyPairOf(policy, entry);
  return { key: pair.privateKey, publicKeyObject: pair.publicKey };
}

function checkSignOptions(policy: KeyPolicy, options: SignOptions): void {
  if (!keyTypes[policy.type].signing) {
    throw new ArcaError('invalid_request', `key type ${policy.type} does not support signing`);
  }
  if (options.marshaling !== 'asn1' && options.marshaling !== 'jws') {
    throw new ArcaError('invalid_request', `invalid marshaling type ${options.marshaling}`);
  }
  if (options.marshaling === 'jws' && !policy.type.startsWith('ecdsa-')) {
    throw new ArcaError('invalid_request', 'marshaling type "jws" is only valid for ECDSA keys');
  }
  if (
    policy.type.startsWith('rsa-') &&
    options.signatureAlgorithm !== 'pss' &&
    options.signatureAlgorithm !== 'pkcs1v15'
  ) {
    throw new ArcaError(
      'invalid_request',
      `unsupported rsa signature algorithm ${options.signatureAlgorithm}`,
    );
  }
  if (
    options.prehashed &&
    policy.type !== 'ed25519' &&
    !(policy.type.startsWith('rsa-') && options.signatureAlgorithm === 'pkcs1v15')
  ) {
    throw new ArcaError(
      'invalid_request',
      'prehashed input is supported here only for RSA keys with pkcs1v15 signatures',
    );
  }
  if (options.prehashed && policy.type === 'ed25519') {
    throw new ArcaError('invalid_request', 'prehashed input is not supported for ed25519 keys');
  }
  digestName(options.hashAlgorithm);
}

function rsaPadding(options: SignOptions, signing: boolean) {
  if (options.signatureAlgorithm === 'pkcs1v15') return { padding: constants.RSA_PKCS1_PADDING };
  let saltLength: number;
  if (options.saltLength === 'auto')
    saltLength = signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO;
  else if (options.saltLength === 'hash') saltLength = constants.RSA_PSS_SALTLEN_DIGEST;
  else if (/^\d{1,5}$/.test(options.saltLength)) saltLength = Number(options.saltLength);
  else throw new ArcaError('invalid_request', `salt length must be "auto", "hash" or a non-negative integer`);
  return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
}

const digestInfoPrefix: Record<string, string> = {
  sha1: '3021300906052b0e03021a05000414',
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** Signs `input` with version `version`; returns the signature string (and the derived public key). */
export function signValue(policy: KeyPolicy, version: number, input: Buffer, options: SignOptions) {
  checkSignOptions(policy, options);
  const { key, publicKey } = signingKey(policy, version, options.context);
  let signature: Buffer;
  if (policy.type === 'ed25519') {
    signature = sign(null, input, key);
  } else if (policy.type.startsWith('ecdsa-')) {
    signature = sign(digestName(options.hashAlgorithm), input, {
      key,
      dsaEncoding: options.marshaling === 'jws' ? 'ieee-p1363' : 'der',
    });
  } else if (options.prehashed) {
    signature = signPrehashedPkcs1(key, digestName(options.hashAlgorithm), input);
  } else {
    try {
      signature = sign(digestName(options.hashAlgorithm), input, { key, ...rsaPadding(options, true) });
    } catch {
      throw new ArcaError('invalid_request', `requested salt length ${options.saltLength} is invalid`);
    }
  }
  const encoded =
    options.marshaling === 'jws' ? signature.toString('base64url') : signature.toString('base64');
  return { signature: versionPrefix(version) + encoded, publicKey };
}

function signPrehashedPkcs1(key: KeyObject, digest: string, hashed: Buffer): Buffer {
  const prefix = digestInfoPrefix[digest];
  if (prefix === undefined)
    throw new ArcaError('invalid_request', `unsupported hash algorithm for prehashed input`);
  if (hashed.length !== createHash(digest).digest().length) {
    throw new ArcaError('invalid_request', 'prehashed input has the wrong length for the hash algorithm');
  }
  return privateEncrypt(
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([Buffer.from(prefix, 'hex'), hashed]),
  );
}

/** Verifies a `vault:v<N>:` signature; a malformed one is a 400, a wrong one is `false`. */
export function verifyValue(policy: KeyPolicy, input: Buffer, value: string, options: SignOptions): boolean {
  checkSignOptions(policy, options);
  const parsed = parseVersioned(value, 'signature');
  const version = decryptionVersion(policy, parsed.version, 'signature');
  const bytes =
    options.marshaling === 'jws'
      ? /^[A-Za-z0-9_-]*$/.test(parsed.payload)
        ? Buffer.from(parsed.payload, 'base64url')
        : undefined
      : decodeBase64Strict(parsed.payload);
  if (bytes === undefined) throw new ArcaError('invalid_request', 'invalid base64 signature value');
  const { publicKeyObject: publicKey } = signingKey(policy, version, options.context);
  try {
    if (policy.type === 'ed25519') return verify(null, input, publicKey, bytes);
    if (policy.type.startsWith('ecdsa-')) {
      return verify(
        digestName(options.hashAlgorithm),
        input,
        {
          key: publicKey,
          dsaEncoding: options.marshaling === 'jws' ? 'ieee-p1363' : 'der',
        },
        bytes,
      );
    }
    if (options.prehashed) {
      const prefix = Buffer.from(digestInfoPrefix[digestName(options.hashAlgorithm)] ?? '', 'hex');
      const expected = Buffer.concat([prefix, input]);
      const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, bytes);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    return verify(
      digestName(options.hashAlgorithm),
      input,
      { key: publicKey, ...rsaPadding(options, false) },
      bytes,
    );
  } catch {
    return false;
  }
}
