/**
 * AppRole secret ids (Vault's `role/<r>/secret-id`, `custom-secret-id`, LIST `secret-id`,
 * `secret-id/lookup|destroy`, `secret-id-accessor/lookup|destroy`, `tidy/secret-id`). A secret id
 * is stored only as an HMAC; its accessor is the handle operators use to look it up or destroy it.
 */
import { randomUUID } from 'node:crypto';
import { cidrsWithin, parseCidrList } from '../../../lib/cidr.js';
import { ArcaError } from '../../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../../logical/response.js';
import type { ApproleState } from './state.js';
import { existingRole, roleNamePattern } from './role-paths.js';
import {
  accessorKey,
  accessorPut,
  isExpired,
  mountSalt,
  readRole,
  readSecretIdAt,
  secretIdKey,
  secretIdKeyForAccessor,
  secretIdPrefix,
  secretIdPut,
  type RoleEntry,
  type SecretIdEntry,
} from './store.js';

const rfc3339 = (ms: number): string => (ms === 0 ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString());

/** Vault's lookup shape. */
function secretIdData(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidrList],
    creation_time: rfc3339(entry.creationMs),
    expiration_time: rfc3339(entry.expirationMs),
    last_updated_time: rfc3339(entry.lastUpdatedMs),
    metadata: { ...entry.metadata },
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttlSeconds,
    token_bound_cidrs: [...entry.tokenBoundCidrs],
  };
}

