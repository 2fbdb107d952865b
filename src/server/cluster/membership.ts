/**
 * Membership → transport: the Noise listener's accept list and the dial list come from the Raft
 * configuration's members (their replicated `MemberInfo`: node id, cluster address, public key),
 * never from a hand-kept list. A member removed from the configuration is dropped from the
 * transport at once (its links and inbound connections are closed and its key no longer passes
 * the handshake).
 *
 * Before a joining node has applied a configuration that contains it, it knows the cluster only
 * from the join answer's peer list (`setJoinPeers`); those entries are used until the replicated
 * configuration takes over.
 *
 * Also the Raft transport's `NodeDirectory` (node id ↔ peer id) and a per-member "last heard
 * from" clock for autopilot.
 */
import type { NodeDirectory } from './raft-transport.js';
import type { ClusterLogger } from './logger.js';
import type { ClusterTransport } from './transport.js';

/** What a member advertises (the same shape RaftStorage replicates). */
export interface MemberInfo {
  nodeId: string;
  apiAddr: string;
  clusterAddr: string;
  publicKey: string;
}

/** A member of the applied configuration. */
export interface Member {
  info: MemberInfo;
  voter: boolean;
}

/** Keeps the transport's peers equal to the configuration's members. */
export class MembershipSync implements NodeDirectory {
  private byNode = new Map<string, MemberInfo>();
  private byPeer = new Map<string, string>();
  private joinPeers: MemberInfo[] = [];
  private members: Member[] = [];
  private readonly lastContactMs = new Map<string, number>();

  constructor(
    private readonly transport: ClusterTransport,
    private readonly self: MemberInfo,
    private readonly logger: ClusterLogger,
    private readonly nowMs: () => number,
  ) {}

  /** Applies the replicated configuration (call on start and on every change). */
  update(members: readonly Member[]): void {
    this.members = [...members];
    if (members.some((m) => m.info.nodeId === this.self.nodeId)) this.joinPeers = [];
    this.apply();
  }

  /** The cluster as a join answer described it, until the configuration arrives. */
  setJoinPeers(peers: readonly MemberInfo[]): void {
    this.joinPeers = [...peers];
    this.apply();
  }

  /** Members of the applied configuration (a copy). */
  current(): Member[] {
    return [...this.members];
  }

  peerIdOf(nodeId: string): string | undefined {
    return this.byNode.get(nodeId)?.publicKey;
  }

  nodeIdOf(peerId: string): string | undefined {
    return this.byPeer.get(peerId);
  }

  infoOf(nodeId: string): MemberInfo | undefined {
    return this.byNode.get(nodeId);
  }

  /** Records that a Raft message from `nodeId` arrived now. */
  heardFrom(nodeId: string): void {
    this.lastContactMs.set(nodeId, this.nowMs());
  }

  /** Milliseconds since the last Raft message from `nodeId` (undefined: never heard). */
  sinceLastContactMs(nodeId: string): number | undefined {
    const at = this.lastContactMs.get(nodeId);
    return at === undefined ? undefined : this.nowMs() - at;
  }

  private apply(): void {
    const infos = [...this.joinPeers, ...this.members.map((m) => m.info)];
    const byNode = new Map<string, MemberInfo>();
    for (const info of infos) {
      if (info.publicKey === '' || info.clusterAddr === '') continue; // metadata not replicated yet
      byNode.set(info.nodeId, info);
    }
    byNode.set(this.self.nodeId, this.self);
    this.byNode = byNode;
    this.byPeer = new Map([...byNode.values()].map((info) => [info.publicKey, info.nodeId] as const));
    const peers = new Map<string, string>();
    for (const info of byNode.values()) {
      if (info.nodeId !== this.self.nodeId) peers.set(info.publicKey, info.clusterAddr);
    }
    this.logger.debug({ peers: [...byNode.keys()] }, 'cluster membership applied to the transport');
    this.transport.setPeers(peers);
  }
}
