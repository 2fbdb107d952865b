/**
 * Engines' periodic hooks (Vault's PeriodicFunc), run by core's tick on the active node only. One
 * mount after another; `stillActive` is asked before each call so a node that lost leadership or
 * sealed mid-run calls no further engine. An engine's error is logged and the next tick retries.
 */
import type { Route } from './router.js';
import type { CoreLogger } from './mounts.js';

/** Calls `periodic` on every mounted engine that has one while `stillActive()` holds. */
export async function runEnginePeriodics(
  routes: Iterable<Route>,
  logger: CoreLogger,
  stillActive: () => boolean,
): Promise<void> {
  for (const route of routes) {
    if (route.backend.periodic === undefined) continue;
    if (!stillActive()) return;
    try {
      await route.backend.periodic({ storage: route.storage, mountPoint: route.mountPoint });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.warn({ path: route.mountPoint, error: message }, 'engine periodic function failed');
    }
  }
}
