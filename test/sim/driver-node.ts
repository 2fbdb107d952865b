/**
 * A simulated member running the PRODUCTION async driver, `RaftNode` (src/raft/node.ts with its
 * durable log, proposal and read waiters and ticker), unchanged: only its ports are simulated.
 * - time: a `Timers` port whose callbacks are agenda events at this member's drifting clock
 *   (ticks, proposal and read timeouts), deferred while its process is paused;
 * - randomness: the member's forked seeded `Rng`;
 * - network: a `Transport` over the simulated network;
 * - disk: a `GatedLogStore` (writes complete at agenda events, on the simulated disk or a real
 *   LevelDB) — a crash abandons the driver object with its writes in flight, as a killed process;
 * - application: a `DriverMachine` (hash chain + membership), volatile or durable per seed, whose
 *   snapshots are built asynchronously (they complete at an agenda event, the loop keeps going).
 * Clients see what production callers see: `propose` resolves with an index, `readIndex`
 * resolves when a read is safe, and the checker judges those answers.
 */
import type { Rng } from '../../src/lib/rng.js';
import type { Transport } from '../../src/raft/ports.js';
import type { ConfChange, ConfState, Entry, Message, NodeId } from '../../src/raft/types.js';
import type { ClusterNode, LogView, MemberStatus } from './cluster-node.js';
import { RaftNode, type StateMachine, type Timers } from './core.js';
import { DriverMachine } from './driver-state-machine.js';
import { GatedLogStore, type PendingWrite, type StoreBackend } from './gated-log-store.js';
import type { Checker } from './invariants.js';
import type { SimClock } from './sim-clock.js';
import type { DiskImage } from './sim-disk.js';
import type { SimRaftSettings } from './sim-node.js';
import type { DriverOptions } from './swarm-options.js';

/** The driver settings one seed runs with: the drawn driver options plus the Raft timing. */
export interface DriverSettings extends DriverOptions {
  raft: SimRaftSettings;
  tickMs: number;
}

/** What a driver node needs from the simulator. */
export interface DriverHost {
  readonly checker: Checker;
  nowMs(): number;
  send(from: ClusterNode, messages: Message[]): void;
  /** Runs `fn` at virtual time `atMs` while `node`'s incarnation lives; `live` false skips it. */
  at(node: DriverNode, atMs: number, fn: () => void | Promise<void>, live?: () => boolean): void;
  /** Schedules the completion event of a gated log store write. */
  scheduleWrite(node: DriverNode, write: PendingWrite, store: GatedLogStore): void;
  onBecameLeader(node: ClusterNode): void;
  trace(text: () => string): void;
  /** A check failed inside a driver callback (the driver would only see a fatal error). */
  fail(error: unknown): void;
}

/** A cluster member running `RaftNode` (see the module comment). */
export class DriverNode implements ClusterNode {
  up = false;
  incarnation = 0;
  sm = new DriverMachine();
  private node: RaftNode | undefined;
  private store: GatedLogStore | undefined;
  private handler: ((message: Message) => void) | undefined;
  private closing: Promise<void> | undefined;
  private started = false;
  /** The fatal error a `status()` call saw the driver stopped on (the simulator fails the seed). */
  fatalError: string | undefined;

  constructor(
    readonly id: NodeId,
    private readonly backend: StoreBackend,
    readonly clock: SimClock,
    private readonly rng: Rng,
    private readonly settings: DriverSettings,
    private readonly host: DriverHost,
    private readonly bootstrap: ConfState | undefined,
  ) {}

  /** Boots a new incarnation from the disk (first start or restart after a crash). */
  async start(): Promise<void> {
    await this.settle();
    this.incarnation++;
    const inc = this.incarnation;
    const alive = (): boolean => this.up && this.incarnation === inc;
    if (!this.settings.durableStateMachine) this.sm = new DriverMachine();
    const store = new GatedLogStore(this.backend, (write) => this.host.scheduleWrite(this, write, store));
    // Writes while the driver opens its log (the bootstrap snapshot) complete at once: the
    // simulator awaits the whole start. Gating begins when the driver registers for messages.
    store.direct = true;
    const transport: Transport = {
      send: (messages) => {
        if (alive()) this.host.send(this, messages);
      },
      onMessage: (handler) => {
        this.handler = handler;
        store.direct = false;
      },
    };
    const s = this.settings;
    const node = new RaftNode({
      id: this.id,
      logStore: store,
      transport,
      stateMachine: this.stateMachine(inc),
      rng: this.rng,
      timers: this.timers(inc),
      tickIntervalMs: s.tickMs,
      electionTimeoutTicks: s.raft.electionTimeoutTicks,
      heartbeatIntervalTicks: s.raft.heartbeatIntervalTicks,
      raft: s.raft,
      ...(this.bootstrap !== undefined ? { bootstrap: this.bootstrap } : {}),
      proposalTimeoutMs: s.proposalTimeoutMs,
      readTimeoutMs: s.readTimeoutMs,
      ...(s.snapshotThresholdEntries !== undefined
        ? { snapshotThresholdEntries: s.snapshotThresholdEntries }
        : {}),
      snapshotTrailingEntries: s.snapshotTrailingEntries,
    });
    node.onStateChange((change) => {
      if (!alive()) return;
      this.host.trace(() => `${this.id} soft ${change.role} leader=${change.leader} term=${change.term}`);
      if (change.role === 'leader') this.host.onBecameLeader(this);
    });
    this.node = node;
    this.store = store;
    this.up = true;
    this.started = true;
    const log = this.backend.image;
    this.host.trace(
      () =>
        `${this.id} start inc=${inc} hs=${JSON.stringify(log.hardState)} snap=${log.snapshotIndex} last=${log.lastIndex()} sm=${this.sm.appliedIndex}`,
    );
    await node.start();
  }

