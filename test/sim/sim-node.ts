/**
 * One simulated node: a real `RawNode` over a `MemoryStorage` image, a `SimDisk`, a `SimClock`
 * and the hash-chain state machine, driven synchronously by the simulator exactly as the Ready
 * contract says: send `messages`; persist hardState+entries+snapshot as ONE synced batch (which
 * completes after a simulated sync latency, during which the node may crash); then send
 * `messagesAfterPersist`; apply the snapshot and committed entries; serve read states; advance.
 * Inputs that arrive while a batch is being synced queue up and are stepped together afterwards
 * (group commit), which is also what the production driver (src/raft/node.ts) does.
 */
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  Snapshot,
} from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import type { Rng } from '../../src/lib/rng.js';
import { ArcaError } from '../../src/lib/errors.js';
import { decodeConfChange, MemoryStorage, RawNode, type RaftConfig } from './core.js';
import type { DiskWrite, SimDisk } from './sim-disk.js';
import type { SimClock } from './sim-clock.js';
import { SimInvariantError, SimStateMachine } from './sim-state-machine.js';
import type { ClusterNode, LogView, MemberStatus } from './cluster-node.js';
import type { DiskImage } from './sim-disk.js';

/** What a node can be asked to do; queued while a synced batch is in flight. */
export type SimInput =
  | { kind: 'tick' }
  | { kind: 'message'; message: Message }
  | { kind: 'propose'; data: Uint8Array }
  | { kind: 'read'; ctx: Uint8Array }
  | { kind: 'confChange'; cc: ConfChange }
  | { kind: 'transfer'; to: NodeId };

/** The observer the node reports to (the invariant checker). */
export interface SimObserver {
  onProposed(node: ClusterNode, data: Uint8Array, index: number, term: number): void;
  /** `replacedTerms[k]` is the term the log held at `write.entries[k].index` before, if any. */
  onPersisted(node: ClusterNode, write: DiskWrite, replacedTerms: (number | undefined)[]): void;
  onApplied(node: ClusterNode, entry: Entry): void;
  onSnapshotRestored(node: ClusterNode, snapshot: Snapshot): void;
  onReadServed(node: ClusterNode, ctx: Uint8Array, readIndex: number): void;
  onConfChangeProposed(node: ClusterNode, cc: ConfChange): void;
  onConfApplied(node: ClusterNode, cc: ConfChange, confState: ConfState): void;
}

/** What the node needs from the simulator. */
export interface SimHost {
  nowMs(): number;
  send(from: SimNode, messages: Message[]): void;
  /** Schedules `completeSync` for this incarnation after a simulated sync latency. */
  scheduleSync(node: SimNode): void;
  observer: SimObserver;
  trace(text: () => string): void;
  /** A nemesis hook: the node just became leader (its first Ready as leader is being handled). */
  onBecameLeader(node: SimNode): void;
}

/** Raft settings one node runs with (drawn per seed). */
export type SimRaftSettings = Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'appliedIndex'>;

/** A node of the simulated cluster: the pure core under the simulator's own driver loop. */
export class SimNode implements ClusterNode {
  up = false;
  incarnation = 0;
  raw: RawNode | undefined;
  storage: MemoryStorage | undefined;
  readonly sm = new SimStateMachine();
  private inputs: SimInput[] = [];
  private inFlight: Ready | undefined;
  private pendingReads: { ctx: Uint8Array; index: number }[] = [];
  /** Mirror node.ts: let commit-only HardStates ride along with the next synced batch. */
  deferCommitOnlyHardState = false;
  /** Step inputs while a Ready is being persisted (etcd style) instead of queueing them. */
  stepWhileSyncing = false;
  private persistedHardState: HardState = { term: 0, vote: '', commit: 0 };
  private deferredHardState: HardState | undefined;
  private inFlightWrite: DiskWrite | undefined;
  /** Highest durable commit index seen (must never go back, even across crashes). */
  durableCommit = 0;

  constructor(
    readonly id: NodeId,
    readonly disk: SimDisk,
    readonly clock: SimClock,
    private readonly rng: Rng,
    private readonly settings: SimRaftSettings,
    private readonly host: SimHost,
  ) {}

