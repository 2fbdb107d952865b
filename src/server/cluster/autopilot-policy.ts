/**
 * Autopilot's decisions as pure functions (autopilot.ts gathers the observations): which servers
 * are healthy, the failure tolerance, and which dead voter may be removed.
 *
 * Honest failure tolerance: healthy voters minus the quorum of ALL configured voters. A dead voter
 * that is still configured counts in the quorum but not among the healthy, so it lowers the
 * tolerance (the trap of Vault issue #18004, where dead-but-configured servers ate the quorum).
 */
/** Vault's autopilot configuration (durations in seconds). */
export interface AutopilotConfig {
  cleanupDeadServers: boolean;
  lastContactThresholdSeconds: number;
  deadServerLastContactThresholdSeconds: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeSeconds: number;
  disableUpgradeMigration: boolean;
}

/** Vault's defaults. */
export const defaultAutopilotConfig: AutopilotConfig = {
  cleanupDeadServers: false,
  lastContactThresholdSeconds: 10,
  deadServerLastContactThresholdSeconds: 24 * 3600,
  maxTrailingLogs: 1000,
  minQuorum: 0,
  serverStabilizationTimeSeconds: 10,
  disableUpgradeMigration: false,
};

/** What the active node knows about one member. */
export interface ServerObservation {
  nodeId: string;
  voter: boolean;
  /** Milliseconds since it was last heard from (0 for the active node itself; undefined: never). */
  lastContactMs: number | undefined;
  lastIndex: number;
}

/** Healthy: heard from within `last_contact_threshold` and within `max_trailing_logs` of the commit. */
export function isHealthy(server: ServerObservation, commit: number, config: AutopilotConfig): boolean {
  return (
    server.lastContactMs !== undefined &&
    server.lastContactMs <= config.lastContactThresholdSeconds * 1000 &&
    commit - server.lastIndex <= config.maxTrailingLogs
  );
}

/** Vault's `healthy`, `failure_tolerance` and `optimistic_failure_tolerance`. */
export function clusterHealth(
  servers: readonly ServerObservation[],
  commit: number,
  config: AutopilotConfig,
): { healthy: boolean; failureTolerance: number; optimisticFailureTolerance: number } {
  const voters = servers.filter((s) => s.voter);
  const healthyVoters = voters.filter((s) => isHealthy(s, commit, config)).length;
  const quorum = Math.floor(voters.length / 2) + 1;
  return {
    healthy: voters.length > 0 && healthyVoters === voters.length,
    failureTolerance: Math.max(0, healthyVoters - quorum),
    optimisticFailureTolerance: Math.max(0, voters.length - quorum),
  };
}

/**
 * The dead voter to remove now, if any: `cleanup_dead_servers` on, silent for at least
 * `dead_server_last_contact_threshold`, and at least `min_quorum` voters remain afterwards. One
 * per round; never the active node itself.
 */
export function deadVoterToRemove(
  servers: readonly ServerObservation[],
  selfId: string,
  config: AutopilotConfig,
): string | undefined {
  if (!config.cleanupDeadServers) return undefined;
  const voters = servers.filter((s) => s.voter);
  if (voters.length - 1 < config.minQuorum) return undefined;
  return voters.find(
    (s) =>
      s.nodeId !== selfId &&
      s.lastContactMs !== undefined &&
      s.lastContactMs >= config.deadServerLastContactThresholdSeconds * 1000,
  )?.nodeId;
}
