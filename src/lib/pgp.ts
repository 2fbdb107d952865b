/**
 * OpenPGP for the key-holder ceremonies, as Vault's `helper/pgpkeys` does it: public keys arrive
 * as base64 of the binary (unarmored) key; each secret is encrypted to one key as a binary OpenPGP
 * message; fingerprints are the lowercase hex of the primary key's fingerprint. Built on the
 * `openpgp` package (OpenPGP.js, audited, maintained by Proton), so the messages decrypt with
 * GnuPG (`base64 -d | gpg --decrypt`).
 *
 * Keybase names (`keybase:user`) are refused: Arca never fetches keys from a third party.
 */
import type * as OpenPgp from 'openpgp';
import { decodeBase64Strict } from './bytes.js';
import { ArcaError } from './errors.js';

/** OpenPGP.js, loaded on first use (only the PGP ceremonies need it; startup does not pay for it). */
function loadOpenpgp(): Promise<typeof OpenPgp> {
  return import('openpgp');
}

/** A parsed public key and its fingerprint (lowercase hex, as Vault reports `pgp_fingerprints`). */
export interface PgpRecipient {
  key: OpenPgp.PublicKey;
  fingerprint: string;
}

/** Most PGP keys one request may carry (one per share; Vault's share limit). */
const publicKeyBytesMax = 64 * 1024;

/**
 * Parses one base64 binary public key. 400 with Vault's wording for undecodable base64 or an
 * unparsable key, and a clear 400 for `keybase:` names.
 */
export async function parsePgpPublicKey(base64Key: string): Promise<PgpRecipient> {
  const text = base64Key.trim();
  if (text.startsWith('keybase:')) {
    throw new ArcaError(
      'invalid_request',
      'keybase: PGP key names are not supported; give the base64-encoded binary public key instead',
    );
  }
  const bytes = decodeBase64Strict(text);
  if (bytes === undefined || bytes.length === 0) {
    throw new ArcaError('invalid_request', 'error decoding given PGP key: illegal base64 data');
  }
  if (bytes.length > publicKeyBytesMax) {
    throw new ArcaError('invalid_request', 'error parsing given PGP key: key is too large');
  }
  const openpgp = await loadOpenpgp();
  let key: OpenPgp.Key;
  try {
    key = await openpgp.readKey({ binaryKey: bytes });
  } catch (err) {
    throw new ArcaError('invalid_request', `error parsing given PGP key: ${reason(err)}`);
  }
  if (key.isPrivate()) {
    throw new ArcaError('invalid_request', 'error parsing given PGP key: a public key is expected');
  }
  const fingerprint = key.getFingerprint().toLowerCase();
  try {
    // Checked up front so init/rekey never fail half-way on a key that cannot encrypt.
    await key.getEncryptionKey();
  } catch (err) {
    throw new ArcaError('invalid_request', `PGP key ${fingerprint} cannot encrypt: ${reason(err)}`);
  }
  return { key: key, fingerprint };
}

/** Parses every key (order preserved); the first bad key's 400 is thrown. */
export async function parsePgpPublicKeys(base64Keys: readonly string[]): Promise<PgpRecipient[]> {
  const out: PgpRecipient[] = [];
  for (const k of base64Keys) out.push(await parsePgpPublicKey(k));
  return out;
}

/**
 * Encrypts `plaintext` to one recipient: the binary OpenPGP message. A key that cannot encrypt
 * (no encryption subkey, expired, revoked) is a client mistake: 400.
 */
export async function pgpEncrypt(plaintext: Uint8Array, recipient: PgpRecipient): Promise<Buffer> {
  const openpgp = await loadOpenpgp();
  try {
    const message = await openpgp.createMessage({ binary: Uint8Array.from(plaintext), format: 'binary' });
    const encrypted = await openpgp.encrypt({ message, encryptionKeys: recipient.key, format: 'binary' });
    return Buffer.from(encrypted);
  } catch (err) {
    throw new ArcaError(
      'invalid_request',
      `error encrypting to PGP key ${recipient.fingerprint}: ${reason(err)}`,
    );
  }
}

/**
 * Vault's `EncryptShares`: `inputs[i]` is encrypted to `recipients[i]`. Callers pass what Vault
 * encrypts: the HEX text of each unseal share, the root token's text.
 */
export async function pgpEncryptEach(
  inputs: readonly Uint8Array[],
  recipients: readonly PgpRecipient[],
): Promise<Buffer[]> {
  if (inputs.length !== recipients.length) {
    throw new ArcaError('invalid_request', 'mismatch between number items to encrypt and number of PGP keys');
  }
  const out: Buffer[] = [];
  for (let i = 0; i < inputs.length; i++) out.push(await pgpEncrypt(inputs[i], recipients[i]));
  return out;
}

/**
 * Reads a key file as the vault CLI does (`pgpkeys.ReadPGPFile`): an ASCII-armored key is
 * de-armored, text that is valid base64 is taken as is, anything else is binary and base64-encoded.
 * Returns the base64 binary key the API expects. Throws a plain Error for an unreadable key.
 */
export async function pgpKeyFileToBase64(contents: Uint8Array): Promise<string> {
  const text = Buffer.from(contents).toString('utf8').trim();
  if (text.startsWith('-----BEGIN PGP')) {
    const openpgp = await loadOpenpgp();
    const keys = await openpgp.readKeys({ armoredKeys: text });
    if (keys.length !== 1) throw new Error('more than one key found in file');
    if (keys[0].isPrivate()) throw new Error('the file holds a private key; give the public key');
    // The armor's own bytes (not a re-serialisation), so the key reaches the server unchanged.
    const { data } = await openpgp.unarmor(text);
    return Buffer.from(data as Uint8Array).toString('base64');
  }
  if (decodeBase64Strict(text.replace(/\s+/g, '')) !== undefined) return text.replace(/\s+/g, '');
  return Buffer.from(contents).toString('base64');
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
