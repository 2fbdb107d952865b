/**
 * The rekey backup (`backup: true`): the PGP-encrypted new shares, kept so a key holder who lost
 * their copy can ask an operator with a sudo token (`GET sys/rekey/backup`). Vault keeps it in
 * plaintext storage at `core/unseal-keys-backup`; Arca keeps it BEHIND the barrier (encrypted at
 * rest, replicated with Raft storage like any barrier write). Shape as Vault: the rekey nonce and,
 * per PGP fingerprint, the hex of each encrypted share.
 */
import { ArcaError } from '../../lib/errors.js';
import type { PhysicalBackend } from '../../storage/physical/physical.js';

/** Barrier path of the backup. */
export const rekeyBackupKey = 'core/unseal-keys-backup';

/** What `sys/rekey/backup` returns (before base64 rendering). */
export interface RekeyBackup {
  nonce: string;
  /** fingerprint → hex of each PGP-encrypted share for that key. */
  keys: Record<string, string[]>;
}

/** The barrier as the backup uses it. */
export type BackupStorage = Pick<PhysicalBackend, 'get' | 'put' | 'delete'>;

/** Stores a backup (replacing any older one). */
export async function saveRekeyBackup(
  storage: BackupStorage,
  nonce: string,
  fingerprints: readonly string[],
  encryptedShares: readonly Uint8Array[],
): Promise<void> {
  const keys: Record<string, string[]> = {};
  fingerprints.forEach((fp, i) => {
    (keys[fp] ??= []).push(Buffer.from(encryptedShares[i]).toString('hex'));
  });
  await storage.put(rekeyBackupKey, Buffer.from(JSON.stringify({ nonce, keys }), 'utf8'));
}

/** The stored backup, or undefined when there is none. */
export async function readRekeyBackup(storage: BackupStorage): Promise<RekeyBackup | undefined> {
  const stored = await storage.get(rekeyBackupKey);
  if (stored === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(stored).toString('utf8'));
  } catch {
    throw new ArcaError('integrity_failure', 'stored rekey backup is not valid JSON');
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const keys = record['keys'];
  if (typeof record['nonce'] !== 'string' || keys === null || typeof keys !== 'object') {
    throw new ArcaError('integrity_failure', 'stored rekey backup is malformed');
  }
  const out: Record<string, string[]> = {};
  for (const [fp, list] of Object.entries(keys)) {
    if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) {
      throw new ArcaError('integrity_failure', 'stored rekey backup is malformed');
    }
    out[fp] = list;
  }
  return { nonce: record['nonce'], keys: out };
}

/** Deletes the backup (a no-op when there is none). */
export async function deleteRekeyBackup(storage: BackupStorage): Promise<void> {
  await storage.delete(rekeyBackupKey);
}
