/**
 * Autopilot on the active node (Vault's `sys/storage/raft/autopilot/*`): every tick it polls each
 * member's applied index and term over the cluster channel, promotes learners that have caught up
 * (unless they joined as non-voters), and — when `cleanup_dead_servers` is on — removes voters not
 * heard from for `dead_server_last_contact_threshold`, but never below `min_quorum` voters.
 *
 * Failure tolerance is honest: healthy voters minus the quorum of ALL voters (a dead voter that is
 * still configured lowers it, Vault issue #18004).
 *
 * The configuration and the non-voter marks are replicated through Raft (plain, non-secret
 * operator settings under `raft-meta/autopilot/`, a prefix the barrier never uses, like the member
 * records), so a new active node keeps them after a failover; a node has no in-memory copy.
 */
import { formatGoDuration, parseDurationSeconds } from '../../lib/durations.js';
import { ArcaError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { RaftStorage } from '../../storage/raft/raft-storage.js';
import {
  clusterHealth,
  deadVoterToRemove,
  defaultAutopilotConfig,
  isHealthy,
  type AutopilotConfig,
  type ServerObservation,
} from './autopilot-policy.js';
import type { ClusterLogger } from './logger.js';
import type { MembershipSync } from './membership.js';
import type { ClusterTransport } from './transport.js';

/** Storage key of the replicated autopilot configuration (JSON). */
export const autopilotConfigKey = 'raft-meta/autopilot/configuration';
/** Storage prefix of the replicated non-voter marks (one key per node id). */
export const autopilotNonVoterPrefix = 'raft-meta/autopilot/non-voter/';

/** RPC method: a member's Raft progress as it sees it. */
export const raftStatusMethod = 'raft.status';

interface PeerProgress {
  appliedIndex: number;
  term: number;
  atMs: number;
}

/** The autopilot of one node (acts only while its Raft storage leads). */
export class Autopilot {
  /** The replicated configuration as last read (refreshed every round and on every API call). */
  private config: AutopilotConfig = { ...defaultAutopilotConfig };
  private readonly progress = new Map<string, PeerProgress>();
  private readonly stableSince = new Map<string, number>();
  private ticking = false;

  constructor(
    private readonly transport: ClusterTransport,
    private readonly membership: MembershipSync,
    private readonly storage: () => RaftStorage | undefined,
    private readonly clock: Clock,
    private readonly logger: ClusterLogger,
    private readonly version: string,
  ) {
    transport.handle(raftStatusMethod, () => {
      const s = this.storage()?.status();
      return { appliedIndex: s?.appliedIndex ?? 0, term: s?.term ?? 0 };
    });
  }

  /**
   * Records (replicated) whether a joiner asked to stay a non-voter; a join without the flag
   * clears an old mark of the same node id. Written before the learner is added, so autopilot
   * never promotes it in between.
   */
  async setNonVoter(nodeId: string, nonVoter: boolean): Promise<void> {
    const storage = this.requireStorage();
    const key = `${autopilotNonVoterPrefix}${nodeId}`;
    if (nonVoter) await storage.put(key, new Uint8Array([1]));
    else if ((await storage.get(key)) !== undefined) await storage.delete(key);
  }

  /** One round (call every ~500 ms). Never throws. */
  async tick(): Promise<void> {
    const storage = this.storage();
    if (this.ticking || storage === undefined || !storage.isLeader()) return;
    this.ticking = true;
    try {
      this.config = await this.loadConfig(storage);
      await this.poll(storage);
      await this.promoteCaughtUp(storage);
      await this.removeDead(storage);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'autopilot round failed');
    } finally {
      this.ticking = false;
    }
  }

  /** `autopilot/configuration` read body (the replicated configuration). */
  async configurationBody(): Promise<Record<string, unknown>> {
    const c = await this.loadConfig(this.requireStorage());
    this.config = c;
    return {
      cleanup_dead_servers: c.cleanupDeadServers,
      last_contact_threshold: formatGoDuration(c.lastContactThresholdSeconds),
      dead_server_last_contact_threshold: formatGoDuration(c.deadServerLastContactThresholdSeconds),
      max_trailing_logs: c.maxTrailingLogs,
      min_quorum: c.minQuorum,
      server_stabilization_time: formatGoDuration(c.serverStabilizationTimeSeconds),
      disable_upgrade_migration: c.disableUpgradeMigration,
    };
  }

  /** `autopilot/configuration` update (only the fields given change), replicated through Raft. */
  async configure(data: Record<string, unknown>): Promise<void> {
    const storage = this.requireStorage();
    const next = { ...(await this.loadConfig(storage)) };
    const duration = (name: string): number | undefined =>
      data[name] === undefined ? undefined : parseDurationSeconds(data[name], name);
    const int = (name: string): number | undefined => {
      if (data[name] === undefined) return undefined;
      const n = Number(data[name]);
      if (!Number.isSafeInteger(n) || n < 0)
        throw new ArcaError('invalid_request', `${name} must be a non-negative integer`);
      return n;
    };
    const bool = (name: string): boolean | undefined => {
      const v = data[name];
      if (v === undefined) return undefined;
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw new ArcaError('invalid_request', `${name} must be a boolean`);
    };
    next.cleanupDeadServers = bool('cleanup_dead_servers') ?? next.cleanupDeadServers;
    next.lastContactThresholdSeconds = duration('last_contact_threshold') ?? next.lastContactThresholdSeconds;
    next.deadServerLastContactThresholdSeconds =
      duration('dead_server_last_contact_threshold') ?? next.deadServerLastContactThresholdSeconds;
    next.maxTrailingLogs = int('max_trailing_logs') ?? next.maxTrailingLogs;
    next.minQuorum = int('min_quorum') ?? next.minQuorum;
    next.serverStabilizationTimeSeconds =
      duration('server_stabilization_time') ?? next.serverStabilizationTimeSeconds;
    next.disableUpgradeMigration = bool('disable_upgrade_migration') ?? next.disableUpgradeMigration;
    if (next.cleanupDeadServers && next.minQuorum < 3) {
      throw new ArcaError(
        'invalid_request',
        'min_quorum must be set when cleanup_dead_servers is set and it should at least be 3',
      );
    }
    await storage.put(autopilotConfigKey, new Uint8Array(Buffer.from(JSON.stringify(next))));
    this.config = next;
  }

  private requireStorage(): RaftStorage {
    const storage = this.storage();
    if (storage === undefined) throw new ArcaError('not_initialized');
    return storage;
  }

  /** The replicated configuration, defaults for fields never set (or an unreadable record). */
  private async loadConfig(storage: RaftStorage): Promise<AutopilotConfig> {
    const raw = await storage.get(autopilotConfigKey);
    if (raw === undefined) return { ...defaultAutopilotConfig };
    let stored: unknown;
    try {
      stored = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      this.logger.warn(
        { key: autopilotConfigKey },
        'autopilot: unreadable stored configuration; using defaults',
      );
      return { ...defaultAutopilotConfig };
    }
    const out: AutopilotConfig = { ...defaultAutopilotConfig };
    if (stored !== null && typeof stored === 'object') {
      const record = stored as Record<string, unknown>;
      for (const name of Object.keys(out) as (keyof AutopilotConfig)[]) {
        const value = record[name];
        if (typeof value === typeof out[name]) (out as unknown as Record<string, unknown>)[name] = value;
      }
    }
    return out;
  }

  /** `autopilot/state` body (Vault's shape). */
  stateBody(): Record<string, unknown> {
    const storage = this.storage();
    if (storage === undefined) throw new ArcaError('not_initialized');
    const status = storage.status();
    const leader = storage.leaderId() ?? '';
    const now = this.clock.monotonicMs();
    const members = storage.members();
    const observed = this.observe(storage);
    const servers: Record<string, unknown> = {};
    for (const [i, m] of members.entries()) {
      const o = observed[i];
      const id = m.info.nodeId;
      const healthy = isHealthy(o, status.commit, this.config);
      servers[id] = {
        id,
        name: id,
        address: m.info.clusterAddr,
        node_status: o.lastContactMs !== undefined && healthy ? 'alive' : 'failed',
        last_contact: o.lastContactMs === undefined ? 'never' : `${(o.lastContactMs / 1000).toFixed(3)}s`,
        last_term: id === status.id ? status.term : (this.progress.get(id)?.term ?? 0),
        last_index: o.lastIndex,
        healthy,
        stable_since: new Date(this.clock.wallMs() - (now - (this.stableSince.get(id) ?? now))).toISOString(),
        status: id === leader ? 'leader' : m.voter ? 'voter' : 'non-voter',
        version: this.version,
        node_type: m.voter ? 'voter' : 'non-voter',
      };
    }
    const health = clusterHealth(observed, status.commit, this.config);
    return {
      healthy: health.healthy,
      failure_tolerance: health.failureTolerance,
      optimistic_failure_tolerance: health.optimisticFailureTolerance,
      leader,
      voters: members.filter((m) => m.voter).map((m) => m.info.nodeId),
      servers,
    };
  }

  /** One observation per member, in `members()` order. */
  private observe(storage: RaftStorage): ServerObservation[] {
    const status = storage.status();
    const now = this.clock.monotonicMs();
    return storage.members().map((m) => {
      const id = m.info.nodeId;
      if (id === status.id)
        return { nodeId: id, voter: m.voter, lastContactMs: 0, lastIndex: status.appliedIndex };
      const p = this.progress.get(id);
      // Never answered: silent since it was first seen in the configuration.
      const since = p?.atMs ?? this.stableSince.get(id);
      return {
        nodeId: id,
        voter: m.voter,
        lastContactMs: since === undefined ? undefined : now - since,
        lastIndex: p?.appliedIndex ?? 0,
      };
    });
  }

  private async poll(storage: RaftStorage): Promise<void> {
    const now = this.clock.monotonicMs();
    await Promise.all(
      storage.members().map(async (m) => {
        const id = m.info.nodeId;
        if (!this.stableSince.has(id)) this.stableSince.set(id, now);
        if (id === storage.status().id) return;
        const peerId = this.membership.peerIdOf(id);
        if (peerId === undefined) return;
        try {
          const r = (await this.transport.call(peerId, raftStatusMethod, null, {
            timeoutMs: 1_000,
          })) as PeerProgress;
          this.progress.set(id, {
            appliedIndex: Number(r.appliedIndex) || 0,
            term: Number(r.term) || 0,
            atMs: this.clock.monotonicMs(),
          });
        } catch {
          // Unreachable this round: its last contact ages.
        }
      }),
    );
  }

  private async promoteCaughtUp(storage: RaftStorage): Promise<void> {
    const commit = storage.status().commit;
    const nonVoters = new Set(await storage.list(autopilotNonVoterPrefix));
    for (const m of storage.members()) {
      if (m.voter || nonVoters.has(m.info.nodeId)) continue;
      const p = this.progress.get(m.info.nodeId);
      if (p === undefined || commit - p.appliedIndex > this.config.maxTrailingLogs) continue;
      this.logger.info({ nodeId: m.info.nodeId }, 'autopilot: promoting caught-up learner to voter');
      await storage.promote(m.info.nodeId);
    }
  }

  private async removeDead(storage: RaftStorage): Promise<void> {
    const id = deadVoterToRemove(this.observe(storage), storage.status().id, this.config);
    if (id === undefined) return;
    this.logger.warn({ nodeId: id }, 'autopilot: removing dead server');
    await storage.removeMember(id);
    this.progress.delete(id);
    this.stableSince.delete(id);
  }
}
