/**
 * Static roles, as Vault's: `database/static-roles/<name>` (write, read, delete; LIST), whose
 * creation rotates the existing user's password at once (so only Arca knows it),
 * `database/static-creds/<name>` (the current password, `last_vault_rotation`, `rotation_period`,
 * and `ttl` until the next scheduled rotation) and `database/rotate-role/<name>` (rotate now).
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { globListContains, namePattern, type DatabaseContext } from './context.js';
import { statementsField } from './paths-roles.js';
import { nextRotationMs, rotateNow, rotateStaticPassword } from './rotation.js';
import { keys, readConfig, readRole, readStaticRole, writeRecord } from './store.js';
import type { StaticRole } from './types.js';

/** Vault's minimum `rotation_period`. */
const minRotationPeriodSeconds = 5;

const staticFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  db_name: { type: 'string' },
  username: { type: 'string' },
  rotation_period: { type: 'duration' },
  rotation_statements: { type: 'raw' },
  credential_type: { type: 'string' },
};

async function writeStaticRole(ctx: DatabaseContext, request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  const f = request.fields;
  return ctx.locks.run(`static-role/${name}`, async () => {
    if ((await readRole(request.storage, name)) !== undefined)
      throw new ArcaError('invalid_request', 'Role and Static Role names must be unique');
    const existing = await readStaticRole(request.storage, name);
    const creating = existing === undefined;
    const username = f.get<string>('username') ?? '';
    if (creating && username === '')
      throw new ArcaError('invalid_request', 'username is a required field to create a static account');
    if (!creating && f.has('username') && username !== existing.username)
      throw new ArcaError('invalid_request', 'cannot update static account username');
    const dbName = f.has('db_name') ? (f.get<string>('db_name') ?? '') : (existing?.db_name ?? '');
    if (dbName === '') throw new ArcaError('invalid_request', 'database name is required');
    if (creating && !f.has('rotation_period'))
      throw new ArcaError('invalid_request', 'rotation_period is required to create static accounts');
    const period = f.has('rotation_period')
      ? (f.get<number>('rotation_period') ?? 0)
      : (existing?.rotation_period ?? 0);
    if (period < minRotationPeriodSeconds)
      throw new ArcaError(
        'invalid_request',
        `rotation_period must be ${minRotationPeriodSeconds} seconds or more`,
      );
    const config = await readConfig(request.storage, dbName);
    if (config === undefined)
      throw new ArcaError('invalid_request', `failed to find entry for connection with name: "${dbName}"`);
    if (!globListContains(config.allowed_roles, name))
      throw new ArcaError('invalid_request', `"${name}" is not an allowed role`);
    const role: StaticRole = {
      db_name: dbName,
      username: existing?.username ?? username,
      rotation_period: period,
      rotation_statements: statementsField(request, 'rotation_statements', existing?.rotation_statements),
      password: existing?.password ?? '',
      last_vault_rotation_ms: existing?.last_vault_rotation_ms ?? 0,
    };
    // A new static role takes the account over at once (Vault's initial rotation); nothing is
    // stored when the database refuses.
    if (creating) {
      const { db } = await ctx.connections.get(request.storage, dbName);
      if (!(await db.userExists(role.username)))
        throw new ArcaError(
          'invalid_request',
          `user "${role.username}" does not exist in database "${dbName}"`,
        );
      await rotateStaticPassword(ctx, request.storage, name, role);
    } else await writeRecord(request.storage, keys.staticRole(name), role);
    return noContent;
  });
}

function rfc3339(wallMs: number): string {
  return new Date(wallMs).toISOString();
}

async function readStaticCreds(ctx: DatabaseContext, request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  const role = await readStaticRole(request.storage, name);
  if (role === undefined) throw new ArcaError('invalid_request', `unknown role: ${name}`);
  const ttlSeconds = Math.max(0, Math.floor((nextRotationMs(role) - ctx.clock.wallMs()) / 1000));
  return {
    data: {
      username: role.username,
      password: role.password,
      last_vault_rotation: rfc3339(role.last_vault_rotation_ms),
      rotation_period: role.rotation_period,
      ttl: ttlSeconds,
    },
  };
}

/** The static-roles, static-creds and rotate-role paths. */
export function staticPaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: 'static-roles/?',
      operations: {
        list: async (request) => {
          const names = (await request.storage.list('static-role/')).filter((k) => !k.endsWith('/'));
          if (names.length === 0) throw new ArcaError('not_found');
          return { data: { keys: names } };
        },
      },
      help: 'Manage the static roles that can be created with this backend.',
    },
    {
      pattern: `static-roles/${namePattern}`,
      fields: staticFields,
      existenceCheck: async (request) =>
        (await request.storage.get(keys.staticRole(request.params.name ?? ''))) !== undefined,
      operations: {
        create: (request) => writeStaticRole(ctx, request),
        update: (request) => writeStaticRole(ctx, request),
        read: async (request) => {
          const role = await readStaticRole(request.storage, request.params.name ?? '');
          if (role === undefined) throw new ArcaError('not_found');
          return {
            data: {
              db_name: role.db_name,
              username: role.username,
              rotation_period: role.rotation_period,
              rotation_statements: role.rotation_statements,
              last_vault_rotation: rfc3339(role.last_vault_rotation_ms),
              credential_type: 'password',
            },
          };
        },
        delete: async (request) => {
          const name = request.params.name ?? '';
          await ctx.locks.run(`static-role/${name}`, () => request.storage.delete(keys.staticRole(name)));
          return noContent;
        },
      },
      help: 'Manage the static roles that can be created with this backend.',
    },
    {
      pattern: `static-creds/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: { read: (request) => readStaticCreds(ctx, request) },
      help: 'Request database credentials for a certain static role.',
    },
    {
      pattern: `rotate-role/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: {
        update: async (request) => {
          if (!(await rotateNow(ctx, request.storage, request.params.name ?? '')))
            throw new ArcaError('invalid_request', 'no static role found for role name');
          return noContent;
        },
      },
      help: 'Request to rotate the credentials for a static user account.',
    },
  ];
}