  /** A crashed incarnation's disk is still closing (`settle` waits for it). */
  get closingDisk(): boolean {
    return this.closing !== undefined;
  }

  /** Resolves once a crashed incarnation's last writes landed and its store is closed. */
  async settle(): Promise<void> {
    const closing = this.closing;
    this.closing = undefined;
    await closing;
  }

  /** Closes the disk at the end of a run. */
  async shutdown(): Promise<void> {
    if (this.up) this.crash(undefined, 1);
    await this.settle();
    if (this.started) await this.backend.close();
  }

  crash(rng: Rng | undefined, tearProbability: number): void {
    if (!this.up) return;
    this.up = false;
    const landed = rng === undefined ? [] : (this.store?.kill(rng, tearProbability) ?? []);
    this.node = undefined;
    this.store = undefined;
    this.handler = undefined;
    const backend = this.backend;
    const previous = this.closing;
    this.closing = (async () => {
      await previous;
      for (const op of landed) await backend.run(op);
      await backend.close();
    })();
    this.host.trace(() => `${this.id} CRASH (${landed.length} pending writes landed)`);
  }

  /** An inbound message (the simulator checked the link and the pause). */
  receive(message: Message): void {
    if (this.up) this.handler?.(message);
  }

  get busy(): boolean {
    return this.store?.busy ?? false;
  }

  status(): MemberStatus | undefined {
    const st = this.up ? this.node?.status() : undefined;
    if (st?.fatalError !== undefined) this.fatalError ??= st.fatalError;
    return st;
  }

  get log(): LogView | undefined {
    return this.up ? this.backend.image : undefined;
  }

  logTerm(index: number): number | undefined {
    const log = this.log;
    if (log === undefined || index < log.firstIndex() - 1 || index > log.lastIndex()) return undefined;
    try {
      return log.term(index);
    } catch {
      return undefined;
    }
  }

  durableImage(): DiskImage {
    return this.backend.image.image();
  }

  hasReady(): boolean {
    return false;
  }

  pump(): void {}

  propose(data: Uint8Array): void {
    const node = this.node;
    if (node === undefined) return;
    node.propose(data).then(
      ({ index }) => this.report(() => this.host.checker.onAcked(this, data, index)),
      () => this.host.checker.onProposalFailed(),
    );
  }

  read(key: string): void {
    const node = this.node;
    if (node === undefined) return;
    node.readIndex().then(
      () => this.report(() => this.host.checker.onReadResolved(this, key, this.sm.appliedIndex)),
      () => undefined,
    );
  }

  confChange(cc: ConfChange): void {
    const node = this.node;
    if (node === undefined) return;
    this.host.trace(() => `${this.id} propose cc ${cc.type} ${cc.nodeId}`);
    node.proposeConfChange(cc).then(
      () => undefined,
      () => undefined,
    );
  }

  transfer(to: NodeId): void {
    this.host.trace(() => `${this.id} transfer -> ${to}`);
    this.node?.transferLeadership(to);
  }

  /** The driver snapshots and compacts on its own (`snapshotThresholdEntries`). */
  compact(): boolean {
    return false;
  }

  private timers(inc: number): Timers {
    return {
      schedule: (delayMs, fn) => {
        let cancelled = false;
        this.host.at(
          this,
          this.clock.virtualAfter(delayMs),
          () => {
            if (!cancelled && this.incarnation === inc) fn();
          },
          () => !cancelled && this.incarnation === inc,
        );
        return () => {
          cancelled = true;
        };
      },
    };
  }

  private stateMachine(inc: number): StateMachine {
    const s = this.settings;
    const applyBatch = (entries: readonly Entry[]): void =>
      this.guard(() => {
        for (const entry of entries) {
          const cc = this.sm.applyEntry(entry);
          this.host.checker.onApplied(this, entry);
          if (cc !== undefined) {
            const conf = this.sm.conf;
            this.host.checker.onConfApplied(this, cc, conf);
            this.host.trace(
              () =>
                `${this.id} applied cc@${entry.index} ${cc.type} ${cc.nodeId} -> v=${conf.voters.join(',')} l=${conf.learners.join(',')}`,
            );
          }
        }
      });
    return {
      apply: (entry) => applyBatch([entry]),
      ...(s.applyBatch ? { applyBatch } : {}),
      snapshot: () => {
        const bytes = this.sm.snapshot();
        // The bootstrap snapshot is taken while the simulator awaits the start: no delay there.
        if (s.snapshotDelayMs === 0 || this.store?.direct !== false) return bytes;
        return new Promise<Uint8Array>((resolve) => {
          this.host.at(this, this.host.nowMs() + s.snapshotDelayMs, () => resolve(bytes));
        });
      },
      restore: (data, meta) =>
        this.guard(() => {
          this.sm.restoreSnapshot(data, meta);
          if (meta !== undefined) this.host.checker.onSnapshotRestored(this, { meta, data });
          this.host.trace(() => `${this.id} restored snapshot @${meta?.index ?? '?'} (inc ${inc})`);
        }),
      ...(s.durableStateMachine ? { appliedIndex: () => this.sm.appliedIndex } : {}),
    };
  }

  /** Runs a check inside a driver callback: a failure is reported to the simulator, then rethrown. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.host.fail(error);
      throw error;
    }
  }

  /** Runs a check on a settled driver promise: a failure is reported to the simulator. */
  private report(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.host.fail(error);
    }
  }
}
