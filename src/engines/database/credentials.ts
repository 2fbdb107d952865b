/**
 * Generated credentials, as Vault's PostgreSQL plugin makes them. Usernames follow the default
 * template `v-<display name, 8>-<role, 8>-<random 20>-<unix seconds>` cut to PostgreSQL's 63-byte
 * identifier limit (the random part comes from the injected `Rng`: a username is not a secret and
 * tests replay it). Passwords follow Vault's default policy shape, `A1a-` + 16 base62 characters
 * (so every class a database policy may demand is present), from the OS CSPRNG: secrets never
 * come from a seeded generator. With `password_authentication=scram-sha-256` the statement gets a
 * SCRAM verifier instead of the password, so the plaintext never reaches the server.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { secureRandomBytes, type Rng } from '../../lib/rng.js';

const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1). */
export const usernameMaxLength = 63;

/** Characters a name part may keep; anything else becomes `_` (the name is quoted in SQL anyway). */
function namePart(text: string, max: number): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, max);
}

/** A dynamic user's name (Vault's default username template). */
export function generateUsername(displayName: string, roleName: string, rng: Rng, wallMs: number): string {
  let random = '';
  for (let i = 0; i < 20; i++) random += base62[rng.intBelow(62)];
  const name = `v-${namePart(displayName, 8)}-${namePart(roleName, 8)}-${random}-${Math.floor(wallMs / 1000)}`;
  return name.slice(0, usernameMaxLength);
}

/** `n` base62 characters from the CSPRNG (rejection sampling: uniform). */
function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of secureRandomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += base62[byte % 62];
    }
  }
  return out;
}

/** A new database password: 20 characters, `A1a-` + 16 base62 (Vault's default shape). */
export function generatePassword(): string {
  return `A1a-${randomBase62(16)}`;
}

/** Vault's `password_authentication` values. */
export type PasswordAuthentication = 'password' | 'scram-sha-256';

/** The value that goes into `{{password}}`: the password, or its SCRAM-SHA-256 verifier. */
export function passwordForStatement(password: string, auth: PasswordAuthentication): string {
  if (auth === 'password') return password;
  const iterations = 4096;
  const salt = secureRandomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  salted.fill(0);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
