/**
 * Batch tokens (Vault's `hvb.` tokens): never persisted — the token IS its entry, encrypted and
 * authenticated with AES-256-GCM under a key kept behind the barrier (`batch-key` in the token
 * store's view), so every node of a cluster, and a restarted node, reads the same tokens. The
 * token is `hvb.` + base64url(iv ‖ ciphertext ‖ tag); the AAD binds the format version, so a
 * ciphertext from any other use of the key cannot pass as a token. A token that fails to decrypt
 * (forged, truncated, from another cluster) is simply unknown.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import { arrayOf, num, object, optional, parseJson, recordOf, str } from '../../lib/shape.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { TokenEntry } from './token-entry.js';

/** Vault's batch-token prefix. */
export const batchTokenPrefix = 'hvb.';
/** Where the key lives in the token store's (barrier-encrypted) view. */
export const batchKeyStorageKey = 'batch-key';

const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const aad = Buffer.from('arca batch token v1', 'utf8');
/** Longest token accepted for decoding (a bound on work done for garbage input). */
const maxTokenChars = 16 * 1024;

/** What a batch token carries (Vault's protobuf TokenEntry subset). */
export interface BatchPayload {
  policies: string[];
  /** idHash of the parent service token; '' for an orphan. */
  parentIdHash: string;
  path: string;
  displayName: string;
  meta: Record<string, string>;
  /** Wall-clock creation time, ms. */
  creationTimeMs: number;
  ttlSeconds: number;
  entityId: string;
  role?: string;
  /** CIDRs the token may be used from (a login's `token_bound_cidrs`). */
  boundCidrs?: string[];
}

const payloadShape = object<BatchPayload>({
  policies: arrayOf(str),
  parentIdHash: str,
  path: str,
  displayName: str,
  meta: recordOf(str),
  creationTimeMs: num,
  ttlSeconds: num,
  entityId: str,
  role: optional(str),
  boundCidrs: optional(arrayOf(str)),
});

/** True for a string shaped like a batch token (Vault's `IsBatchToken`). */
export function isBatchToken(token: string): boolean {
  return token.startsWith(batchTokenPrefix);
}

/** Seals and opens batch tokens with one cluster-wide key. */
export class BatchTokenCodec {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from `storage`, creating and persisting a random one on first use. */
  static async load(storage: StorageView): Promise<BatchTokenCodec> {
    const existing = await storage.get(batchKeyStorageKey);
    if (existing !== undefined) {
      if (existing.length !== keyBytes) {
        throw new ArcaError('integrity_failure', 'batch token key is malformed');
      }
      return new BatchTokenCodec(Buffer.from(existing));
    }
    const key = secureRandomBytes(keyBytes);
    await storage.put(batchKeyStorageKey, key);
    return new BatchTokenCodec(Buffer.from(key));
  }

  /** The token for `payload`: `hvb.` + base64url(iv ‖ ciphertext ‖ tag). */
  seal(payload: BatchPayload): string {
    const iv = secureRandomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return batchTokenPrefix + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The payload of a genuine token; undefined for anything that does not authenticate. */
  open(token: string): BatchPayload | undefined {
    if (!isBatchToken(token) || token.length > maxTokenChars) return undefined;
    const raw = Buffer.from(token.slice(batchTokenPrefix.length), 'base64url');
    if (raw.length < ivBytes + tagBytes + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, ivBytes));
      decipher.setAAD(aad);
      decipher.setAuthTag(raw.subarray(raw.length - tagBytes));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(ivBytes, raw.length - tagBytes)),
        decipher.final(),
      ]);
      return parseJson(plain.toString('utf8'), payloadShape);
    } catch {
      // A failed tag check (forged or altered token) throws from final(); nothing else can fail.
      return undefined;
    }
  }

  /** Overwrites the key in memory (seal / teardown). */
  zeroize(): void {
    this.key.fill(0);
  }
}

/** The entry a batch token stands for (no id hash, no accessor, no uses, never renewable). */
export function batchEntry(payload: BatchPayload): TokenEntry {
  return {
    idHash: '',
    accessor: '',
    parentIdHash: payload.parentIdHash,
    policies: [...payload.policies],
    path: payload.path,
    displayName: payload.displayName,
    meta: { ...payload.meta },
    numUses: 0,
    orphan: payload.parentIdHash === '',
    renewable: false,
    type: 'batch',
    creationTimeMs: payload.creationTimeMs,
    ttlSeconds: payload.ttlSeconds,
    expireTimeMs: payload.creationTimeMs + payload.ttlSeconds * 1000,
    explicitMaxTtlSeconds: 0,
    periodSeconds: 0,
    entityId: payload.entityId,
    ...(payload.role === undefined ? {} : { role: payload.role }),
    ...(payload.boundCidrs === undefined ? {} : { boundCidrs: [...payload.boundCidrs] }),
  };
}
