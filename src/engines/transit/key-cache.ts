/**
 * A bounded per-process cache of parsed node:crypto key objects, keyed by a SHA-256 of the key
 * material (never the material itself). Parsing PKCS#8 on every sign/verify cost ~10× the
 * signature; the cache holds at most `keyCacheEntriesMax` keys and drops the oldest beyond that.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { EvictionOrder } from '../../lib/eviction-order.js';

/** Most key objects kept. */
export const keyCacheEntriesMax = 1024;

const cache = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
/** Oldest-inserted first (see EvictionOrder for why not `cache.keys().next()`). */
const order = new EvictionOrder<string>();

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
    const oldest = order.next();
    if (oldest !== undefined) {
      cache.delete(oldest);
      order.removed(oldest);
    }
  }
  cache.set(id, entry);
  order.added(id);
  return entry;
}
