/**
 * The simulator's side of the production driver's ports (`DriverHost`): driver timers and storage
 * completions become agenda events of the member's incarnation; storage writes get a sync latency
 * and, in the safety phase, maybe a crash while in flight or right after they land; and after each
 * step `settle` lets every promise chain the step started run to its next agenda wait before the
 * invariants are checked, so the driver's asynchrony never makes a run depend on timing.
 */
import type { Message } from '../../src/raft/types.js';
import type { ClusterNode } from './cluster-node.js';
import { DriverNode, type DriverHost } from './driver-node.js';
import type { GatedLogStore, PendingWrite } from './gated-log-store.js';
import type { Checker } from './invariants.js';
import { chance, exponential, uniform } from './random.js';
import type { SimEvent } from './sim-events.js';
import type { Simulation } from './simulation.js';
import { describeStoreOp } from './trace-format.js';

/** Implements `DriverHost` over a `Simulation` (see the module comment). */
export class DriverAgenda implements DriverHost {
  /** The first check that failed inside a driver callback. */
  private failure: unknown;

  constructor(private readonly sim: Simulation) {}

  get checker(): Checker {
    return this.sim.checker;
  }

  nowMs(): number {
    return this.sim.now;
  }

  send(from: ClusterNode, messages: Message[]): void {
    this.sim.send(from, messages);
  }

  onBecameLeader(node: ClusterNode): void {
    this.sim.onBecameLeader(node);
  }

  trace(text: () => string): void {
    this.sim.trace(text);
  }

  at(node: DriverNode, atMs: number, fn: () => void | Promise<void>, live?: () => boolean): void {
    this.sim.queue.push(atMs, {
      kind: 'call',
      node: node.id,
      incarnation: node.incarnation,
      fn,
      ...(live !== undefined ? { live } : {}),
    });
  }

  /** Like the core's sync: a latency, and in the safety phase maybe a crash during or right after. */
  scheduleWrite(node: DriverNode, write: PendingWrite, store: GatedLogStore): void {
    const sim = this.sim;
    const o = sim.options;
    const latency = chance(sim.rng, o.slowSyncProbability)
      ? uniform(sim.rng, 20, o.slowSyncMaxMs)
      : o.syncMinMs + exponential(sim.rng, o.syncMeanMs);
    const faults = sim.phase === 'safety';
    const persist = write.op.kind === 'persist';
    const crashBeforeSend = faults && persist && chance(sim.rng, o.crashAfterPersistProbability);
    this.at(node, sim.now + latency, async () => {
      const crash = crashBeforeSend && sim.phase === 'safety';
      if (!(await store.complete(write, crash))) return;
      sim.trace(() => `${node.id} wrote ${describeStoreOp(write.op)}`);
      if (crash) sim.crashNode(node, 'after persist, before send');
    });
    if (faults && persist && chance(sim.rng, o.crashInSyncProbability)) {
      sim.queue.push(sim.now + uniform(sim.rng, 0, latency), {
        kind: 'crash',
        node: node.id,
        incarnation: node.incarnation,
      });
    }
  }

  fail(error: unknown): void {
    this.failure ??= error;
  }

  /** A driver callback whose timer was cancelled or whose incarnation died: not a step. */
  isDead(event: SimEvent): boolean {
    if (event.kind !== 'call') return false;
    const node = this.sim.nodes.get(event.node);
    return node === undefined || node.incarnation !== event.incarnation || event.live?.() === false;
  }

  /**
   * After each step: lets every promise chain the step started run to its next agenda wait (one
   * macrotask turn drains the microtask queue), lets crashed members' disks close, then surfaces
   * a check that failed inside a driver callback.
   */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const node of this.sim.nodes.values()) {
      if (node instanceof DriverNode && node.closingDisk) await node.settle();
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** A driver that stopped on a fatal error (seen by the checker's status calls) fails the seed. */
  checkDriversAlive(): void {
    for (const node of this.sim.nodes.values()) {
      if (node instanceof DriverNode && node.fatalError !== undefined) {
        throw new Error(`${node.id}: the driver died: ${node.fatalError}`);
      }
    }
  }

  /** Closes every member's disk after a run, passed or failed (crashed members' writes land first). */
  async shutdown(): Promise<void> {
    for (const node of this.sim.nodes.values()) if (node instanceof DriverNode) await node.shutdown();
  }
}
