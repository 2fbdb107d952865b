/**
 * The simulator's command line. Members run the production driver (RaftNode) on the simulated
 * disk unless told otherwise.
 *   npm run sim -- --seed N                    replay one seed (prints its trace tail on failure)
 *   npm run sim -- --seeds 20000 --start-seed S  soak: many seeds, exit 1 on any failure
 *   npm run sim -- --seeds 50 --leveldb        the production driver on real LevelDB log stores
 *   npm run sim -- --seeds 500 --driver core   the pure core under the simulator's own loop
 * Options: --steps K (safety-phase steps per seed), --mutation NAME (turn on a RaftMutations
 * switch, to see the simulator catch it), --override JSON (pin swarm options, e.g.
 * '{"stepWhileSyncing":false}' or '{"nodeCount":5}'), --stop-on-failure.
 */
import { defaultLimits, formatFailure, runSeed } from './run-seed.js';
import type { RaftMutations } from './core.js';
import { mutationTuning } from './mutation-tuning.js';
import type { SimDriver } from './swarm-options.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const seedFlag = flag('seed');
  const seeds = seedFlag !== undefined ? 1 : Number(flag('seeds') ?? 100);
  const startSeed = Number(seedFlag ?? flag('start-seed') ?? 1);
  const steps = Number(flag('steps') ?? defaultLimits.safetySteps);
  const mutation = flag('mutation') as keyof RaftMutations | undefined;
  const stopOnFailure = process.argv.includes('--stop-on-failure');
  const base = mutation !== undefined ? mutationTuning(mutation) : {};
  const override = flag('override');
  const driver: SimDriver = process.argv.includes('--leveldb')
    ? 'leveldb'
    : ((flag('driver') as SimDriver | undefined) ?? 'node');
  if (!['core', 'node', 'leveldb'].includes(driver)) throw new Error(`unknown --driver ${driver}`);
  const tuning = {
    ...base,
    driver,
    ...(override === undefined
      ? {}
      : { overrides: { ...base.overrides, ...(JSON.parse(override) as Record<string, unknown>) } }),
  };
  const limits = { ...defaultLimits, safetySteps: steps };
  const started = performance.now();
  let failures = 0;
  let totalSteps = 0;
  const failureClasses = new Map<string, number[]>();
  let leaderSum = 0;
  let leaderMax = 0;
  let leaderRuns = 0;
  for (let i = 0; i < seeds; i++) {
    const seed = startSeed + i;
    const result = await runSeed(seed, limits, tuning, { traceTail: seedFlag !== undefined ? 40 : 0 });
    totalSteps += result.steps;
    const toLeader = result.report?.leaderAfterHealElectionTimeouts;
    if (toLeader !== undefined && Number.isFinite(toLeader)) {
      leaderSum += toLeader;
      leaderMax = Math.max(leaderMax, toLeader);
      leaderRuns++;
    }
    if (!result.ok) {
      failures++;
      const kind = classify(result.failure ?? '');
      failureClasses.set(kind, [...(failureClasses.get(kind) ?? []), seed]);
      console.log(formatFailure(result, mutation));
      if (stopOnFailure) break;
    } else if (seedFlag !== undefined) {
      console.log(
        `seed ${seed} ok: ${result.steps} steps, ${result.virtualMs.toFixed(0)} virtual ms, ${JSON.stringify(result.stats)}`,
      );
    }
    if (seeds >= 1000 && (i + 1) % 1000 === 0) {
      console.log(
        `... ${i + 1} seeds, ${failures} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  console.log(
    `sim summary (driver ${driver}): seeds ${seeds} (from ${startSeed}), failures ${failures}, steps ${totalSteps}, wall ${wallSeconds.toFixed(1)} s${mutation !== undefined ? `, mutation ${mutation}` : ''}`,
  );
  if (leaderRuns > 0) {
    console.log(
      `  leader after heal: mean ${(leaderSum / leaderRuns).toFixed(2)}, max ${leaderMax.toFixed(2)} election timeouts (bound ${limits.leaderElectionTimeouts})`,
    );
  }
  for (const [kind, seedList] of failureClasses) {
    console.log(
      `  ${seedList.length} × ${kind}: seeds ${seedList.slice(0, 20).join(', ')}${seedList.length > 20 ? ', …' : ''}`,
    );
  }
  return failures === 0 ? 0 : 1;
}

/** Groups failures by signature so a soak summary shows how many distinct problems it found. */
function classify(failure: string): string {
  if (/no liveness/.test(failure) && /:s\d+\/\d+/.test(failure)) {
    return 'liveness: a follower stuck in snapshot state (cf. test/raft/snapshot-compaction-race.test.ts)';
  }
  const head = failure.split(/[:(]/)[0] ?? failure;
  return head.replace(/\b[a-z]*\d+\b/g, '#').trim();
}

process.exitCode = await main();
