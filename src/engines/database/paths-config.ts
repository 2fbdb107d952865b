/**
 * `database/config/<name>` (write, read, delete; LIST `config/`), `database/reset/<name>` and
 * `database/rotate-root/<name>`, as Vault's. A write merges into an existing config (Vault's
 * update), verifies the connection before anything is stored (`verify_connection`, default true),
 * then swaps the live pool. A read never shows the root password: it is dropped from
 * `connection_details` and masked in a literal `connection_url`.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { namePattern, type DatabaseContext } from './context.js';
import { generatePassword } from './credentials.js';
import { openPostgres } from './postgres-loader.js';
import { maskConnectionUrl } from './sanitize.js';
import { parseStatementList } from './statements.js';
import { keys, readConfig, writeRecord } from './store.js';
import { postgresPluginName, type ConnectionConfig, type ConnectionDetails } from './types.js';

const configFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  plugin_name: { type: 'string' },
  plugin_version: { type: 'string' },
  verify_connection: { type: 'bool', default: true },
  allowed_roles: { type: 'string_list' },
  root_rotation_statements: { type: 'raw' },
  password_policy: { type: 'string' },
  connection_url: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  max_open_connections: { type: 'int' },
  max_idle_connections: { type: 'int' },
  max_connection_lifetime: { type: 'duration' },
  password_authentication: { type: 'string' },
  username_template: { type: 'string' },
};

const passwordInUrlWarning =
  'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.';

function unsupported(request: BackendRequest, field: string): void {
  const value = request.fields.get<string>(field);
  if (value !== undefined && value !== '')
    throw new ArcaError('invalid_request', `${field} is not supported by Arca's ${postgresPluginName}`);
}

/** The plugin's own fields the client sent, over the stored ones on update. */
function mergedDetails(request: BackendRequest, base: ConnectionDetails | undefined): ConnectionDetails {
  const f = request.fields;
  const details: ConnectionDetails = { ...(base ?? { connection_url: '' }) };
  if (f.has('connection_url')) details.connection_url = f.get<string>('connection_url') ?? '';
  if (f.has('username')) details.username = f.get<string>('username');
  if (f.has('password')) details.password = f.get<string>('password');
  if (f.has('max_open_connections')) details.max_open_connections = f.get<number>('max_open_connections');
  if (f.has('max_idle_connections')) details.max_idle_connections = f.get<number>('max_idle_connections');
  if (f.has('max_connection_lifetime'))
    details.max_connection_lifetime = f.get<number>('max_connection_lifetime');
  if (f.has('password_authentication'))
    details.password_authentication = f.get<string>('password_authentication');
  return details;
}

