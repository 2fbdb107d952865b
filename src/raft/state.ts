/**
 * The mutable state of one Raft node and its smallest primitives (sending, timers, soft and hard
 * state). Behaviour lives in the role and handler modules that take a `RaftState`; keeping state
 * here and behaviour there keeps every file small and the imports acyclic.
 */
import { ArcaError } from '../lib/errors.js';
import type { ResolvedConfig } from './config.js';
import { newMessage, type MessageFields } from './message.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { SnapshotAssembler } from './snapshot-assembler.js';
import { ProgressTracker } from './tracker.js';
import type { HardState, Message, NodeId, ReadState, SoftState } from './types.js';

/** Role names as in SoftState. */
export type Role = SoftState['role'];

/** Most parked reads / queued read requests a leader holds (a bound on everything). */
export const pendingReadsMax = 4096;

/** Everything a Raft node knows. */
export class RaftState {
  readonly id: NodeId;
  readonly config: ResolvedConfig;
  term = 0;
  vote: NodeId = '';
  lead: NodeId = '';
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly trk: ProgressTracker;
  readOnly: ReadOnly;
  readonly assembler: SnapshotAssembler;
  /** Outbound messages not yet handed out in a Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Node we are transferring leadership to ('' = none). */
  leadTransferee: NodeId = '';
  /** Index of the latest conf change proposed (or lastIndex at election): no new change until applied past it. */
  pendingConfIndex = 0;
  /** Payload bytes of uncommitted entries appended by this leader. */
  uncommittedSize = 0;
  /** Snapshot transfers this node started (the last one's id); ids are never reused. */
  snapshotTransfersStarted = 0;
  /** Reads that arrived before this leader committed in its term (etcd pendingReadIndexMessages). */
  pendingReadIndexMessages: Message[] = [];
  /**
   * Set by the driver when this node must not lead (its wall clock is too far from the cluster's:
   * the clock-offset guard). A fenced node never campaigns, not even for a transfer; a fenced
   * leader hands over and steps down on its next tick. The decision is made outside the core, so
   * the core stays deterministic: it only reads this flag.
   */
  leadershipFenced = false;

  constructor(config: ResolvedConfig) {
    this.id = config.id;
    this.config = config;
    this.log = new RaftLog(config.storage, config.maxCommittedSizePerReadyBytes);
    this.trk = new ProgressTracker(config.maxInflightMsgs, config.maxInflightBytes);
    this.readOnly = new ReadOnly(pendingReadsMax);
    this.assembler = new SnapshotAssembler(config.maxSnapshotBytes);
  }

  /** Queues a message from this node; `term` defaults to ours except for local-only kinds. */
  send(fields: MessageFields): void {
    const m = newMessage(fields);
    m.from = this.id;
    if (fields.term === undefined && m.type !== 'MsgProp' && m.type !== 'MsgReadIndex') m.term = this.term;
    this.msgs.push(m);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  /** A voter without a pending incoming snapshot may campaign. */
  promotable(): boolean {
    return this.trk.isVoter(this.id) && !this.log.hasNextOrInProgressSnapshot();
  }

  isLearner(): boolean {
    return this.trk.learners.includes(this.id);
  }

  /** The leader committed an entry of its own term (needed before reads and conf changes). */
  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  resetRandomizedElectionTimeout(): void {
    const t = this.config.electionTimeoutTicks;
    this.randomizedElectionTimeout = t + this.config.rng.intBelow(t);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = '';
  }

  /** Fresh read queue (on every role change: pending reads of an old role are never answered). */
  resetReadOnly(): void {
    this.readOnly = new ReadOnly(pendingReadsMax);
  }

  /** Accounts for newly appended uncommitted bytes; false if the bound would be exceeded. */
  increaseUncommittedSize(bytes: number): boolean {
    const max = this.config.maxUncommittedEntriesBytes;
    if (this.uncommittedSize > 0 && bytes > 0 && this.uncommittedSize + bytes > max) return false;
    this.uncommittedSize += bytes;
    return true;
  }

  reduceUncommittedSize(bytes: number): void {
    this.uncommittedSize = bytes > this.uncommittedSize ? 0 : this.uncommittedSize - bytes;
  }

  /** Throws the typed error a client sees when this node cannot take a proposal. */
  static notLeader(lead: NodeId): ArcaError {
    return new ArcaError('not_leader', undefined, lead === '' ? undefined : { leader: lead });
  }
}
