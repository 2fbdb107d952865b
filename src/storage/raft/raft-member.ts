/**
 * The Raft member under `RaftStorage`: snapshot streams wrapped around the cluster transport
 * (snapshot-stream.ts) and the driver (`RaftNode`) over the LevelDB log store, with the state
 * store as its state machine. The state store IS the snapshot: taking one syncs it and hands Raft
 * a reference (snapshot-ref.ts), so no snapshot is ever copied into memory.
 */
import { limits } from '../../lib/limits.js';
import { RaftNode, systemTimers } from '../../raft/node.js';
import type { Entry, SnapshotMeta } from '../../raft/types.js';
import type { LevelLogStore } from './log-store-leveldb.js';
import type { RaftStorageOptions } from './raft-storage-options.js';
import { encodeSnapshotRef } from './snapshot-ref.js';
import { SnapshotStreams } from './snapshot-stream.js';
import type { StateStore } from './state-store.js';

/** What the storage does with committed entries and installed snapshots. */
export interface RaftMemberCallbacks {
  applyEntries(entries: Entry[]): Promise<void>;
  restoreState(data: Uint8Array, meta: SnapshotMeta | undefined): Promise<void>;
}

/** Builds (does not start) the member for `opts` over `logStore` and `state`. */
export function createRaftMember(
  opts: RaftStorageOptions,
  logStore: LevelLogStore,
  state: StateStore,
  callbacks: RaftMemberCallbacks,
): { node: RaftNode; streams: SnapshotStreams } {
  const streams = new SnapshotStreams({
    self: opts.self.nodeId,
    inner: opts.transport,
    state,
    timers: opts.timers ?? systemTimers,
    windowChunks: limits.raftSnapshotWindowChunks,
    resendIntervalMs: limits.raftSnapshotResendIntervalMs,
    onEvent: (event) => {
      if (event.kind === 'failed')
        opts.logger?.warn({ peer: event.peer, err: event.error }, 'raft: snapshot stream failed');
      opts.onSnapshotStream?.(event);
    },
  });
  const node = new RaftNode({
    id: opts.self.nodeId,
    logStore,
    transport: streams.transport,
    rng: opts.rng,
    ...(opts.timers !== undefined ? { timers: opts.timers } : {}),
    tickIntervalMs: opts.tickIntervalMs ?? 100,
    electionTimeoutTicks: opts.electionTimeoutTicks ?? 10,
    heartbeatIntervalTicks: opts.heartbeatIntervalTicks ?? 1,
    raft: { preVote: true, checkQuorum: true },
    ...(opts.leadershipFenced !== undefined ? { leadershipFenced: opts.leadershipFenced } : {}),
    ...(opts.bootstrap ? { bootstrap: { voters: [opts.self.nodeId], learners: [] } } : {}),
    proposalTimeoutMs: opts.proposalTimeoutMs ?? 10_000,
    snapshotThresholdEntries: opts.snapshotThresholdEntries ?? 8192,
    snapshotTrailingEntries: opts.snapshotTrailingEntries ?? 10_000,
    ...(opts.metrics !== undefined
      ? { onPersisted: (entries: number) => opts.metrics!.raft().persistBatchEntries.observe(entries) }
      : {}),
    stateMachine: {
      apply: (entry) => callbacks.applyEntries([entry]),
      applyBatch: (entries) => callbacks.applyEntries(entries),
      snapshot: async () => {
        await state.sync();
        return encodeSnapshotRef({ kind: 'local' });
      },
      restore: (data, meta) => callbacks.restoreState(data, meta),
      appliedIndex: () => state.appliedIndex(),
    },
  });
  return { node, streams };
}
