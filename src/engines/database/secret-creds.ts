/**
 * The `creds` secret type's renew and revoke handlers, which core's lease manager calls (Vault's
 * secret_creds.go). Revoke drops the user (the role's revocation statements, or the plugin's
 * default revocation); it is idempotent and uses the statements and database recorded at issue
 * time when the role has since been deleted. Renew moves VALID UNTIL to the new expiry (increment
 * or the role's TTL, capped by the role's max TTL counted from issue), plus Vault's 5 s buffer.
 */
import { ArcaError } from '../../lib/errors.js';
import type { SecretRequest, SecretTypeHandlers } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import type { DatabaseContext } from './context.js';
import { credsSecretType, expirationBufferSeconds } from './paths-roles.js';
import { readRole } from './store.js';

function internalString(request: SecretRequest, key: string, what: string): string {
  const value = request.internalData[key];
  if (typeof value !== 'string' || value === '')
    throw new ArcaError(
      'internal',
      `error during ${what}: could not find ${key} in the lease's internal data`,
    );
  return value;
}

function internalStatements(request: SecretRequest): string[] {
  const value = request.internalData.revocation_statements;
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

async function revoke(ctx: DatabaseContext, request: SecretRequest): Promise<void> {
  const username = internalString(request, 'username', 'revoke');
  const roleName = internalString(request, 'role', 'revoke');
  const role = await readRole(request.storage, roleName);
  const dbName = role?.db_name ?? internalString(request, 'db_name', 'revoke');
  const statements = role?.revocation_statements ?? internalStatements(request);
  const { db } = await ctx.connections.get(request.storage, dbName);
  await db.deleteUser(username, statements);
}

async function renew(ctx: DatabaseContext, request: SecretRequest): Promise<LogicalResponse> {
  const username = internalString(request, 'username', 'renew');
  const roleName = internalString(request, 'role', 'renew');
  const role = await readRole(request.storage, roleName);
  if (role === undefined)
    throw new ArcaError('invalid_request', `error during renew: could not find role with name "${roleName}"`);
  const now = ctx.clock.wallMs();
  const previousSeconds = Math.max(0, Math.round((request.expireWallMs - request.issueWallMs) / 1000));
  let ttlSeconds =
    request.incrementSeconds > 0
      ? request.incrementSeconds
      : role.default_ttl > 0
        ? role.default_ttl
        : previousSeconds;
  if (role.max_ttl > 0) {
    const leftSeconds = role.max_ttl - Math.floor((now - request.issueWallMs) / 1000);
    ttlSeconds = Math.max(0, Math.min(ttlSeconds, leftSeconds));
  }
  if (ttlSeconds > 0) {
    const { db } = await ctx.connections.get(request.storage, role.db_name);
    await db.changeExpiration(
      username,
      now + (ttlSeconds + expirationBufferSeconds) * 1000,
      role.renew_statements,
    );
  }
  return {
    secret: {
      secretType: credsSecretType,
      ttlSeconds,
      maxTtlSeconds: role.max_ttl,
      renewable: true,
      internalData: request.internalData,
    },
  };
}

/** The handlers for `secretType: 'creds'`. */
export function credsSecretHandlers(ctx: DatabaseContext): SecretTypeHandlers {
  return {
    renew: (request) => renew(ctx, request),
    revoke: (request) => revoke(ctx, request),
  };
}
