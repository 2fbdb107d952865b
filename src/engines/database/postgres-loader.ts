/**
 * Opens a `PostgresDatabase`, loading `pg` (and postgres.ts) on first use: a server that never
 * configures a database connection does not pay for the driver at startup (issue 16: startup to the
 * first 200 under 500 ms).
 */
import type { PostgresDatabase } from './postgres.js';
import type { ConnectionDetails } from './types.js';

/** A new pool for `details` (nothing is connected until it is used, as `new PostgresDatabase`). */
export async function openPostgres(details: ConnectionDetails): Promise<PostgresDatabase> {
  const { PostgresDatabase: Database } = await import('./postgres.js');
  return new Database(details);
}
