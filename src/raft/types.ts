/**
 * Raft's data types, in the style of etcd/raft's raftpb. Pure data: no I/O, no classes with
 * behaviour. Node ids are strings (a node's cluster peer id in production, "n1".. in the simulator).
 * Indexes and terms are non-negative safe integers (2^53 is ample).
 */

/** A node's identity inside the cluster. */
export type NodeId = string;

/** What an entry carries: application data, or a membership change (`ConfChange` encoded in data). */
export const enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

/** One log entry. `data` is opaque bytes to Raft (in Arca: barrier ciphertext + FSM command). */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be durable before any message that depends on it is sent (Raft §5, Figure 2). */
export interface HardState {
  term: number;
  /** Candidate voted for in `term`, or '' for none. */
  vote: NodeId;
  commit: number;
}

/** Cluster membership: voters decide; learners only receive the log until promoted. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** A membership change proposal (one server at a time, Raft thesis §4.1). */
export interface ConfChange {
  type: 'addVoter' | 'addLearner' | 'removeNode';
  nodeId: NodeId;
  /** Opaque application context (e.g. the new node's address); Raft does not read it. */
  context?: Uint8Array;
}

/** Snapshot metadata: the state machine image covers everything up to and including `index`. */
export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

/** A whole snapshot (metadata + the application's serialised state). */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** Every message kind the core exchanges (local-only kinds start with Msg and never cross the wire). */
export type MessageType =
  | 'MsgHup' // local: start an election
  | 'MsgBeat' // local: leader should send heartbeats
  | 'MsgProp' // local or forwarded proposal
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgSnap'
  | 'MsgSnapResp'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp';

/**
 * One Raft message. Field meanings follow etcd/raft: `index`/`logTerm` identify the entry before
 * `entries` in MsgApp (or the candidate's last entry in votes); `reject` + `rejectHint` + `logTerm`
 * let a leader skip back quickly; `context` carries read-index request ids and transfer hints.
 * `snapshot` carries one chunk of an InstallSnapshot (see `SnapshotChunk`).
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context?: Uint8Array;
  snapshot?: SnapshotChunk;
}

/**
 * One chunk of a snapshot in transit; `offset` of `totalBytes`, `done` on the last chunk.
 * `transferId` names one transfer among those the sender started in its term (a per-leader
 * sequence): together with the message's `from` and `term` it identifies the transfer, so chunks
 * of two transfers whose index, term and size agree are never assembled into one snapshot.
 */
export interface SnapshotChunk {
  meta: SnapshotMeta;
  transferId: number;
  offset: number;
  totalBytes: number;
  data: Uint8Array;
  done: boolean;
}

/** Volatile state worth showing (role changes, who leads); never persisted. */
export interface SoftState {
  leader: NodeId;
  role: 'follower' | 'candidate' | 'preCandidate' | 'leader';
}

/** A linearizable read is safe once the state machine has applied `index` (Raft thesis §6.4). */
export interface ReadState {
  index: number;
  /** The request id passed to `readIndex`. */
  requestCtx: Uint8Array;
}

/**
 * Everything the driver must do after a batch of steps, in this order:
 * 1. send `messages` (safe to send before persisting: they depend on nothing unpersisted);
 * 2. persist `hardState`, `entries` and `snapshot` in ONE synced batch;
 * 3. send `messagesAfterPersist` (votes, acks, anything that promises durable state);
 * 4. apply `snapshot` then `committedEntries` to the state machine; resolve `readStates` once
 *    applied ≥ their index;
 * 5. call `advance(ready)`.
 * The split makes "persist before you vote or acknowledge" impossible to get wrong.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  messagesAfterPersist: Message[];
  readStates: ReadState[];
}
