/**
 * The fault injector of the safety phase. Each round (every `nemesisIntervalMs` of virtual time)
 * it may crash a node, pause one (a GC or SIGSTOP longer than an election timeout), cut the
 * network (split, one-way, isolate the leader, majorities ring, bridge), heal it, make a link
 * flap, or change a node's clock drift / step its wall clock. Crashes inside a sync and between
 * persist and send are injected by the simulator where the sync is scheduled.
 */
import type { PartitionKind } from './sim-network.js';
import { chance, pick, uniform } from './random.js';
import type { Simulation } from './simulation.js';

const partitionKinds: PartitionKind[] = ['split', 'oneWay', 'isolate', 'isolate', 'majoritiesRing', 'bridge'];

/** Draws and applies the safety-phase faults. */
export class Nemesis {
  constructor(private readonly sim: Simulation) {}

  round(): void {
    const sim = this.sim;
    const o = sim.options;
    const rng = sim.rng;
    const up = sim.upNodes();
    if (up.length > 0 && chance(rng, o.crashProbability)) {
      const victim = chance(rng, 0.4) ? (sim.leader() ?? pick(rng, up)) : pick(rng, up);
      sim.crashNode(victim, 'nemesis');
    }
    if (up.length > 0 && chance(rng, o.pauseProbability)) {
      const victim = chance(rng, 0.5) ? (sim.leader() ?? pick(rng, up)) : pick(rng, up);
      const untilMs = sim.now + uniform(rng, 10, o.pauseMaxMs);
      victim.clock.pausedUntilMs = Math.max(victim.clock.pausedUntilMs, untilMs);
      sim.trace(() => `${victim.id} PAUSE until ${untilMs.toFixed(1)}`);
    }
    if (chance(rng, o.partitionProbability)) {
      const ids = [...sim.nodes.keys()];
      const kind = pick(rng, partitionKinds);
      const what = sim.network.partition(kind, ids, sim.leader()?.id);
      sim.trace(() => `PARTITION ${what}`);
    } else if (chance(rng, o.healProbability)) {
      sim.network.heal();
      sim.trace(() => `HEAL`);
    }
    if (chance(rng, o.flapProbability)) {
      const ids = [...sim.nodes.keys()];
      if (ids.length >= 2) {
        const a = pick(rng, ids);
        const b = pick(
          rng,
          ids.filter((x) => x !== a),
        );
        sim.network.flap(a, b);
        sim.trace(() => `FLAP ${a}<->${b}`);
      }
    }
    if (up.length > 0 && chance(rng, o.clockChangeProbability)) {
      const node = pick(rng, up);
      if (chance(rng, 0.5)) {
        node.clock.setRate(1 + uniform(rng, -o.clockDriftMax, o.clockDriftMax));
      } else {
        node.clock.wallOffsetMs += pick(rng, [-7_200_000, -1000, -100, 100, 1000, 10_000, 7_200_000]);
      }
    }
  }
}
