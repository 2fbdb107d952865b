/**
 * Single-server membership changes (Raft thesis §4.1), applied when the entry is applied (as etcd
 * does). Safety rules enforced at proposal time: at most one change pending, and none before the
 * leader committed an entry of its own term (Ongaro's single-server-change bug, raft-dev 2015).
 * A leader removed or demoted by a change steps down.
 */
import { ArcaError } from '../lib/errors.js';
import { onCommitAdvanced } from './leader.js';
import { maybeCommit, maybeSendAppend } from './replication.js';
import { becomeFollower } from './roles.js';
import type { RaftState } from './state.js';
import type { ConfChange, ConfState } from './types.js';

export { decodeConfChange, encodeConfChange } from './conf-change-codec.js';

/** Throws unless the leader may append `cc` now. */
export function checkConfChangeAllowed(r: RaftState, cc: ConfChange): void {
  if (r.pendingConfIndex > r.log.applied) {
    throw new ArcaError('unavailable', 'a configuration change is already pending');
  }
  if (!r.committedEntryInCurrentTerm()) {
    throw new ArcaError('unavailable', 'the leader has not committed an entry of its term yet');
  }
  if (cc.nodeId === '') throw new ArcaError('invalid_request', 'conf change needs a node id');
  const voters = r.trk.voters;
  if (cc.type === 'removeNode' && voters.length === 1 && voters[0] === cc.nodeId) {
    throw new ArcaError('invalid_request', 'cannot remove the last voter');
  }
  if (cc.type === 'addVoter' && r.trk.learners.includes(cc.nodeId)) {
    // Promote only a learner that has caught up, so the quorum does not wait on it.
    const pr = r.trk.progress.get(cc.nodeId);
    if (!pr || pr.match < r.log.committed) {
      throw new ArcaError('unavailable', 'the learner has not caught up with the log yet');
    }
  }
}

/** The membership after applying `cc` to `conf` (pure). */
export function nextConfState(conf: ConfState, cc: ConfChange): ConfState {
  const voters = conf.voters.filter((id) => id !== cc.nodeId);
  const learners = conf.learners.filter((id) => id !== cc.nodeId);
  if (cc.type === 'addVoter') voters.push(cc.nodeId);
  else if (cc.type === 'addLearner') learners.push(cc.nodeId);
  return { voters: voters.sort(), learners: learners.sort() };
}

/** Applies a committed conf change; returns the new membership. */
export function applyConfChange(r: RaftState, cc: ConfChange): ConfState {
  // An incoming snapshot was installed while the driver was still applying older entries (steps
  // between ready() and advance()): its ConfState already includes every older change.
  if (r.log.hasNextOrInProgressSnapshot()) return r.trk.confState();
  const next = nextConfState(r.trk.confState(), cc);
  r.trk.setConf(next, r.log.lastIndex() + 1);
  if (r.role !== 'leader') return r.trk.confState();
  if (!r.trk.isVoter(r.id)) {
    // A removed or demoted leader steps down (etcd StepDownOnRemoval).
    becomeFollower(r, r.term, '');
    return r.trk.confState();
  }
  if (r.leadTransferee !== '' && !r.trk.isVoter(r.leadTransferee)) r.abortLeaderTransfer();
  // The quorum changed: commit may advance (e.g. a slow voter was removed).
  if (maybeCommit(r)) onCommitAdvanced(r);
  else for (const id of r.trk.progress.keys()) if (id !== r.id) maybeSendAppend(r, id, false);
  return r.trk.confState();
}
