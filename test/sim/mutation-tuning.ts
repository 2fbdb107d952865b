/**
 * Swarm tunings that make each deliberately planted core bug (RaftMutations) realistically
 * reachable, so tests can prove the simulator catches it:
 * - commitPreviousTermByCounting (Figure 8) needs leader changes with partially replicated logs;
 * - voteBeforePersist needs crashes while the vote's sync is still in flight, and contested
 *   elections (no pre-vote);
 * - truncateOnEveryAppend needs duplicated and reordered appends;
 * - readIndexBeforeTermCommit needs reads on a brand-new leader that has not yet learned the
 *   commit index of the previous term.
 * The same tunings run with the switches off must pass (the soak includes them).
 */
import type { RaftMutations } from './core.js';
import type { SwarmTuning } from './swarm-options.js';

/** The names of the four mutation switches. */
export const mutationNames: (keyof RaftMutations)[] = [
  'commitPreviousTermByCounting',
  'voteBeforePersist',
  'truncateOnEveryAppend',
  'readIndexBeforeTermCommit',
];

/** A tuning aimed at `mutation`, with the switch on unless `enabled` is false. */
export function mutationTuning(mutation: keyof RaftMutations, enabled = true): SwarmTuning {
  const mutations: RaftMutations = enabled ? { [mutation]: true } : {};
  switch (mutation) {
    case 'commitPreviousTermByCounting':
      // Figure 8: leaders crash soon after election while their first appends are only partly
      // replicated (tiny messages, lossy links), so an old-term entry reaches a majority before
      // the new leader's own entry does — the moment counting replicas would wrongly commit it.
      return {
        mutations,
        overrides: {
          nodeCount: 3,
          maxSizePerMsgBytes: 4,
          maxInflightMsgs: 256,
          crashProbability: 0.15,
          crashNewLeaderProbability: 0.8,
          restartDelayMaxMs: 20,
          pauseProbability: 0.03,
          partitionProbability: 0.06,
          healProbability: 0.1,
          proposeProbability: 0.9,
          confChangeProbability: 0,
          compactProbability: 0,
          network: { delayMinMs: 1, delayMeanMs: 8, lossProbability: 0.25, duplicateProbability: 0.02 },
        },
      };
    case 'voteBeforePersist':
      return {
        mutations,
        overrides: {
          nodeCount: 3,
          preVote: false,
          checkQuorum: false,
          crashInSyncProbability: 0.5,
          tearProbability: 1,
          restartDelayMaxMs: 5,
          slowSyncProbability: 0.5,
          slowSyncMaxMs: 150,
          partitionProbability: 0.05,
          healProbability: 0.2,
          confChangeProbability: 0,
          network: { delayMinMs: 1, delayMeanMs: 10, lossProbability: 0.1, duplicateProbability: 0.05 },
        },
      };
    case 'truncateOnEveryAppend':
      return {
        mutations,
        overrides: {
          nodeCount: 3,
          maxSizePerMsgBytes: 64,
          maxInflightMsgs: 256,
          crashProbability: 0.05,
          partitionProbability: 0.03,
          proposeProbability: 0.9,
          confChangeProbability: 0,
          network: { delayMinMs: 0, delayMeanMs: 20, lossProbability: 0.02, duplicateProbability: 0.4 },
        },
      };
    case 'readIndexBeforeTermCommit':
      return {
        mutations,
        overrides: {
          nodeCount: 3,
          readProbability: 1,
          proposeProbability: 0.9,
          leaderAffinity: 1,
          clientIntervalMs: 2,
          crashProbability: 0.04,
          partitionProbability: 0.06,
          healProbability: 0.1,
          confChangeProbability: 0,
          network: { delayMinMs: 1, delayMeanMs: 6, lossProbability: 0.15, duplicateProbability: 0.02 },
        },
      };
  }
}
