/**
 * High availability: the port core takes from replicated storage (`HaBackend`; `RaftStorage`
 * satisfies it) and the rule core follows with it.
 *
 * The rule (ARCHITECTURE "Core states in a cluster"):
 * - sealed → unseal → STANDBY: the barrier is open, nothing else. No runtime, no caches above the
 *   barrier, no writes, no expiry work. Entries the state machine applies below the barrier are
 *   reported (`onApplied`); the barrier drops their cached plaintext and reloads the keyring when
 *   `core/keyring` changed (or everything after a snapshot install).
 * - the node leads → ACTIVE, only after an entry of its own term is applied (so every earlier
 *   leader's write is applied here): purge every cache, reload the keyring, build the runtime from
 *   storage (mounts, policies, tokens, leases, audit devices), then serve. Every write now goes
 *   through this node, so its caches stay valid while it leads.
 * - leadership lost → back to STANDBY at once (serving and expiry stop before anything else runs),
 *   then the runtime is torn down. A deposed leader never revokes: expiry work also starts with a
 *   ReadIndex round that a node without a quorum cannot complete.
 */
import { ArcaError } from '../lib/errors.js';
import type { Barrier } from '../storage/barrier/barrier.js';
import { keyringKey } from '../storage/barrier/reserved-keys.js';
import type { CoreLogger } from './mounts.js';
import type { HaStatusView } from './system/context.js';

/** The replicated storage's HA view (Raft: leadership, applied keys, ReadIndex). */
export interface HaBackend {
  isLeader(): boolean;
  onLeadershipChange(fn: (isLeader: boolean) => void): () => void;
  /** Leader: resolves once an entry of its current term is applied locally; rejects if deposed. */
  waitOwnTermApplied(): Promise<void>;
  /** Physical keys changed by each applied batch; `reset` when a snapshot replaced everything. */
  onApplied(fn: (keys: string[], reset: boolean) => void): () => void;
  /** Resolves once this node has applied everything committed before the call (ReadIndex). */
  linearizableRead(): Promise<void>;
  leaderId(): string | undefined;
  /** A member's advertised addresses (for sys/leader, sys/health, sys/ha-status). */
  memberInfo?(nodeId: string): { nodeId: string; apiAddr: string; clusterAddr: string } | undefined;
  /** Every member (sys/ha-status). */
  members?(): { info: { nodeId: string; apiAddr: string; clusterAddr: string }; voter: boolean }[];
  /** This node's id. */
  selfId?(): string;
  /** Raft indexes shown by sys/leader. */
  indexes?(): { commit: number; applied: number };
}

/** Core's HA mode: sealed, unsealed but not serving (standby), or serving (active). */
export type HaMode = 'sealed' | 'standby' | 'active';

/** What the controller asks of core. */
export interface HaHooks {
  /** Builds the runtime from storage (post-unseal setup). */
  startRuntime(): Promise<void>;
  /** Drains in-flight requests and drops the runtime. */
  stopRuntime(): Promise<void>;
}