  /** Boots from the durable disk image (first start or restart after a crash). */
  start(): void {
    const image = this.disk.image();
    const confState = image.snapshot?.meta.confState ?? { voters: [], learners: [] };
    this.storage = new MemoryStorage({
      hardState: image.hardState,
      confState,
      ...(image.snapshot !== undefined ? { snapshot: image.snapshot } : {}),
      entries: image.entries,
    });
    if (image.snapshot !== undefined) this.sm.restore(image.snapshot.data);
    else this.sm.restore(new Uint8Array(0));
    this.raw = new RawNode({
      ...this.settings,
      id: this.id,
      storage: this.storage,
      rng: this.rng,
      appliedIndex: image.snapshot?.meta.index ?? 0,
    });
    this.up = true;
    this.incarnation++;
    this.inputs = [];
    this.inFlight = undefined;
    this.inFlightWrite = undefined;
    this.persistedHardState = image.hardState;
    this.deferredHardState = undefined;
    this.pendingReads = [];
    if (image.hardState.commit < this.durableCommit) {
      throw new SimInvariantError(
        `${this.id}: durable commit went back from ${this.durableCommit} to ${image.hardState.commit}`,
      );
    }
    if (image.snapshot !== undefined) this.host.observer.onSnapshotRestored(this, image.snapshot);
    this.host.trace(
      () =>
        `${this.id} start inc=${this.incarnation} hs=${JSON.stringify(image.hardState)} snap=${image.snapshot?.meta.index ?? 0} last=${image.entries.at(-1)?.index ?? '-'}`,
    );
  }

