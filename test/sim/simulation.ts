/**
 * The deterministic simulator (FoundationDB / TigerBeetle VOPR style): a whole Raft cluster in one
 * process, virtual time on one event agenda, every random choice from one seeded generator. Runs a
 * safety phase under swarm-drawn faults (network, disk, crashes, pauses, clocks, membership,
 * transfers, compaction, reads), checking invariants after every step, then a liveness phase in
 * which faults heal and the cluster must elect a leader, commit and converge within a bound.
 */
import type { ConfState, Message, NodeId, Snapshot } from '../../src/raft/types.js';
import { SeededRng } from '../../src/lib/rng.js';
import { Checker } from './invariants.js';
import { EventQueue } from './event-queue.js';
import { chance, exponential, uniform } from './random.js';
import { SimClock } from './sim-clock.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import { SimNode, type SimHost, type SimRaftSettings } from './sim-node.js';
import { SimStateMachine } from './sim-state-machine.js';
import type { SwarmOptions, SwarmTuning } from './swarm-options.js';
import { drawSwarmOptions } from './swarm-options.js';
import { Nemesis } from './nemesis.js';
import { Workload } from './workload.js';

type SimEvent =
  | { kind: 'tick'; node: NodeId; incarnation: number }
  | { kind: 'deliver'; message: Message }
  | { kind: 'sync'; node: NodeId; incarnation: number; crashBeforeSend: boolean }
  | { kind: 'crash'; node: NodeId; incarnation: number }
  | { kind: 'kill'; node: NodeId; incarnation: number }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'nemesis' }
  | { kind: 'client' };

/** How long a seed runs. */
export interface RunLimits {
  safetySteps: number;
  /** Liveness bound, in election timeouts of virtual time after the heal. */
  livenessElectionTimeouts: number;
  /** After the heal, a leader must be elected within this many election timeouts. */
  leaderElectionTimeouts: number;
}

/** Outcome of one seed. */
export interface SimReport {
  steps: number;
  virtualMs: number;
  phase: 'safety' | 'liveness' | 'done';
  livenessMs: number;
  /** Time from the heal to a leader every member follows, in election timeouts. */
  leaderAfterHealElectionTimeouts: number;
}

/** One seeded run of a simulated cluster. */
export class Simulation implements SimHost {
  readonly rng: SeededRng;
  readonly options: SwarmOptions;
  readonly queue = new EventQueue<SimEvent>();
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly checker: Checker;
  readonly observer: Checker;
  readonly nemesis: Nemesis;
  readonly workload: Workload;
  now = 0;
  steps = 0;
  phase: 'safety' | 'liveness' | 'done' = 'safety';
  private readonly settings: SimRaftSettings;
  readonly stepWhileSyncing: boolean;
  private nextNodeNumber = 1;
  private livenessStartMs = 0;
  private leaderAfterHealMs: number | undefined;
  private readonly traceLines: string[] = [];

  constructor(
    readonly seed: number,
    tuning: SwarmTuning,
    private readonly traceTail: number,
  ) {
    this.rng = new SeededRng(seed);
    this.options = drawSwarmOptions(this.rng, tuning);
    // Drawn from a side stream so adding it left every other per-seed choice unchanged.
    this.stepWhileSyncing =
      tuning.overrides?.stepWhileSyncing ?? new SeededRng(seed ^ 0x5bd1e995).nextFloat() < 0.5;
    const o = this.options;
    this.network = new SimNetwork(this.rng.fork(), o.network);
    this.settings = {
      electionTimeoutTicks: o.electionTimeoutTicks,
      heartbeatIntervalTicks: o.heartbeatIntervalTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      maxSizePerMsgBytes: o.maxSizePerMsgBytes,
      maxInflightMsgs: o.maxInflightMsgs,
      snapshotChunkBytes: o.snapshotChunkBytes,
      ...(tuning.mutations !== undefined ? { mutations: tuning.mutations } : {}),
    };
    const voters: NodeId[] = [];
    for (let i = 0; i < o.nodeCount; i++) voters.push(`n${this.nextNodeNumber++}`);
    const conf: ConfState = { voters, learners: [] };
    const sm = new SimStateMachine();
    sm.appliedIndex = 1;
    const bootstrap: Snapshot = { meta: { index: 1, term: 1, confState: conf }, data: sm.snapshot() };
    this.checker = new Checker(conf, 1, 1, 0);
    this.observer = this.checker;
    for (const id of voters) {
      const disk = SimDisk.formatted({
        hardState: { term: 1, vote: '', commit: 1 },
        snapshot: bootstrap,
        entries: [],
      });
      this.addNode(id, disk);
    }
    this.nemesis = new Nemesis(this);
    this.workload = new Workload(this);
    this.queue.push(o.nemesisIntervalMs, { kind: 'nemesis' });
    this.queue.push(o.clientIntervalMs, { kind: 'client' });
  }

