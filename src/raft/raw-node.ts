/**
 * The driver-facing facade (etcd rawnode.go): feed ticks, messages and proposals in; take a
 * `Ready` out, act on it in the order documented on `Ready` (types.ts), then `advance`. A new
 * Ready may only be taken after the previous one was advanced.
 *
 * Message split: responses that promise durable state (MsgAppResp, MsgVoteResp,
 * MsgPreVoteResp) always go to `messagesAfterPersist`; and whenever this Ready changes the term or
 * vote, every message waits for the persist (a message at a term we could forget after a crash
 * could let us vote twice in it). Leader MsgApps may go out before the leader's own write
 * (thesis §10.2.1): the leader counts itself only once `advance` reports its entries durable.
 */
import { assert } from '../lib/assert.js';
import type { RaftConfig } from './config.js';
import { isResponseType, newMessage } from './message.js';
import { Raft } from './raft.js';
import { entriesBytes } from './raft-log.js';
import type { ConfChange, ConfState, HardState, Message, NodeId, Ready, SoftState } from './types.js';

/** What `status()` reports. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  leader: NodeId;
  role: SoftState['role'];
  confState: ConfState;
  /** Per-member replication progress (leader only). */
  progress?: Record<NodeId, { match: number; next: number; state: 'probe' | 'replicate' | 'snapshot' }>;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** The synchronous Raft node the async driver (node.ts) and the simulator run. */
export class RawNode {
  /** The underlying state machine (tests and the scenario runner inspect it). */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private awaitingAdvance = false;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /**
   * The clock-offset guard's verdict (decided by the driver, outside the core): while fenced this
   * node never campaigns, and as leader it hands over and steps down on its next tick.
   */
  setLeadershipFenced(fenced: boolean): void {
    this.raft.leadershipFenced = fenced;
  }

  /** Starts an election now (MsgHup). */
  campaign(): void {
    this.raft.step(newMessage({ type: 'MsgHup', from: this.raft.id, to: this.raft.id }));
  }

  /** Leader only; throws ArcaError 'not_leader' or 'unavailable'. */
  propose(data: Uint8Array): { index: number; term: number } {
    return this.raft.propose(data);
  }

  /** Leader only: appends all of `datas` at once (group commit); all or nothing. */
  proposeBatch(datas: readonly Uint8Array[]): { firstIndex: number; lastIndex: number; term: number } {
    return this.raft.proposeBatch(datas);
  }

  /** Leader only; throws when a change is pending or the leader has not committed in its term. */
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    return this.raft.proposeConfChange(cc);
  }

  /** Applies a committed conf change entry; returns the new membership. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Feeds a message from the network (never throws on stale or odd input). */
  step(message: Message): void {
    if (message.type === 'MsgHup' || message.type === 'MsgBeat') return; // local-only kinds
    if (message.to !== this.raft.id || typeof message.from !== 'string' || message.from === '') return;
    // Term 0 marks a local message; from the network only a forwarded read may carry it.
    if (message.term === 0 && message.type !== 'MsgReadIndex') return;
    this.raft.step(message);
  }

  readIndex(requestCtx: Uint8Array): void {
    this.raft.readIndex(requestCtx);
  }

  transferLeadership(to: NodeId): void {
    this.raft.transferLeadership(to);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  /** True when `ready()` has work; always false while a Ready awaits `advance`. */
  hasReady(): boolean {
    if (this.awaitingAdvance) return false;
    const r = this.raft;
    const ss = r.softState();
    if (ss.leader !== this.prevSoftState.leader || ss.role !== this.prevSoftState.role) return true;
    if (!sameHardState(r.hardState(), this.prevHardState)) return true;
    if (r.log.unstable.nextSnapshot()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.role === 'leader' && r.readOnly.unsentSeq !== 0) return true;
    if (r.log.unstable.nextEntries().length > 0) return true;
    return r.log.hasNextCommittedEnts();
  }

  /** Everything to persist, send and apply now; call `advance(ready)` when done. */
  ready(): Ready {
    assert(!this.awaitingAdvance, 'rawnode: ready() called before advance() of the previous Ready');
    const r = this.raft;
    r.flushReads();
    const rd: Ready = {
      entries: r.log.unstable.nextEntries(),
      committedEntries: r.log.nextCommittedEnts(),
      messages: [],
      messagesAfterPersist: [],
      readStates: r.readStates,
    };
    const ss = r.softState();
    if (ss.leader !== this.prevSoftState.leader || ss.role !== this.prevSoftState.role) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    const termOrVoteChanged = hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
    if (!sameHardState(hs, this.prevHardState)) {
      rd.hardState = hs;
      this.prevHardState = hs;
    }
    const snapshot = r.log.unstable.nextSnapshot();
    if (snapshot) rd.snapshot = snapshot;
    const beforePersistOk = (m: Message): boolean => {
      if (termOrVoteChanged && !(r.config.mutations.voteBeforePersist && m.type === 'MsgVoteResp'))
        return false;
      if (m.type === 'MsgVoteResp' && r.config.mutations.voteBeforePersist) return true;
      return !isResponseType(m.type);
    };
    for (const m of r.msgs) (beforePersistOk(m) ? rd.messages : rd.messagesAfterPersist).push(m);
    r.msgs = [];
    r.readStates = [];
    r.log.unstable.acceptInProgress();
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted) r.log.acceptApplying(lastCommitted.index);
    this.awaitingAdvance = true;
    return rd;
  }

  /** The driver persisted, sent and applied `ready`. */
  advance(ready: Ready): void {
    const r = this.raft;
    this.awaitingAdvance = false;
    if (ready.snapshot) {
      r.log.unstable.stableSnapTo(ready.snapshot.meta.index);
      r.log.appliedTo(Math.max(r.log.applied, Math.min(ready.snapshot.meta.index, r.log.committed)));
    }
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry) r.onEntriesPersisted(lastEntry.index, lastEntry.term);
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastCommitted) {
      r.log.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(entriesBytes(ready.committedEntries));
    }
  }

  status(): RaftStatus {
    const r = this.raft;
    const status: RaftStatus = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      leader: r.lead,
      role: r.role,
      confState: r.trk.confState(),
    };
    if (r.role === 'leader') {
      status.progress = {};
      for (const [id, pr] of r.trk.progress)
        status.progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return status;
  }
}
