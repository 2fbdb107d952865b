/**
 * RaftNode: the one async driver loop around the pure core (the only file in src/raft allowed
 * timers and `await`). It owns a `RawNode`, the core's synchronous `MemoryStorage` image, the
 * durable `LogStore`, a `Transport` and the application `StateMachine`, and runs the Ready contract:
 *
 *   step queued inputs (messages, ticks, proposals, reads) → ready() → send `messages` →
 *   persist hardState+entries+snapshot in ONE synced batch → send `messagesAfterPersist` →
 *   apply snapshot, then committed entries (conf changes into the core) → serve reads → advance.
 *
 * Everything that arrives while a batch is being synced queues and is stepped together before the
 * next Ready, so concurrent proposals share one fsync (group commit). Time enters only through the
 * injected `Timers` (ticks, timeouts) and randomness through the injected `Rng`.
 */
import { ArcaError } from '../lib/errors.js';
import type { Rng } from '../lib/rng.js';
import type { RaftConfig } from './config.js';
import { decodeConfChange } from './conf-change-codec.js';
import { MemoryStorage } from './memory-storage.js';
import type { LogStore, Transport } from './ports.js';
import { RawNode } from './raw-node.js';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Ready, Snapshot } from './types.js';
import { EntryType } from './types.js';

/**
 * The replicated application. `apply` sees EVERY committed entry in index order (normal entries,
 * the leader's empty entries and configuration changes alike) so it can record its applied index
 * in the same write as the effect. A durable state machine reports `appliedIndex()`; entries at or
 * below it are not applied again after a restart (configuration changes still reach the core).
 */
export interface StateMachine {
  apply(entry: Entry): Promise<void> | void;
  snapshot(): Uint8Array | Promise<Uint8Array>;
  restore(data: Uint8Array): Promise<void> | void;
  appliedIndex?(): number;
}

/** The timer port: ticks and timeouts. `schedule` returns a cancel function. */
export interface Timers {
  schedule(delayMs: number, fn: () => void): () => void;
}

