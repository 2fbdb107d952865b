/**
 * Identifiers core mints (mount UUIDs and accessors, cluster id, lease suffixes) from the injected
 * `Rng`, so a seeded simulation replays them. None of these is a secret: tokens and keys never come
 * from here (they use `secureRandomBytes`).
 */
import type { Rng } from '../lib/rng.js';

function hexWord(rng: Rng): string {
  return rng.nextUint32().toString(16).padStart(8, '0');
}

/** A version-4-shaped UUID string. */
export function uuidFrom(rng: Rng): string {
  const h = hexWord(rng) + hexWord(rng) + hexWord(rng) + hexWord(rng);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Vault-style mount accessor: `<type>_<8 hex>`. */
export function accessorFor(type: string, rng: Rng): string {
  return `${type}_${hexWord(rng)}`;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base62 characters (lease id suffixes). */
export function base62From(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += base62[rng.intBelow(62)];
  return out;
}
