/**
 * The ports Raft declares and others implement. The core itself only reads through the
 * synchronous `RaftStorage` (an in-memory image the driver keeps current, like etcd's
 * MemoryStorage); durability is the driver's job through the async `LogStore`; the network is a
 * `Transport`. `storage/raft/log-store-leveldb.ts` and `server/cluster` provide the real ones.
 */
import type { ConfState, Entry, HardState, Message, NodeId, Snapshot, SnapshotMeta } from './types.js';

/** Synchronous read view of the stable log used by the pure core (etcd's raft.Storage). */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most `maxBytes` of data (always at least one if any in range). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of the entry at `index`; the snapshot's index is answerable too. */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

/** What a durable log store holds after a restart. */
export interface PersistedState {
  hardState: HardState;
  snapshotMeta: SnapshotMeta | undefined;
  /** Entries after the snapshot, in index order, tail already checked for tears/corruption. */
  entries: Entry[];
}

/**
 * Durable storage of the Raft log (async: it does real I/O).
 * `persist` writes everything in ONE synced batch; entries starting at index i first delete any
 * stored entries ≥ i (the conflicting suffix). Concurrent calls are serialised by the caller.
 */
export interface LogStore {
  open(): Promise<PersistedState>;
  persist(update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void>;
  /** Drops entries ≤ index (they are covered by a snapshot). */
  compact(index: number): Promise<void>;
  /** The latest full snapshot, if any. */
  loadSnapshot(): Promise<Snapshot | undefined>;
  /**
   * Optional: makes a snapshot's (large) data durable WITHOUT changing what the store holds, and
   * without queueing behind or blocking `persist` (the driver calls it off its loop while it keeps
   * heartbeating). A later `persist({ snapshot })` with the same index and term then only writes
   * metadata. A staged snapshot that is never persisted is garbage the next stage overwrites.
   */
  stageSnapshot?(meta: SnapshotMeta, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Sends Raft messages; best effort (Raft tolerates loss, duplication and reordering). */
export interface Transport {
  send(messages: Message[]): void;
  /** Registers the handler for inbound messages. */
  onMessage(handler: (message: Message) => void): void;
  /** Informs the transport of the current membership (connect/disconnect peers). */
  setPeers?(peers: NodeId[]): void;
}
