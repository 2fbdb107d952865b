/**
 * AppRole roles (Vault's `role/<role_name>`, `role/<role_name>/role-id`, LIST `role`): the
 * secret-id constraints (`bind_secret_id`, `secret_id_bound_cidrs`, `secret_id_num_uses`,
 * `secret_id_ttl`, `local_secret_ids`) and the tokenutil fields. Deleting a role deletes its
 * role-id index and every secret id it issued, in one batch.
 */
import { randomUUID } from 'node:crypto';
import { parseCidrList } from '../../../lib/cidr.js';
import { ArcaError } from '../../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../../logical/response.js';
import type { StorageOp } from '../../../logical/storage-view.js';
import {
  defaultTokenParams,
  legacyTokenFieldSpecs,
  parseTokenFields,
  tokenFieldSpecs,
  tokenParamsData,
} from '../../../logical/tokenutil.js';
import type { ApproleState } from './state.js';
import {
  accessorKey,
  mountSalt,
  newHmacKey,
  readRole,
  readSecretIdAt,
  roleIdKey,
  roleIdOp,
  roleNameForId,
  roleOps,
  secretIdPrefix,
  type RoleEntry,
} from './store.js';

/** Vault's `GenericNameRegex` for role names. */
export const roleNamePattern = '(?<role_name>\\w(?:[\\w.-]*\\w)?)';

export function roleName(req: BackendRequest): string {
  return (req.params.role_name ?? '').toLowerCase();
}

/** The role, or 400 `role "<name>" does not exist` (Vault's text on sub-paths). */
export async function existingRole(req: BackendRequest): Promise<RoleEntry> {
  const role = await readRole(req.storage, roleName(req));
  if (role === undefined) {
    throw new ArcaError('invalid_request', `role "${roleName(req)}" does not exist`);
  }
  return role;
}

function roleData(role: RoleEntry): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtlSeconds,
    ...tokenParamsData(role.token),
  };
}

async function writeRole(state: ApproleState, req: BackendRequest): Promise<LogicalResponse> {
  const name = roleName(req);
  return state.roleLock.run(name, async () => {
    const existing = await readRole(req.storage, name);
    const f = req.fields;
    const role: RoleEntry = existing ?? {
      name,
      roleId: '',
      bindSecretId: true,
      secretIdBoundCidrs: [],
      secretIdNumUses: 0,
      secretIdTtlSeconds: 0,
      localSecretIds: f.get<boolean>('local_secret_ids') ?? false,
      hmacKey: newHmacKey(),
      token: defaultTokenParams(),
    };
    const next: RoleEntry = { ...role, token: parseTokenFields(role.token, f) };
    if (f.has('bind_secret_id')) next.bindSecretId = f.get<boolean>('bind_secret_id') ?? true;
    const cidrs = f.has('secret_id_bound_cidrs') ? f.get<string[]>('secret_id_bound_cidrs') : undefined;
    if (cidrs !== undefined) next.secretIdBoundCidrs = parseCidrList(cidrs, 'secret_id_bound_cidrs');
    if (f.has('secret_id_num_uses')) {
      next.secretIdNumUses = f.get<number>('secret_id_num_uses') ?? 0;
      if (next.secretIdNumUses < 0)
        throw new ArcaError('invalid_request', 'secret_id_num_uses cannot be negative');
    }
    if (f.has('secret_id_ttl')) next.secretIdTtlSeconds = f.get<number>('secret_id_ttl') ?? 0;
    if (existing !== undefined && f.has('local_secret_ids')) {
      throw new ArcaError('invalid_request', 'local_secret_ids can only be modified during role creation');
    }
    if (
      !next.bindSecretId &&
      next.secretIdBoundCidrs.length === 0 &&
      next.token.tokenBoundCidrs.length === 0
    ) {
      throw new ArcaError('invalid_request', 'at least one constraint should be enabled on the role');
    }
    const salt = await mountSalt(req.storage);
    const ops: StorageOp[] = [];
    const wantedId = f.get<string>('role_id') ?? '';
    if (existing === undefined || (f.has('role_id') && wantedId !== role.roleId)) {
      const roleId = wantedId !== '' ? wantedId : randomUUID();
      const owner = await roleNameForId(req.storage, salt, roleId);
      if (owner !== undefined && owner !== name)
        throw new ArcaError('invalid_request', 'role_id already in use');
      if (existing !== undefined) ops.push({ type: 'delete', key: roleIdKey(salt, role.roleId) });
      next.roleId = roleId;
      ops.push(roleIdOp(salt, roleId, name));
    }
    ops.push(roleOps(next));
    await req.storage.batch(ops);
    return noContent;
  });
}

async function deleteRole(state: ApproleState, req: BackendRequest): Promise<LogicalResponse> {
  const name = roleName(req);
  return state.roleLock.run(name, async () => {
    const role = await readRole(req.storage, name);
    if (role === undefined) return noContent;
    const salt = await mountSalt(req.storage);
    const ops: StorageOp[] = [
      { type: 'delete', key: `role/${name}` },
      { type: 'delete', key: roleIdKey(salt, role.roleId) },
    ];
    const prefix = secretIdPrefix(role);
    for (const key of await req.storage.list(prefix)) {
      const entry = await readSecretIdAt(req.storage, prefix + key);
      if (entry !== undefined) ops.push({ type: 'delete', key: accessorKey(salt, entry.accessor) });
      ops.push({ type: 'delete', key: prefix + key });
    }
    await req.storage.batch(ops);
    return noContent;
  });
}

/** The role paths (declared before the secret-id paths, which share the `role/<name>/` prefix). */
export function rolePaths(state: ApproleState): PathSpec[] {
  return [
    {
      pattern: 'role/?',
      operations: {
        list: async (req) => {
          const keys = (await req.storage.list('role/')).filter((k) => !k.endsWith('/'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
      help: 'Lists all the roles registered with the backend.',
    },
    {
      pattern: `role/${roleNamePattern}/role-id`,
      fields: { role_name: { type: 'string' }, role_id: { type: 'string' } },
      operations: {
        read: async (req) => {
          const role = await readRole(req.storage, roleName(req));
          if (role === undefined) throw new ArcaError('not_found');
          return { data: { role_id: role.roleId } };
        },
        update: async (req) => {
          await existingRole(req);
          if ((req.fields.get<string>('role_id') ?? '') === '') {
            throw new ArcaError('invalid_request', 'missing role_id');
          }
          return writeRole(state, req);
        },
      },
      help: 'Returns the role ID of the role, or sets a custom one.',
    },
    {
      pattern: `role/${roleNamePattern}`,
      fields: {
        role_name: { type: 'string' },
        role_id: { type: 'string' },
        bind_secret_id: { type: 'bool', default: true },
        secret_id_bound_cidrs: { type: 'string_list' },
        secret_id_num_uses: { type: 'int' },
        secret_id_ttl: { type: 'duration' },
        local_secret_ids: { type: 'bool' },
        ...tokenFieldSpecs,
        policies: legacyTokenFieldSpecs.policies,
        period: legacyTokenFieldSpecs.period,
      },
      existenceCheck: async (req) => (await readRole(req.storage, roleName(req))) !== undefined,
      operations: {
        read: async (req) => {
          const role = await readRole(req.storage, roleName(req));
          if (role === undefined) throw new ArcaError('not_found');
          return { data: roleData(role) };
        },
        create: (req) => writeRole(state, req),
        update: (req) => writeRole(state, req),
        delete: (req) => deleteRole(state, req),
      },
      help: 'Register a role with the backend.',
    },
  ];
}
