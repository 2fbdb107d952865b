/**
 * Shared set-up for the database engine tests: a real PostgreSQL (test/helpers/postgres.ts) with an
 * admin role the engine connects as, a table to grant on, and an engine mounted through the real
 * dispatch layer (EngineHarness). `secretRequest` builds what core's lease manager hands the
 * `creds` handlers.
 */
import { databaseBackendFactory } from '../../../../src/engines/database/index.js';
import type { SecretRequest } from '../../../../src/logical/backend.js';
import type { RequestAuth } from '../../../../src/logical/request.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';
import type { TestPostgres } from '../../../helpers/postgres.js';

export const adminUser = 'arca_admin';
export const adminPassword = 'admin-Secret-42';

/** Creates the admin role and a table `items` with two rows (idempotent). */
export async function prepareDatabase(pg: TestPostgres): Promise<void> {
  await pg.query(`CREATE ROLE ${adminUser} WITH SUPERUSER LOGIN PASSWORD '${adminPassword}'`);
  await pg.query('CREATE TABLE public.items (id int PRIMARY KEY, label text)');
  await pg.query("INSERT INTO public.items VALUES (1, 'one'), (2, 'two')");
}

/** The templated connection URL for `pg`. */
export function templatedUrl(pg: TestPostgres): string {
  return `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/postgres?sslmode=disable`;
}

/** The config body for `pg` as `user`/`password` (the admin by default). */
export function configBody(pg: TestPostgres, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plugin_name: 'postgresql-database-plugin',
    connection_url: templatedUrl(pg),
    username: adminUser,
    password: adminPassword,
    allowed_roles: '*',
    ...extra,
  };
}

/** A caller identity as core would resolve it for a token with display name `display`. */
export function authFor(display = 'token'): RequestAuth {
  return {
    accessor: 'acc',
    policies: ['root'],
    displayName: display,
    entityId: '',
    metadata: {},
    tokenIdHash: 'h',
  };
}

/** Mounts the engine and configures `pg` as connection `main`. */
export async function mountWithConfig(pg: TestPostgres): Promise<EngineHarness> {
  const h = await EngineHarness.mount(databaseBackendFactory);
  // PostgreSQL checks VALID UNTIL against its own (real) clock: the engine's wall clock starts now.
  h.clock.setWall(Date.now());
  await h.call('write', 'config/main', { data: configBody(pg) });
  return h;
}

/** What the lease manager would pass for the secret in `response` (issued now on `h`'s clock). */
export function secretRequest(
  h: EngineHarness,
  response: LogicalResponse,
  incrementSeconds = 0,
): SecretRequest {
  const issued = h.clock.wallMs();
  return {
    requestId: 'lease-req',
    leaseId: 'database/creds/x/abc',
    secretType: response.secret?.secretType ?? '',
    internalData: response.secret?.internalData ?? {},
    storage: h.storage,
    mountPoint: 'secret/',
    issueWallMs: issued,
    expireWallMs: issued + (response.secret?.ttlSeconds ?? 0) * 1000,
    incrementSeconds,
  };
}

/** The creds handlers of the mounted engine. */
export function credsHandlers(h: EngineHarness) {
  const handlers = h.backend.secretTypes?.creds;
  if (handlers === undefined) throw new Error('the engine has no creds secret type');
  return handlers;
}

/** Resolves with the error `promise` rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
