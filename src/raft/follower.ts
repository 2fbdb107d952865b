/**
 * What followers and candidates do with traffic from a leader (Raft §5.3, §7; etcd
 * handleAppendEntries/handleHeartbeat/handleSnapshot and stepFollower/stepCandidate).
 */
import { handleVoteResponse, hup } from './election.js';
import { forwardReadIndex, routeReadIndexResp } from './read-forward.js';
import { becomeFollower } from './roles.js';
import type { RaftState } from './state.js';
import type { Message, Snapshot } from './types.js';

/** AppendEntries receiver (Figure 2), with etcd's fast rejection hint (index, logTerm). */
export function handleAppendEntries(r: RaftState, m: Message): void {
  if (m.index < r.log.committed) {
    r.send({ type: 'MsgAppResp', to: m.from, index: r.log.committed });
    return;
  }
  const truncateAlways = r.config.mutations.truncateOnEveryAppend === true;
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries, truncateAlways);
  if (lastNew !== undefined) {
    r.send({ type: 'MsgAppResp', to: m.from, index: lastNew });
    return;
  }
  // Reject with a hint: the largest index ≤ min(m.index, lastIndex) whose term ≤ m.logTerm, so the
  // leader can skip a whole term of mismatching entries per round trip.
  const [hintIndex, hintTerm] = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({
    type: 'MsgAppResp',
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hintIndex,
    logTerm: hintTerm,
  });
}

/** Heartbeat: learn the commit index (capped by what we hold) and echo the read context. */
export function handleHeartbeat(r: RaftState, m: Message): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send({ type: 'MsgHeartbeatResp', to: m.from, ...(m.context ? { context: m.context } : {}) });
}

/**
 * One InstallSnapshot chunk (§7). A snapshot not newer than our commit index is ignored
 * (raft-and-chaos §1.5 #9) and answered with our commit index so the leader moves on.
 */
export function handleSnapshot(r: RaftState, m: Message): void {
  const chunk = m.snapshot;
  if (!chunk) return;
  if (chunk.meta.index <= r.log.committed) {
    r.assembler.reset();
    r.send({ type: 'MsgAppResp', to: m.from, index: r.log.committed });
    return;
  }
  const outcome = r.assembler.accept(chunk, { from: m.from, term: m.term });
  const meta = { index: chunk.meta.index, logTerm: chunk.meta.term };
  switch (outcome.kind) {
    case 'invalid':
      return;
    case 'progress':
      r.send({ type: 'MsgSnapResp', to: m.from, ...meta, rejectHint: outcome.receivedBytes });
      return;
    case 'retry':
      r.send({ type: 'MsgSnapResp', to: m.from, ...meta, reject: true, rejectHint: outcome.expectedOffset });
      return;
    case 'complete':
      if (restore(r, outcome.snapshot)) {
        r.send({ type: 'MsgAppResp', to: m.from, index: r.log.lastIndex() });
      } else {
        r.send({ type: 'MsgAppResp', to: m.from, index: r.log.committed });
      }
  }
}

/**
 * Installs a snapshot as our log (etcd raft.restore). Returns false when it is stale, when we are
 * not in its configuration, or when our log already holds its last entry (then we only
 * fast-forward the commit index). Membership is replaced by the snapshot's ConfState.
 */
export function restore(r: RaftState, snapshot: Snapshot): boolean {
  const { index, term, confState } = snapshot.meta;
  if (index <= r.log.committed) return false;
  if (r.role !== 'follower') return false;
  if (!confState.voters.includes(r.id) && !confState.learners.includes(r.id)) return false;
  if (r.log.matchTerm(index, term)) {
    r.log.commitTo(index);
    return false;
  }
  r.log.restore(snapshot);
  r.trk.setConf(confState, r.log.lastIndex() + 1);
  for (const pr of r.trk.progress.values()) {
    pr.match = 0;
    pr.next = r.log.lastIndex() + 1;
  }
  return true;
}

/** Follower: accept leader traffic, forward what only a leader can do. */
export function stepFollower(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'MsgApp':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'MsgTransferLeader':
      if (r.lead !== '' && m.context) r.send({ type: 'MsgTransferLeader', to: r.lead, context: m.context });
      return;
    case 'MsgTimeoutNow':
      // Leadership transfer: campaign at once, skipping pre-vote and overriding leases (thesis §3.10).
      hup(r, 'transfer');
      return;
    case 'MsgReadIndex':
      forwardReadIndex(r, m);
      return;
    case 'MsgReadIndexResp':
      routeReadIndexResp(r, m);
      return;
    default:
      return;
  }
}

/** (Pre-)candidate: count votes; any leader of our term wins (§5.2). */
export function stepCandidate(r: RaftState, m: Message): void {
  const myVoteResp = r.role === 'preCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgApp':
      becomeFollower(r, m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      becomeFollower(r, m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      becomeFollower(r, m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'MsgPreVoteResp':
    case 'MsgVoteResp':
      if (m.type === myVoteResp) handleVoteResponse(r, m);
      return;
    default:
      return; // MsgTimeoutNow, reads and transfers are dropped without a leader
  }
}
