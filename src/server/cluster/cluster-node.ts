/**
 * One cluster member's plumbing (the server's composition of src/server/cluster): its Raft node
 * id and Noise identity (kept in the raft path), the Noise transport bound to `cluster_addr`,
 * membership → transport sync, the Raft transport, the (possibly not yet opened) Raft storage and
 * request forwarding. Core is composed on top by raft-core.ts.
 *
 * Layout of the raft path: `node-id`, `node-identity.key` (0600), `raft/` (log + applied state).
 * A node with no `raft/` directory has never been part of a cluster: Raft opens when `sys/init`
 * bootstraps it or when its join is admitted (see deferred-raft.ts).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../lib/clock.js';
import { defaultMaxClockOffsetMs } from '../../lib/clock-offset.js';
import { ArcaError } from '../../lib/errors.js';
import type { ClockMetrics } from '../../lib/metrics.js';
import type { Rng } from '../../lib/rng.js';
import type { Message } from '../../raft/types.js';
import type { Transport } from '../../raft/ports.js';
import { RaftStorage } from '../../storage/raft/raft-storage.js';
import { formatPeerAddress, parsePeerAddress } from './address.js';
import { ClockGuard } from './clock-guard.js';
import { DeferredRaftStorage } from './deferred-raft.js';
import { RequestForwarding } from './forwarding.js';
import type { HaView } from './http-gate.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from './identity.js';
import type { ClusterLogger } from './logger.js';
import { MembershipSync, type MemberInfo } from './membership.js';
import { loadOrCreateNodeId } from './node-id.js';
import { raftTransport } from './raft-transport.js';
import { ClusterTransport } from './transport.js';

/** The prologue every Arca cluster handshake binds (a node of another protocol cannot connect). */
export const clusterProtocolId = 'arca-cluster/1';

/** Raft timing (ticks of `tickIntervalMs`). Defaults give 0.5-1 s elections: failover < 2 s. */
export interface RaftTiming {
  tickIntervalMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  snapshotThresholdEntries?: number;
  snapshotTrailingEntries?: number;
}

/** Default Raft timing for servers. */
export const defaultRaftTiming: RaftTiming = {
  tickIntervalMs: 50,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 2,
};

/** How to start a member. */
export interface ClusterNodeOptions {
  /** `storage "raft" { path }`. */
  path: string;
  /** `storage "raft" { node_id }`. */
  nodeId?: string;
  /** `cluster_addr` (URL): advertised to peers (they dial its host:port). */
  clusterAddr: string;
  /** Listener `cluster_address` (`host:port`): where to bind; default `cluster_addr`'s host:port. */
  clusterBindAddress?: string;
  /** `api_addr` (URL): advertised to the cluster (307 redirects, leader_address). */
  apiAddr: string;
  logger: ClusterLogger;
  clock: Clock;
  rng: Rng;
  timing?: Partial<RaftTiming>;
  /** Deadline of one forwarded request. */
  forwardTimeoutMs?: number;
  /** `max_clock_offset` (ms): the clock-offset guard fences this node beyond 0.8 of it. Default 500. */
  maxClockOffsetMs?: number;
  clockMetrics?: ClockMetrics;
}

/** A started member (Raft may not be open yet: see `storage.current`). */
export class ClusterNode {
  private opening: Promise<RaftStorage> | undefined;

  private constructor(
    private readonly options: ClusterNodeOptions,
    readonly identity: NodeIdentity,
    readonly self: MemberInfo,
    readonly transport: ClusterTransport,
    readonly membership: MembershipSync,
    readonly storage: DeferredRaftStorage,
    readonly forwarding: RequestForwarding,
    private readonly raft: Transport,
    /** Samples the members' clocks; while it fences this node, Raft never makes it leader. */
    readonly clockGuard: ClockGuard,
  ) {}