  /** The process dies: volatile state is gone, the disk keeps what was durable. */
  crash(rng: Rng, tearProbability: number): void {
    if (!this.up) return;
    this.disk.crash(rng, tearProbability);
    this.up = false;
    this.raw = undefined;
    this.storage = undefined;
    this.inputs = [];
    this.inFlight = undefined;
    this.pendingReads = [];
    this.host.trace(() => `${this.id} CRASH`);
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  status(): MemberStatus | undefined {
    return this.raw?.status();
  }

  get log(): LogView | undefined {
    return this.storage;
  }

  durableImage(): DiskImage {
    return this.disk.image();
  }

  hasReady(): boolean {
    return this.raw?.hasReady() ?? false;
  }

  propose(data: Uint8Array): void {
    this.deliver({ kind: 'propose', data });
  }

  read(key: string): void {
    this.deliver({ kind: 'read', ctx: Buffer.from(key, 'utf8') });
  }

  confChange(cc: ConfChange): void {
    this.deliver({ kind: 'confChange', cc });
  }

  transfer(to: NodeId): void {
    this.deliver({ kind: 'transfer', to });
  }

  /** Queues an input and processes what it can. */
  deliver(input: SimInput): void {
    if (!this.up) return;
    this.inputs.push(input);
    this.pump();
  }

  /** The in-flight synced batch completed (called by the simulator after the sync latency). */
  completeSync(crashBeforeSend: boolean): void {
    const rd = this.inFlight;
    if (!this.up || rd === undefined) return;
    this.disk.completeSync();
    this.afterPersist(rd);
    if (crashBeforeSend) return; // the caller crashes the node right here: persisted, not sent
    this.finishReady(rd);
    this.pump();
  }

  /** Steps queued inputs, then works through Readies until one needs a sync (or none is left). */
  pump(): void {
    const raw = this.raw;
    if (!this.up || raw === undefined || this.clock.isPaused()) return;
    if (this.inFlight !== undefined) {
      // etcd-style drivers keep stepping while a Ready is being persisted (the next ready() waits
      // for advance()); the production driver queues instead. Seeds pick one of the two.
      if (this.stepWhileSyncing) this.stepQueued(raw);
      return;
    }
    this.stepQueued(raw);
    while (this.up && this.inFlight === undefined && raw.hasReady()) {
      const rd = raw.ready();
      if (rd.softState !== undefined) {
        const soft = rd.softState;
        this.host.trace(() => `${this.id} soft ${soft.role} leader=${soft.leader} term=${raw.status().term}`);
        if (soft.role === 'leader') this.host.onBecameLeader(this);
      }
      if (rd.messages.length > 0) this.host.send(this, rd.messages);
      const hs = rd.hardState;
      if (
        this.deferCommitOnlyHardState &&
        hs !== undefined &&
        rd.entries.length === 0 &&
        rd.snapshot === undefined &&
        hs.term === this.persistedHardState.term &&
        hs.vote === this.persistedHardState.vote
      ) {
        // The production driver's optimisation (node.ts): a commit-only HardState waits for the
        // next synced batch instead of costing a sync of its own.
        this.deferredHardState = hs;
        this.storage!.setHardState(hs);
        this.finishReady(rd);
        continue;
      }
      const write: DiskWrite = {};
      const hardState = hs ?? this.deferredHardState;
      if (hardState !== undefined) write.hardState = hardState;
      if (rd.entries.length > 0) write.entries = rd.entries;
      if (rd.snapshot !== undefined) write.snapshot = rd.snapshot;
      if (write.hardState !== undefined || write.entries !== undefined || write.snapshot !== undefined) {
        this.inFlight = rd;
        this.inFlightWrite = write;
        this.disk.beginSync(write);
        this.host.scheduleSync(this);
        return;
      }
      this.finishReady(rd);
      // Inputs may have queued during apply callbacks; step them before the next Ready.
      if (this.inputs.length > 0) return this.pump();
    }
  }

  /** Takes a snapshot at the applied index and compacts the log (keeping `keepEntries`). */
  compact(keepEntries: number): boolean {
    const raw = this.raw;
    const storage = this.storage;
    if (!this.up || raw === undefined || storage === undefined || this.inFlight !== undefined) return false;
    const applied = this.sm.appliedIndex;
    const snapIndex = storage.snapshot().meta.index;
    if (applied <= snapIndex) return false;
    const snap = storage.createSnapshot(applied, raw.status().confState, this.sm.snapshot());
    const deferred = this.deferredHardState;
    this.disk.syncNow({ savedSnapshot: snap, ...(deferred !== undefined ? { hardState: deferred } : {}) });
    if (deferred !== undefined) this.persistedHardState = deferred;
    this.deferredHardState = undefined;
    const through = Math.max(snapIndex, applied - Math.min(keepEntries, applied));
    if (through > storage.firstIndex() - 1) {
      storage.compact(through);
      this.disk.writeUnsynced({ compactThroughIndex: through });
    }
    this.host.trace(() => `${this.id} compact snap=${applied} through=${through}`);
    return true;
  }

  /** Persisted log entries visible to the core (for the checker). */
  logTerm(index: number): number | undefined {
    const storage = this.storage;
    if (storage === undefined) return undefined;
    if (index < storage.firstIndex() - 1 || index > storage.lastIndex()) return undefined;
    try {
      return storage.term(index);
    } catch {
      return undefined;
    }
  }

  /** Steps every queued input (consecutive proposals as one batch, as the production driver). */
  private stepQueued(raw: RawNode): void {
    while (this.inputs.length > 0) {
      const batch = this.inputs;
      this.inputs = [];
      let proposals: Uint8Array[] = [];
      for (const input of batch) {
        if (input.kind === 'propose') {
          proposals.push(input.data);
          continue;
        }
        this.proposeBatch(raw, proposals);
        proposals = [];
        this.stepInput(raw, input);
      }
      this.proposeBatch(raw, proposals);
    }
  }

  private proposeBatch(raw: RawNode, datas: Uint8Array[]): void {
    if (datas.length === 0) return;
    if (datas.length === 1) return this.stepInput(raw, { kind: 'propose', data: datas[0] });
    try {
      const { firstIndex, term } = raw.proposeBatch(datas);
      datas.forEach((data, k) => this.host.observer.onProposed(this, data, firstIndex + k, term));
    } catch (error) {
      if (!isExpectedRefusal(error)) throw error;
    }
  }

  private stepInput(raw: RawNode, input: SimInput): void {
    switch (input.kind) {
      case 'tick':
        raw.tick();
        return;
      case 'message':
        raw.step(input.message);
        return;
      case 'propose':
        try {
          const { index, term } = raw.propose(input.data);
          this.host.observer.onProposed(this, input.data, index, term);
        } catch (error) {
          if (!isExpectedRefusal(error)) throw error;
        }
        return;
      case 'read':
        raw.readIndex(input.ctx);
        return;
      case 'confChange':
        try {
          raw.proposeConfChange(input.cc);
          this.host.observer.onConfChangeProposed(this, input.cc);
          this.host.trace(() => `${this.id} propose cc ${input.cc.type} ${input.cc.nodeId}`);
        } catch (error) {
          if (!isExpectedRefusal(error)) throw error;
        }
        return;
      case 'transfer':
        raw.transferLeadership(input.to);
        this.host.trace(() => `${this.id} transfer -> ${input.to}`);
        return;
    }
  }

  private afterPersist(rd: Ready): void {
    const storage = this.storage!;
    if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
    const replacedTerms = rd.entries.map((e) => this.logTerm(e.index));
    if (rd.entries.length > 0) storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    const write = this.inFlightWrite ?? {};
    this.inFlightWrite = undefined;
    if (write.hardState !== undefined) {
      if (write.hardState.commit < this.durableCommit) {
        throw new SimInvariantError(
          `${this.id}: persisted commit went back from ${this.durableCommit} to ${write.hardState.commit}`,
        );
      }
      this.durableCommit = write.hardState.commit;
      this.persistedHardState = write.hardState;
      this.deferredHardState = undefined;
    }
    this.host.trace(
      () =>
        `${this.id} persisted${rd.entries.length > 0 ? ` ents ${rd.entries.map((e) => `${e.index}@${e.term}`).join(',')}` : ''}${rd.hardState !== undefined ? ` hs t${rd.hardState.term} v${rd.hardState.vote || '-'} c${rd.hardState.commit}` : ''}${rd.snapshot !== undefined ? ` snap@${rd.snapshot.meta.index}` : ''}`,
    );
    this.host.observer.onPersisted(this, write, replacedTerms);
  }

  private finishReady(rd: Ready): void {
    const raw = this.raw!;
    if (rd.messagesAfterPersist.length > 0) this.host.send(this, rd.messagesAfterPersist);
    if (rd.snapshot !== undefined && rd.snapshot.meta.index > this.sm.appliedIndex) {
      this.sm.restore(rd.snapshot.data);
      this.host.observer.onSnapshotRestored(this, rd.snapshot);
    }
    let addedMember = false;
    for (const entry of rd.committedEntries) {
      if (entry.index <= this.sm.appliedIndex) continue;
      this.sm.apply(entry);
      if (entry.type === EntryType.ConfChange) {
        const cc = decodeConfChange(entry.data);
        const confState = raw.applyConfChange(cc);
        if (cc.type !== 'removeNode') addedMember = true;
        this.host.observer.onConfApplied(this, cc, confState);
        this.host.trace(
          () =>
            `${this.id} applied cc@${entry.index} ${cc.type} ${cc.nodeId} -> v=${confState.voters.join(',')} l=${confState.learners.join(',')}`,
        );
      }
      this.host.observer.onApplied(this, entry);
    }
    for (const rs of rd.readStates) this.pendingReads.push({ ctx: rs.requestCtx, index: rs.index });
    if (this.pendingReads.length > 0) {
      const still: { ctx: Uint8Array; index: number }[] = [];
      for (const read of this.pendingReads) {
        if (this.sm.appliedIndex >= read.index) this.host.observer.onReadServed(this, read.ctx, read.index);
        else still.push(read);
      }
      this.pendingReads = still;
    }
    raw.advance(rd);
    this.inFlight = undefined;
    // A joiner may need a snapshot, and the core (rightly) refuses one whose membership does
    // not include it: snapshot after applying an addition so the latest snapshot names the joiner.
    if (addedMember) this.compact(Number.MAX_SAFE_INTEGER);
  }
}

function isExpectedRefusal(error: unknown): boolean {
  return (
    error instanceof ArcaError &&
    (error.code === 'not_leader' || error.code === 'unavailable' || error.code === 'invalid_request')
  );
}
