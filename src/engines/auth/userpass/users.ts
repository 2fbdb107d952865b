/**
 * userpass users as stored (`user/<lower-cased name>`): the bcrypt hash and the tokenutil
 * settings. The hash never leaves this engine (reads show only token fields).
 */
import { decodeStoredJson, object, optional, str, type Shape } from '../../../lib/shape.js';
import type { StorageView } from '../../../logical/storage-view.js';
import { storedTokenParams, type TokenParams } from '../../../logical/tokenutil.js';

/** One user. */
export interface UserEntry {
  passwordHash: string;
  token: TokenParams;
}

const storedUser: Shape<{ passwordHash: string; token?: unknown }> = object({
  passwordHash: str,
  token: optional((value: unknown) => value),
});

/** Vault's `GenericNameRegex`: a word character, optionally word/`-`/`.` characters, ending in a word character. */
export const usernamePattern = '\\w(?:[\\w.-]*\\w)?';

/** Storage key of a user (names are case-insensitive, as in Vault). */
export function userKey(name: string): string {
  return `user/${name.toLowerCase()}`;
}

/** The user, or undefined when absent. */
export async function readUser(storage: StorageView, name: string): Promise<UserEntry | undefined> {
  const bytes = await storage.get(userKey(name));
  if (bytes === undefined) return undefined;
  const raw = decodeStoredJson(bytes, storedUser, 'userpass user');
  return { passwordHash: raw.passwordHash, token: storedTokenParams(raw.token) };
}

/** Writes the user. */
export async function writeUser(storage: StorageView, name: string, user: UserEntry): Promise<void> {
  await storage.put(userKey(name), Buffer.from(JSON.stringify(user), 'utf8'));
}
