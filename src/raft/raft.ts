/**
 * The Raft state machine (etcd raft.go Step/tick): term checks common to every message, then the
 * role's handler. Pure and synchronous: inputs are messages and ticks, outputs accumulate in the
 * state (`msgs`, the log, `readStates`) for `RawNode.ready()` to hand out.
 */
import { assert } from '../lib/assert.js';
import { ArcaError } from '../lib/errors.js';
import { resolveConfig, type RaftConfig } from './config.js';
import { handleVoteRequest, hup } from './election.js';
import { stepCandidate, stepFollower } from './follower.js';
import { checkQuorum, onCommitAdvanced, stepDownFenced, stepLeader } from './leader.js';
import {
  applyConfChange,
  checkConfChangeAllowed,
  decodeConfChange,
  encodeConfChange,
  nextConfState,
} from './membership.js';
import { isTransferContext, newMessage } from './message.js';
import { flushReadRound } from './reads.js';
import { entriesBytes, entryBytes } from './raft-log.js';
import { bcastAppend, bcastHeartbeat, maybeCommit } from './replication.js';
import { becomeFollower } from './roles.js';
import { RaftState } from './state.js';
import {
  EntryType,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type SnapshotChunk,
} from './types.js';

const encoder = new TextEncoder();

/** Structural sanity of a network message; malformed ones are dropped, never thrown on. */
export function isWellFormed(m: Message): boolean {
  if (!Number.isSafeInteger(m.term) || m.term < 0 || !Number.isSafeInteger(m.index) || m.index < 0)
    return false;
  if (!Number.isSafeInteger(m.logTerm) || m.logTerm < 0 || !Number.isSafeInteger(m.commit) || m.commit < 0) {
    return false;
  }
  if (!Array.isArray(m.entries)) return false;
  if (m.context !== undefined && !(m.context instanceof Uint8Array)) return false;
  if (m.snapshot !== undefined && !isWellFormedChunk(m.snapshot)) return false;
  let prevTerm = m.logTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i];
    if (
      e.index !== m.index + 1 + i ||
      !Number.isSafeInteger(e.term) ||
      e.term < prevTerm ||
      e.term > m.term
    ) {
      return false;
    }
    if (!(e.data instanceof Uint8Array)) return false;
    prevTerm = e.term;
  }
  return true;
}

function isWellFormedChunk(c: SnapshotChunk): boolean {
  const meta = c.meta as SnapshotChunk['meta'] | undefined;
  return (
    meta !== undefined &&
    Number.isSafeInteger(meta.index) &&
    Number.isSafeInteger(meta.term) &&
    Number.isSafeInteger(c.transferId) &&
    meta.index > 0 &&
    Array.isArray(meta.confState?.voters) &&
    Array.isArray(meta.confState?.learners) &&
    c.data instanceof Uint8Array
  );
}

/** One Raft node's consensus logic. */
export class Raft extends RaftState {
  constructor(config: RaftConfig) {
    super(resolveConfig(config));
    const { hardState, confState } = this.config.storage.initialState();
    this.trk.setConf(confState, this.log.lastIndex() + 1);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (hardState.commit > this.log.committed) this.log.commitTo(hardState.commit);
    const applied = this.config.appliedIndex;
    if (applied !== undefined && applied > this.log.applied) {
      this.log.appliedTo(Math.min(applied, this.log.committed));
    }
    this.replayAppliedConfChanges();
    becomeFollower(this, this.term, '');
  }