  /** Creates, boots and starts ticking a node (an initial member or one being added). */
  addNode(id: NodeId, disk: SimDisk = new SimDisk()): SimNode {
    const o = this.options;
    const rate = 1 + uniform(this.rng, -o.clockDriftMax, o.clockDriftMax);
    const clock = new SimClock(() => this.now, rate);
    const node = new SimNode(id, disk, clock, this.rng.fork(), this.settings, this);
    node.deferCommitOnlyHardState = o.deferCommitOnlyHardState;
    node.stepWhileSyncing = this.stepWhileSyncing;
    this.nodes.set(id, node);
    node.start();
    this.scheduleFirstTick(node);
    return node;
  }

  /** A fresh node id for a node being added. */
  newNodeId(): NodeId {
    return `n${this.nextNodeNumber++}`;
  }

  get nodeCountEver(): number {
    return this.nextNodeNumber - 1;
  }

  nowMs(): number {
    return this.now;
  }

  trace(text: () => string): void {
    if (this.traceTail === 0) return;
    this.traceLines.push(`${this.now.toFixed(2)} ${text()}`);
    if (this.traceLines.length > this.traceTail * 2)
      this.traceLines.splice(0, this.traceLines.length - this.traceTail);
  }

  /** The last `traceTail` trace lines. */
  traceTailLines(): string[] {
    return this.traceLines.slice(-this.traceTail);
  }

  send(from: SimNode, messages: Message[]): void {
    for (const message of messages) {
      if (this.traceTail > 0) this.trace(() => `send ${describe(message)}`);
      for (const d of this.network.send(message, this.now))
        this.queue.push(d.atMs, { kind: 'deliver', message: d.message });
    }
    void from;
  }

  scheduleSync(node: SimNode): void {
    const o = this.options;
    const latency = chance(this.rng, o.slowSyncProbability)
      ? uniform(this.rng, 20, o.slowSyncMaxMs)
      : o.syncMinMs + exponential(this.rng, o.syncMeanMs);
    const faults = this.phase === 'safety';
    const crashBeforeSend = faults && chance(this.rng, o.crashAfterPersistProbability);
    this.queue.push(this.now + latency, {
      kind: 'sync',
      node: node.id,
      incarnation: node.incarnation,
      crashBeforeSend,
    });
    if (faults && chance(this.rng, o.crashInSyncProbability)) {
      this.queue.push(this.now + uniform(this.rng, 0, latency), {
        kind: 'crash',
        node: node.id,
        incarnation: node.incarnation,
      });
    }
  }

  onBecameLeader(node: SimNode): void {
    const o = this.options;
    if (this.phase !== 'safety' || !chance(this.rng, o.crashNewLeaderProbability)) return;
    // Kill it while its first appends are only partly replicated (the Figure 8 window).
    const afterMs = uniform(this.rng, 0, 2 * (o.network.delayMinMs + o.network.delayMeanMs));
    this.queue.push(this.now + afterMs, { kind: 'kill', node: node.id, incarnation: node.incarnation });
  }

