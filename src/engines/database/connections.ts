/**
 * The engine's live connections: one `PostgresDatabase` (one pool) per config name, opened on first
 * use from the stored config and closed when the config changes, is deleted or reset, after
 * rotate-root, and on mount cleanup (unmount, seal). Like Vault's `b.connections`.
 */
import type { StorageView } from '../../logical/storage-view.js';
import { ArcaError } from '../../lib/errors.js';
import type { PostgresDatabase } from './postgres.js';
import { openPostgres } from './postgres-loader.js';
import { readConfig } from './store.js';
import type { ConnectionConfig } from './types.js';

export class Connections {
  private readonly open = new Map<string, PostgresDatabase>();

  /** The connection for config `name`, opened from storage if needed; 400 when there is no such config. */
  async get(storage: StorageView, name: string): Promise<{ db: PostgresDatabase; config: ConnectionConfig }> {
    const config = await readConfig(storage, name);
    if (config === undefined)
      throw new ArcaError('invalid_request', `failed to find entry for connection with name: "${name}"`);
    let db = this.open.get(name);
    if (db === undefined) {
      db = await openPostgres(config.connection_details);
      this.open.set(name, db);
    }
    return { db, config };
  }

  /** Installs `db` as the connection of `name`, closing the one it replaces. */
  async replace(name: string, db: PostgresDatabase): Promise<void> {
    const old = this.open.get(name);
    this.open.set(name, db);
    if (old !== undefined && old !== db) await old.close();
  }

  /** Closes and forgets the connection of `name`. */
  async close(name: string): Promise<void> {
    const old = this.open.get(name);
    this.open.delete(name);
    await old?.close();
  }

  /** Closes every connection. */
  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((db) => db.close()));
  }
}