  /**
   * Conf changes applied before a restart but after the snapshot are re-applied to the tracker:
   * each change sets one node's membership absolutely, so replaying over a ConfState that already
   * includes them is harmless.
   */
  private replayAppliedConfChanges(): void {
    const first = this.log.firstIndex();
    if (this.log.applied < first) return;
    const ents = this.log.slice(first, this.log.applied + 1, Number.MAX_SAFE_INTEGER) ?? [];
    for (const e of ents) {
      if (e.type !== EntryType.ConfChange) continue;
      this.trk.setConf(
        nextConfState(this.trk.confState(), decodeConfChange(e.data)),
        this.log.lastIndex() + 1,
      );
    }
  }

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    // A fenced node's timer keeps running past the timeout (no reset): its leader lease expires,
    // so it grants votes to the others instead of shielding a dead leader.
    if (this.promotable() && !this.leadershipFenced && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(newMessage({ type: 'MsgHup', to: this.id, from: this.id }));
    }
    // Nor does it keep naming a leader it has not heard from for an election timeout (a node that
    // may campaign forgets it by campaigning): sys/leader then shows no leader, not a dead one.
    if (
      this.leadershipFenced &&
      this.lead !== '' &&
      this.electionElapsed >= this.config.electionTimeoutTicks
    ) {
      this.lead = '';
    }
  }

  private tickHeartbeat(): void {
    if (this.leadershipFenced) {
      stepDownFenced(this);
      return;
    }
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) checkQuorum(this);
      // A transfer that did not finish within an election timeout is aborted (thesis §3.10).
      if (this.role === 'leader' && this.leadTransferee !== '') this.abortLeaderTransfer();
    }
    if (this.role !== 'leader') return;
    for (const pr of this.trk.progress.values()) if (pr.snapshotTransfer) pr.snapshotTransfer.stallTicks++;
    if (this.heartbeatElapsed >= this.config.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      this.step(newMessage({ type: 'MsgBeat', to: this.id, from: this.id }));
    }
  }

  /** Feeds one message (local or from the network). Never throws on stale or odd network input. */
  step(m: Message): void {
    if (!isWellFormed(m)) return;
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        const force = isTransferContext(m.context);
        const inLease =
          this.config.checkQuorum &&
          this.lead !== '' &&
          this.electionElapsed < this.config.electionTimeoutTicks;
        // Leader lease: a node that heard from a leader recently ignores vote requests, so a
        // partitioned or restarted node cannot depose a healthy leader (thesis §4.2.3).
        if (!force && inLease) return;
      }
      if (m.type === 'MsgPreVote') {
        // Never change our term in response to a pre-vote.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // Granted pre-votes carry the future term; we bump it only when we win the pre-vote.
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        becomeFollower(this, m.term, m.from);
      } else {
        becomeFollower(this, m.term, '');
      }
    } else if (m.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')
      ) {
        // A stale leader (or a node cut off by check-quorum) learns our term from this and steps
        // down; without it a partitioned node with a higher term could never rejoin.
        this.send({ type: 'MsgAppResp', to: m.from });
      } else if (m.type === 'MsgPreVote') {
        this.send({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true });
      }
      return;
    }
    switch (m.type) {
      case 'MsgHup':
        hup(this, this.config.preVote ? 'preElection' : 'election');
        return;
      case 'MsgVote':
      case 'MsgPreVote':
        if (m.from === this.id) return;
        handleVoteRequest(this, m);
        return;
      default:
        break;
    }
    if (this.role === 'leader') stepLeader(this, m);
    else if (this.role === 'follower') stepFollower(this, m);
    else stepCandidate(this, m);
  }

  /** Appends a proposal as leader and replicates it; throws a typed error when it cannot. */
  propose(data: Uint8Array, type: EntryType = EntryType.Normal): { index: number; term: number } {
    if (this.role !== 'leader') throw RaftState.notLeader(this.lead);
    if (!this.trk.isVoter(this.id)) throw RaftState.notLeader('');
    if (this.leadTransferee !== '') throw new ArcaError('unavailable', 'leadership transfer in progress');
    const entry: Entry = { term: this.term, index: this.log.lastIndex() + 1, type, data };
    if (!this.increaseUncommittedSize(entryBytes(entry))) {
      throw new ArcaError('unavailable', 'too many uncommitted entries; is a quorum reachable?');
    }
    this.log.append([entry]);
    bcastAppend(this);
    return { index: entry.index, term: entry.term };
  }

  /**
   * Appends several proposals as one batch (one append, one MsgApp per follower): the group-commit
   * path. All or nothing: throws like `propose` and then appends none of them.
   */
  proposeBatch(datas: readonly Uint8Array[]): { firstIndex: number; lastIndex: number; term: number } {
    if (this.role !== 'leader') throw RaftState.notLeader(this.lead);
    if (!this.trk.isVoter(this.id)) throw RaftState.notLeader('');
    if (this.leadTransferee !== '') throw new ArcaError('unavailable', 'leadership transfer in progress');
    const first = this.log.lastIndex() + 1;
    if (datas.length === 0) return { firstIndex: first, lastIndex: first - 1, term: this.term };
    const entries: Entry[] = datas.map((data, i) => ({
      term: this.term,
      index: first + i,
      type: EntryType.Normal,
      data,
    }));
    if (!this.increaseUncommittedSize(entriesBytes(entries))) {
      throw new ArcaError('unavailable', 'too many uncommitted entries; is a quorum reachable?');
    }
    this.log.append(entries);
    bcastAppend(this);
    return { firstIndex: first, lastIndex: first + entries.length - 1, term: this.term };
  }

  /** Proposes a membership change (one at a time, only after committing in this term). */
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    if (this.role !== 'leader') throw RaftState.notLeader(this.lead);
    checkConfChangeAllowed(this, cc);
    const result = this.propose(encodeConfChange(cc), EntryType.ConfChange);
    this.pendingConfIndex = result.index;
    return result;
  }

  /** Applies a committed conf change (called by the driver on apply). */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this, cc);
  }

  /** Queues a linearizable read; answered through readStates (or dropped without a leader). */
  readIndex(requestCtx: Uint8Array): void {
    this.step(newMessage({ type: 'MsgReadIndex', to: this.id, from: this.id, context: requestCtx }));
  }

  /** Asks the cluster to hand leadership to `to`. */
  transferLeadership(to: NodeId): void {
    this.step(
      newMessage({ type: 'MsgTransferLeader', to: this.id, from: this.id, context: encoder.encode(to) }),
    );
  }

  /** Broadcasts the pending read round (called when building a Ready). */
  flushReads(): void {
    flushReadRound(this);
  }

  /** Entries up to (index, term) are durable: the leader may now count itself (thesis §10.2.1). */
  onEntriesPersisted(index: number, term: number): void {
    this.log.unstable.stableTo(index, term);
    if (this.role !== 'leader') return;
    const self = this.trk.progress.get(this.id);
    if (!self) return;
    if (self.maybeUpdate(Math.min(index, this.log.persistedLastIndex())) && maybeCommit(this)) {
      onCommitAdvanced(this);
    }
  }

  /** The transport could not reach `id`: stop pipelining to it. */
  reportUnreachable(id: NodeId): void {
    const pr = this.trk.progress.get(id);
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /** The transport's outcome of a snapshot stream to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.trk.progress.get(id);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the next heartbeat response before probing (etcd MsgSnapStatus).
    pr.msgAppFlowPaused = true;
  }

  /** Heartbeat now (used by tests and the scenario runner). */
  bcastHeartbeat(): void {
    assert(this.role === 'leader', 'raft: only a leader heartbeats');
    bcastHeartbeat(this);
  }
}
