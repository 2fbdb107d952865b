/**
 * The types of the async driver's API (`RaftNode`, node.ts): the application state machine it
 * applies to, the timer port it takes time from, its settings and its status. Kept apart from the
 * driver loop so the loop file stays about the loop; node.ts re-exports all of them.
 */
import type { Rng } from '../lib/rng.js';
import type { RaftConfig } from './config.js';
import type { LogStore, Transport } from './ports.js';
import type { ConfState, Entry, NodeId, SnapshotMeta } from './types.js';

/**
 * The replicated application. `apply` sees EVERY committed entry in index order (normal entries,
 * the leader's empty entries and configuration changes alike) so it can record its applied index
 * in the same write as the effect. A durable state machine reports `appliedIndex()`; entries at or
 * below it are not applied again after a restart (configuration changes still reach the core).
 */
export interface StateMachine {
  apply(entry: Entry): Promise<void> | void;
  /**
   * Optional: applies a run of consecutive committed entries at once (e.g. in ONE storage batch
   * with the applied index). When present the driver uses it instead of `apply`.
   */
  applyBatch?(entries: Entry[]): Promise<void> | void;
  /**
   * The serialised state as of the call. It must capture that state synchronously, before its
   * first `await` (a LevelDB iterator snapshot does): the driver builds snapshots off its loop
   * and keeps applying entries while this runs.
   */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's data; `meta` names the index it covers. */
  restore(data: Uint8Array, meta?: SnapshotMeta): Promise<void> | void;
  appliedIndex?(): number;
}

/** What a driver reports on a role, leader or term change (see `RaftNode.onStateChange`). */
export interface NodeStateChange {
  role: string;
  /** The known leader, '' when none. */
  leader: NodeId;
  term: number;
}

/** The timer port: ticks and timeouts. `schedule` returns a cancel function. */
export interface Timers {
  schedule(delayMs: number, fn: () => void): () => void;
}

/** Settings of a `RaftNode`; Raft's own knobs are in ticks, the driver's in milliseconds. */
export interface RaftNodeOptions {
  id: NodeId;
  logStore: LogStore;
  transport: Transport;
  stateMachine: StateMachine;
  rng: Rng;
  timers?: Timers;
  tickIntervalMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  /** Further core settings (preVote, checkQuorum, flow control…). */
  raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'appliedIndex'>>;
  /** Initial membership, used only if the log store is empty (a brand-new cluster member). */
  bootstrap?: ConfState;
  proposalTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Take a snapshot and compact once this many entries were applied since the last one. */
  snapshotThresholdEntries?: number;
  /** Entries kept behind a snapshot so slow followers can catch up without a snapshot. */
  snapshotTrailingEntries?: number;
  /**
   * Asked before every round of ticks: true while this member must not lead (the server's
   * clock-offset guard). The core never campaigns while fenced and a fenced leader steps down.
   */
  leadershipFenced?: () => boolean;
  /** Observes each synced log batch with the number of entries it carried (group commit metric). */
  onPersisted?: (entries: number) => void;
}

/** What `status()` reports: the core's view plus driver counters. */
export interface RaftNodeStatus {
  id: NodeId;
  term: number;
  commit: number;
  applied: number;
  leader: NodeId;
  role: string;
  confState: ConfState;
  /** Index of the last entry in this member's log (appended, not necessarily committed). */
  lastIndex: number;
  /** Index of the latest snapshot this member recorded or installed (0: none yet). */
  snapshotIndex: number;
  /** LogStore.persist calls so far (one per Ready that had anything to persist). */
  persistCount: number;
  /** Ticks dropped because the loop was busy (a slow disk) for longer than a heartbeat interval. */
  missedTicks: number;
  /** Set when the loop hit a fatal error (a failing disk, a broken invariant): the node is dead. */
  fatalError?: string;
}
