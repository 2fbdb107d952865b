/**
 * Everything core keeps while unsealed, built by the post-unseal setup and dropped by the pre-seal
 * teardown: cluster identity, policy store, token store, the expiration manager (one index for
 * leases and tokens) with the lease manager, mount tables and router.
 * Nothing here survives a seal, so no plaintext cache outlives the barrier's keys.
 */
import { object, str } from '../lib/shape.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import { uuidFrom } from './ids.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import { ExpirationManager } from './expiration.js';
import { LeaseManager } from './leases.js';
import type { LeaseTiming } from './leases-timing.js';
import { loginRenewalLimits } from './login-renewal.js';
import { UserLockout } from './user-lockout.js';
import { Mounts, type MountsDeps } from './mounts.js';
import { PolicyStore } from './policy-store.js';
import { ResponseWrapping } from './response-wrapping.js';
import { clearPrefix, jsonBytes, PrefixedStorageView, readJson } from './storage-view.js';
import { TokenStore, type TokenEntry } from './tokens/token-store.js';
import { mountTtls, resolvedLeaseTtls, type SystemLeaseTtls } from './ttl.js';

/** What the unsealed runtime needs: the mount table's own deps (minus what it builds) plus the barrier. */
export type RuntimeDeps = Pick<
  MountsDeps,
  'clock' | 'rng' | 'logger' | 'engines' | 'authEngines' | 'systemBackend'
> & {
  /** The barrier (or, on a standby, a read-only view of it: see standby-runtime.ts). */
  barrier: Pick<PhysicalBackend, 'get' | 'put' | 'delete' | 'list' | 'batch'>;
  clusterName?: string;
  /** The config's `default_lease_ttl` / `max_lease_ttl`: what a mount's (or token mount's) 0 means. */
  systemLeaseTtls: SystemLeaseTtls;
  /** ε, election timeout and retry budget of the expiration manager. */
  leaseTiming: LeaseTiming;
  /** Whether this node is the active one (expiry-driven revocation runs only then). */
  isActive: () => boolean;
  metrics?: ArcaMetrics;
  /**
   * A standby's read-only runtime: the expiration index is not restored (no expiry work ever runs
   * on a standby, and no lease or token expiry is registered there).
   */
  readOnly?: boolean;
};

/** Cluster identity, created on first unseal and kept behind the barrier. */
export interface ClusterInfo {
  name: string;
  id: string;
}

const clusterInfoKey = 'core/cluster/local/info';

export class UnsealedRuntime {
  private constructor(
    readonly cluster: ClusterInfo,
    readonly systemStorage: PrefixedStorageView,
    readonly policies: PolicyStore,
    readonly tokens: TokenStore,
    readonly expiration: ExpirationManager,
    readonly leases: LeaseManager,
    readonly mounts: Mounts,
    readonly systemLeaseTtls: SystemLeaseTtls,
    readonly wrapping: ResponseWrapping,
    readonly lockout: UserLockout,
  ) {}