function validateDetails(details: ConnectionDetails): void {
  if (details.connection_url === '') throw new ArcaError('invalid_request', 'connection_url cannot be empty');
  if (!/^postgres(ql)?:\/\//i.test(details.connection_url))
    throw new ArcaError(
      'invalid_request',
      'error creating database object: connection_url must be a postgres:// or postgresql:// URL',
    );
  const auth = details.password_authentication ?? '';
  if (auth !== '' && auth !== 'password' && auth !== 'scram-sha-256')
    throw new ArcaError(
      'invalid_request',
      `error creating database object: '${auth}' is not a valid password authentication type`,
    );
}

async function writeConfig(ctx: DatabaseContext, request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  const f = request.fields;
  return ctx.locks.run(`config/${name}`, async () => {
    const existing = request.operation === 'create' ? undefined : await readConfig(request.storage, name);
    const plugin = f.has('plugin_name')
      ? (f.get<string>('plugin_name') ?? '')
      : (existing?.plugin_name ?? '');
    if (plugin === '') throw new ArcaError('invalid_request', 'empty plugin name');
    if (plugin !== postgresPluginName)
      throw new ArcaError(
        'invalid_request',
        `error creating database object: plugin "${plugin}" is not supported: Arca implements only ${postgresPluginName}`,
      );
    unsupported(request, 'plugin_version');
    unsupported(request, 'password_policy');
    unsupported(request, 'username_template');
    const rotateStatements = f.has('root_rotation_statements')
      ? parseStatementList(request.data.root_rotation_statements)
      : (existing?.root_credentials_rotate_statements ?? []);
    if (rotateStatements === undefined)
      throw new ArcaError('invalid_field', 'root_rotation_statements must be a string or a list of strings');
    const config: ConnectionConfig = {
      plugin_name: plugin,
      verify_connection: f.has('verify_connection')
        ? (f.get<boolean>('verify_connection') ?? true)
        : (existing?.verify_connection ?? true),
      allowed_roles: f.has('allowed_roles')
        ? (f.get<string[]>('allowed_roles') ?? [])
        : (existing?.allowed_roles ?? []),
      root_credentials_rotate_statements: rotateStatements,
      connection_details: mergedDetails(request, existing?.connection_details),
    };
    validateDetails(config.connection_details);
    const db = await openPostgres(config.connection_details);
    try {
      if (config.verify_connection) await db.verify();
      await writeRecord(request.storage, keys.config(name), config);
    } catch (err) {
      await db.close();
      if (err instanceof ArcaError && err.code === 'internal')
        throw new ArcaError('invalid_request', `error creating database object: ${err.messages.join('; ')}`);
      throw err;
    }
    await ctx.connections.replace(name, db);
    return maskConnectionUrl(config.connection_details.connection_url) !==
      config.connection_details.connection_url
      ? { warnings: [passwordInUrlWarning] }
      : noContent;
  });
}

async function readConfigHandler(request: BackendRequest): Promise<LogicalResponse> {
  const config = await readConfig(request.storage, request.params.name ?? '');
  if (config === undefined) throw new ArcaError('not_found');
  const { password: _password, ...details } = config.connection_details;
  return {
    data: {
      plugin_name: config.plugin_name,
      plugin_version: '',
      connection_details: { ...details, connection_url: maskConnectionUrl(details.connection_url) },
      allowed_roles: config.allowed_roles,
      root_credentials_rotate_statements: config.root_credentials_rotate_statements,
      password_policy: '',
      verify_connection: config.verify_connection,
    },
  };
}

async function rotateRoot(ctx: DatabaseContext, request: BackendRequest): Promise<LogicalResponse> {
  const name = request.params.name ?? '';
  return ctx.locks.run(`config/${name}`, async () => {
    const { db, config } = await ctx.connections.get(request.storage, name);
    const details = config.connection_details;
    if (details.username === undefined || details.username === '')
      throw new ArcaError(
        'invalid_request',
        'unable to rotate root credentials: no username in configuration',
      );
    if (details.password === undefined || details.password === '')
      throw new ArcaError(
        'invalid_request',
        'unable to rotate root credentials: no password in configuration',
      );
    if (!details.connection_url.includes('{{password}}'))
      throw new ArcaError(
        'invalid_request',
        'unable to rotate root credentials: connection_url must use the {{password}} template',
      );
    const newPassword = generatePassword();
    await db.changePassword(details.username, newPassword, config.root_credentials_rotate_statements);
    const next: ConnectionConfig = { ...config, connection_details: { ...details, password: newPassword } };
    try {
      await writeRecord(request.storage, keys.config(name), next);
    } catch (err) {
      // The database has the new password but storage does not: put the old one back.
      await db.changePassword(details.username, details.password, config.root_credentials_rotate_statements);
      throw err;
    }
    // The pool's connections authenticated with the old password: open a fresh one on next use.
    await ctx.connections.close(name);
    return noContent;
  });
}

/** The config, reset and rotate-root paths. */
export function configPaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: 'config/?',
      operations: {
        list: async (request) => {
          const names = (await request.storage.list('config/')).filter((k) => !k.endsWith('/'));
          if (names.length === 0) throw new ArcaError('not_found');
          return { data: { keys: names } };
        },
      },
      help: 'Configure connection details to a database plugin.',
    },
    {
      pattern: `config/${namePattern}`,
      fields: configFields,
      existenceCheck: async (request) =>
        (await request.storage.get(keys.config(request.params.name ?? ''))) !== undefined,
      operations: {
        create: (request) => writeConfig(ctx, request),
        update: (request) => writeConfig(ctx, request),
        read: readConfigHandler,
        delete: async (request) => {
          const name = request.params.name ?? '';
          await ctx.locks.run(`config/${name}`, async () => {
            await request.storage.delete(keys.config(name));
            await ctx.connections.close(name);
          });
          return noContent;
        },
      },
      help: 'Configure connection details to a database plugin.',
    },
    {
      pattern: `reset/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: {
        update: async (request) => {
          const name = request.params.name ?? '';
          await ctx.connections.close(name);
          const { db, config } = await ctx.connections.get(request.storage, name);
          if (config.verify_connection) await db.verify();
          return noContent;
        },
      },
      help: 'Resets a database plugin.',
    },
    {
      pattern: `rotate-root/${namePattern}`,
      fields: { name: { type: 'string' } },
      operations: { update: (request) => rotateRoot(ctx, request) },
      help: 'Request to rotate the root credentials for a certain database connection.',
    },
  ];
}
