/**
 * What a leader knows about one follower (etcd tracker/progress.go): `match` (highest index known
 * replicated, monotone), `next` (next index to send), and a flow-control state:
 * - probe: one MsgApp per heartbeat until the follower's position is known;
 * - replicate: optimistic pipelining, bounded by `inflights`;
 * - snapshot: appends paused while a snapshot is streamed in chunks.
 */
import { Inflights } from './inflights.js';
import type { Snapshot } from './types.js';

/** Flow-control state of one follower. */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A snapshot being streamed to one follower in chunks. */
export interface SnapshotTransfer {
  snapshot: Snapshot;
  /** Unique among this leader's transfers in its term; sent with every chunk. */
  id: number;
  /** Next byte offset to send. */
  sentOffset: number;
  /** Bytes the follower confirmed to hold. */
  ackedOffset: number;
  /** The last chunk (done) was sent. */
  finalSent: boolean;
  /** Leader ticks since the follower last confirmed progress. */
  stallTicks: number;
  /**
   * The offset the stream was last rewound to, until the follower confirms progress: rejects
   * naming it again are answers to chunks sent before the rewind, not news (see leader.ts).
   */
  rewoundTo: number | undefined;
}

/** One follower's replication progress. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Index of the snapshot being sent (snapshot state only). */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** In probe: a MsgApp is outstanding; in replicate: inflights are full. */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;
  /** Highest commit index sent to this follower (so a commit bump is sent only when new). */
  sentCommit = 0;
  snapshotTransfer: SnapshotTransfer | undefined;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.snapshotTransfer = undefined;
    this.state = state;
    this.inflights.reset();
  }

  /** Back to one-at-a-time probing (after a rejection, an unreachable report or a snapshot). */
  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  /** Follower's position is known: pipeline appends. */
  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  /** Follower is behind the compaction point: stream `snapshot` to it as transfer `transferId`. */
  becomeSnapshot(snapshot: Snapshot, transferId: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshot.meta.index;
    this.snapshotTransfer = {
      snapshot,
      id: transferId,
      sentOffset: 0,
      ackedOffset: 0,
      finalSent: false,
      stallTicks: 0,
      rewoundTo: undefined,
    };
  }

  /** Accounts for a MsgApp carrying `entries` entries (`bytes` of data) starting at `next`. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        const last = this.next + entries - 1;
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === 'probe') {
      // One probe per heartbeat interval; an empty probe also pauses (etcd sets it on any send).
      this.msgAppFlowPaused = true;
    }
  }

  /** A positive acknowledgement up to `index`; returns true if `match` advanced (match is monotone). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the MsgApp whose previous index was `rejected`; `matchHint` is where the
   * follower suggests to retry. Returns false for a stale rejection (ignored).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Sending commit index `commit` could advance the follower's commit index. */
  canBumpCommit(commit: number): boolean {
    return commit > this.sentCommit;
  }

  /** True when no MsgApp may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
      case 'replicate':
        return this.msgAppFlowPaused;
      case 'snapshot':
        return true;
    }
  }
}
