/**
 * Majority quorum arithmetic (Raft §5.2, §5.3), kept apart so it can be tested exhaustively.
 * Only voters count; learners and unknown ids never contribute.
 */
import type { NodeId } from './types.js';

/** Outcome of an election tally. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** Smallest number of voters that forms a majority of `voterCount`. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of voters has persisted (the "median" match index).
 * An empty voter set commits nothing (returns 0): a cluster with no voters cannot decide.
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map((id) => matchOf(id)).sort((a, b) => b - a);
  return matches[majority(voters.length) - 1] ?? 0;
}

/** Tallies votes: won once a majority granted, lost once a majority is out of reach. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = majority(voters.length);
  if (granted >= q) return 'won';
  if (voters.length - rejected < q) return 'lost';
  return 'pending';
}

/** True when the voters for which `active(id)` holds form a majority. */
export function quorumActive(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  const count = voters.filter((id) => active(id)).length;
  return count >= majority(voters.length);
}
