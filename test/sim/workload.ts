/**
 * The simulated clients and operators: proposals (unique values), ReadIndex reads, membership
 * changes (add voter/learner, promote, remove — a voter only while three or more remain after
 * every removal already proposed), leadership transfers and log compaction. In the liveness phase
 * only a probe write is issued, which must commit, and the run is over once every member has
 * applied the leader's whole log.
 */
import type { ConfChange } from '../../src/raft/types.js';
import { chance, intBetween, pick } from './random.js';
import type { ClusterNode } from './cluster-node.js';
import type { Simulation } from './simulation.js';

/** Draws client and operator actions and decides when the liveness phase has converged. */
export class Workload {
  private seq = 0;
  private readonly probeKeys: string[] = [];
  private readonly removalProposed = new Set<string>();
  private lastProbeMs = -Infinity;
  private probeAcked = false;

  constructor(private readonly sim: Simulation) {}

  round(): void {
    if (this.sim.phase === 'liveness') return this.livenessRound();
    const sim = this.sim;
    const o = sim.options;
    const rng = sim.rng;
    const up = sim.upNodes();
    if (up.length === 0) return;
    const target = (): ClusterNode =>
      chance(rng, o.leaderAffinity) ? (sim.leader() ?? pick(rng, up)) : pick(rng, up);
    if (chance(rng, o.proposeProbability)) {
      const node = target();
      const burst = intBetween(rng, 1, 3);
      for (let i = 0; i < burst; i++) node.propose(this.value('p'));
    }
    if (chance(rng, o.readProbability)) {
      const node = target();
      const key = `r${++this.seq}`;
      sim.checker.startRead(node, key);
      node.read(key);
    }
    const leader = sim.leader();
    if (leader !== undefined && chance(rng, o.confChangeProbability)) {
      const cc = this.drawConfChange();
      if (cc !== undefined) leader.confChange(cc);
    }
    if (leader !== undefined && chance(rng, o.transferProbability)) {
      const others = sim.checker.committedConf.voters.filter((v) => v !== leader.id);
      if (others.length > 0) leader.transfer(pick(rng, others));
    }
    if (chance(rng, o.compactProbability)) pick(rng, up).compact(intBetween(rng, 0, 5));
  }

  /** True once a leader has committed the probe and every member applied its whole log. */
  converged(): boolean {
    const sim = this.sim;
    const leader = sim.leader();
    const st = leader?.status();
    if (leader === undefined || st === undefined || leader.busy || leader.hasReady()) return false;
    if (!this.probeAcked) return false;
    if (leader.log!.lastIndex() !== st.commit) return false;
    const conf = sim.checker.committedConf;
    for (const id of [...conf.voters, ...conf.learners]) {
      const node = sim.nodes.get(id);
      if (node === undefined || !node.up || node.sm.appliedIndex !== st.commit) return false;
      if (node.sm.chain !== sim.checker.chainAtIndex(st.commit)) return false;
    }
    return true;
  }

  /** A one-line picture of the cluster for a liveness failure. */
  describeState(): string {
    const sim = this.sim;
    const parts: string[] = [];
    for (const node of sim.nodes.values()) {
      const st = node.status();
      if (!node.up || st === undefined) {
        parts.push(`${node.id}:down`);
        continue;
      }
      parts.push(
        `${node.id}:${st.role[0]}${st.term} c${st.commit} a${node.sm.appliedIndex} last${node.log!.lastIndex()} lead=${st.leader || '-'} v=${st.confState.voters.join(',')}${st.confState.learners.length > 0 ? ` l=${st.confState.learners.join(',')}` : ''}${node.busy ? ' busy' : ''}${
          st.progress !== undefined
            ? ` prs=${Object.entries(st.progress)
                .map(([k, v]) => `${k}:${v.state[0]}${v.match}/${v.next}`)
                .join(',')}`
            : ''
        }`,
      );
    }
    const conf = sim.checker.committedConf;
    return `${parts.join(' | ')} ; committed conf v=${conf.voters.join(',')} l=${conf.learners.join(',')} ; probe ${this.probeAcked ? 'acked' : 'pending'}`;
  }

  private livenessRound(): void {
    const sim = this.sim;
    if (this.probeAcked) return;
    for (const key of this.probeKeys) {
      if (sim.checker.ackedKeys.has(key)) {
        this.probeAcked = true;
        return;
      }
    }
    const leader = sim.leader();
    if (leader === undefined || leader.status() === undefined) return;
    // (Re)issue a probe write every ~election timeout until one is acknowledged: a proposal can
    // be refused (transfer in progress, leader stepping down) or lost with its leader.
    if (sim.now - this.lastProbeMs < sim.options.electionTimeoutTicks * sim.options.tickMs) return;
    this.lastProbeMs = sim.now;
    const key = `probe${++this.seq}`;
    this.probeKeys.push(key);
    leader.propose(Buffer.from(key, 'utf8'));
  }

  private value(prefix: string): Uint8Array {
    return Buffer.from(`${prefix}${++this.seq}`, 'utf8');
  }

  private drawConfChange(): ConfChange | undefined {
    const sim = this.sim;
    const rng = sim.rng;
    const conf = sim.checker.committedConf;
    const members = conf.voters.length + conf.learners.length;
    const choices: ('add' | 'promote' | 'remove')[] = [];
    if (sim.nodeCountEver < 12 && members < sim.options.maxNodes) choices.push('add');
    // Node ids are used once, ever: nothing proposed for removal is promoted or touched again.
    const learners = conf.learners.filter((id) => !this.removalProposed.has(id));
    if (learners.length > 0) choices.push('promote');
    // Voters are removed only from 3+ voters: removing one of two can wedge the survivor if it
    // never learns the removal committed (a known Raft limitation, see the etcd raft README).
    // Counted AFTER every removal already proposed (queued, in the log, or lost — we cannot tell):
    // the committed membership alone lags them, and two removals in a row from 3 voters left a
    // 2-voter cluster removing one of its two (seed 7311470 wedged that way).
    const votersAfterRemovals = conf.voters.filter((id) => !this.removalProposed.has(id));
    const removable = (
      votersAfterRemovals.length > 2 ? [...votersAfterRemovals, ...conf.learners] : conf.learners
    ).filter((id) => !this.removalProposed.has(id));
    if (removable.length > 0) choices.push('remove');
    if (choices.length === 0) return undefined;
    switch (pick(rng, choices)) {
      case 'add': {
        const id = sim.newNodeId();
        sim.addNode(id);
        return { type: chance(rng, 0.5) ? 'addLearner' : 'addVoter', nodeId: id };
      }
      case 'promote':
        return { type: 'addVoter', nodeId: pick(rng, learners) };
      case 'remove': {
        const nodeId = pick(rng, removable);
        this.removalProposed.add(nodeId);
        return { type: 'removeNode', nodeId };
      }
    }
  }
}