/** Real timers of this process. */
export const systemTimers: Timers = {
  schedule(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};

/** Settings of a `RaftNode`; Raft's own knobs are in ticks, the driver's in milliseconds. */
export interface RaftNodeOptions {
  id: NodeId;
  logStore: LogStore;
  transport: Transport;
  stateMachine: StateMachine;
  rng: Rng;
  timers?: Timers;
  tickIntervalMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  /** Further core settings (preVote, checkQuorum, flow control…). */
  raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'appliedIndex'>>;
  /** Initial membership, used only if the log store is empty (a brand-new cluster member). */
  bootstrap?: ConfState;
  proposalTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Take a snapshot and compact once this many entries were applied since the last one. */
  snapshotThresholdEntries?: number;
  /** Entries kept behind a snapshot so slow followers can catch up without a snapshot. */
  snapshotTrailingEntries?: number;
}

/** What `status()` reports: the core's view plus driver counters. */
export interface RaftNodeStatus {
  id: NodeId;
  term: number;
  commit: number;
  applied: number;
  leader: NodeId;
  role: string;
  confState: ConfState;
  /** LogStore.persist calls so far (one per Ready that had anything to persist). */
  persistCount: number;
  /** Ticks dropped because the loop was busy (a slow disk) for longer than a heartbeat interval. */
  missedTicks: number;
  /** Set when the loop hit a fatal error (a failing disk, a broken invariant): the node is dead. */
  fatalError?: string;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface PendingProposal {
  term: number;
  resolve: (result: { index: number }) => void;
  reject: (error: Error) => void;
  cancel: () => void;
}

type Proposal =
  | { kind: 'data'; data: Uint8Array; settle: PendingProposal }
  | { kind: 'conf'; cc: ConfChange; settle: PendingProposal };

/** Most data proposals appended as one batch (bounds one Ready's size under a flood). */
const proposeBatchMax = 1024;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The async driver of one Raft member. Create, `start()`, use, `stop()`. */
export class RaftNode {
  private raw: RawNode | undefined;
  private storage: MemoryStorage | undefined;
  private readonly timers: Timers;
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private fatal: Error | undefined;
  private inbox: Message[] = [];
  private ticks = 0;
  private proposals: Proposal[] = [];
  private transfers: NodeId[] = [];
  private readonly pending = new Map<number, PendingProposal>();
  private readNext: Waiter[] = [];
  private readInFlight: { ctx: string; waiters: Waiter[]; cancel: () => void } | undefined;
  private readsAwaitingApply: { index: number; waiters: Waiter[] }[] = [];
  private readSeq = 0;
  private applied = 0;
  private smApplied = 0;
  private lastSnapshotIndex = 0;
  private role = 'follower';
  private cancelTick: (() => void) | undefined;
  private persistCount = 0;
  private snapshotDue = false;
  private missedTicks = 0;
  /** The last HardState written to the log store, and a commit-only one not yet written. */
  private durableHardState: HardState = { term: 0, vote: '', commit: 0 };
  private deferredHardState: HardState | undefined;

  constructor(private readonly options: RaftNodeOptions) {
    this.timers = options.timers ?? systemTimers;
  }

  /** Opens the log store, restores the state machine, and starts ticking and receiving. */
  async start(): Promise<void> {
    const o = this.options;
    const persisted = await o.logStore.open();
    let snapshot = await o.logStore.loadSnapshot();
    let hardState = persisted.hardState;
    const empty = snapshot === undefined && persisted.entries.length === 0 && hardState.term === 0;
    if (empty && o.bootstrap !== undefined) {
      // A new cluster: the initial membership becomes a snapshot at index 1, term 1, so every
      // member (and any later joiner, via that snapshot) agrees on where the log starts.
      const data = await o.stateMachine.snapshot();
      snapshot = { meta: { index: 1, term: 1, confState: o.bootstrap }, data };
      hardState = { term: 1, vote: '', commit: 1 };
      await o.logStore.persist({ hardState, snapshot });
      this.persistCount++;
    }
    this.durableHardState = hardState;
    this.storage = new MemoryStorage({
      hardState,
      confState: snapshot?.meta.confState ?? { voters: [], learners: [] },
      ...(snapshot !== undefined ? { snapshot } : {}),
      entries: persisted.entries,
    });
    const snapIndex = snapshot?.meta.index ?? 0;
    this.smApplied = o.stateMachine.appliedIndex?.() ?? 0;
    if (snapshot !== undefined && this.smApplied < snapIndex) {
      await o.stateMachine.restore(snapshot.data);
      this.smApplied = snapIndex;
    }
    this.applied = snapIndex;
    this.lastSnapshotIndex = snapIndex;
    this.raw = new RawNode({
      ...o.raft,
      id: o.id,
      storage: this.storage,
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
    this.scheduleTick();
    this.kick();
  }

  /** Stops ticking, rejects everything pending, waits for the loop and closes the log store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTick?.();
    this.failAll(new ArcaError('unavailable', 'raft node stopped'));
    await this.idle;
    await this.options.logStore.close();
  }

  /** Proposes `data`; resolves once the entry is committed AND applied here. Leader only. */
  propose(data: Uint8Array): Promise<{ index: number }> {
    return new Promise((resolve, reject) => {
      const settle = this.pendingFor(resolve, reject, this.options.proposalTimeoutMs ?? 10_000);
      this.proposals.push({ kind: 'data', data, settle });
      this.kick();
    });
  }

  /** Proposes a membership change; resolves once it is committed and applied here. */
  proposeConfChange(cc: ConfChange): Promise<{ index: number }> {
    return new Promise((resolve, reject) => {
      const settle = this.pendingFor(resolve, reject, this.options.proposalTimeoutMs ?? 10_000);
      this.proposals.push({ kind: 'conf', cc, settle });
      this.kick();
    });
  }

  /**
   * Resolves when a linearizable read is safe: the read index (confirmed by a quorum) has been
   * applied locally. Concurrent callers share one core readIndex round.
   */
  readIndex(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new ArcaError('unavailable', 'raft node stopped'));
      this.readNext.push({ resolve, reject });
      this.kick();
    });
  }

  /** Asks the leader to hand leadership to `to` (a caught-up voter). */
  transferLeadership(to: NodeId): void {
    this.transfers.push(to);
    this.kick();
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
      persistCount: this.persistCount,
      missedTicks: this.missedTicks,
      ...(this.fatal !== undefined ? { fatalError: this.fatal.message } : {}),
    };
  }

  private pendingFor(
    resolve: (r: { index: number }) => void,
    reject: (e: Error) => void,
    timeoutMs: number,
  ): PendingProposal {
    const settle: PendingProposal = { term: 0, resolve, reject, cancel: () => {} };
    if (this.stopped || this.fatal !== undefined) {
      reject(new ArcaError('unavailable', this.stopped ? 'raft node stopped' : 'raft node failed'));
      return settle;
    }
    const cancelTimer = this.timers.schedule(timeoutMs, () => {
      for (const [index, p] of this.pending) if (p === settle) this.pending.delete(index);
      reject(new ArcaError('timeout', 'proposal was not committed in time'));
    });
    settle.cancel = cancelTimer;
    settle.resolve = (r) => {
      cancelTimer();
      resolve(r);
    };
    settle.reject = (e) => {
      cancelTimer();
      reject(e);
    };
    return settle;
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.cancelTick = this.timers.schedule(this.options.tickIntervalMs, () => {
      // Ticks that pile up behind a slow sync are dropped beyond one heartbeat interval (etcd's
      // "tick missed to fire"): replaying a stall's worth of ticks at once would make a healthy
      // follower campaign right after its disk recovered, though the leader was there all along.
      if (this.ticks < this.options.heartbeatIntervalTicks) this.ticks++;
      else this.missedTicks++;
      this.kick();
      this.scheduleTick();
    });
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
        this.stepInputs(raw);
        if (!raw.hasReady()) break;
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
    for (; this.ticks > 0; this.ticks--) raw.tick();
    const proposals = this.proposals;
    this.proposals = [];
    // Consecutive data proposals go in as one batch: one append, one MsgApp per follower.
    let batch: Extract<Proposal, { kind: 'data' }>[] = [];
    for (const p of proposals) {
      if (p.kind === 'data') {
        batch.push(p);
        if (batch.length < proposeBatchMax) continue;
      }
      this.proposeData(raw, batch);
      batch = [];
      if (p.kind === 'conf') {
        this.settleOne(p.settle, () => raw.proposeConfChange(p.cc));
      }
    }
    this.proposeData(raw, batch);
    for (const to of this.transfers.splice(0)) raw.transferLeadership(to);
    if (this.readInFlight === undefined && this.readNext.length > 0) {
      const ctx = `${this.options.id}:${++this.readSeq}`;
      const waiters = this.readNext;
      this.readNext = [];
      const cancel = this.timers.schedule(this.options.readTimeoutMs ?? 5_000, () => {
        if (this.readInFlight?.ctx !== ctx) return;
        this.readInFlight = undefined;
        for (const w of waiters) w.reject(new ArcaError('timeout', 'read index was not confirmed in time'));
        this.kick();
      });
      this.readInFlight = { ctx, waiters, cancel };
      raw.readIndex(Buffer.from(ctx, 'utf8'));
    }
  }

  private proposeData(raw: RawNode, batch: Extract<Proposal, { kind: 'data' }>[]): void {
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const only = batch[0];
      this.settleOne(only.settle, () => raw.propose(only.data));
      return;
    }
    try {
      const { firstIndex, term } = raw.proposeBatch(batch.map((p) => p.data));
      batch.forEach((p, k) => this.track(firstIndex + k, term, p.settle));
    } catch (error) {
      for (const p of batch) p.settle.reject(asError(error));
    }
  }

  private settleOne(settle: PendingProposal, propose: () => { index: number; term: number }): void {
    try {
      const { index, term } = propose();
      this.track(index, term, settle);
    } catch (error) {
      settle.reject(asError(error));
    }
  }

  private track(index: number, term: number, settle: PendingProposal): void {
    settle.term = term;
    this.pending.get(index)?.reject(new ArcaError('not_leader', 'proposal was superseded'));
    this.pending.set(index, settle);
  }

  private async handleReady(raw: RawNode, rd: Ready): Promise<void> {
    const o = this.options;
    const storage = this.storage!;
    if (rd.softState !== undefined) this.onRoleChange(rd.softState.role);
    if (rd.messages.length > 0) o.transport.send(rd.messages);
    const hs = rd.hardState;
    const commitOnly =
      hs !== undefined &&
      rd.entries.length === 0 &&
      rd.snapshot === undefined &&
      hs.term === this.durableHardState.term &&
      hs.vote === this.durableHardState.vote;
    if (commitOnly) {
      // Only the commit index moved: nothing anyone relies on becomes durable here (a restarted
      // member relearns commit from the leader), so it rides along with the next synced batch
      // instead of costing an fsync on the commit path (etcd's MustSync=false).
      this.deferredHardState = hs;
      storage.setHardState(hs);
    } else if (hs !== undefined || rd.entries.length > 0 || rd.snapshot !== undefined) {
      const hardState = hs ?? this.deferredHardState;
      await o.logStore.persist({
        ...(hardState !== undefined ? { hardState } : {}),
        ...(rd.entries.length > 0 ? { entries: rd.entries } : {}),
        ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
      });
      this.persistCount++;
      if (hardState !== undefined) this.durableHardState = hardState;
      this.deferredHardState = undefined;
      if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) storage.append(rd.entries);
      if (hs !== undefined) storage.setHardState(hs);
    }
    if (rd.messagesAfterPersist.length > 0) o.transport.send(rd.messagesAfterPersist);
    if (rd.snapshot !== undefined) await this.restoreSnapshot(rd.snapshot);
    for (const entry of rd.committedEntries) await this.applyEntry(raw, entry);
    this.serveReads(rd);
    raw.advance(rd);
    await this.maybeSnapshot(raw);
  }

  private async restoreSnapshot(snapshot: Snapshot): Promise<void> {
    const index = snapshot.meta.index;
    if (index <= this.applied) return;
    if (index > this.smApplied) {
      await this.options.stateMachine.restore(snapshot.data);
      this.smApplied = index;
    }
    this.applied = index;
    this.lastSnapshotIndex = index;
    this.updatePeers(snapshot.meta.confState);
    for (const [i, p] of this.pending) {
      if (i <= index) {
        // Covered by a snapshot from another leader: we cannot tell if it was ours.
        this.pending.delete(i);
        p.reject(new ArcaError('not_leader', 'proposal outcome unknown (superseded by a snapshot)'));
      }
    }
  }

  private async applyEntry(raw: RawNode, entry: Entry): Promise<void> {
    if (entry.index <= this.applied) return;
    if (entry.type === EntryType.ConfChange) {
      const cc = decodeConfChange(entry.data);
      const confState = raw.applyConfChange(cc);
      this.updatePeers(confState);
      // A joiner catches up from a snapshot, and the core refuses a snapshot whose membership
      // does not name it: make sure the latest snapshot is taken after the addition.
      if (cc.type !== 'removeNode') this.snapshotDue = true;
    }
    if (entry.index > this.smApplied) {
      await this.options.stateMachine.apply(entry);
      this.smApplied = entry.index;
    }
    this.applied = entry.index;
    const p = this.pending.get(entry.index);
    if (p !== undefined) {
      this.pending.delete(entry.index);
      if (p.term === entry.term) p.resolve({ index: entry.index });
      else p.reject(new ArcaError('not_leader', 'proposal was overwritten by another leader'));
    }
  }

  private serveReads(rd: Ready): void {
    for (const rs of rd.readStates) {
      const ctx = Buffer.from(rs.requestCtx).toString('utf8');
      if (this.readInFlight?.ctx !== ctx) continue;
      this.readInFlight.cancel();
      this.readsAwaitingApply.push({ index: rs.index, waiters: this.readInFlight.waiters });
      this.readInFlight = undefined;
    }
    if (this.readsAwaitingApply.length === 0) return;
    const still: { index: number; waiters: Waiter[] }[] = [];
    for (const r of this.readsAwaitingApply) {
      if (this.applied >= r.index) for (const w of r.waiters) w.resolve();
      else still.push(r);
    }
    this.readsAwaitingApply = still;
  }

  private async maybeSnapshot(raw: RawNode): Promise<void> {
    const o = this.options;
    const threshold = o.snapshotThresholdEntries;
    const due =
      this.snapshotDue || (threshold !== undefined && this.applied - this.lastSnapshotIndex >= threshold);
    if (!due || this.applied <= this.lastSnapshotIndex) return;
    this.snapshotDue = false;
    const storage = this.storage!;
    const index = this.applied;
    const data = await o.stateMachine.snapshot();
    const snapshot = storage.createSnapshot(index, raw.status().confState, data);
    // The commit index goes with the snapshot, so a restart never finds commit < snapshot index.
    const hardState = this.deferredHardState;
    await o.logStore.persist({ snapshot, ...(hardState !== undefined ? { hardState } : {}) });
    if (hardState !== undefined) this.durableHardState = hardState;
    this.deferredHardState = undefined;
    this.persistCount++;
    this.lastSnapshotIndex = index;
    const through = index - (o.snapshotTrailingEntries ?? 1000);
    if (through >= storage.firstIndex()) {
      storage.compact(through);
      await o.logStore.compact(through);
    }
  }

  private onRoleChange(role: string): void {
    const wasLeader = this.role === 'leader';
    this.role = role;
    if (wasLeader && role !== 'leader') {
      const lost = new ArcaError('not_leader', 'leadership lost before the proposal was applied');
      for (const p of this.pending.values()) p.reject(lost);
      this.pending.clear();
    }
  }

  private updatePeers(confState: ConfState): void {
    const peers = [...confState.voters, ...confState.learners].filter((id) => id !== this.options.id);
    this.options.transport.setPeers?.(peers);
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const p of this.proposals) p.settle.reject(error);
    this.proposals = [];
    if (this.readInFlight !== undefined) {
      this.readInFlight.cancel();
      for (const w of this.readInFlight.waiters) w.reject(error);
      this.readInFlight = undefined;
    }
    for (const r of this.readsAwaitingApply) for (const w of r.waiters) w.reject(error);
    this.readsAwaitingApply = [];
    for (const w of this.readNext) w.reject(error);
    this.readNext = [];
  }
}
