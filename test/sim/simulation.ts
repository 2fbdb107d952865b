/**
 * The deterministic simulator (FoundationDB / TigerBeetle VOPR style): a whole Raft cluster in one
 * process, virtual time on one event agenda, every random choice from one seeded generator. Runs a
 * safety phase under swarm-drawn faults (network, disk, crashes, pauses, clocks, membership,
 * transfers, compaction, reads), checking invariants after every step, then a liveness phase in
 * which faults heal and the cluster must elect a leader, commit and converge within a bound.
 */
import type { ConfState, Message, NodeId, Snapshot } from '../../src/raft/types.js';
import { SeededRng } from '../../src/lib/rng.js';
import type { ClusterNode } from './cluster-node.js';
import { DriverAgenda } from './driver-agenda.js';
import { DriverNode, type DriverSettings } from './driver-node.js';
import { MemoryBackend, type StoreBackend } from './gated-log-store.js';
import { chainHash, hashBytes } from './hash.js';
import { LevelBackend } from './leveldb-backend.js';
import { Checker } from './invariants.js';
import { EventQueue } from './event-queue.js';
import { chance, exponential, uniform } from './random.js';
import { SimClock } from './sim-clock.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import { SimNode, type SimHost, type SimRaftSettings } from './sim-node.js';
import { SimStateMachine } from './sim-state-machine.js';
import type { SimDriver, SwarmOptions, SwarmTuning } from './swarm-options.js';
import { drawDriverOptions, drawSwarmOptions } from './swarm-options.js';
import { Nemesis } from './nemesis.js';
import { Workload } from './workload.js';
import { LivenessError, type RunLimits, type RunSetup, type SimEvent, type SimReport } from './sim-events.js';
import { describeMessage } from './trace-format.js';
import { hasStableLeader, retireRemovedMembers } from './liveness.js';

export { LivenessError, type RunLimits, type RunSetup, type SimReport } from './sim-events.js';

/**
 * One seeded run of a simulated cluster. `driver` picks what runs each member: 'core' the pure
 * core under the simulator's own loop (SimNode), 'node' the production async driver RaftNode on
 * the simulated disk, 'leveldb' the production driver on real LevelDB log stores (DriverNode).
 */
const encoder = new TextEncoder();

