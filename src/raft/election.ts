/**
 * Elections (Raft §5.2, §5.4.1; pre-vote thesis §9.6; transfer thesis §3.10): starting a
 * campaign, answering vote requests and counting answers.
 */
import { campaignTransferContext, voteRespType } from './message.js';
import { bcastAppend } from './replication.js';
import { becomeCandidate, becomeFollower, becomeLeader, becomePreCandidate } from './roles.js';
import type { RaftState } from './state.js';
import { EntryType, type Message } from './types.js';

/** How a campaign starts: with a pre-vote round, directly, or forced by a leadership transfer. */
export type CampaignKind = 'preElection' | 'election' | 'transfer';

/** True if committed but unapplied entries contain a conf change (etcd: don't campaign then). */
function hasUnappliedConfChange(r: RaftState): boolean {
  if (r.log.applied >= r.log.committed) return false;
  const ents = r.log.slice(r.log.applied + 1, r.log.committed + 1, Number.MAX_SAFE_INTEGER);
  return (ents ?? []).some((e) => e.type === EntryType.ConfChange);
}

/** MsgHup: start an election if this node may. */
export function hup(r: RaftState, kind: CampaignKind): void {
  if (r.role === 'leader') return;
  if (r.leadershipFenced) return; // the clock-offset guard: this node must not lead
  if (!r.promotable()) return;
  if (hasUnappliedConfChange(r)) return;
  campaign(r, kind);
}

/** Becomes (pre-)candidate, votes for itself and asks every other voter. */
export function campaign(r: RaftState, kind: CampaignKind): void {
  let voteType: 'MsgVote' | 'MsgPreVote';
  let term: number;
  if (kind === 'preElection') {
    becomePreCandidate(r);
    voteType = 'MsgPreVote';
    term = r.term + 1; // the term we would use; our own term is unchanged
  } else {
    becomeCandidate(r);
    voteType = 'MsgVote';
    term = r.term;
  }
  if (poll(r, r.id, true) === 'won') {
    if (kind === 'preElection') campaign(r, 'election');
    else {
      becomeLeader(r);
      bcastAppend(r);
    }
    return;
  }
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const id of r.trk.voters) {
    if (id === r.id) continue;
    r.send({
      type: voteType,
      to: id,
      term,
      index: lastIndex,
      logTerm: lastTerm,
      ...(kind === 'transfer' ? { context: campaignTransferContext } : {}),
    });
  }
}

/** Records a vote and returns the tally's result. */
export function poll(r: RaftState, from: string, granted: boolean): 'won' | 'lost' | 'pending' {
  r.trk.recordVote(from, granted);
  return r.trk.tallyVotes().result;
}

/**
 * Answers MsgVote/MsgPreVote (term checks already done by `step`). Grants when we have not voted
 * for someone else in this term (or it is a pre-vote for a future term) and the candidate's log is
 * at least as up to date as ours (§5.4.1). A real vote is recorded and resets the election timer.
 */
export function handleVoteRequest(r: RaftState, m: Message): void {
  const type = m.type as 'MsgVote' | 'MsgPreVote';
  const canVote =
    r.vote === m.from || (r.vote === '' && r.lead === '') || (type === 'MsgPreVote' && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    r.send({ type: voteRespType(type), to: m.from, term: m.term });
    if (type === 'MsgVote') {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: voteRespType(type), to: m.from, term: r.term, reject: true });
  }
}

/** A (pre-)candidate counts a vote response; wins, loses or keeps waiting. */
export function handleVoteResponse(r: RaftState, m: Message): void {
  const result = poll(r, m.from, !m.reject);
  if (result === 'won') {
    if (r.role === 'preCandidate') campaign(r, 'election');
    else {
      becomeLeader(r);
      bcastAppend(r);
    }
  } else if (result === 'lost') {
    becomeFollower(r, r.term, '');
  }
}
