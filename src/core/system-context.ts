/**
 * Core's implementation of `SystemContext`: the sys backend's window onto the lifecycle, the
 * barrier and the unsealed runtime. Every runtime call checks the vault is unsealed (503 else).
 */
import { ArcaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Barrier } from '../storage/barrier/barrier.js';
import type { SealLifecycle } from './lifecycle.js';
import type { CeremonyRecorder } from './ceremony/ceremony-record.js';
import { routePathOf } from './mount-table.js';
import type { UnsealedRuntime } from './runtime.js';
import type { HaStatusView, SystemContext } from './system/context.js';
import type { SystemLeaseTtls } from './ttl.js';

export interface SystemContextDeps {
  clock: Clock;
  version: string;
  storageType: string;
  systemLeaseTtls: SystemLeaseTtls;
  lifecycle: SealLifecycle;
  ceremonyRecorder: CeremonyRecorder;
  barrier: Barrier;
  runtime(): UnsealedRuntime | undefined;
  haStatus(): HaStatusView;
}

export function buildSystemContext(deps: SystemContextDeps): SystemContext {
  const rt = (): UnsealedRuntime => {
    const runtime = deps.runtime();
    if (runtime === undefined) throw new ArcaError('sealed');
    return runtime;
  };
  const capabilities = async (policies: readonly string[], path: string): Promise<string[]> => {
    if (policies.includes('root')) return ['root'];
    const acl = await rt().policies.aclFor(policies);
    const caps = [...acl.capabilities(path)].sort();
    return caps.length === 0 ? ['deny'] : caps;
  };
  return {
    clock: deps.clock,
    version: deps.version,
    storageType: deps.storageType,
    systemLeaseTtls: deps.systemLeaseTtls,
    lifecycle: deps.lifecycle,
    ceremonyRecorder: deps.ceremonyRecorder,
    haStatus: () => deps.haStatus(),
    clusterInfo: () => deps.runtime()?.cluster,
    keyStatus: () => {
      rt();
      return deps.barrier.keyStatus();
    },
    rotateKey: async () => {
      rt();
      await deps.barrier.rotate();
    },
    initialize: (shares, threshold) => deps.lifecycle.init(shares, threshold),
    listMounts: (kind) => rt().mounts.list(kind),
    enableMount: (kind, mount) => rt().mounts.enable(kind, mount),
    disableMount: (kind, path) => rt().mounts.disable(kind, path),
    tuneMount: (kind, path, tune) => rt().mounts.tune(kind, path, tune),
    mountFor: (path) => {
      const match = rt().mounts.router.match(path.replace(/^\/+/, ''));
      if (match === undefined) return undefined;
      return { entry: match.route.entry, mountPoint: routePathOf(match.route.entry) };
    },
    policies: () => rt().policies,
    capabilities,
    hasMountAccess: async (policies, mountPoint, requestedPath) => {
      if (policies.includes('root')) return true;
      const acl = await rt().policies.aclFor(policies);
      return probePaths(mountPoint, requestedPath).some((p) => acl.capabilities(p).some((c) => c !== 'deny'));
    },
    tokenPolicies: async (token) => (await rt().tokens.lookup(token))?.policies,
    serviceTokenCount: async () => (await rt().tokens.listAccessors()).length,
    tokenPoliciesByAccessor: async (accessor) => (await rt().tokens.lookupByAccessor(accessor))?.policies,
  };
}

/**
 * Paths whose capabilities show access to a mount: the mount itself, the requested path, and for
 * KV v2 its `data/` and `metadata/` forms (the CLI asks about `secret/foo`, policies name
 * `secret/data/foo`).
 */
function probePaths(mountPoint: string, requestedPath: string | undefined): string[] {
  const paths = [mountPoint, `${mountPoint}*`];
  if (requestedPath !== undefined && requestedPath.startsWith(mountPoint)) {
    const rest = requestedPath.slice(mountPoint.length);
    paths.push(requestedPath, `${mountPoint}data/${rest}`, `${mountPoint}metadata/${rest}`);
  }
  return paths;
}
