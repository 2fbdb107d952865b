/**
 * The settings and status types of `RaftStorage` (raft-storage.ts re-exports them), kept apart so
 * the storage file stays about replication.
 */
import type { Clock } from '../../lib/clock.js';
import type { ArcaMetrics } from '../../lib/metrics.js';
import type { Rng } from '../../lib/rng.js';
import type { RaftNodeStatus, Timers } from '../../raft/node.js';
import type { Transport } from '../../raft/ports.js';
import type { MemberInfo } from './command.js';

/** Settings of a `RaftStorage`; see the cluster contract. */
export interface RaftStorageOptions {
  /** Data directory: `log/` (the Raft log) and `state/` (the applied state) live under it. */
  dir: string;
  self: MemberInfo;
  transport: Transport;
  rng: Rng;
  clock: Clock;
  timers?: Timers;
  /** True on the node that starts a brand-new one-member cluster (where `operator init` runs). */
  bootstrap: boolean;
  tickIntervalMs?: number;
  electionTimeoutTicks?: number;
  heartbeatIntervalTicks?: number;
  snapshotThresholdEntries?: number;
  snapshotTrailingEntries?: number;
  proposalTimeoutMs?: number;
  metrics?: ArcaMetrics;
  /** True while this member must not lead (the cluster's clock-offset guard); see RaftNodeOptions. */
  leadershipFenced?: () => boolean;
  logger?: { warn(obj: object, msg?: string): void };
  /** Observes streamed InstallSnapshot events (see snapshot-stream.ts): tests wait on them. */
  onSnapshotStream?: (event: { kind: string; peer: string; bytes?: number }) => void;
}

/** What `status()` reports. */
export type RaftStorageStatus = RaftNodeStatus & { appliedIndex: number; appliedTerm: number };
