/**
 * `database/roles/<name>` (dynamic roles: write, read, delete; LIST `roles/`) and
 * `database/creds/<name>`: a new PostgreSQL user per read, created by the role's creation
 * statements in one transaction, returned with a lease of type `creds` whose internal data names
 * the user, role and database so the lease manager can renew and revoke it later.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { globListContains, namePattern, type DatabaseContext } from './context.js';
import { generatePassword, generateUsername } from './credentials.js';
import { parseStatementList } from './statements.js';
import { keys, readRole, readStaticRole, writeRecord } from './store.js';
import type { DynamicRole } from './types.js';

/** The secret type of dynamic credentials (Vault's `SecretCredsType`). */
export const credsSecretType = 'creds';

/**
 * The VALID UNTIL for a role without TTLs: Vault's system default (768h). The lease may end
 * sooner (mount or system default); revocation drops the user then.
 */
const fallbackTtlSeconds = 768 * 3600;
/** Vault adds this to VALID UNTIL so the database never expires a user before its lease does. */
export const expirationBufferSeconds = 5;

const statementFields = [
  'creation_statements',
  'revocation_statements',
  'rollback_statements',
  'renew_statements',
] as const;

const roleFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  db_name: { type: 'string' },
  default_ttl: { type: 'duration' },
  max_ttl: { type: 'duration' },
  credential_type: { type: 'string' },
  ...Object.fromEntries(statementFields.map((f) => [f, { type: 'raw' } satisfies FieldSpec])),
};

/** Statement list `field` as sent, the stored one on update, or []; 400 when malformed. */
export function statementsField(
  request: BackendRequest,
  field: string,
  stored: string[] | undefined,
): string[] {
  if (!request.fields.has(field)) return stored ?? [];
  const parsed = parseStatementList(request.data[field]);
  if (parsed === undefined)
    throw new ArcaError('invalid_field', `${field} must be a string or a list of strings`);
  return parsed;
}

async function writeRole(request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  const f = request.fields;
  if ((await readStaticRole(request.storage, name)) !== undefined)
    throw new ArcaError('invalid_request', 'Role and Static Role names must be unique');
  const credentialType = f.get<string>('credential_type') ?? 'password';
  if (credentialType !== 'password')
    throw new ArcaError('invalid_request', `credential_type "${credentialType}" is not supported by Arca`);
  const existing = request.operation === 'create' ? undefined : await readRole(request.storage, name);
  const role: DynamicRole = {
    db_name: f.has('db_name') ? (f.get<string>('db_name') ?? '') : (existing?.db_name ?? ''),
    creation_statements: statementsField(request, 'creation_statements', existing?.creation_statements),
    revocation_statements: statementsField(request, 'revocation_statements', existing?.revocation_statements),
    rollback_statements: statementsField(request, 'rollback_statements', existing?.rollback_statements),
    renew_statements: statementsField(request, 'renew_statements', existing?.renew_statements),
    default_ttl: f.has('default_ttl') ? (f.get<number>('default_ttl') ?? 0) : (existing?.default_ttl ?? 0),
    max_ttl: f.has('max_ttl') ? (f.get<number>('max_ttl') ?? 0) : (existing?.max_ttl ?? 0),
  };
  if (role.db_name === '') throw new ArcaError('invalid_request', 'database name is required');
  if (role.creation_statements.length === 0)
    throw new ArcaError('invalid_request', 'empty creation statements');
  if (role.max_ttl !== 0 && role.default_ttl > role.max_ttl)
    throw new ArcaError('invalid_request', 'ttl cannot be greater than max_ttl');
  await writeRecord(request.storage, keys.role(name), role);
  return noContent;
}

async function createCreds(ctx: DatabaseContext, request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  const role = await readRole(request.storage, name);
  if (role === undefined) throw new ArcaError('invalid_request', `unknown role: ${name}`);
  const { db, config } = await ctx.connections.get(request.storage, role.db_name);
  if (!globListContains(config.allowed_roles, name))
    throw new ArcaError('invalid_request', `"${name}" is not an allowed role`);
  const now = ctx.clock.wallMs();
  const ttlSeconds =
    role.default_ttl > 0 ? role.default_ttl : role.max_ttl > 0 ? role.max_ttl : fallbackTtlSeconds;
  const expiresWallMs = now + (ttlSeconds + expirationBufferSeconds) * 1000;
  const username = generateUsername(request.auth?.displayName ?? 'token', name, ctx.rng, now);
  const password = generatePassword();
  await db.createUser(role.creation_statements, username, password, expiresWallMs);
  return {
    data: { username, password },
    secret: {
      secretType: credsSecretType,
      ttlSeconds: role.default_ttl,
      maxTtlSeconds: role.max_ttl,
      renewable: true,
      internalData: {
        username,
        role: name,
        db_name: role.db_name,
        revocation_statements: role.revocation_statements,
      },
    },
  };
}

/** The roles and creds paths. */
export function rolePaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: 'roles/?',
      operations: {
        list: async (request) => {
          const names = (await request.storage.list('role/')).filter((k) => !k.endsWith('/'));
          if (names.length === 0) throw new ArcaError('not_found');
          return { data: { keys: names } };
        },
      },
      help: 'Manage the roles that can be created with this backend.',
    },
    {
      pattern: `roles/${namePattern}`,
      fields: roleFields,
      existenceCheck: async (request) =>
        (await request.storage.get(keys.role(request.params.name ?? ''))) !== undefined,
      operations: {
        create: writeRole,
        update: writeRole,
        read: async (request) => {
          const role = await readRole(request.storage, request.params.name ?? '');
          if (role === undefined) throw new ArcaError('not_found');
          return { data: { ...role, credential_type: 'password' } };
        },
        delete: async (request) => {
          await request.storage.delete(keys.role(request.params.name ?? ''));
          return noContent;
        },
      },
      help: 'Manage the roles that can be created with this backend.',
    },
    {
      pattern: `creds/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: { read: (request) => createCreds(ctx, request) },
      help: 'Request database credentials for a certain role.',
    },
  ];
}