export class Simulation implements SimHost {
  readonly rng: SeededRng;
  readonly options: SwarmOptions;
  readonly queue = new EventQueue<SimEvent>();
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, ClusterNode>();
  readonly driver: SimDriver;
  /** The fold of every trace line so far (with `RunSetup.traceHash`). */
  traceHash = 0;
  private readonly tracing: boolean;
  private readonly driverSettings: DriverSettings | undefined;
  private readonly bootstrapConf: ConfState;
  private readonly agenda = new DriverAgenda(this);
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
    private readonly setup: RunSetup = {},
  ) {
    this.rng = new SeededRng(seed);
    this.options = drawSwarmOptions(this.rng, tuning);
    this.driver = tuning.driver ?? 'core';
    this.tracing = traceTail > 0 || setup.traceHash === true;
    if (this.driver === 'leveldb' && setup.storageDir === undefined) {
      throw new Error('the leveldb driver needs a storage directory');
    }
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
    if (this.driver !== 'core') {
      // Drawn from a side stream: the core driver's seeds stay exactly as they were.
      const d = drawDriverOptions(new SeededRng(seed ^ 0x2545f491), o, tuning);
      this.driverSettings = { ...d, raft: this.settings, tickMs: o.tickMs };
    }
    const voters: NodeId[] = [];
    for (let i = 0; i < o.nodeCount; i++) voters.push(`n${this.nextNodeNumber++}`);
    const conf: ConfState = { voters, learners: [] };
    this.bootstrapConf = conf;
    const sm = new SimStateMachine();
    sm.appliedIndex = 1;
    const bootstrap: Snapshot = { meta: { index: 1, term: 1, confState: conf }, data: sm.snapshot() };
    this.checker = new Checker(conf, 1, 1, 0);
    this.observer = this.checker;
    for (const id of voters) {
      if (this.driver !== 'core') {
        this.addNode(id);
        continue;
      }
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
  addNode(id: NodeId, disk: SimDisk = new SimDisk()): ClusterNode {
    const o = this.options;
    const rate = 1 + uniform(this.rng, -o.clockDriftMax, o.clockDriftMax);
    const clock = new SimClock(() => this.now, rate);
    if (this.driverSettings !== undefined) {
      const backend: StoreBackend =
        this.driver === 'leveldb' ? new LevelBackend(id, this.setup.storageDir!) : new MemoryBackend(id);
      // Initial members bootstrap through the driver (DurableLog.open writes the first snapshot).
      const bootstrap = this.nodes.size < o.nodeCount ? this.bootstrapConf : undefined;
      const node = new DriverNode(
        id,
        backend,
        clock,
        this.rng.fork(),
        this.driverSettings,
        this.agenda,
        bootstrap,
      );
      this.nodes.set(id, node);
      this.queue.push(this.now, { kind: 'start', node: id });
      return node;
    }
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
    if (!this.tracing) return;
    const line = `${this.now.toFixed(2)} ${text()}`;
    if (this.setup.traceHash === true)
      this.traceHash = chainHash(this.traceHash, hashBytes(encoder.encode(line)));
    if (this.traceTail === 0) return;
    this.traceLines.push(line);
    if (this.traceLines.length > this.traceTail * 2)
      this.traceLines.splice(0, this.traceLines.length - this.traceTail);
  }

  /** The last `traceTail` trace lines. */
  traceTailLines(): string[] {
    return this.traceLines.slice(-this.traceTail);
  }

  send(from: ClusterNode, messages: Message[]): void {
    for (const message of messages) {
      if (this.tracing) this.trace(() => `send ${describeMessage(message)}`);
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

  onBecameLeader(node: ClusterNode): void {
    const o = this.options;
    if (this.phase !== 'safety' || !chance(this.rng, o.crashNewLeaderProbability)) return;
    // Kill it while its first appends are only partly replicated (the Figure 8 window).
    const afterMs = uniform(this.rng, 0, 2 * (o.network.delayMinMs + o.network.delayMeanMs));
    this.queue.push(this.now + afterMs, { kind: 'kill', node: node.id, incarnation: node.incarnation });
  }

  /** Crashes a node now and (in the safety phase) schedules its restart. */
  crashNode(node: ClusterNode, why: string): void {
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
  leader(): ClusterNode | undefined {
    let best: ClusterNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const st = node.status();
      if (!node.up || st === undefined) continue;
      if (st.role === 'leader' && st.term > bestTerm) {
        best = node;
        bestTerm = st.term;
      }
    }
    return best;
  }

  upNodes(): ClusterNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** Runs the safety phase then the liveness phase; throws on any violated invariant. */
  async run(limits: RunLimits): Promise<SimReport> {
    const electionMs = this.options.electionTimeoutTicks * this.options.tickMs;
    while (this.phase !== 'done') {
      if (this.phase === 'safety' && this.steps >= limits.safetySteps) this.startLiveness();
      if (this.phase === 'liveness') {
        if (this.steps % 16 === 0) retireRemovedMembers(this);
        if (this.leaderAfterHealMs === undefined && this.steps % 4 === 0 && hasStableLeader(this)) {
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
      if (this.queue.size > (limits.maxQueuedEvents ?? Infinity)) {
        throw new LivenessError(
          `event storm: ${this.queue.size} events on the agenda: ${this.workload.describeState()}`,
        );
      }
      if (this.agenda.isDead(item.event)) continue;
      this.now = Math.max(this.now, item.atMs);
      this.steps++;
      const pending = this.handle(item.event);
      if (pending !== undefined) await pending;
      if (this.driver !== 'core') await this.agenda.settle();
      this.checker.afterStep(this.nodes.values());
      if (this.driver !== 'core') this.agenda.checkDriversAlive();
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

  /** Closes every member's disk (the LevelDB databases) after a run, passed or failed. */
  async shutdown(): Promise<void> {
    await this.agenda.shutdown();
  }

  private handle(event: SimEvent): void | Promise<void> {
    switch (event.kind) {
      case 'start': {
        const node = this.nodes.get(event.node);
        if (!(node instanceof DriverNode) || node.up) return;
        return node.start();
      }
      case 'call': {
        const node = this.nodes.get(event.node);
        if (node === undefined || !node.up || node.incarnation !== event.incarnation) return;
        if (node.clock.isPaused()) {
          this.queue.push(node.clock.pausedUntilMs, event);
          return;
        }
        return event.fn();
      }
      case 'tick': {
        const node = this.core(event.node);
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
        if (this.tracing) this.trace(() => `recv ${describeMessage(event.message)}`);
        if (node instanceof DriverNode) node.receive(event.message);
        else (node as SimNode).deliver({ kind: 'message', message: event.message });
        return;
      }
      case 'sync': {
        const node = this.core(event.node);
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
        if (node instanceof DriverNode) return node.start();
        (node as SimNode).start();
        this.scheduleFirstTick(node as SimNode);
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
      if (node.up) continue;
      if (node instanceof DriverNode) {
        this.queue.push(this.now, { kind: 'start', node: node.id });
      } else {
        (node as SimNode).start();
        this.scheduleFirstTick(node as SimNode);
      }
    }
    for (const node of this.nodes.values()) node.pump();
  }

  private finish(): void {
    this.checker.checkLogMatching([...this.nodes.values()]);
    this.checker.checkAckedDurable(this.nodes.values());
    this.phase = 'done';
  }

  /** The core-driver node `id`, if it exists. */
  private core(id: NodeId): SimNode | undefined {
    const node = this.nodes.get(id);
    return node instanceof SimNode ? node : undefined;
  }

  private scheduleFirstTick(node: SimNode): void {
    const first = node.clock.virtualAfter(this.options.tickMs * this.rng.nextFloat());
    this.queue.push(first, { kind: 'tick', node: node.id, incarnation: node.incarnation });
  }
}
