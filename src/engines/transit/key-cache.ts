/**
 * A bounded per-process cache of parsed node:crypto key objects, keyed by a SHA-256 of the key
 * material (never the material itself). Parsing PKCS#8 on every sign/verify cost ~10× the
 * signature; the cache holds at most `keyCacheEntriesMax` keys and drops the oldest beyond that.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { EvictionMap } from '../../lib/eviction-order.js';

/** Most key objects kept. */
export const keyCacheEntriesMax = 1024;

/** Oldest-inserted first (see EvictionMap for why not a Map's `keys().next()`). */
const cache = new EvictionMap<string, { privateKey: KeyObject; publicKey: KeyObject }>();

/** The cached key pair for `material`, parsed by `parse` on a miss. */
export function cachedKeyPair(
  kind: string,
  material: string,
  parse: () => KeyObject,
): { privateKey: KeyObject; publicKey: KeyObject } {
  const id = `${kind}:${createHash('sha256').update(material).digest('base64')}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const privateKey = parse();
  const entry = { privateKey, publicKey: createPublicKey(privateKey) };
  if (cache.size >= keyCacheEntriesMax) {
    const oldest = cache.oldestKey();
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(id, entry);
  return entry;
}
