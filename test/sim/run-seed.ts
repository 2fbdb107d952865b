/**
 * Runs one seed and turns any failure (broken invariant, liveness timeout, or an exception thrown
 * by the core) into a report with the seed and a short trace tail. A failing seed is re-run with
 * tracing on — the run is deterministic, so the replay fails the same way and shows how.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LivenessError, Simulation, type RunLimits, type SimReport } from './simulation.js';
import type { SimDriver, SwarmOptions, SwarmTuning } from './swarm-options.js';
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
  driver: SimDriver;
  report?: SimReport;
  stats?: Record<string, number>;
  /** With `traceHash`: the fold of the whole trace (two runs of a seed must agree). */
  traceHash?: number;
}

/** Options of one seed's run beyond its tuning. */
export interface SeedRunOptions {
  /** Replay with a trace tail of this many lines (0: none). */
  traceTail?: number;
  /** Fold the whole trace into `SeedResult.traceHash`. */
  traceHash?: boolean;
}

/** Default sizing: a few thousand events per seed keeps 500 seeds well under a minute. */
export const defaultLimits: RunLimits = {
  safetySteps: 3000,
  livenessElectionTimeouts: 100,
  leaderElectionTimeouts: 60,
  maxQueuedEvents: 50_000,
};

/**
 * Runs `seed`; on failure replays it with a trace of 40 lines (or `traceTail`). The 'leveldb'
 * driver gets a fresh temp directory per run, removed afterwards.
 */
export async function runSeed(
  seed: number,
  limits: RunLimits = defaultLimits,
  tuning: SwarmTuning = {},
  run: SeedRunOptions = {},
): Promise<SeedResult> {
  const traceTail = run.traceTail ?? 0;
  const storageDir =
    tuning.driver === 'leveldb' ? await mkdtemp(join(tmpdir(), `arca-sim-${seed}-`)) : undefined;
  const sim = new Simulation(seed, tuning, traceTail, {
    ...(storageDir !== undefined ? { storageDir } : {}),
    ...(run.traceHash === true ? { traceHash: true } : {}),
  });
  try {
    const report = await sim.run(limits);
    return {
      seed,
      ok: true,
      steps: report.steps,
      virtualMs: report.virtualMs,
      trace: [],
      options: sim.options,
      driver: sim.driver,
      report,
      stats: { ...sim.checker.stats, ...sim.network.stats },
      ...(run.traceHash === true ? { traceHash: sim.traceHash } : {}),
    };
  } catch (error) {
    const failure = failureOf(sim, seed, error);
    await closeQuietly(sim, storageDir);
    if (traceTail === 0) {
      const replay = await runSeed(seed, limits, tuning, { traceTail: 40 });
      if (!replay.ok) return replay;
      // Not reproducible with tracing on would be a simulator bug (non-determinism): say so.
      return {
        ...failure,
        failure: `${describeError(error)} [NOT reproduced with tracing: non-determinism]`,
      };
    }
    return failure;
  } finally {
    await closeQuietly(sim, storageDir);
  }
}

/** Closes the run's databases and removes its directory (idempotent). */
async function closeQuietly(sim: Simulation, storageDir: string | undefined): Promise<void> {
  await sim.shutdown().catch(() => undefined);
  if (storageDir !== undefined) await rm(storageDir, { recursive: true, force: true });
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
    driver: sim.driver,
  };
}

function describeError(error: unknown): string {
  if (error instanceof SimInvariantError || error instanceof LivenessError) return error.message;
  if (error instanceof Error)
    return `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  return String(error);
}

/** The `npm run sim` flag that selects `driver` (the command line runs the production driver by default). */
function driverFlag(driver: SimDriver): string {
  return driver === 'core' ? ' --driver core' : driver === 'leveldb' ? ' --leveldb' : '';
}

/** Formats a failure for humans: seed, replay command, options, and the trace tail. */
export function formatFailure(result: SeedResult, mutation?: string): string {
  const o = result.options;
  const lines = [
    `FAIL seed ${result.seed}${mutation !== undefined ? ` (mutation ${mutation})` : ''}: ${result.failure}`,
    `  replay: npm run sim -- --seed ${result.seed}${driverFlag(result.driver)}${mutation !== undefined ? ` --mutation ${mutation}` : ''}`,
    `  driver ${result.driver}, cluster ${o.nodeCount} nodes, preVote=${o.preVote} checkQuorum=${o.checkQuorum} election=${o.electionTimeoutTicks} heartbeat=${o.heartbeatIntervalTicks} loss=${o.network.lossProbability.toFixed(3)} dup=${o.network.duplicateProbability.toFixed(3)}`,
    '  trace tail:',
    ...result.trace.map((l) => `    ${l}`),
  ];
  return lines.join('\n');
}
