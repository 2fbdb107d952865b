/**
 * RaftNode: the one async driver loop around the pure core (with node-timers.ts, the only code in
 * src/raft allowed timers and `await`). It owns a `RawNode`, the durable log (`DurableLog`: the
 * `LogStore` and the core's `MemoryStorage` image), a `Transport` and the application
 * `StateMachine`, and runs the Ready contract:
 *
 *   step queued inputs (messages, ticks, proposals, reads) → ready() → send `messages` →
 *   persist hardState+entries+snapshot in ONE synced batch → send `messagesAfterPersist` →
 *   apply snapshot, then committed entries (conf changes into the core) → serve reads → advance.
 *
 * Everything that arrives while a batch is being synced queues and is stepped together before the
 * next Ready, so concurrent proposals share one fsync (group commit). Time enters only through the
 * injected `Timers` (ticks, timeouts) and randomness through the injected `Rng`.
 *
 * Files: node-options.ts (API types), node-timers.ts (real timers, ticker), node-proposals.ts and
 * node-reads.ts (callers waiting on proposals and reads), node-durable-log.ts (persistence).
 */
import { ArcaError } from '../lib/errors.js';
import { decodeConfChange } from './conf-change-codec.js';
import { DurableLog } from './node-durable-log.js';
import type { NodeStateChange, RaftNodeOptions, RaftNodeStatus, Timers } from './node-options.js';
import { ProposalWaiters } from './node-proposals.js';
import { ReadWaiters } from './node-reads.js';
import { systemTimers, Ticker } from './node-timers.js';
import { RawNode } from './raw-node.js';
import type { ConfChange, ConfState, Entry, Message, NodeId, Ready, Snapshot, SoftState } from './types.js';
import { EntryType } from './types.js';

export type {
  NodeStateChange,
  RaftNodeOptions,
  RaftNodeStatus,
  StateMachine,
  Timers,
} from './node-options.js';
export { systemTimers } from './node-timers.js';

/** The async driver of one Raft member. Create, `start()`, use, `stop()`. */
export class RaftNode {
  private raw: RawNode | undefined;
  private readonly timers: Timers;
  private readonly durable: DurableLog;
  private readonly ticker: Ticker;
  private readonly proposals: ProposalWaiters;
  private readonly reads: ReadWaiters;
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private fatal: Error | undefined;
  private inbox: Message[] = [];
  private transfers: NodeId[] = [];
  private applied = 0;
  private smApplied = 0;
  private lastSnapshotIndex = 0;
  private role = 'follower';
  private snapshotDue = false;
  /** A snapshot being built off the loop, and a built one the loop has yet to write. */
  private snapshotBuild: Promise<void> | undefined;
  private builtSnapshot: { index: number; confState: ConfState; data: Uint8Array } | undefined;
  private readonly stateListeners = new Set<(change: NodeStateChange) => void>();

  constructor(private readonly options: RaftNodeOptions) {
    this.timers = options.timers ?? systemTimers;
    this.durable = new DurableLog(options.logStore);
    this.ticker = new Ticker(this.timers, options.tickIntervalMs, options.heartbeatIntervalTicks, () =>
      this.kick(),
    );
    this.proposals = new ProposalWaiters(this.timers, options.proposalTimeoutMs ?? 10_000);
    this.reads = new ReadWaiters(options.id, this.timers, options.readTimeoutMs ?? 5_000, () => this.kick());
  }

  /** Opens the log store, restores the state machine, and starts ticking and receiving. */
  async start(): Promise<void> {
    const o = this.options;
    const snapshot = await this.durable.open(o.bootstrap, () => o.stateMachine.snapshot());
    const snapIndex = snapshot?.meta.index ?? 0;
    this.smApplied = o.stateMachine.appliedIndex?.() ?? 0;
    if (snapshot !== undefined && this.smApplied < snapIndex) {
      // With its metadata: the data alone may not say which index it covers (the bootstrap
      // snapshot is the empty state at index 1).
      await o.stateMachine.restore(snapshot.data, snapshot.meta);
      this.smApplied = snapIndex;
    }
    this.applied = snapIndex;
    this.lastSnapshotIndex = snapIndex;
    this.raw = new RawNode({
      ...o.raft,
      id: o.id,
      storage: this.durable.storage,
      rng: o.rng,
      electionTimeoutTicks: o.electionTimeoutTicks,
      heartbeatIntervalTicks: o.heartbeatIntervalTicks,
      appliedIndex: snapIndex,
    });
    this.updatePeers(this.raw.status().confState);
    o.transport.onMessage((message) => {
      if (this.stopped) return;
      this.inbox.push(message);
      this.kick();
    });
    this.ticker.start();
    this.kick();
  }

