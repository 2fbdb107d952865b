/**
 * Swarm testing (TigerBeetle VOPR): every seed draws its own cluster shape, Raft settings and
 * fault rates, so across many seeds the faults combine in ways no hand-written schedule would.
 */
import type { Rng } from '../../src/lib/rng.js';
import { chance, intBetween, pick, uniform } from './random.js';
import type { NetworkOptions } from './sim-network.js';
import type { RaftMutations } from './core.js';

/** Everything one seed's run is parameterised by. */
export interface SwarmOptions {
  nodeCount: number;
  tickMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  snapshotChunkBytes: number;
  network: NetworkOptions;
  syncMinMs: number;
  syncMeanMs: number;
  slowSyncProbability: number;
  slowSyncMaxMs: number;
  /** Per nemesis round (every `nemesisIntervalMs`). */
  nemesisIntervalMs: number;
  crashProbability: number;
  crashInSyncProbability: number;
  crashAfterPersistProbability: number;
  /** Probability that a node is killed shortly after it becomes leader. */
  crashNewLeaderProbability: number;
  tearProbability: number;
  restartDelayMaxMs: number;
  pauseProbability: number;
  pauseMaxMs: number;
  partitionProbability: number;
  healProbability: number;
  flapProbability: number;
  clockDriftMax: number;
  clockChangeProbability: number;
  /** Per client round (every `clientIntervalMs`). */
  clientIntervalMs: number;
  proposeProbability: number;
  readProbability: number;
  confChangeProbability: number;
  transferProbability: number;
  compactProbability: number;
  /** Probability that a client targets the leader it believes in rather than a random node. */
  leaderAffinity: number;
  maxNodes: number;
  /** Run node.ts's commit-only HardState deferral in the simulated driver. */
  deferCommitOnlyHardState: boolean;
}

/** What runs each member: the pure core, or the production driver on a simulated or LevelDB disk. */
export type SimDriver = 'core' | 'node' | 'leveldb';

/** The production driver's knobs one seed runs with (see driver-node.ts). */
export interface DriverOptions {
  proposalTimeoutMs: number;
  readTimeoutMs: number;
  snapshotThresholdEntries: number | undefined;
  snapshotTrailingEntries: number;
  /** The state machine survives crashes (as the production StateStore) instead of rebuilding. */
  durableStateMachine: boolean;
  /** Give the driver `applyBatch` (production) or only `apply`. */
  applyBatch: boolean;
  /** Virtual time a state machine snapshot takes to serialise (0: synchronous). */
  snapshotDelayMs: number;
}

/** Overrides used to aim the swarm at a class of bug (and the mutation switches). */
export interface SwarmTuning {
  /** Default 'core'. */
  driver?: SimDriver;
  /** Pins the production driver's knobs (driver 'node' and 'leveldb'). */
  driverOverrides?: Partial<DriverOptions>;
  mutations?: RaftMutations;
  /** Multiplies every fault probability (0 = fault free). */
  faultScale?: number;
  overrides?: Partial<SwarmOptions> & { stepWhileSyncing?: boolean };
}

/** Draws one seed's options. */
export function drawSwarmOptions(rng: Rng, tuning: SwarmTuning = {}): SwarmOptions {
  const f = tuning.faultScale ?? 1;
  const nodeCount = pick(rng, [1, 2, 3, 3, 3, 4, 5, 5, 6, 7]);
  const options: SwarmOptions = {
    nodeCount,
    tickMs: 10,
    electionTimeoutTicks: intBetween(rng, 8, 15),
    heartbeatIntervalTicks: intBetween(rng, 1, 3),
    preVote: chance(rng, 0.6),
    checkQuorum: chance(rng, 0.6),
    maxSizePerMsgBytes: pick(rng, [64, 256, 1024 * 1024]),
    maxInflightMsgs: pick(rng, [1, 4, 256]),
    snapshotChunkBytes: pick(rng, [8, 64, 1024 * 1024]),
    network: {
      delayMinMs: uniform(rng, 0, 5),
      delayMeanMs: uniform(rng, 1, 25),
      lossProbability: f * uniform(rng, 0, 0.2),
      duplicateProbability: f * uniform(rng, 0, 0.2),
    },
    syncMinMs: uniform(rng, 0.1, 2),
    syncMeanMs: uniform(rng, 0.5, 8),
    slowSyncProbability: f * uniform(rng, 0, 0.1),
    slowSyncMaxMs: uniform(rng, 20, 300),
    nemesisIntervalMs: 20,
    crashProbability: f * uniform(rng, 0, 0.03),
    crashInSyncProbability: f * uniform(rng, 0, 0.05),
    crashAfterPersistProbability: f * uniform(rng, 0, 0.02),
    tearProbability: uniform(rng, 0, 1),
    crashNewLeaderProbability: f * uniform(rng, 0, 0.1),
    restartDelayMaxMs: uniform(rng, 1, 400),
    pauseProbability: f * uniform(rng, 0, 0.02),
    pauseMaxMs: uniform(rng, 20, 400),
    partitionProbability: f * uniform(rng, 0, 0.04),
    healProbability: uniform(rng, 0.02, 0.2),
    flapProbability: f * uniform(rng, 0, 0.02),
    clockDriftMax: uniform(rng, 0, 0.1),
    clockChangeProbability: f * uniform(rng, 0, 0.01),
    clientIntervalMs: uniform(rng, 2, 15),
    proposeProbability: uniform(rng, 0.2, 0.9),
    readProbability: uniform(rng, 0, 0.5),
    confChangeProbability: uniform(rng, 0, 0.03),
    transferProbability: uniform(rng, 0, 0.01),
    compactProbability: uniform(rng, 0, 0.03),
    leaderAffinity: uniform(rng, 0.5, 0.95),
    maxNodes: 7,
    deferCommitOnlyHardState: chance(rng, 0.5),
  };
  return { ...options, ...tuning.overrides };
}

/**
 * Draws the production driver's knobs (from their own stream, so the core driver's seeds are
 * unchanged): timeouts in election timeouts, snapshot thresholds small enough that snapshots,
 * compaction and snapshot installs happen in most runs, and the state machine kinds.
 */
export function drawDriverOptions(rng: Rng, o: SwarmOptions, tuning: SwarmTuning = {}): DriverOptions {
  const electionMs = o.electionTimeoutTicks * o.tickMs;
  const options: DriverOptions = {
    proposalTimeoutMs: electionMs * intBetween(rng, 3, 20),
    readTimeoutMs: electionMs * intBetween(rng, 2, 10),
    snapshotThresholdEntries: pick(rng, [undefined, 4, 16, 64]),
    snapshotTrailingEntries: pick(rng, [0, 2, 10, 1000]),
    durableStateMachine: chance(rng, 0.5),
    applyBatch: chance(rng, 0.8),
    snapshotDelayMs: chance(rng, 0.5) ? 0 : uniform(rng, 0, 50),
  };
  return { ...options, ...tuning.driverOverrides };
}
