/**
 * AppRole storage (the layout of Vault's approle backend, simplified): secret ids are stored only
 * as HMACs keyed by a per-role key, so a storage dump holds no usable secret id; role ids are
 * indexed by an HMAC under a mount-wide key.
 *
 *   salt                                  32 random bytes: the key of the role-id index
 *   role/<name>                           JSON RoleEntry (with its base64 HMAC key)
 *   role_id/<hmac(salt, role_id)>         JSON { name }
 *   secret_id/<hmac(name)>/<hmac(sid)>    JSON SecretIdEntry
 *   accessor/<hmac(salt, accessor)>       JSON { roleName, secretIdHmac }
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ArcaError } from '../../../lib/errors.js';
import type { StorageOp, StorageView } from '../../../logical/storage-view.js';
import { storedTokenParams, type TokenParams } from '../../../logical/tokenutil.js';

/** One role. TTLs in seconds. */
export interface RoleEntry {
  name: string;
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  secretIdNumUses: number;
  secretIdTtlSeconds: number;
  localSecretIds: boolean;
  /** base64 HMAC key for this role's secret ids. */
  hmacKey: string;
  token: TokenParams;
}

/** One secret id (its HMAC is the key). Times are wall ms; expiration 0 = never. */
export interface SecretIdEntry {
  accessor: string;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
  numUses: number;
  ttlSeconds: number;
  creationMs: number;
  expirationMs: number;
  lastUpdatedMs: number;
}

const enc = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

function dec(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new ArcaError('integrity_failure', `stored approle ${what} is not valid`);
}

function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function strMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

const n = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** HMAC-SHA256 hex of `text` under `keyBase64`. */
export function hmacHex(keyBase64: string | Buffer, text: string): string {
  const key = typeof keyBase64 === 'string' ? Buffer.from(keyBase64, 'base64') : keyBase64;
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** A fresh random HMAC key (base64). */
export function newHmacKey(): string {
  return randomBytes(32).toString('base64');
}

/** The mount's salt for the role-id and accessor indexes (created on first use). */
export async function mountSalt(storage: StorageView): Promise<Buffer> {
  const existing = await storage.get('salt');
  if (existing !== undefined) return Buffer.from(existing);
  const salt = randomBytes(32);
  await storage.put('salt', salt);
  return salt;
}

export async function readRole(storage: StorageView, name: string): Promise<RoleEntry | undefined> {
  const bytes = await storage.get(`role/${name.toLowerCase()}`);
  if (bytes === undefined) return undefined;
  const r = dec(bytes, 'role');
  return {
    name: typeof r.name === 'string' ? r.name : name.toLowerCase(),
    roleId: typeof r.roleId === 'string' ? r.roleId : '',
    bindSecretId: r.bindSecretId !== false,
    secretIdBoundCidrs: strs(r.secretIdBoundCidrs),
    secretIdNumUses: n(r.secretIdNumUses),
    secretIdTtlSeconds: n(r.secretIdTtlSeconds),
    localSecretIds: r.localSecretIds === true,
    hmacKey: typeof r.hmacKey === 'string' ? r.hmacKey : '',
    token: storedTokenParams(r.token),
  };
}

export function roleOps(role: RoleEntry): StorageOp {
  return { type: 'put', key: `role/${role.name}`, value: enc(role) };
}

export function roleIdKey(salt: Buffer, roleId: string): string {
  return `role_id/${hmacHex(salt, roleId)}`;
}

export function roleIdOp(salt: Buffer, roleId: string, name: string): StorageOp {
  return { type: 'put', key: roleIdKey(salt, roleId), value: enc({ name }) };
}

/** The role name a role id belongs to, or undefined. */
export async function roleNameForId(
  storage: StorageView,
  salt: Buffer,
  roleId: string,
): Promise<string | undefined> {
  const bytes = await storage.get(roleIdKey(salt, roleId));
  if (bytes === undefined) return undefined;
  const r = dec(bytes, 'role id');
  return typeof r.name === 'string' ? r.name : undefined;
}

export function secretIdPrefix(role: RoleEntry): string {
  return `secret_id/${hmacHex(role.hmacKey, role.name)}/`;
}

export function secretIdKey(role: RoleEntry, secretId: string): string {
  return `${secretIdPrefix(role)}${hmacHex(role.hmacKey, secretId)}`;
}

export function accessorKey(salt: Buffer, accessor: string): string {
  return `accessor/${hmacHex(salt, accessor)}`;
}

export async function readSecretIdAt(storage: StorageView, key: string): Promise<SecretIdEntry | undefined> {
  const bytes = await storage.get(key);
  if (bytes === undefined) return undefined;
  const r = dec(bytes, 'secret id');
  return {
    accessor: typeof r.accessor === 'string' ? r.accessor : '',
    metadata: strMap(r.metadata),
    cidrList: strs(r.cidrList),
    tokenBoundCidrs: strs(r.tokenBoundCidrs),
    numUses: n(r.numUses),
    ttlSeconds: n(r.ttlSeconds),
    creationMs: n(r.creationMs),
    expirationMs: n(r.expirationMs),
    lastUpdatedMs: n(r.lastUpdatedMs),
  };
}

export function secretIdPut(key: string, entry: SecretIdEntry): StorageOp {
  return { type: 'put', key, value: enc(entry) };
}

export function accessorPut(salt: Buffer, accessor: string, roleName: string, entryKey: string): StorageOp {
  return { type: 'put', key: accessorKey(salt, accessor), value: enc({ roleName, secretIdKey: entryKey }) };
}

/** The secret-id key an accessor points to (for its role), or undefined. */
export async function secretIdKeyForAccessor(
  storage: StorageView,
  salt: Buffer,
  accessor: string,
): Promise<{ roleName: string; secretIdKey: string } | undefined> {
  const bytes = await storage.get(accessorKey(salt, accessor));
  if (bytes === undefined) return undefined;
  const r = dec(bytes, 'accessor');
  if (typeof r.roleName !== 'string' || typeof r.secretIdKey !== 'string') return undefined;
  return { roleName: r.roleName, secretIdKey: r.secretIdKey };
}

/** Whether a secret id is past its expiry at `nowMs`. */
export function isExpired(entry: SecretIdEntry, nowMs: number): boolean {
  return entry.expirationMs !== 0 && nowMs >= entry.expirationMs;
}
