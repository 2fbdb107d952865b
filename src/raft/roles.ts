/**
 * Role transitions (Raft §5.2, thesis §9.6 for pre-candidates; etcd becomeX). Every transition
 * resets timers, votes, flow control, pending reads and any leadership transfer.
 */
import { assert } from '../lib/assert.js';
import { encodeConfChange } from './conf-change-codec.js';
import type { RaftState } from './state.js';
import { EntryType, type ConfChange, type Entry, type NodeId } from './types.js';

/** Common reset for a role change; a new term clears the vote. */
export function reset(r: RaftState, term: number): void {
  if (r.term !== term) {
    r.term = term;
    r.vote = '';
  }
  r.lead = '';
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  r.resetRandomizedElectionTimeout();
  r.abortLeaderTransfer();
  r.trk.resetVotes();
  const last = r.log.lastIndex();
  for (const [id, pr] of r.trk.progress) {
    pr.becomeProbe();
    pr.match = id === r.id ? r.log.persistedLastIndex() : 0;
    pr.next = last + 1;
    pr.recentActive = id === r.id;
    pr.msgAppFlowPaused = false;
  }
  r.pendingConfIndex = 0;
  r.uncommittedSize = 0;
  r.resetReadOnly();
  r.pendingReadIndexMessages = [];
}

export function becomeFollower(r: RaftState, term: number, lead: NodeId): void {
  reset(r, term);
  r.lead = lead;
  r.role = 'follower';
}

/** Pre-vote (thesis §9.6): no term change, no vote; the leader is forgotten (raft-rs 0.3.1 fix). */
export function becomePreCandidate(r: RaftState): void {
  assert(r.role !== 'leader', 'raft: leader cannot become pre-candidate');
  r.trk.resetVotes();
  r.lead = '';
  r.role = 'preCandidate';
}

export function becomeCandidate(r: RaftState): void {
  assert(r.role !== 'leader', 'raft: leader cannot become candidate');
  reset(r, r.term + 1);
  r.vote = r.id;
  r.role = 'candidate';
}

/**
 * Becomes leader and appends an empty entry of the new term: committing it commits everything
 * before it (§5.4.2) and is the precondition for reads and conf changes. No conf change may be
 * proposed until everything up to the current last index is applied (Ongaro's
 * single-server-change bug; etcd sets pendingConfIndex the same way).
 */
export function becomeLeader(r: RaftState): void {
  assert(r.role !== 'follower', 'raft: follower cannot become leader directly');
  reset(r, r.term);
  r.lead = r.id;
  r.role = 'leader';
  const self = r.trk.progress.get(r.id);
  if (self) {
    self.becomeReplicate();
    self.recentActive = true;
  }
  const entries: Entry[] = [];
  let index = r.log.lastIndex();
  if (index === 0) {
    // A brand-new cluster: record the bootstrap membership as the first entries (as etcd's
    // Bootstrap does), so a node that joins or restarts without a ConfState rebuilds it from the log.
    const bootstrap: ConfChange[] = [
      ...r.trk.voters.map((nodeId) => ({ type: 'addVoter' as const, nodeId })),
      ...r.trk.learners.map((nodeId) => ({ type: 'addLearner' as const, nodeId })),
    ];
    for (const cc of bootstrap) {
      entries.push({ term: r.term, index: ++index, type: EntryType.ConfChange, data: encodeConfChange(cc) });
    }
  }
  r.pendingConfIndex = index;
  entries.push({ term: r.term, index: index + 1, type: EntryType.Normal, data: new Uint8Array(0) });
  r.log.append(entries);
}
