/**
 * The sys paths core adds to the system backend beyond its context-driven ones: ceremonies,
 * keyring rotation config, audit devices, leases, response wrapping, locked users and metrics.
 * Each reads core's current unsealed runtime lazily, so a sealed or standby node answers with the
 * typed `sealed` error instead of touching stale state.
 */
import { ArcaError } from '../lib/errors.js';
import type { PathSpec } from '../logical/backend.js';
import type { AuditManager } from './audit/manager.js';
import type { Ceremonies } from './ceremony/ceremonies.js';
import type { KeyringRotation } from './keyring-rotation.js';
import type { UnsealedRuntime } from './runtime.js';
import { auditPaths } from './system/audit-paths.js';
import { leasePaths } from './system/lease-paths.js';
import { lockedUserPaths } from './system/locked-users-paths.js';
import { metricsPaths, type MetricsRenderer } from './system/metrics-paths.js';
import { rotateConfigPath } from './system/rotate-config-paths.js';
import { wrappingPaths } from './system/wrapping-paths.js';

/** What the extra sys paths need from core. */
export interface CoreSystemPathsDeps {
  ceremonies: Ceremonies;
  rotation: KeyringRotation;
  audit: () => AuditManager;
  runtime: () => UnsealedRuntime | undefined;
  /** The runtime of a finished unseal, else throws `sealed` (stricter than `runtime`). */
  unsealedRuntime: () => UnsealedRuntime;
  renderMetrics: MetricsRenderer;
  /** Paths the composition root adds (e.g. `sys/storage/raft/*`). */
  extra: PathSpec[];
}

/** Builds the extra sys paths, in match order. */
export function coreSystemPaths(deps: CoreSystemPathsDeps): PathSpec[] {
  const unsealed = (): UnsealedRuntime => {
    const rt = deps.runtime();
    if (rt === undefined) throw new ArcaError('sealed');
    return rt;
  };
  return [
    ...deps.ceremonies.paths,
    rotateConfigPath(() => {
      unsealed();
      return deps.rotation;
    }),
    ...auditPaths(deps.audit),
    ...leasePaths({
      leases: () => deps.unsealedRuntime().leases,
      mountAccessor: (path) => deps.runtime()?.mounts.router.match(path)?.route.entry.accessor ?? '',
    }),
    ...wrappingPaths(() => unsealed().wrapping),
    ...lockedUserPaths(deps.runtime),
    ...metricsPaths(deps.renderMetrics),
    ...deps.extra,
  ];
}
