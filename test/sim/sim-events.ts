/**
 * The simulator's vocabulary: the events on its agenda, how long a seed runs, what a run reports,
 * and the error a cluster that does not recover raises.
 */
import type { Message, NodeId } from '../../src/raft/types.js';

/** One agenda event. 'tick' and 'sync' drive the core's SimNode; 'start' and 'call' the driver. */
export type SimEvent =
  | { kind: 'tick'; node: NodeId; incarnation: number }
  | { kind: 'deliver'; message: Message }
  | { kind: 'sync'; node: NodeId; incarnation: number; crashBeforeSend: boolean }
  | { kind: 'crash'; node: NodeId; incarnation: number }
  | { kind: 'kill'; node: NodeId; incarnation: number }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'nemesis' }
  | { kind: 'client' }
  /** Boot a driver node (awaited: it reads its disk). */
  | { kind: 'start'; node: NodeId }
  /** A driver node's timer or storage completion; skipped once `live` says it was cancelled. */
  | { kind: 'call'; node: NodeId; incarnation: number; fn: () => void | Promise<void>; live?: () => boolean };

/** Where a run keeps its files and how it records itself (beyond the seed and tuning). */
export interface RunSetup {
  /** Directory for the members' LevelDB log stores (driver 'leveldb'). */
  storageDir?: string;
  /** Fold every trace line into `traceHash` (to prove two runs of a seed are identical). */
  traceHash?: boolean;
}

/** How long a seed runs. */
export interface RunLimits {
  safetySteps: number;
  /** Liveness bound, in election timeouts of virtual time after the heal. */
  livenessElectionTimeouts: number;
  /** After the heal, a leader must be elected within this many election timeouts. */
  leaderElectionTimeouts: number;
  /**
   * More events than this on the agenda is a message storm (e.g. a retransmission loop that
   * multiplies): the seed fails at once instead of eating memory while virtual time crawls.
   */
  maxQueuedEvents?: number;
}

/** Outcome of one seed. */
export interface SimReport {
  steps: number;
  virtualMs: number;
  phase: 'safety' | 'liveness' | 'done';
  livenessMs: number;
  /** Time from the heal to a leader every member follows, in election timeouts. */
  leaderAfterHealElectionTimeouts: number;
}

/** The cluster did not recover after faults healed. */
export class LivenessError extends Error {
  override name = 'LivenessError';
}
