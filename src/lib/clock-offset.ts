/**
 * The cluster's clock-offset bound (CockroachDB's `--max-offset`), shared by the cluster's
 * clock-offset guard and the lease time rules: nodes' wall clocks are assumed within
 * `max_clock_offset` of each other; a node whose offset from a majority exceeds
 * `clockOffsetFenceRatio` of it refuses leadership, and lease checks allow ε = the bound.
 */

/** Default `max_clock_offset` (server config), in ms: CockroachDB's default. */
export const defaultMaxClockOffsetMs = 500;

/** A node is fenced once its offset from a majority exceeds this fraction of the bound (0.8). */
export const clockOffsetFenceRatio = 0.8;
