/**
 * Raft configuration, in ticks (the driver decides how long a tick is). `resolveConfig` fills the
 * defaults and rejects invalid settings up front.
 */
import { assert } from '../lib/assert.js';
import { limits } from '../lib/limits.js';
import type { Rng } from '../lib/rng.js';
import { noMutations, type RaftMutations } from './mutations.js';
import type { RaftStorage } from './ports.js';
import type { NodeId } from './types.js';

/** What a node needs to run the Raft core. */
export interface RaftConfig {
  id: NodeId;
  /** Read-side, synchronous view of the persisted log (ports.ts). */
  storage: RaftStorage;
  /** Election jitter only. */
  rng: Rng;
  /** Ticks without a leader before a follower campaigns (randomised in [t, 2t)). Default 10. */
  electionTimeoutTicks: number;
  /** Ticks between leader heartbeats. Default 1. */
  heartbeatIntervalTicks: number;
  /** Last index applied to the state machine before a restart. */
  appliedIndex?: number;
  /** Largest MsgApp payload (entries' data bytes); one entry is always allowed. */
  maxSizePerMsgBytes?: number;
  /** MsgApp messages in flight to one follower in replicate state. */
  maxInflightMsgs?: number;
  /** Entry bytes in flight to one follower (bandwidth-delay bound); 0 = no byte bound. */
  maxInflightBytes?: number;
  /** Uncommitted entry bytes a leader accepts before `propose` throws 'unavailable'. */
  maxUncommittedEntriesBytes?: number;
  /** Committed entry bytes handed out in one Ready (one entry is always allowed). */
  maxCommittedSizePerReadyBytes?: number;
  /** InstallSnapshot chunk size. */
  snapshotChunkBytes?: number;
  /** Largest snapshot a follower will assemble. */
  maxSnapshotBytes?: number;
  /** Pre-vote (thesis §9.6). Default true. */
  preVote?: boolean;
  /** Leader steps down without a recently active quorum; followers honour the leader lease. Default true. */
  checkQuorum?: boolean;
  /** TEST-ONLY fault injection. */
  mutations?: RaftMutations;
}

/** A config with every default filled in. */
export type ResolvedConfig = Required<Omit<RaftConfig, 'appliedIndex'>> & {
  appliedIndex: number | undefined;
};

/** Fills defaults and validates; throws an AssertionError on a programmer mistake. */
export function resolveConfig(config: RaftConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    id: config.id,
    storage: config.storage,
    rng: config.rng,
    electionTimeoutTicks: config.electionTimeoutTicks ?? 10,
    heartbeatIntervalTicks: config.heartbeatIntervalTicks ?? 1,
    appliedIndex: config.appliedIndex,
    maxSizePerMsgBytes: config.maxSizePerMsgBytes ?? limits.raftMessageBytesMax,
    maxInflightMsgs: config.maxInflightMsgs ?? limits.raftInflightMessagesMax,
    maxInflightBytes: config.maxInflightBytes ?? limits.raftInflightBytesMax,
    maxUncommittedEntriesBytes: config.maxUncommittedEntriesBytes ?? limits.raftUncommittedEntriesBytesMax,
    maxCommittedSizePerReadyBytes:
      config.maxCommittedSizePerReadyBytes ?? limits.raftCommittedBytesPerReadyMax,
    snapshotChunkBytes: config.snapshotChunkBytes ?? limits.raftSnapshotChunkBytes,
    maxSnapshotBytes: config.maxSnapshotBytes ?? limits.raftSnapshotBytesMax,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    mutations: config.mutations ?? noMutations,
  };
  assert(resolved.id !== '', 'raft: id must not be empty');
  assert(resolved.heartbeatIntervalTicks > 0, 'raft: heartbeat interval must be > 0');
  assert(
    resolved.electionTimeoutTicks > resolved.heartbeatIntervalTicks,
    'raft: election timeout must be greater than the heartbeat interval',
  );
  assert(resolved.maxInflightMsgs > 0, 'raft: maxInflightMsgs must be > 0');
  assert(resolved.snapshotChunkBytes > 0, 'raft: snapshotChunkBytes must be > 0');
  return resolved;
}