/** `metadata` is a JSON object of strings sent as text (Vault's API) or as an object. */
function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ArcaError('invalid_request', 'failed to parse metadata: invalid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArcaError('invalid_request', 'failed to parse metadata: expected a JSON object');
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new ArcaError('invalid_request', 'failed to parse metadata: values must be strings');
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Builds a new secret id entry from the request, with Vault's checks against the role's limits. */
function newEntry(state: ApproleState, role: RoleEntry, req: BackendRequest): SecretIdEntry {
  const f = req.fields;
  const cidrList = parseCidrList(f.get<string[]>('cidr_list') ?? [], 'cidr_list');
  if (!cidrsWithin(cidrList, role.secretIdBoundCidrs)) {
    throw new ArcaError(
      'invalid_request',
      "failed to verify the CIDR restrictions set on the secret ID: CIDR blocks on the secret ID are not a subset of that of role's",
    );
  }
  const tokenCidrs = parseCidrList(f.get<string[]>('token_bound_cidrs') ?? [], 'token_bound_cidrs');
  if (!cidrsWithin(tokenCidrs, role.token.tokenBoundCidrs)) {
    throw new ArcaError(
      'invalid_request',
      "failed to verify the token bound CIDR restrictions set on the secret ID: CIDR blocks on the secret ID are not a subset of that of role's",
    );
  }
  let numUses = role.secretIdNumUses;
  if (f.has('num_uses')) {
    numUses = f.get<number>('num_uses') ?? 0;
    if (numUses < 0) throw new ArcaError('invalid_request', 'num_uses cannot be negative');
    if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses)) {
      throw new ArcaError('invalid_request', "num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }
  let ttl = role.secretIdTtlSeconds;
  if (f.has('ttl')) {
    ttl = f.get<number>('ttl') ?? 0;
    if (role.secretIdTtlSeconds > 0 && (ttl === 0 || ttl > role.secretIdTtlSeconds)) {
      throw new ArcaError('invalid_request', "ttl cannot be longer than the role's secret_id_ttl");
    }
  }
  const nowMs = state.clock.wallMs();
  return {
    accessor: randomUUID(),
    metadata: parseMetadata(req.data.metadata),
    cidrList,
    tokenBoundCidrs: tokenCidrs,
    numUses,
    ttlSeconds: ttl,
    creationMs: nowMs,
    expirationMs: ttl > 0 ? nowMs + ttl * 1000 : 0,
    lastUpdatedMs: nowMs,
  };
}

async function issue(state: ApproleState, req: BackendRequest, custom: boolean): Promise<LogicalResponse> {
  const role = await existingRole(req);
  if (!role.bindSecretId) throw new ArcaError('invalid_request', 'bind_secret_id is not set on the role');
  const secretId = custom ? (req.fields.get<string>('secret_id') ?? '') : randomUUID();
  if (secretId === '') throw new ArcaError('invalid_request', 'missing secret_id');
  const entry = newEntry(state, role, req);
  const key = secretIdKey(role, secretId);
  const salt = await mountSalt(req.storage);
  await state.secretIdLock.run(key, async () => {
    if ((await req.storage.get(key)) !== undefined) {
      throw new ArcaError('invalid_request', 'SecretID is already registered');
    }
    await req.storage.batch([secretIdPut(key, entry), accessorPut(salt, entry.accessor, role.name, key)]);
  });
  return {
    data: {
      secret_id_accessor: entry.accessor,
      secret_id: secretId,
      secret_id_ttl: entry.ttlSeconds,
      secret_id_num_uses: entry.numUses,
    },
  };
}

/** Deletes a secret id and its accessor (under the secret id's lock); false when absent. */
export async function destroySecretId(
  state: ApproleState,
  req: BackendRequest,
  key: string,
): Promise<boolean> {
  const salt = await mountSalt(req.storage);
  return state.secretIdLock.run(key, async () => {
    const entry = await readSecretIdAt(req.storage, key);
    if (entry === undefined) return false;
    await req.storage.batch([
      { type: 'delete', key },
      { type: 'delete', key: accessorKey(salt, entry.accessor) },
    ]);
    return true;
  });
}

/** The secret-id key behind `secret_id_accessor` for this role, or Vault's 400. */
async function keyForAccessor(req: BackendRequest, role: RoleEntry): Promise<string> {
  const accessor = req.fields.get<string>('secret_id_accessor') ?? '';
  if (accessor === '') throw new ArcaError('invalid_request', 'missing secret_id_accessor');
  const found = await secretIdKeyForAccessor(req.storage, await mountSalt(req.storage), accessor);
  if (found === undefined || found.roleName !== role.name) {
    throw new ArcaError(
      'invalid_request',
      `failed to find accessor entry for secret_id_accessor: "${accessor}"`,
    );
  }
  return found.secretIdKey;
}

function requiredSecretId(req: BackendRequest): string {
  const secretId = (req.fields.get<string>('secret_id') ?? '').trim();
  if (secretId === '') throw new ArcaError('invalid_request', 'missing secret_id');
  return secretId;
}

const issueFields: PathSpec['fields'] = {
  role_name: { type: 'string' },
  metadata: { type: 'raw' },
  cidr_list: { type: 'string_list' },
  token_bound_cidrs: { type: 'string_list' },
  num_uses: { type: 'int' },
  ttl: { type: 'duration' },
};

/** Removes expired secret ids and accessors pointing nowhere; returns how many went. */
async function tidy(state: ApproleState, req: BackendRequest): Promise<number> {
  let removed = 0;
  const nowMs = state.clock.wallMs();
  for (const name of (await req.storage.list('role/')).filter((k) => !k.endsWith('/'))) {
    const role = await readRole(req.storage, name);
    if (role === undefined) continue;
    const prefix = secretIdPrefix(role);
    for (const key of await req.storage.list(prefix)) {
      const entry = await readSecretIdAt(req.storage, prefix + key);
      if (
        entry !== undefined &&
        isExpired(entry, nowMs) &&
        (await destroySecretId(state, req, prefix + key))
      ) {
        removed += 1;
      }
    }
  }
  return removed;
}

/** The secret-id paths (after the role paths; all under `role/<name>/` except tidy). */
export function secretIdPaths(state: ApproleState): PathSpec[] {
  const base = `role/${roleNamePattern}`;
  return [
    {
      pattern: `${base}/secret-id/?`,
      fields: issueFields,
      operations: {
        update: (req) => issue(state, req, false),
        list: async (req) => {
          const role = await existingRole(req);
          const prefix = secretIdPrefix(role);
          const keys: string[] = [];
          for (const key of await req.storage.list(prefix)) {
            const entry = await readSecretIdAt(req.storage, prefix + key);
            if (entry !== undefined) keys.push(entry.accessor);
          }
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys: keys.sort() } };
        },
      },
      help: 'Generate a SecretID against this role, or list the accessors of its SecretIDs.',
    },
    {
      pattern: `${base}/custom-secret-id`,
      fields: { ...issueFields, secret_id: { type: 'string' } },
      operations: { update: (req) => issue(state, req, true) },
      help: 'Assign a SecretID of choice against the role.',
    },
    {
      pattern: `${base}/secret-id/lookup/?`,
      fields: { role_name: { type: 'string' }, secret_id: { type: 'string' } },
      operations: {
        update: async (req) => {
          const role = await existingRole(req);
          const entry = await readSecretIdAt(req.storage, secretIdKey(role, requiredSecretId(req)));
          if (entry === undefined || isExpired(entry, state.clock.wallMs())) return noContent;
          return { data: secretIdData(entry) };
        },
      },
    },
    {
      pattern: `${base}/secret-id/destroy/?`,
      fields: { role_name: { type: 'string' }, secret_id: { type: 'string' } },
      operations: {
        update: async (req) => {
          const role = await existingRole(req);
          await destroySecretId(state, req, secretIdKey(role, requiredSecretId(req)));
          return noContent;
        },
      },
    },
    {
      pattern: `${base}/secret-id-accessor/lookup/?`,
      fields: { role_name: { type: 'string' }, secret_id_accessor: { type: 'string' } },
      operations: {
        update: async (req) => {
          const role = await existingRole(req);
          const entry = await readSecretIdAt(req.storage, await keyForAccessor(req, role));
          if (entry === undefined) throw new ArcaError('invalid_request', 'failed to find secret ID');
          return { data: secretIdData(entry) };
        },
      },
    },
    {
      pattern: `${base}/secret-id-accessor/destroy/?`,
      fields: { role_name: { type: 'string' }, secret_id_accessor: { type: 'string' } },
      operations: {
        update: async (req) => {
          const role = await existingRole(req);
          await destroySecretId(state, req, await keyForAccessor(req, role));
          return noContent;
        },
      },
    },
    {
      pattern: 'tidy/secret-id',
      operations: {
        update: async (req) => {
          const removed = await tidy(state, req);
          return {
            data: null,
            warnings: [`Tidy operation completed: ${removed} expired secret IDs removed.`],
          };
        },
      },
      help: 'Trigger the clean-up of expired SecretID entries.',
    },
  ];
}
