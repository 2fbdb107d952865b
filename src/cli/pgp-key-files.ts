/**
 * The vault CLI's `-pgp-keys=file1,file2` / `-pgp-key=file` / `-root-token-pgp-key=file`: each
 * entry is a file holding a public key — binary, base64, or ASCII-armored — turned into the
 * base64 binary key the API takes (vault's `pgpkeys.ReadPGPFile`). `keybase:` entries are passed
 * through as given (the server refuses them with a clear 400).
 */
import { readFile } from 'node:fs/promises';
import { pgpKeyFileToBase64 } from '../lib/pgp.js';
import { CliError } from './context.js';

/** One key file entry → base64 key. Exit 1 with vault's wording when unreadable. */
export async function readPgpKeyFile(entry: string): Promise<string> {
  const name = entry.trim();
  if (name.startsWith('keybase:')) return name;
  const path = name.startsWith('@') ? name.slice(1) : name;
  let contents: Buffer;
  try {
    contents = await readFile(path);
  } catch (err) {
    throw new CliError(`Error reading PGP key file "${path}": ${(err as Error).message}`);
  }
  try {
    return await pgpKeyFileToBase64(contents);
  } catch (err) {
    throw new CliError(`Error parsing PGP key file "${path}": ${(err as Error).message}`);
  }
}

/** A comma-separated (or repeated) list of key files, in order. */
export async function readPgpKeyFiles(entries: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) out.push(await readPgpKeyFile(entry));
  return out;
}