  /** Crashes a node now and (in the safety phase) schedules its restart. */
  crashNode(node: SimNode, why: string): void {
    if (!node.up) return;
    this.trace(() => `${node.id} crash (${why})`);
    this.checker.onCrash(node);
    node.crash(this.rng, this.options.tearProbability);
    this.queue.push(this.now + uniform(this.rng, 1, this.options.restartDelayMaxMs), {
      kind: 'restart',
      node: node.id,
    });
  }

  /** The up node that is leader in the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      if (!node.up || node.raw === undefined) continue;
      const st = node.raw.status();
      if (st.role === 'leader' && st.term > bestTerm) {
        best = node;
        bestTerm = st.term;
      }
    }
    return best;
  }

  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** Runs the safety phase then the liveness phase; throws on any violated invariant. */
  run(limits: RunLimits): SimReport {
    const electionMs = this.options.electionTimeoutTicks * this.options.tickMs;
    while (this.phase !== 'done') {
      if (this.phase === 'safety' && this.steps >= limits.safetySteps) this.startLiveness();
      if (this.phase === 'liveness') {
        if (this.steps % 16 === 0) this.retireRemovedMembers();
        if (this.leaderAfterHealMs === undefined && this.steps % 4 === 0 && this.hasStableLeader()) {
          this.leaderAfterHealMs = this.now - this.livenessStartMs;
        }
        if (
          this.leaderAfterHealMs === undefined &&
          this.now - this.livenessStartMs > limits.leaderElectionTimeouts * electionMs
        ) {
          throw new LivenessError(
            `no leader within ${limits.leaderElectionTimeouts} election timeouts after heal: ${this.workload.describeState()}`,
          );
        }
        if (this.steps % 16 === 0 && this.workload.converged()) {
          this.finish();
          break;
        }
        if (this.now - this.livenessStartMs > limits.livenessElectionTimeouts * electionMs) {
          throw new LivenessError(
            `no liveness after ${limits.livenessElectionTimeouts} election timeouts: ${this.workload.describeState()}`,
          );
        }
      }
      const item = this.queue.pop();
      if (item === undefined) throw new LivenessError('event agenda ran dry');
      this.now = Math.max(this.now, item.atMs);
      this.steps++;
      this.handle(item.event);
      this.checker.afterStep(this.nodes.values());
      if (this.steps % 512 === 0) this.checker.checkLogMatching([...this.nodes.values()]);
    }
    return {
      steps: this.steps,
      virtualMs: this.now,
      phase: this.phase,
      livenessMs: this.now - this.livenessStartMs,
      leaderAfterHealElectionTimeouts: (this.leaderAfterHealMs ?? NaN) / electionMs,
    };
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const node = this.nodes.get(event.node);
        if (node === undefined || !node.up || node.incarnation !== event.incarnation) return;
        if (node.clock.isPaused()) {
          this.queue.push(node.clock.pausedUntilMs, event);
          return;
        }
        this.queue.push(node.clock.virtualAfter(this.options.tickMs), event);
        node.deliver({ kind: 'tick' });
        return;
      }
      case 'deliver': {
        const node = this.nodes.get(event.message.to);
        if (node === undefined || !node.up) return;
        if (node.clock.isPaused()) {
          this.queue.push(node.clock.pausedUntilMs, event);
          return;
        }
        if (!this.network.canPass(event.message.from, event.message.to)) return;
        if (this.traceTail > 0) this.trace(() => `recv ${describe(event.message)}`);
        node.deliver({ kind: 'message', message: event.message });
        return;
      }
      case 'sync': {
        const node = this.nodes.get(event.node);
        if (node === undefined || !node.up || node.incarnation !== event.incarnation) return;
        if (node.clock.isPaused()) {
          this.queue.push(node.clock.pausedUntilMs, event);
          return;
        }
        const crash = event.crashBeforeSend && this.phase === 'safety';
        node.completeSync(crash);
        if (crash) this.crashNode(node, 'after persist, before send');
        return;
      }
      case 'crash': {
        const node = this.nodes.get(event.node);
        if (node === undefined || !node.up || node.incarnation !== event.incarnation) return;
        if (node.busy && this.phase === 'safety') this.crashNode(node, 'during sync');
        return;
      }
      case 'kill': {
        const node = this.nodes.get(event.node);
        if (node === undefined || !node.up || node.incarnation !== event.incarnation) return;
        if (this.phase === 'safety') this.crashNode(node, 'new leader killed');
        return;
      }
      case 'restart': {
        const node = this.nodes.get(event.node);
        if (node === undefined || node.up || this.phase !== 'safety') return;
        node.start();
        this.scheduleFirstTick(node);
        return;
      }
      case 'nemesis':
        if (this.phase !== 'safety') return;
        this.nemesis.round();
        this.queue.push(this.now + this.options.nemesisIntervalMs, event);
        return;
      case 'client':
        this.workload.round();
        this.queue.push(this.now + this.options.clientIntervalMs, event);
        return;
    }
  }

  private startLiveness(): void {
    this.phase = 'liveness';
    this.livenessStartMs = this.now;
    this.trace(() => `=== liveness phase: faults heal`);
    this.network.healAll();
    this.network.faultsEnabled = false;
    for (const node of this.nodes.values()) {
      node.clock.pausedUntilMs = 0;
      if (!node.up) {
        node.start();
        this.scheduleFirstTick(node);
      }
    }
    for (const node of this.nodes.values()) node.pump();
  }

  /**
   * Shuts down removed members once every remaining member has applied their removal (an
   * operator's job; earlier, a remaining member may still need their vote — the etcd 2-node
   * removal wedge). Left running, an ex-member that missed its removal would only disrupt.
   */
  private hasStableLeader(): boolean {
    const leader = this.leader();
    if (leader === undefined) return false;
    const term = leader.raw!.status().term;
    const conf = this.checker.committedConf;
    return conf.voters.every((id) => {
      const st = this.nodes.get(id)?.raw?.status();
      return st !== undefined && st.term === term && st.leader === leader.id;
    });
  }

  private retireRemovedMembers(): void {
    const conf = this.checker.committedConf;
    const members = new Set([...conf.voters, ...conf.learners]);
    for (const node of this.nodes.values()) {
      if (!node.up || members.has(node.id) || !this.checker.everMembers.has(node.id)) continue;
      const stillKnown = [...members].some((id) => {
        const st = this.nodes.get(id)?.raw?.status();
        return (
          st === undefined || st.confState.voters.includes(node.id) || st.confState.learners.includes(node.id)
        );
      });
      if (stillKnown) continue;
      this.trace(() => `${node.id} retired (removed member)`);
      this.checker.onCrash(node);
      node.crash(this.rng, 0);
    }
  }

  private finish(): void {
    this.checker.checkLogMatching([...this.nodes.values()]);
    this.checker.checkAckedDurable(this.nodes.values());
    this.phase = 'done';
  }

  private scheduleFirstTick(node: SimNode): void {
    const first = node.clock.virtualAfter(this.options.tickMs * this.rng.nextFloat());
    this.queue.push(first, { kind: 'tick', node: node.id, incarnation: node.incarnation });
  }
}

/** The cluster did not recover after faults healed. */
export class LivenessError extends Error {
  override name = 'LivenessError';
}

function describe(m: Message): string {
  const ents = m.entries.length > 0 ? ` ents=${m.entries[0].index}..${m.entries.at(-1)!.index}` : '';
  const rej = m.reject ? ` REJECT hint=${m.rejectHint}` : '';
  const snap =
    m.snapshot !== undefined
      ? ` snap@${m.snapshot.meta.index}+${m.snapshot.offset}${m.snapshot.done ? ' done' : ''}`
      : '';
  return `${m.type} ${m.from}->${m.to} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}${ents}${rej}${snap}`;
}
