/**
 * Runs one seed and turns any failure (broken invariant, liveness timeout, or an exception thrown
 * by the core) into a report with the seed and a short trace tail. A failing seed is re-run with
 * tracing on — the run is deterministic, so the replay fails the same way and shows how.
 */
import { LivenessError, Simulation, type RunLimits, type SimReport } from './simulation.js';
import type { SwarmOptions, SwarmTuning } from './swarm-options.js';
import { SimInvariantError } from './sim-state-machine.js';

/** The outcome of one seed. */
export interface SeedResult {
  seed: number;
  ok: boolean;
  steps: number;
  virtualMs: number;
  /** 'invariant' | 'liveness' | 'exception' when not ok. */
  failureKind?: 'invariant' | 'liveness' | 'exception';
  failure?: string;
  trace: string[];
  options: SwarmOptions;
  report?: SimReport;
  stats?: Record<string, number>;
}

/** Default sizing: a few thousand events per seed keeps 500 seeds well under a minute. */
export const defaultLimits: RunLimits = {
  safetySteps: 3000,
  livenessElectionTimeouts: 100,
  leaderElectionTimeouts: 60,
};

/** Runs `seed`; on failure replays it with a trace of `traceTail` lines. */
export function runSeed(
  seed: number,
  limits: RunLimits = defaultLimits,
  tuning: SwarmTuning = {},
  traceTail = 0,
): SeedResult {
  const sim = new Simulation(seed, tuning, traceTail);
  try {
    const report = sim.run(limits);
    return {
      seed,
      ok: true,
      steps: report.steps,
      virtualMs: report.virtualMs,
      trace: [],
      options: sim.options,
      report,
      stats: { ...sim.checker.stats, ...sim.network.stats },
    };
  } catch (error) {
    if (traceTail === 0) {
      const replay = runSeed(seed, limits, tuning, 40);
      if (!replay.ok) return replay;
      // Not reproducible with tracing on would be a simulator bug (non-determinism): say so.
      return {
        ...failureOf(sim, seed, error),
        failure: `${describeError(error)} [NOT reproduced with tracing: non-determinism]`,
      };
    }
    return failureOf(sim, seed, error);
  }
}

function failureOf(sim: Simulation, seed: number, error: unknown): SeedResult {
  const failureKind =
    error instanceof SimInvariantError
      ? 'invariant'
      : error instanceof LivenessError
        ? 'liveness'
        : 'exception';
  return {
    seed,
    ok: false,
    steps: sim.steps,
    virtualMs: sim.now,
    failureKind,
    failure: `${describeError(error)} (phase ${sim.phase}, step ${sim.steps}, t=${sim.now.toFixed(1)}ms)`,
    trace: sim.traceTailLines(),
    options: sim.options,
  };
}

function describeError(error: unknown): string {
  if (error instanceof SimInvariantError || error instanceof LivenessError) return error.message;
  if (error instanceof Error)
    return `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  return String(error);
}

/** Formats a failure for humans: seed, replay command, options, and the trace tail. */
export function formatFailure(result: SeedResult, mutation?: string): string {
  const o = result.options;
  const lines = [
    `FAIL seed ${result.seed}${mutation !== undefined ? ` (mutation ${mutation})` : ''}: ${result.failure}`,
    `  replay: npm run sim -- --seed ${result.seed}${mutation !== undefined ? ` --mutation ${mutation}` : ''}`,
    `  cluster ${o.nodeCount} nodes, preVote=${o.preVote} checkQuorum=${o.checkQuorum} election=${o.electionTimeoutTicks} heartbeat=${o.heartbeatIntervalTicks} loss=${o.network.lossProbability.toFixed(3)} dup=${o.network.duplicateProbability.toFixed(3)}`,
    '  trace tail:',
    ...result.trace.map((l) => `    ${l}`),
  ];
  return lines.join('\n');
}