/** Drives core's mode from leadership; see the module comment. */
export class HaController {
  private modeValue: HaMode = 'sealed';
  private activeSinceMs = 0;
  private readonly listeners = new Set<(mode: HaMode) => void>();
  private unsubscribe: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ha: HaBackend,
    private readonly barrier: Barrier,
    private readonly hooks: HaHooks,
    private readonly logger: CoreLogger,
    private readonly wallMs: () => number,
  ) {}

  mode(): HaMode {
    return this.modeValue;
  }

  /** Wall time the node became active (0 when not active). */
  activeSince(): number {
    return this.modeValue === 'active' ? this.activeSinceMs : 0;
  }

  onModeChange(fn: (mode: HaMode) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The barrier just opened: become standby, follow leadership and applied entries, and activate
   * now when this node leads (awaited, so an unseal on the leader returns a serving node).
   */
  async unsealed(): Promise<void> {
    this.setMode('standby');
    this.unsubscribe.push(
      this.ha.onApplied((keys, reset) => this.onApplied(keys, reset)),
      this.ha.onLeadershipChange((isLeader) => {
        if (isLeader) void this.activate().catch(() => undefined);
        else this.deposed();
      }),
    );
    if (this.ha.isLeader()) await this.activate();
  }

  /** The node is sealing: stop following; the caller tears the runtime down. */
  sealing(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.setMode('sealed');
  }

  /** Activation (serialised with deactivation); a no-op unless standby and leading. */
  activate(): Promise<void> {
    return this.serially(async () => {
      if (this.modeValue !== 'standby' || !this.ha.isLeader()) return;
      try {
        await this.ha.waitOwnTermApplied();
      } catch {
        return; // deposed before its term applied: stays standby
      }
      if (this.modeValue !== 'standby' || !this.ha.isLeader()) return;
      try {
        this.barrier.purgeCache();
        await this.barrier.reloadKeyring();
        await this.hooks.startRuntime();
      } catch (err) {
        // Deposed mid-way (writes refused) or storage trouble: stay a standby, never seal over it;
        // `retryActivation` (core's tick) tries again while this node still leads.
        this.logger.warn({ err }, 'ha: activation failed; staying standby');
        await this.hooks.stopRuntime().catch(() => undefined);
        return;
      }
      if (this.modeValue !== 'standby' || !this.ha.isLeader()) {
        await this.hooks.stopRuntime();
        return;
      }
      this.activeSinceMs = this.wallMs();
      this.setMode('active');
    });
  }

  /** A leader left in standby by a failed activation tries again (called from core's tick). */
  retryActivation(): void {
    if (this.modeValue === 'standby' && this.ha.isLeader()) void this.activate().catch(() => undefined);
  }

  /** Leadership lost: standby NOW (nothing serves or revokes from here on), then tear down. */
  private deposed(): void {
    if (this.modeValue !== 'active') return;
    this.setMode('standby');
    void this.serially(async () => {
      if (this.modeValue === 'active') return;
      await this.hooks.stopRuntime();
    }).catch((err: unknown) => this.logger.warn({ err }, 'ha: teardown after losing leadership failed'));
  }

  private onApplied(keys: string[], reset: boolean): void {
    if (this.modeValue === 'sealed') return;
    if (reset && this.modeValue === 'active') {
      // An operator restore replaced everything under the runtime: rebuild it from storage.
      this.setMode('standby');
      void this.serially(() => this.hooks.stopRuntime())
        .then(() => this.activate())
        .catch((err: unknown) => this.logger.warn({ err }, 'ha: rebuild after a restore failed'));
    }
    if (reset) this.barrier.purgeCache();
    else this.barrier.invalidate(keys);
    if (reset || keys.includes(keyringKey)) {
      this.barrier.reloadKeyring().catch((err: unknown) => {
        if (this.modeValue !== 'sealed') this.logger.warn({ err }, 'ha: keyring reload failed');
      });
    }
  }

  private setMode(mode: HaMode): void {
    if (this.modeValue === mode) return;
    this.modeValue = mode;
    for (const fn of this.listeners) {
      try {
        fn(mode);
      } catch (err) {
        this.logger.warn({ err }, 'ha: mode listener failed');
      }
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * The sys/health, sys/leader and sys/ha-status view of `ha`; without one, of the configured
 * `advertise` addresses (HA storage on a single node) or not enabled.
 */
export function haStatusView(
  ha: HaBackend | undefined,
  mode: HaMode,
  activeSinceMs: number,
  advertise: { haEnabled: boolean; apiAddr?: string; clusterAddr?: string } = { haEnabled: false },
): HaStatusView {
  if (ha === undefined) {
    // HA storage without an HA port (one node): it is the active node and advertises the
    // configured addresses (Vault's Core.Leader for a non-standby).
    const self = advertise.haEnabled && mode === 'active';
    return {
      enabled: advertise.haEnabled,
      mode,
      leaderApiAddr: self ? (advertise.apiAddr ?? '') : '',
      leaderClusterAddr: self ? (advertise.clusterAddr ?? '') : '',
      activeSinceMs,
      connectionHealthy: true,
      nodes: [],
    };
  }
  const leaderId = ha.leaderId();
  const leader = leaderId === undefined ? undefined : ha.memberInfo?.(leaderId);
  const indexes = ha.indexes?.();
  return {
    enabled: true,
    mode,
    leaderApiAddr: leader?.apiAddr ?? '',
    leaderClusterAddr: leader?.clusterAddr ?? '',
    activeSinceMs,
    connectionHealthy: leaderId !== undefined,
    ...(indexes === undefined
      ? {}
      : { raftCommittedIndex: indexes.commit, raftAppliedIndex: indexes.applied }),
    nodes: (ha.members?.() ?? []).map((m) => ({
      nodeId: m.info.nodeId,
      apiAddr: m.info.apiAddr,
      clusterAddr: m.info.clusterAddr,
      active: m.info.nodeId === leaderId,
    })),
  };
}

/**
 * Paths a standby answers itself; everything else is the active node's (forwarded by the server),
 * except `sys/metrics` and standby reads (standby-reads.ts).
 */
export const standbyLocalPaths: ReadonlySet<string> = new Set([
  'sys/init',
  'sys/unseal',
  'sys/seal-status',
  'sys/health',
  'sys/leader',
]);

/** A standby's answer to a request it does not serve locally. */
export function standbyRefusal(path: string): ArcaError {
  if (path === 'sys/seal') {
    // Vault: a standby cannot be sealed through the API (500 with this message).
    return new ArcaError('internal', 'vault cannot seal when in standby mode; please restart instead');
  }
  return new ArcaError('standby');
}
