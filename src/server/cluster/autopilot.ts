/**
 * Autopilot on the active node (Vault's `sys/storage/raft/autopilot/*`): every tick it polls each
 * member's applied index and term over the cluster channel, promotes learners that have caught up
 * (unless they joined as non-voters), and — when `cleanup_dead_servers` is on — removes voters not
 * heard from for `dead_server_last_contact_threshold`, but never below `min_quorum` voters.
 *
 * Failure tolerance is honest: healthy voters minus the quorum of ALL voters (a dead voter that is
 * still configured lowers it, Vault issue #18004).
 *
 * The configuration lives in memory on the node it was written to (not replicated): after a
 * failover the new active node starts from the defaults. Documented limitation.
 */
import { formatGoDuration, parseDurationSeconds } from '../../lib/durations.js';
import { ArcaError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { RaftStorage } from '../../storage/raft/raft-storage.js';
import type { ClusterLogger } from './logger.js';
import type { MembershipSync } from './membership.js';
import type { ClusterTransport } from './transport.js';

/** RPC method: a member's Raft progress as it sees it. */
export const raftStatusMethod = 'raft.status';

/** Vault's autopilot configuration (durations in seconds). */
export interface AutopilotConfig {
  cleanupDeadServers: boolean;
  lastContactThresholdSeconds: number;
  deadServerLastContactThresholdSeconds: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeSeconds: number;
  disableUpgradeMigration: boolean;
}

/** Vault's defaults. */
export const defaultAutopilotConfig: AutopilotConfig = {
  cleanupDeadServers: false,
  lastContactThresholdSeconds: 10,
  deadServerLastContactThresholdSeconds: 24 * 3600,
  maxTrailingLogs: 1000,
  minQuorum: 0,
  serverStabilizationTimeSeconds: 10,
  disableUpgradeMigration: false,
};

interface PeerProgress {
  appliedIndex: number;
  term: number;
  atMs: number;
}

/** The autopilot of one node (acts only while its Raft storage leads). */
export class Autopilot {
  private config: AutopilotConfig = { ...defaultAutopilotConfig };
  private readonly progress = new Map<string, PeerProgress>();
  private readonly stableSince = new Map<string, number>();
  private readonly nonVoters = new Set<string>();
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

  /** Marks a joiner that asked to stay a non-voter. */
  markNonVoter(nodeId: string): void {
    this.nonVoters.add(nodeId);
  }

  /** One round (call every ~500 ms). Never throws. */
  async tick(): Promise<void> {
    const storage = this.storage();
    if (this.ticking || storage === undefined || !storage.isLeader()) return;
    this.ticking = true;
    try {
      await this.poll(storage);
      await this.promoteCaughtUp(storage);
      await this.removeDead(storage);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'autopilot round failed');
    } finally {
      this.ticking = false;
    }
  }

  /** `autopilot/configuration` read body. */
  configurationBody(): Record<string, unknown> {
    const c = this.config;
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

  /** `autopilot/configuration` update (only the fields given change). */
  configure(data: Record<string, unknown>): void {
    const next = { ...this.config };
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
    this.config = next;
  }

  /** `autopilot/state` body (Vault's shape). */
  stateBody(): Record<string, unknown> {
    const storage = this.storage();
    if (storage === undefined) throw new ArcaError('not_initialized');
    const status = storage.status();
    const leader = storage.leaderId() ?? '';
    const members = storage.members();
    const servers: Record<string, unknown> = {};
    let healthyVoters = 0;
    const voters: string[] = [];
    for (const m of members) {
      const id = m.info.nodeId;
      const isSelf = id === status.id;
      const p = this.progress.get(id);
      const lastContactMs = isSelf ? 0 : p === undefined ? undefined : this.clock.monotonicMs() - p.atMs;
      const lastIndex = isSelf ? status.appliedIndex : (p?.appliedIndex ?? 0);
      const alive =
        lastContactMs !== undefined && lastContactMs <= this.config.lastContactThresholdSeconds * 1000;
      const caughtUp = status.commit - lastIndex <= this.config.maxTrailingLogs;
      const healthy = alive && caughtUp;
      if (m.voter) {
        voters.push(id);
        if (healthy) healthyVoters++;
      }
      servers[id] = {
        id,
        name: id,
        address: m.info.clusterAddr,
        node_status: alive ? 'alive' : 'failed',
        last_contact: lastContactMs === undefined ? 'never' : `${(lastContactMs / 1000).toFixed(3)}s`,
        last_term: isSelf ? status.term : (p?.term ?? 0),
        last_index: lastIndex,
        healthy,
        stable_since: new Date(
          this.clock.wallMs() -
            (this.clock.monotonicMs() - (this.stableSince.get(id) ?? this.clock.monotonicMs())),
        ).toISOString(),
        status: id === leader ? 'leader' : m.voter ? 'voter' : 'non-voter',
        version: this.version,
        node_type: m.voter ? 'voter' : 'non-voter',
      };
    }
    const quorum = Math.floor(voters.length / 2) + 1;
    const tolerance = Math.max(0, healthyVoters - quorum);
    return {
      healthy: healthyVoters === voters.length && voters.length > 0,
      failure_tolerance: tolerance,
      optimistic_failure_tolerance: Math.max(0, voters.length - quorum),
      leader,
      voters,
      servers,
    };
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
    for (const m of storage.members()) {
      if (m.voter || this.nonVoters.has(m.info.nodeId)) continue;
      const p = this.progress.get(m.info.nodeId);
      if (p === undefined || commit - p.appliedIndex > this.config.maxTrailingLogs) continue;
      this.logger.info({ nodeId: m.info.nodeId }, 'autopilot: promoting caught-up learner to voter');
      await storage.promote(m.info.nodeId);
    }
  }

  private async removeDead(storage: RaftStorage): Promise<void> {
    if (!this.config.cleanupDeadServers) return;
    const self = storage.status().id;
    const voters = storage.members().filter((m) => m.voter);
    for (const m of voters) {
      const id = m.info.nodeId;
      if (id === self) continue;
      const heard = this.progress.get(id)?.atMs ?? this.stableSince.get(id);
      if (heard === undefined) continue;
      const silentMs = this.clock.monotonicMs() - heard;
      if (silentMs < this.config.deadServerLastContactThresholdSeconds * 1000) continue;
      const remaining = storage.members().filter((v) => v.voter).length - 1;
      if (remaining < this.config.minQuorum) {
        this.logger.warn({ nodeId: id, remaining }, 'autopilot: dead server kept to respect min_quorum');
        return;
      }
      this.logger.warn({ nodeId: id }, 'autopilot: removing dead server');
      await storage.removeMember(id);
      this.progress.delete(id);
      this.stableSince.delete(id);
      return; // one removal per round
    }
  }
}
