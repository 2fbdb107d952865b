/**
 * Liveness-phase helpers of the simulator: when the cluster counts as led again after the heal,
 * and the operator's job of shutting down members that were removed.
 */
import type { Simulation } from './simulation.js';

/** A leader exists and every voter of the committed configuration follows it in its term. */
export function hasStableLeader(sim: Simulation): boolean {
  const leader = sim.leader();
  const term = leader?.status()?.term;
  if (leader === undefined || term === undefined) return false;
  const conf = sim.checker.committedConf;
  return conf.voters.every((id) => {
    const st = sim.nodes.get(id)?.status();
    return st !== undefined && st.term === term && st.leader === leader.id;
  });
}

/**
 * Shuts down removed members once every remaining member has applied their removal (an
 * operator's job; earlier, a remaining member may still need their vote — the etcd 2-node
 * removal wedge). Left running, an ex-member that missed its removal would only disrupt.
 */
export function retireRemovedMembers(sim: Simulation): void {
  const conf = sim.checker.committedConf;
  const members = new Set([...conf.voters, ...conf.learners]);
  for (const node of sim.nodes.values()) {
    if (!node.up || members.has(node.id) || !sim.checker.everMembers.has(node.id)) continue;
    const stillKnown = [...members].some((id) => {
      const st = sim.nodes.get(id)?.status();
      return (
        st === undefined || st.confState.voters.includes(node.id) || st.confState.learners.includes(node.id)
      );
    });
    if (stillKnown) continue;
    sim.trace(() => `${node.id} retired (removed member)`);
    sim.checker.onCrash(node);
    node.crash(sim.rng, 0);
  }
}
