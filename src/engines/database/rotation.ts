/**
 * Static-role password rotation (Vault's rotation.go, without its WAL): a new generated password
 * is set in PostgreSQL by the role's rotation statements (default `ALTER ROLE ... WITH PASSWORD`)
 * and only then stored with `last_vault_rotation`. Rotations of one role are serialised by the
 * mount's lock on the role name. `rotateDue` is the engine's periodic hook: every role whose
 * `last_vault_rotation + rotation_period` has passed on the injected clock is rotated; a failure
 * leaves that role due (the next tick retries) and is reported after the others were tried.
 */
import { ArcaError } from '../../lib/errors.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { DatabaseContext } from './context.js';
import { generatePassword } from './credentials.js';
import { keys, readStaticRole, writeRecord } from './store.js';
import type { StaticRole } from './types.js';

/** When `role` is next due, wall-clock ms. */
export function nextRotationMs(role: StaticRole): number {
  return role.last_vault_rotation_ms + role.rotation_period * 1000;
}

/**
 * Sets a new password for `role` (already loaded, under its lock) and stores it. Returns the
 * stored role. Throws (sanitized) when the database refuses; nothing is stored then.
 */
export async function rotateStaticPassword(
  ctx: DatabaseContext,
  storage: StorageView,
  name: string,
  role: StaticRole,
): Promise<StaticRole> {
  const { db } = await ctx.connections.get(storage, role.db_name);
  const password = generatePassword();
  await db.changePassword(role.username, password, role.rotation_statements);
  const next: StaticRole = { ...role, password, last_vault_rotation_ms: ctx.clock.wallMs() };
  await writeRecord(storage, keys.staticRole(name), next);
  return next;
}

/** Rotates `name` now (rotate-role), under its lock. */
export async function rotateNow(ctx: DatabaseContext, storage: StorageView, name: string): Promise<boolean> {
  return ctx.locks.run(`static-role/${name}`, async () => {
    const role = await readStaticRole(storage, name);
    if (role === undefined) return false;
    await rotateStaticPassword(ctx, storage, name, role);
    return true;
  });
}

/** The periodic hook: rotates every static role that is due. */
export async function rotateDue(ctx: DatabaseContext, storage: StorageView): Promise<void> {
  const failures: string[] = [];
  for (const name of await storage.list('static-role/')) {
    if (name.endsWith('/')) continue;
    try {
      await ctx.locks.run(`static-role/${name}`, async () => {
        const role = await readStaticRole(storage, name);
        if (role === undefined || nextRotationMs(role) > ctx.clock.wallMs()) return;
        await rotateStaticPassword(ctx, storage, name, role);
      });
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length > 0)
    throw new ArcaError(
      'internal',
      `static role rotation failed (retried next tick): ${failures.join('; ')}`,
    );
}
