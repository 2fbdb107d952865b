/**
 * The stored form of a service token and the storage layout of the token store. The raw token is
 * never stored: an entry is keyed by the salted hash of the token id (`idHash`), so a dump of the
 * storage (or a Raft snapshot) does not contain a usable token.
 *
 * Layout (relative to the token store's StorageView):
 *   salt                         32 random bytes, the HMAC key for id hashes
 *   id/<idHash>                  JSON StoredToken
 *   accessor/<accessorHash>      JSON { idHash, accessor }: keyed by the salted accessor hash
 *                                (./token-ids.ts), so keys reveal no accessor; the value (behind
 *                                the barrier) keeps the accessor for LIST. Older stores keyed it
 *                                by the plain accessor: ./token-accessor-index.ts migrates them.
 *   parent/<parentIdHash>/<idHash>   empty: the parent → child index used for tree revocation
 *   role/<name>                  JSON TokenRole
 */
import { addressAllowed } from '../../lib/cidr.js';
import { ArcaError } from '../../lib/errors.js';
import { deepFreeze } from '../../lib/deep-freeze.js';
import {
  arrayOf,
  bool,
  decodeStoredJson,
  literal,
  num,
  object,
  optional,
  recordOf,
  str,
} from '../../lib/shape.js';

/**
 * A token as core and the token backend see it: a stored service token, or a batch token decoded
 * from itself (./batch-token.ts: `idHash` and `accessor` are '', `numUses` 0, never renewable).
 */
export interface TokenEntry {
  /** Salted hash of the token id — the storage key; the raw token is NEVER stored. */
  idHash: string;
  accessor: string;
  /** idHash of the parent token, '' for an orphan. */
  parentIdHash: string;
  policies: string[];
  /** Creation path, e.g. `auth/token/create`, `auth/token/root`, `auth/userpass/login/bob`. */
  path: string;
  displayName: string;
  meta: Record<string, string>;
  /** Remaining uses; 0 = unlimited. */
  numUses: number;
  orphan: boolean;
  renewable: boolean;
  type: 'service' | 'batch';
  /** Wall-clock creation (and issue) time, ms since the epoch. */
  creationTimeMs: number;
  /** TTL granted at creation (Vault's `creation_ttl`), seconds; 0 for a non-expiring token. */
  ttlSeconds: number;
  /** Absolute wall-clock expiry in ms; 0 = never (root). */
  expireTimeMs: number;
  explicitMaxTtlSeconds: number;
  periodSeconds: number;
  role?: string;
  entityId: string;
  /** Wall-clock time of the last successful renewal, ms; absent if never renewed. */
  lastRenewalTimeMs?: number;
  /** CIDRs the token may be used from (canonical text); absent = anywhere. */
  boundCidrs?: string[];
  /** What the issuing auth method keeps with a login token (never shown); see LoginAuth. */
  internalData?: Record<string, string>;
}

/** What is persisted: the entry plus the revocation mark (a marked token no longer authenticates). */
export interface StoredToken extends TokenEntry {
  /** Only service tokens are ever stored. */
  type: 'service';
  /** Set at the start of a revocation, before children are revoked; a crash leaves it for cleanup. */
  revoked?: boolean;
  /** Set with `revoked` when the last use was spent: the in-flight request may still look itself up. */
  exhausted?: boolean;
}

/** Storage key helpers, in one place so the layout is documented once. */
export const tokenKeys = {
  salt: 'salt',
  entryPrefix: 'id/',
  entry: (idHash: string): string => `id/${idHash}`,
  accessorPrefix: 'accessor/',
  /** The index key of an accessor, given its salted hash (`TokenHasher.hashAccessor`). */
  accessor: (accessorHash: string): string => `accessor/${accessorHash}`,
  childPrefix: (parentIdHash: string): string => `parent/${parentIdHash}/`,
  child: (parentIdHash: string, idHash: string): string => `parent/${parentIdHash}/${idHash}`,
  rolePrefix: 'role/',
  role: (name: string): string => `role/${name}`,
};

