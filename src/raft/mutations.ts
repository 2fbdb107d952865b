/**
 * TEST-ONLY fault injection: each switch re-introduces one classic Raft bug (the Raft paper's
 * safety rules, each named below, broken on purpose) so the tests and the simulator can prove they
 * would catch it. All switches are off in production: nothing under src/ ever sets them.
 */
export interface RaftMutations {
  /** Figure 8 bug (§5.4.2): commit an entry of an earlier term by counting replicas. */
  commitPreviousTermByCounting?: boolean;
  /** Put vote responses in `Ready.messages` (sent before the vote is persisted). */
  voteBeforePersist?: boolean;
  /** Truncate the follower's log at the append point instead of at the first conflict. */
  truncateOnEveryAppend?: boolean;
  /** Serve ReadIndex before the leader has committed an entry of its own term. */
  readIndexBeforeTermCommit?: boolean;
}

/** The production setting: every mutation off. */
export const noMutations: Readonly<RaftMutations> = Object.freeze({});