  /** Stops ticking, rejects everything pending, waits for the loop and closes the log store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ticker.stop();
    this.failAll(new ArcaError('unavailable', 'raft node stopped'));
    await this.idle;
    await this.snapshotBuild;
    await this.durable.close();
  }

  /** Proposes `data`; resolves once the entry is committed AND applied here. Leader only. */
  propose(data: Uint8Array): Promise<{ index: number }> {
    const closed = this.closedError();
    if (closed !== undefined) return Promise.reject(closed);
    const result = this.proposals.addData(data);
    this.kick();
    return result;
  }

  /** Proposes a membership change; resolves once it is committed and applied here. */
  proposeConfChange(cc: ConfChange): Promise<{ index: number }> {
    const closed = this.closedError();
    if (closed !== undefined) return Promise.reject(closed);
    const result = this.proposals.addConfChange(cc);
    this.kick();
    return result;
  }

  /**
   * Resolves when a linearizable read is safe: the read index (confirmed by a quorum) has been
   * applied locally. Concurrent callers share one core readIndex round.
   */
  readIndex(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new ArcaError('unavailable', 'raft node stopped'));
      this.reads.add({ resolve, reject });
      this.kick();
    });
  }

  /** Asks the leader to hand leadership to `to` (a caught-up voter). */
  transferLeadership(to: NodeId): void {
    this.transfers.push(to);
    this.kick();
  }

  /**
   * Registers `fn` for every role, leader or term change this member sees (called from the loop,
   * before the Ready that carried the change is persisted: a lost leadership is reported at once).
   * Returns the unsubscribe function.
   */
  onStateChange(fn: (change: NodeStateChange) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** The core's view of this member plus driver counters. */
  status(): RaftNodeStatus {
    const st = this.raw?.status();
    return {
      id: this.options.id,
      term: st?.term ?? 0,
      commit: st?.commit ?? 0,
      applied: this.applied,
      leader: st?.leader ?? '',
      role: st?.role ?? 'follower',
      confState: st?.confState ?? { voters: [], learners: [] },
      lastIndex: this.raw === undefined ? 0 : this.durable.storage.lastIndex(),
      snapshotIndex: this.lastSnapshotIndex,
      persistCount: this.durable.persistCount,
      missedTicks: this.ticker.missed,
      ...(this.fatal !== undefined ? { fatalError: this.fatal.message } : {}),
    };
  }

  private closedError(): ArcaError | undefined {
    if (!this.stopped && this.fatal === undefined) return undefined;
    return new ArcaError('unavailable', this.stopped ? 'raft node stopped' : 'raft node failed');
  }

  /** Starts the loop unless it is already running (it re-checks its queues before exiting). */
  private kick(): void {
    if (this.running || this.stopped || this.raw === undefined || this.fatal !== undefined) return;
    this.running = true;
    this.idle = this.loop();
  }

  private async loop(): Promise<void> {
    const raw = this.raw!;
    try {
      for (;;) {
        if (this.stopped) break;
        await this.writeBuiltSnapshot();
        this.stepInputs(raw);
        if (!raw.hasReady() && this.builtSnapshot === undefined) break;
        if (!raw.hasReady()) continue;
        await this.handleReady(raw, raw.ready());
      }
    } catch (error) {
      // A failing disk or a broken core invariant: this member cannot continue safely.
      this.fatal = error instanceof Error ? error : new Error(String(error));
      this.failAll(new ArcaError('unavailable', 'raft node failed'));
    } finally {
      this.running = false;
    }
  }

  private stepInputs(raw: RawNode): void {
    // Messages first: a heartbeat that waited behind a slow sync must count before queued ticks.
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) raw.step(message);
    if (this.options.leadershipFenced !== undefined) raw.setLeadershipFenced(this.options.leadershipFenced());
    for (let n = this.ticker.take(); n > 0; n--) raw.tick();
    this.proposals.stepInto(raw);
    for (const to of this.transfers.splice(0)) raw.transferLeadership(to);
    this.reads.maybeStartRound(raw);
  }

  private async handleReady(raw: RawNode, rd: Ready): Promise<void> {
    const o = this.options;
    if (rd.softState !== undefined) this.onSoftState(rd.softState, raw.status().term);
    if (rd.messages.length > 0) o.transport.send(rd.messages);
    const persistsBefore = this.durable.persistCount;
    await this.durable.persistReady(rd);
    if (this.durable.persistCount !== persistsBefore) o.onPersisted?.(rd.entries.length);
    if (rd.messagesAfterPersist.length > 0) o.transport.send(rd.messagesAfterPersist);
    if (rd.snapshot !== undefined) await this.restoreSnapshot(rd.snapshot);
    await this.applyCommitted(raw, rd.committedEntries);
    this.reads.onReadStates(rd.readStates, this.applied);
    raw.advance(rd);
    this.maybeSnapshot(raw);
  }

  private async restoreSnapshot(snapshot: Snapshot): Promise<void> {
    const index = snapshot.meta.index;
    if (index <= this.applied) return;
    if (index > this.smApplied) {
      await this.options.stateMachine.restore(snapshot.data, snapshot.meta);
      this.smApplied = index;
    }
    this.applied = index;
    this.lastSnapshotIndex = index;
    this.updatePeers(snapshot.meta.confState);
    this.proposals.onSnapshot(index);
  }

  /**
   * Applies one Ready's committed entries: configuration changes go into the core in order, then
   * the state machine gets every entry it has not applied yet — in one `applyBatch` call when it
   * has one (one storage write for the run), else one `apply` per entry.
   */
  private async applyCommitted(raw: RawNode, entries: Entry[]): Promise<void> {
    const fresh = entries.filter((e) => e.index > this.applied);
    if (fresh.length === 0) return;
    for (const entry of fresh) {
      if (entry.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChange(entry.data);
      const confState = raw.applyConfChange(cc);
      this.updatePeers(confState);
      // A joiner catches up from a snapshot, and the core refuses a snapshot whose membership
      // does not name it: make sure the latest snapshot is taken after the addition.
      if (cc.type !== 'removeNode') this.snapshotDue = true;
    }
    const sm = this.options.stateMachine;
    const toApply = fresh.filter((e) => e.index > this.smApplied);
    if (toApply.length > 0) {
      if (sm.applyBatch !== undefined) await sm.applyBatch(toApply);
      else for (const entry of toApply) await sm.apply(entry);
      this.smApplied = toApply[toApply.length - 1].index;
    }
    for (const entry of fresh) {
      this.applied = entry.index;
      this.proposals.onApplied(entry);
    }
  }

  /**
   * Starts building a snapshot OFF the loop when one is due: the state machine captures its state
   * synchronously and serialises it, and the log store stages (writes) its data, while the loop
   * keeps sending heartbeats and applying; the loop then records the finished snapshot (metadata
   * only, once staged) and compacts at the top of a later iteration.
   */
  private maybeSnapshot(raw: RawNode): void {
    const o = this.options;
    const threshold = o.snapshotThresholdEntries;
    const due =
      this.snapshotDue || (threshold !== undefined && this.applied - this.lastSnapshotIndex >= threshold);
    if (!due || this.applied <= this.lastSnapshotIndex || this.snapshotBuild !== undefined) return;
    if (this.builtSnapshot !== undefined) return;
    // After a restart a durable state machine can be ahead of `applied` (the core re-delivers
    // entries it already holds): its state is not the state at `applied`, so labelling it so
    // would make a snapshot that re-applies entries on install. Wait until applied catches up.
    if (this.smApplied > this.applied) return;
    this.snapshotDue = false;
    const index = this.applied;
    const confState = raw.status().confState;
    let term: number;
    let data: Uint8Array | Promise<Uint8Array>;
    try {
      term = this.durable.storage.term(index);
      data = o.stateMachine.snapshot();
    } catch (error) {
      this.fail(error);
      return;
    }
    const staged = Promise.resolve(data).then(async (bytes) => {
      await this.durable.stageSnapshot({ index, term, confState }, bytes);
      return bytes;
    });
    this.snapshotBuild = staged.then(
      (bytes) => {
        this.snapshotBuild = undefined;
        this.builtSnapshot = { index, confState, data: bytes };
        this.kick();
      },
      (error: unknown) => {
        this.snapshotBuild = undefined;
        this.fail(error);
      },
    );
  }

  /** Writes a snapshot built off the loop (unless a newer one was installed meanwhile). */
  private async writeBuiltSnapshot(): Promise<void> {
    const built = this.builtSnapshot;
    if (built === undefined) return;
    this.builtSnapshot = undefined;
    if (built.index <= this.lastSnapshotIndex) return;
    const trailing = this.options.snapshotTrailingEntries ?? 1000;
    await this.durable.snapshotAndCompact(built.index, built.confState, built.data, trailing);
    this.lastSnapshotIndex = built.index;
  }

  private onSoftState(soft: SoftState, term: number): void {
    const wasLeader = this.role === 'leader';
    this.role = soft.role;
    if (wasLeader && soft.role !== 'leader') this.proposals.onLeadershipLost();
    // A read confirmed under the old leader is still good; one in flight is not: callers retry.
    if (wasLeader !== (soft.role === 'leader')) this.reads.failInFlight(new ArcaError('not_leader'));
    const change: NodeStateChange = { role: soft.role, leader: soft.leader, term };
    for (const fn of this.stateListeners) {
      try {
        fn(change);
      } catch {
        // A listener's failure is its own; the driver loop must not die of it.
      }
    }
  }

  private fail(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error instanceof Error ? error : new Error(String(error));
    this.failAll(new ArcaError('unavailable', 'raft node failed'));
  }

  private updatePeers(confState: ConfState): void {
    const peers = [...confState.voters, ...confState.learners].filter((id) => id !== this.options.id);
    this.options.transport.setPeers?.(peers);
  }

  private failAll(error: Error): void {
    this.proposals.failAll(error);
    this.reads.failAll(error);
  }
}
