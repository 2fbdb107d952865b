/**
 * What the system backend (sys/*) may ask of core. Core implements it; the sys path files only
 * see this interface, so each area (seal, mounts, policies, capabilities) stays a small module.
 */
import type { Clock } from '../../lib/clock.js';
import type { MountEntry, MountKind, MountTokenType, NewMount, UserLockoutConfig } from '../mount-table.js';
import type { PolicyStore } from '../policy-store.js';
import type { SealLifecycle } from '../lifecycle.js';

/** Barrier key status as sys/key-status shows it. */
export interface KeyStatusView {
  term: number;
  installTimeMs: number;
  encryptions: number;
}

/** Changes accepted by sys/mounts/<path>/tune (undefined = unchanged, 0 TTL = system default). */
export interface MountTune {
  defaultLeaseTtlSeconds?: number;
  maxLeaseTtlSeconds?: number;
  description?: string;
  options?: Record<string, string>;
  /** Auth mounts only. */
  tokenType?: MountTokenType;
  /** `unauth`, `hidden` or '' (unset). */
  listingVisibility?: string;
  /** `user_lockout_config` (auth mounts of lockout-capable methods). */
  userLockout?: UserLockoutConfig;
}

/** What sys/health, sys/leader and sys/ha-status show about this node's HA role. */
export interface HaStatusView {
  /** True with replicated (Raft) storage. */
  enabled: boolean;
  mode: 'sealed' | 'standby' | 'active';
  /** API and cluster address of the active node ('' when unknown). */
  leaderApiAddr: string;
  leaderClusterAddr: string;
  /** Wall ms this node became active (0 unless active). */
  activeSinceMs: number;
  /** A standby knows a leader (its forwarding target). */
  connectionHealthy: boolean;
  raftCommittedIndex?: number;
  raftAppliedIndex?: number;
  /** Every member, for sys/ha-status. */
  nodes: { nodeId: string; apiAddr: string; clusterAddr: string; active: boolean }[];
}

export interface SystemContext {
  clock: Clock;
  version: string;
  storageType: string;
  /** The config's `default_lease_ttl` / `max_lease_ttl` (what a mount's 0 TTL means). */
  systemLeaseTtls: { defaultLeaseTtlSeconds: number; maxLeaseTtlSeconds: number };
  lifecycle: SealLifecycle;
  /** This node's HA role and the active node's addresses. */
  haStatus(): HaStatusView;
  /** Cluster name and id once unsealed (they live behind the barrier). */
  clusterInfo(): { name: string; id: string } | undefined;
  keyStatus(): KeyStatusView;
  rotateKey(): Promise<void>;
  /** Init: returns shares (caller zeroises) and the root token. */
  initialize(secretShares: number, secretThreshold: number): Promise<{ shares: Buffer[]; rootToken: string }>;
  listMounts(kind: MountKind): readonly MountEntry[];
  enableMount(kind: MountKind, mount: NewMount): Promise<void>;
  disableMount(kind: MountKind, path: string): Promise<void>;
  tuneMount(kind: MountKind, path: string, tune: MountTune): Promise<void>;
  /** The mount serving a full request path, with its mount point (`secret/`, `auth/token/`). */
  mountFor(path: string): { entry: MountEntry; mountPoint: string } | undefined;
  policies(): PolicyStore;
  /** Sorted capabilities of `policies` on `path` (`["root"]` for root, `["deny"]` for none). */
  capabilities(policies: readonly string[], path: string): Promise<string[]>;
  /**
   * Whether `policies` grant anything on the mount or on `requestedPath` inside it
   * (sys/internal/ui/mounts).
   */
  hasMountAccess(policies: readonly string[], mountPoint: string, requestedPath?: string): Promise<boolean>;
  /** The policies of a token, without consuming a use; undefined when unknown/expired. */
  tokenPolicies(token: string): Promise<string[] | undefined>;
  /** How many service tokens are stored (sys/internal/counters/tokens). */
  serviceTokenCount(): Promise<number>;
  /** The policies of the token with this accessor; undefined when unknown/expired. */
  tokenPoliciesByAccessor(accessor: string): Promise<string[] | undefined>;
}