/** The stored shapes, checked on every read. */
const storedToken = object<StoredToken>({
  idHash: str,
  accessor: str,
  parentIdHash: str,
  policies: arrayOf(str),
  path: str,
  displayName: str,
  meta: recordOf(str),
  numUses: num,
  orphan: bool,
  renewable: bool,
  type: literal('service'),
  creationTimeMs: num,
  ttlSeconds: num,
  expireTimeMs: num,
  explicitMaxTtlSeconds: num,
  periodSeconds: num,
  role: optional(str),
  entityId: str,
  lastRenewalTimeMs: optional(num),
  boundCidrs: optional(arrayOf(str)),
  internalData: optional(recordOf(str)),
  revoked: optional(bool),
  exhausted: optional(bool),
});
const storedAccessor = object<AccessorRecord>({ idHash: str, accessor: optional(str) });

/** Serialises a stored token for `id/<idHash>`. */
export function encodeToken(entry: StoredToken): Uint8Array {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

/** Parses `id/<idHash>`; a value that does not parse is an integrity failure, not a client error. */
export function decodeToken(bytes: Uint8Array): StoredToken {
  return decodeStoredJson(bytes, storedToken, 'token entry');
}

/** One accessor index value. `accessor` is absent only in the legacy (plaintext-keyed) layout. */
export interface AccessorRecord {
  idHash: string;
  accessor?: string;
}

/** Serialises the accessor index value (the accessor is kept so LIST can show it). */
export function encodeAccessor(idHash: string, accessor: string): Uint8Array {
  return Buffer.from(JSON.stringify({ idHash, accessor }), 'utf8');
}

/** Parses the accessor index value (either layout). */
export function decodeAccessor(bytes: Uint8Array): AccessorRecord {
  return decodeStoredJson(bytes, storedAccessor, 'token accessor');
}

/** A copy of the entry without storage-only fields, safe to hand to core. */
export function publicEntry(stored: StoredToken): TokenEntry {
  const { revoked: _revoked, exhausted: _exhausted, ...entry } = stored;
  const copy: TokenEntry = { ...entry, policies: [...entry.policies], meta: { ...entry.meta } };
  if (entry.boundCidrs !== undefined) copy.boundCidrs = [...entry.boundCidrs];
  if (entry.internalData !== undefined) copy.internalData = { ...entry.internalData };
  return copy;
}

/** Cached stored entry → its public view (see `frozenPublicEntry`); gone with the cached entry. */
const publicViews = new WeakMap<StoredToken, TokenEntry>();

/**
 * The public view of an entry from the token cache, made once per cached entry and deep-frozen,
 * since every request with that token shares it. Keyed by the cached object itself, it cannot
 * outlive a revocation: that invalidates the cache entry, so the next request reads storage.
 */
export function frozenPublicEntry(cached: StoredToken): TokenEntry {
  let view = publicViews.get(cached);
  if (view === undefined) {
    view = deepFreeze(publicEntry(cached));
    publicViews.set(cached, view);
  }
  return view;
}

/** Whether the token is past its expiry at `nowMs` (a non-expiring token never is). */
export function isExpired(entry: TokenEntry, nowMs: number): boolean {
  return entry.expireTimeMs !== 0 && nowMs >= entry.expireTimeMs;
}

/**
 * 403 `permission denied` for a CIDR-bound token used from an address outside its blocks (Vault's
 * check; a non-expiring token is never bound). No `remoteAddress` = not a client request.
 */
export function checkBoundCidrs(entry: TokenEntry, remoteAddress: string | undefined): void {
  if (remoteAddress === undefined || entry.boundCidrs === undefined || entry.expireTimeMs === 0) return;
  if (!addressAllowed(remoteAddress, entry.boundCidrs)) throw new ArcaError('permission_denied');
}
