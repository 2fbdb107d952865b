/**
 * The system backend mounted at `sys/`: core's own administrative API, assembled from one file per
 * area. It declares paths like any engine so fields, 404 and 405 behave the same everywhere.
 */
import type { Backend, PathSpec } from '../../logical/backend.js';
import type { SystemContext } from './context.js';
import { counterPaths } from './counter-paths.js';
import { hostInfoPaths } from './host-info.js';
import { mountPaths } from './mount-paths.js';
import { policyAndCapabilityPaths } from './policy-paths.js';
import { sealPaths } from './seal-paths.js';

/**
 * `extraPaths` are sys paths other subsystems contribute through the composition root (audit
 * devices, leases, metrics); they are matched after core's own, so they cannot shadow them.
 */
export function systemBackend(ctx: SystemContext, extraPaths: readonly PathSpec[] = []): Backend {
  return {
    type: 'system',
    paths: [
      ...sealPaths(ctx),
      ...mountPaths(ctx),
      ...policyAndCapabilityPaths(ctx),
      ...counterPaths(ctx),
      ...hostInfoPaths(ctx.clock),
      ...extraPaths,
    ],
  };
}
