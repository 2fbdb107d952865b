/**
 * The leader's view of the cluster (etcd tracker/tracker.go): the membership (voters, learners),
 * one `Progress` per member, and the votes of the current election.
 */
import { committedIndex, quorumActive, voteResult, type VoteResult } from './quorum.js';
import { Progress } from './progress.js';
import type { ConfState, NodeId } from './types.js';

/** Membership, per-member progress and election votes. */
export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly maxInflightMsgs: number,
    private readonly maxInflightBytes: number,
  ) {}

  /** Current membership (copies). */
  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  /** Replaces the membership; keeps existing progress, creates progress for new members at `next`. */
  setConf(conf: ConfState, next: number): void {
    this.voters = [...new Set(conf.voters)].sort();
    this.learners = [...new Set(conf.learners)].filter((id) => !this.voters.includes(id)).sort();
    const members = new Set([...this.voters, ...this.learners]);
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    for (const id of members) {
      const existing = this.progress.get(id);
      const isLearner = this.learners.includes(id);
      if (existing) existing.isLearner = isLearner;
      else {
        const pr = new Progress(next, this.maxInflightMsgs, this.maxInflightBytes, isLearner);
        // A member added while we lead is considered active so check-quorum does not fire at once.
        pr.recentActive = true;
        this.progress.set(id, pr);
      }
    }
  }

  /** True when `id` is a voter. */
  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  /** True when `id` is a voter or learner. */
  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  /** True when this is a one-voter cluster (reads and commits need no round trip). */
  isSingleton(): boolean {
    return this.voters.length === 1 && this.learners.length === 0;
  }

  /** Highest index persisted by a majority of voters. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** True when a majority of voters was recently active (`selfId` always counts). */
  quorumActive(selfId: NodeId): boolean {
    return quorumActive(this.voters, (id) => id === selfId || (this.progress.get(id)?.recentActive ?? false));
  }

  /** Forgets the votes of the previous election. */
  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; only the first vote from each node counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Tally of the current election over voters only. */
  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }
}
