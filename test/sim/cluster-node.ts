/**
 * What the simulator, the workload and the invariant checker need from a simulated cluster member,
 * whichever driver runs it: the pure core under the simulator's own loop (`SimNode`, sim-node.ts)
 * or the production async driver `RaftNode` (`DriverNode`, driver-node.ts). Keeping the checker on
 * this seam is what lets the same invariants judge both.
 */
import type { Rng } from '../../src/lib/rng.js';
import type { ConfChange, ConfState, Entry, NodeId } from '../../src/raft/types.js';
import type { SimClock } from './sim-clock.js';
import type { DiskImage } from './sim-disk.js';
import type { SimStateMachine } from './sim-state-machine.js';

/** The member's view of its own (persisted) log, as the core reads it. */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  /** Throws for an index outside [firstIndex - 1, lastIndex]. */
  term(index: number): number;
  entries(lo: number, hi: number, maxBytes: number): Entry[];
}

/** Role, term and indexes of a running member. */
export interface MemberStatus {
  role: string;
  term: number;
  commit: number;
  applied: number;
  leader: NodeId;
  confState: ConfState;
  progress?: Record<NodeId, { match: number; next: number; state: string }>;
}

/** One simulated cluster member (see the module comment). */
export interface ClusterNode {
  readonly id: NodeId;
  readonly up: boolean;
  /** Bumped at every start: events and callbacks of an older incarnation are ignored. */
  readonly incarnation: number;
  readonly clock: SimClock;
  /** The replicated application (a hash chain over the applied entries). */
  readonly sm: SimStateMachine;
  /** A synced write is in flight. */
  readonly busy: boolean;
  /** The running member's status; undefined while down. */
  status(): MemberStatus | undefined;
  /** The persisted log while up. */
  readonly log: LogView | undefined;
  /** Term of the persisted entry at `index`, undefined when not held. */
  logTerm(index: number): number | undefined;
  /** What a restart would recover from this member's disk. */
  durableImage(): DiskImage;
  /** The core has work the driver has not picked up yet. */
  hasReady(): boolean;
  /** Steps queued inputs (after a pause ends). */
  pump(): void;
  /** The process dies: volatile state is gone, the disk keeps what was durable. */
  crash(rng: Rng, tearProbability: number): void;
  /** A client write; the checker learns its outcome. */
  propose(data: Uint8Array): void;
  /** A linearizable read the checker registered under `key` (`Checker.startRead`). */
  read(key: string): void;
  confChange(cc: ConfChange): void;
  transfer(to: NodeId): void;
  /** Snapshot at the applied index and compact, keeping `keepEntries`; false if not possible now. */
  compact(keepEntries: number): boolean;
}