  /** Loads the identity, binds the cluster port, and opens Raft if this node already has state. */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const nodeId = await loadOrCreateNodeId(options.path, options.nodeId);
    const identity = await loadOrCreateNodeIdentity(options.path, options.logger);
    const url = new URL(options.clusterAddr);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || '8201');
    const bind =
      options.clusterBindAddress === undefined ? undefined : parsePeerAddress(options.clusterBindAddress);
    if (options.clusterBindAddress !== undefined && bind === undefined)
      throw new ArcaError(
        'invalid_field',
        `listener cluster_address ${options.clusterBindAddress} is not host:port`,
      );
    const transport = await ClusterTransport.start({
      identity,
      clusterId: clusterProtocolId,
      listen: bind ?? { host, port },
      logger: options.logger,
      rng: options.rng,
    });
    const self: MemberInfo = {
      nodeId,
      apiAddr: options.apiAddr,
      // Advertised: what peers dial (a proxy may stand in front of the bound port).
      clusterAddr: formatPeerAddress({ host, port: bind === undefined ? transport.address.port : port }),
      publicKey: identity.peerId,
    };
    const membership = new MembershipSync(transport, self, options.logger, () => options.clock.monotonicMs());
    const storage = new DeferredRaftStorage();
    storage.onMembersChange((members) => membership.update(members));
    const inner = raftTransport(transport, options.logger, membership);
    const raft: Transport = {
      send: (messages: Message[]) => inner.send(messages),
      onMessage: (handler) =>
        inner.onMessage((message) => {
          membership.heardFrom(message.from);
          handler(message);
        }),
    };
    const forwarding = new RequestForwarding({
      transport,
      logger: options.logger,
      timeoutMs: options.forwardTimeoutMs ?? 60_000,
      dedupeEntriesMax: 4096,
      connectWaitMs: 2_000,
      forwardedRequestApplied: (clientId, seq) =>
        storage.current?.forwardedRequestApplied(clientId, seq) ?? false,
    });
    const clockGuard = new ClockGuard({
      transport,
      membership,
      selfNodeId: nodeId,
      clock: options.clock,
      logger: options.logger,
      maxClockOffsetMs: options.maxClockOffsetMs ?? defaultMaxClockOffsetMs,
      ...(options.clockMetrics === undefined ? {} : { metrics: options.clockMetrics }),
    });
    clockGuard.start();
    const node = new ClusterNode(
      options,
      identity,
      self,
      transport,
      membership,
      storage,
      forwarding,
      raft,
      clockGuard,
    );
    if (await node.hasRaftState()) await node.openRaft(false);
    return node;
  }

  /** True when this node has been part of a cluster (its Raft directory exists). */
  async hasRaftState(): Promise<boolean> {
    try {
      await stat(join(this.options.path, 'raft'));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Makes this brand-new node a one-member cluster (the node where `sys/init` runs) and resolves
   * once it leads and has applied an entry of its own term (so it can take writes).
   */
  async bootstrap(): Promise<void> {
    const storage = await this.openRaft(true);
    const deadline = this.options.clock.monotonicMs() + 30_000;
    while (!storage.isLeader()) {
      if (this.options.clock.monotonicMs() > deadline)
        throw new ArcaError('unavailable', 'the new cluster did not elect this node in time');
      await new Promise<void>((resolve) => {
        const off = storage.onLeadershipChange(() => {
          off();
          resolve();
        });
        setTimeout(resolve, 100).unref();
      });
    }
    await storage.waitOwnTermApplied();
  }

  /** Opens Raft empty, for a node whose join the leader admitted; `peers` come from the answer. */
  async openForJoin(peers: readonly MemberInfo[]): Promise<RaftStorage> {
    this.membership.setJoinPeers(peers);
    return this.openRaft(false);
  }

  /** What the HTTP gate needs: this node's mode (from core) and the active node's addresses. */
  haView(mode: () => 'sealed' | 'standby' | 'active'): HaView {
    return {
      mode,
      active: () => {
        const leader = this.storage.leaderId();
        if (leader === undefined || leader === this.self.nodeId) return undefined;
        const info = this.membership.infoOf(leader);
        return info === undefined ? undefined : { peerId: info.publicKey, apiAddr: info.apiAddr };
      },
    };
  }

  /** Closes Raft, then the transport. */
  async close(): Promise<void> {
    this.clockGuard.stop();
    await this.opening?.catch(() => undefined);
    await this.storage.close();
    await this.transport.close();
  }

  private openRaft(bootstrap: boolean): Promise<RaftStorage> {
    if (this.opening !== undefined) {
      if (bootstrap) throw new ArcaError('already_initialized');
      return this.opening;
    }
    const timing = { ...defaultRaftTiming, ...this.options.timing };
    this.opening = RaftStorage.open({
      dir: join(this.options.path, 'raft'),
      self: this.self,
      transport: this.raft,
      rng: this.options.rng,
      clock: this.options.clock,
      bootstrap,
      logger: this.options.logger,
      leadershipFenced: () => this.clockGuard.fenced(),
      ...timing,
    }).then((storage) => {
      this.storage.attach(storage);
      return storage;
    });
    this.opening.catch(() => {
      this.opening = undefined;
    });
    return this.opening;
  }
}