  /** Post-unseal setup (also run once during init, on an empty store, to create the defaults). */
  static async start(deps: RuntimeDeps): Promise<UnsealedRuntime> {
    const root = new PrefixedStorageView(deps.barrier, '');
    const cluster = await loadClusterInfo(root, deps);
    const systemStorage = root.sub('sys/');
    const policies = new PolicyStore(systemStorage);
    await policies.ensureDefaults();
    // The token store, the lease manager and the mounts refer to each other (token backend ↔
    // cubbyhole cleanup, leases ↔ the engines that revoke them).
    const ref: { mounts?: Mounts; tokens?: TokenStore } = {};
    // One expiration manager for leases and tokens; its activation grace starts now.
    const expiration = new ExpirationManager({
      clock: deps.clock,
      logger: deps.logger,
      timing: deps.leaseTiming,
      isActive: deps.isActive,
      metrics: deps.metrics,
    });
    const leases = new LeaseManager({
      storage: systemStorage,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger,
      timing: deps.leaseTiming,
      expiration,
      metrics: deps.metrics,
      resolveMount: (path) => ref.mounts?.router.match(path)?.route,
      mountTtls: (path) => {
        const entry = ref.mounts?.router.match(path)?.route.entry;
        const system = deps.systemLeaseTtls;
        return entry === undefined
          ? { defaultSeconds: system.defaultLeaseTtlSeconds, maxSeconds: system.maxLeaseTtlSeconds }
          : mountTtls(entry.config, system);
      },
      tokenExists: async (accessor) => (await ref.tokens?.lookupByAccessor(accessor)) !== undefined,
    });
    const tokens = new TokenStore({
      storage: systemStorage.sub('token/'),
      clock: deps.clock,
      expiry: expiration.tracker('token'),
      ...deps.systemLeaseTtls,
      maxClockOffsetMs: deps.leaseTiming.maxClockOffsetMs,
      onRevoke: async (entry) => {
        await leases.revokeByToken(entry.accessor);
        await dropCubbyhole(ref.mounts, entry);
      },
      policyExists: async (name) => name === 'root' || (await policies.readText(name)) !== undefined,
      // "Root or sudo" (orphans, custom ids, periods, revoke-orphan, LIST accessors) is the ACL's sudo.
      hasSudo: async (names, path) => (await policies.aclFor(names)).hasSudo(path),
      loginRenewal: (entry) => loginRenewalLimits(ref.mounts, deps.systemLeaseTtls, entry),
    });
    ref.tokens = tokens;
    await tokens.initialize();
    expiration.setHandler('token', tokens.expiryHandler());
    // A standby's read-only runtime never expires anything: no index to restore.
    if (deps.readOnly !== true) await expiration.restore();
    const mounts = new Mounts({
      barrier: deps.barrier,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger,
      engines: deps.engines,
      authEngines: deps.authEngines,
      systemBackend: deps.systemBackend,
      tokenBackend: tokens.backend(),
      onDisable: async (mountPoint) => {
        // Vault: a mount's leases are revoked (synchronously) before it goes; a failure keeps it.
        // Disabling an auth method revokes every token its logins minted (Vault's RevokePrefix).
        if (mountPoint.startsWith('auth/')) await tokens.revokeByPathPrefix(mountPoint);
        await leases.revokePrefix(mountPoint, { sync: true });
      },
      onTune: (entry) => {
        if (entry.kind === 'auth' && entry.type === 'token')
          tokens.configureLeaseTtls(resolvedLeaseTtls(entry.config, deps.systemLeaseTtls));
      },
    });
    ref.mounts = mounts;
    await mounts.setup();
    const tokenMount = mounts.list('auth').find((e) => e.type === 'token');
    if (tokenMount !== undefined)
      tokens.configureLeaseTtls(resolvedLeaseTtls(tokenMount.config, deps.systemLeaseTtls));
    return new UnsealedRuntime(
      cluster,
      systemStorage,
      policies,
      tokens,
      expiration,
      leases,
      mounts,
      deps.systemLeaseTtls,
      new ResponseWrapping({
        tokens,
        clock: deps.clock,
        cubbyhole: () => cubbyholeRoute(mounts)?.storage,
      }),
      new UserLockout(systemStorage.sub('locked-users/'), deps.clock),
    );
  }

  /** Pre-seal teardown: engines clean up, caches go. */
  async stop(): Promise<void> {
    this.expiration.stop();
    await this.mounts.teardown();
    this.policies.clearCaches();
    this.tokens.close();
  }
}

async function loadClusterInfo(root: PrefixedStorageView, deps: RuntimeDeps): Promise<ClusterInfo> {
  const stored = await readJson(root, clusterInfoKey, object<ClusterInfo>({ name: str, id: str }));
  if (stored !== undefined) return stored;
  const id = uuidFrom(deps.rng);
  const info = { name: deps.clusterName ?? `vault-cluster-${id.slice(0, 8)}`, id };
  await root.put(clusterInfoKey, jsonBytes(info));
  return info;
}

/**
 * A revoked token's cubbyhole goes with it. The cubbyhole engine keys its storage by
 * `auth.tokenIdHash`, one folder per token (`<idHash>/...`).
 */
async function dropCubbyhole(mounts: Mounts | undefined, entry: TokenEntry): Promise<void> {
  const route = mounts === undefined ? undefined : cubbyholeRoute(mounts);
  if (route !== undefined) await clearPrefix(route.storage, `${entry.idHash}/`);
}

/** The cubbyhole mount's route (response wrapping stores into it directly). */
function cubbyholeRoute(mounts: Mounts): ReturnType<Mounts['router']['all']>[number] | undefined {
  return mounts.router.all().find((r) => r.entry.type === 'cubbyhole');
}
