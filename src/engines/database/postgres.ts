/**
 * One configured PostgreSQL connection (Vault's postgresql-database-plugin): a `pg` pool over the
 * templated connection URL and the plugin's operations — create a user from creation statements,
 * change its expiry or password, drop it (Vault's default revocation when no statements are
 * given) — each in a transaction. Like Vault's plugin (which holds its lock in NewUser,
 * UpdateUser and DeleteUser), user changes on one connection run one at a time: PostgreSQL fails
 * concurrent GRANTs on the same object with "tuple concurrently updated". Every error leaves
 * through `databaseError`, with the root password and any password involved redacted.
 */
import pg from 'pg';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { passwordForStatement, type PasswordAuthentication } from './credentials.js';
import { databaseError } from './sanitize.js';
import { expandStatements, formatExpiration, quoteIdentifier } from './statements.js';
import type { ConnectionDetails } from './types.js';

/** Vault's plugin defaults. */
const defaultRenewStatement = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
const defaultChangePasswordStatement = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;
/** Vault's SQL connection producer default for `max_open_connections`. */
export const defaultMaxOpenConnections = 4;
/** A bound on "unlimited" (`max_open_connections` < 0): pg's pool needs a number. */
const unlimitedConnections = 1000;

/** The connection URL with `{{username}}`/`{{password}}` filled in (URL-escaped, as Vault does). */
export function templatedUrl(details: ConnectionDetails): string {
  return details.connection_url
    .split('{{username}}')
    .join(encodeURIComponent(details.username ?? ''))
    .split('{{password}}')
    .join(encodeURIComponent(details.password ?? ''));
}

/** A live connection pool for one config. */
export class PostgresDatabase {
  private readonly pool: pg.Pool;
  private readonly secrets: string[];
  private readonly auth: PasswordAuthentication;
  /** Serialises user changes (one key: the whole connection). */
  private readonly serial = new KeyedMutex();

  constructor(details: ConnectionDetails) {
    const url = templatedUrl(details);
    this.secrets = [details.password ?? '', url];
    this.auth = details.password_authentication === 'scram-sha-256' ? 'scram-sha-256' : 'password';
    const open = details.max_open_connections ?? 0;
    this.pool = new pg.Pool({
      connectionString: url,
      max: open === 0 ? defaultMaxOpenConnections : open < 0 ? unlimitedConnections : open,
      maxLifetimeSeconds: Math.max(0, details.max_connection_lifetime ?? 0),
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server (a restart) must not crash the process: the pool drops it.
    this.pool.on('error', () => {});
  }

  /** Opens a connection and pings (`verify_connection`). */
  async verify(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw databaseError('error verifying connection', err, this.secrets);
    }
    try {
      await client.query('SELECT 1');
    } catch (err) {
      throw databaseError('error verifying connection: ping failed', err, this.secrets);
    } finally {
      client.release();
    }
  }

  /** Whether a role named `username` exists (static roles must name an existing user). */
  async userExists(username: string): Promise<boolean> {
    return this.withClient('unable to look up user', async (client) => {
      const rows = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      return rows.rowCount === 1;
    });
  }

  /** Creates a user by running `statements` with name/password/expiration in one transaction. */
  async createUser(
    statements: string[],
    username: string,
    password: string,
    expiresWallMs: number,
  ): Promise<void> {
    const vars = {
      name: username,
      username,
      password: passwordForStatement(password, this.auth),
      expiration: formatExpiration(expiresWallMs),
    };
    await this.transaction('failed to execute query', expandStatements(statements, vars), [password]);
  }

  /** Moves the user's `VALID UNTIL` (or runs `renew_statements`). */
  async changeExpiration(username: string, expiresWallMs: number, statements: string[]): Promise<void> {
    const stmts = statements.length > 0 ? statements : [defaultRenewStatement];
    const vars = { name: username, username, expiration: formatExpiration(expiresWallMs) };
    await this.transaction('failed to renew user', expandStatements(stmts, vars), []);
  }

  /** Sets a new password (rotation statements, or Vault's default ALTER ROLE ... PASSWORD). */
  async changePassword(username: string, password: string, statements: string[]): Promise<void> {
    const stmts = statements.length > 0 ? statements : [defaultChangePasswordStatement];
    const vars = { name: username, username, password: passwordForStatement(password, this.auth) };
    await this.transaction('failed to execute query', expandStatements(stmts, vars), [password]);
  }

  /** Drops the user: `statements` in a transaction, or the default revocation. Idempotent. */
  async deleteUser(username: string, statements: string[]): Promise<void> {
    if (statements.length > 0) {
      await this.transaction(
        'failed to revoke user',
        expandStatements(statements, { name: username, username }),
        [],
      );
      return;
    }
    await this.serial.run('user-change', () =>
      this.withClient('failed to revoke user', (client) => defaultDeleteUser(client, username)),
    );
  }

  /** Closes the pool (config change, delete, rotate-root, unmount, seal). */
  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  private async transaction(what: string, queries: string[], extraSecrets: string[]): Promise<void> {
    await this.serial.run('user-change', () => this.transactionNow(what, queries, extraSecrets));
  }

  private async transactionNow(what: string, queries: string[], extraSecrets: string[]): Promise<void> {
    await this.withClient(
      what,
      async (client) => {
        await client.query('BEGIN');
        try {
          for (const query of queries) await client.query(query);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      },
      extraSecrets,
    );
  }

  private async withClient<T>(
    what: string,
    work: (client: pg.PoolClient) => Promise<T>,
    extraSecrets: string[] = [],
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw databaseError('unable to get connection', err, this.secrets);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      throw databaseError(what, err, [...this.secrets, ...extraSecrets]);
    } finally {
      // A client whose query failed at the protocol level is discarded, not reused.
      client.release(broken !== undefined && !('code' in broken) ? broken : undefined);
    }
  }
}

/**
 * Vault's default revocation, plus ending the user's sessions (dropping a role does not
 * disconnect it): revoke table/sequence privileges and schema usage in every schema it holds
 * column grants in and in `public`, revoke CONNECT on the current database, terminate its
 * backends, DROP ROLE IF EXISTS. Revocations are not transactional (remove as much as possible);
 * any failure fails the call so the lease manager retries.
 */
async function defaultDeleteUser(client: pg.PoolClient, username: string): Promise<void> {
  const exists = await client.query<{ exists: boolean }>(
    'SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1)',
    [username],
  );
  if (exists.rows[0]?.exists !== true) return;
  const user = quoteIdentifier(username);
  const schemas = await client.query<{ table_schema: string }>(
    'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1',
    [username],
  );
  const revocations: string[] = [];
  for (const { table_schema: schema } of schemas.rows) {
    revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdentifier(schema)} FROM ${user}`);
    revocations.push(`REVOKE USAGE ON SCHEMA ${quoteIdentifier(schema)} FROM ${user}`);
  }
  revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${user}`);
  revocations.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${user}`);
  revocations.push(`REVOKE USAGE ON SCHEMA public FROM ${user}`);
  const db = await client.query<{ current_database: string | null }>('SELECT current_database()');
  const dbName = db.rows[0]?.current_database;
  if (typeof dbName === 'string')
    revocations.push(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(dbName)} FROM ${user}`);
  let last: unknown;
  for (const query of revocations) {
    try {
      await client.query(query);
    } catch (err) {
      last = err;
    }
  }
  if (last !== undefined) throw last;
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [username]);
  await client.query(`DROP ROLE IF EXISTS ${user}`);
}
