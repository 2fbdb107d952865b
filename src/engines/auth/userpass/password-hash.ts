/**
 * userpass password hashing: bcrypt at Vault's cost (`bcrypt.DefaultCost` = 10), through
 * `bcryptjs` (pure JavaScript, no native build), so hashes are interchangeable with Vault's
 * (`password_hash` imports a Vault/htpasswd bcrypt hash as is). An unknown user is checked against
 * a real dummy hash of the same cost, so a failed login takes the same time whether or not the
 * user exists (Vault compares against an invalid hash, which returns early; this does not).
 */
import { randomBytes } from 'node:crypto';

/** bcryptjs, loaded on the first hash or comparison (startup does not pay for it). */
async function bcrypt(): Promise<typeof import('bcryptjs').default> {
  return (await import('bcryptjs')).default;
}

/** Vault's bcrypt cost (Go's `bcrypt.DefaultCost`). */
export const bcryptCost = 10;

/** A bcrypt hash: `$2a$`/`$2b$`/`$2y$`, two-digit cost, 53 characters of salt and digest. */
const bcryptHashPattern = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Hashes a password with a fresh salt at `bcryptCost`. */
export async function hashPassword(password: string): Promise<string> {
  return (await bcrypt()).hash(password, bcryptCost);
}

/** Whether `hash` is a bcrypt hash of a cost Vault would accept (4..31). */
export function isBcryptHash(hash: string): boolean {
  const match = bcryptHashPattern.exec(hash);
  if (match === null) return false;
  const cost = Number(match[1]);
  return cost >= 4 && cost <= 31;
}

/** Compares in bcrypt's constant time for the hash's cost. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return (await bcrypt()).compare(password, hash);
}

/**
 * A hash of 32 random bytes, made once per mount: what an unknown user's password is compared
 * with, so the miss costs one full bcrypt comparison like a hit.
 */
export function dummyHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64'));
}
