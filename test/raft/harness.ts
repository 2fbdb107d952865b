/**
 * A small in-memory cluster for unit tests and scenario scripts: RawNodes over MemoryStorage, a
 * message queue with partitions, and the Ready contract carried out in order (send messages,
 * persist, send messagesAfterPersist, apply, advance). Deterministic: seeded RNG per node.
 */
import { SeededRng } from '../../src/lib/rng.js';
import { MemoryStorage } from '../../src/raft/memory-storage.js';
import { decodeConfChange } from '../../src/raft/membership.js';
import type { RaftMutations } from '../../src/raft/mutations.js';
import { RawNode } from '../../src/raft/raw-node.js';
import {
  EntryType,
  type ConfState,
  type Entry,
  type Message,
  type ReadState,
  type Ready,
} from '../../src/raft/types.js';
import { formatReady } from './format.js';

export interface NodeOptions {
  preVote?: boolean;
  checkQuorum?: boolean;
  electionTimeoutTicks?: number;
  heartbeatIntervalTicks?: number;
  snapshotChunkBytes?: number;
  maxSizePerMsgBytes?: number;
  maxInflightMsgs?: number;
  maxUncommittedEntriesBytes?: number;
  maxCommittedSizePerReadyBytes?: number;
  mutations?: RaftMutations;
}

export interface SimNode {
  id: string;
  raw: RawNode;
  storage: MemoryStorage;
  /** Entries applied to the "state machine", in order. */
  applied: Entry[];
  appliedIndex: number;
  /** State machine image restored from the last snapshot applied, if any. */
  snapshotData: Uint8Array | undefined;
  confState: ConfState;
  readStates: ReadState[];
  options: NodeOptions;
  /** A Ready taken but not yet persisted/advanced (async-driver style). */
  pending: Ready | undefined;
}

/** An in-memory cluster driven step by step. */
export class Cluster {
  readonly nodes = new Map<string, SimNode>();
  /** Messages in flight, per recipient, in send order. */
  queue: Message[] = [];
  private groups: string[][] | undefined;
  log: string[] = [];
  /** Skip transcript formatting (benchmarks, long fuzz runs). */
  quiet = false;
  private seed = 1;

  constructor(readonly defaults: NodeOptions = {}) {}

  /** Adds a node with a fresh storage whose ConfState lists `voters` and `learners`. */
  addNode(
    id: string,
    voters: string[],
    learners: string[] = [],
    options: NodeOptions = {},
    storage?: MemoryStorage,
  ): SimNode {
    const st = storage ?? new MemoryStorage({ confState: { voters, learners } });
    const opts = { ...this.defaults, ...options };
    const node: SimNode = {
      id,
      raw: this.newRawNode(id, st, opts, undefined),
      storage: st,
      applied: [],
      appliedIndex: st.firstIndex() - 1,
      snapshotData: undefined,
      confState: st.initialState().confState,
      readStates: [],
      options: opts,
      pending: undefined,
    };
    this.nodes.set(id, node);
    return node;
  }

  private newRawNode(
    id: string,
    storage: MemoryStorage,
    o: NodeOptions,
    appliedIndex: number | undefined,
  ): RawNode {
    return new RawNode({
      id,
      storage,
      rng: new SeededRng(this.seed++),
      electionTimeoutTicks: o.electionTimeoutTicks ?? 10,
      heartbeatIntervalTicks: o.heartbeatIntervalTicks ?? 1,
      ...(appliedIndex !== undefined ? { appliedIndex } : {}),
      ...(o.preVote !== undefined ? { preVote: o.preVote } : {}),
      ...(o.checkQuorum !== undefined ? { checkQuorum: o.checkQuorum } : {}),
      ...(o.snapshotChunkBytes ? { snapshotChunkBytes: o.snapshotChunkBytes } : {}),
      ...(o.maxSizePerMsgBytes ? { maxSizePerMsgBytes: o.maxSizePerMsgBytes } : {}),
      ...(o.maxInflightMsgs ? { maxInflightMsgs: o.maxInflightMsgs } : {}),
      ...(o.maxUncommittedEntriesBytes ? { maxUncommittedEntriesBytes: o.maxUncommittedEntriesBytes } : {}),
      ...(o.maxCommittedSizePerReadyBytes
        ? { maxCommittedSizePerReadyBytes: o.maxCommittedSizePerReadyBytes }
        : {}),
      ...(o.mutations ? { mutations: o.mutations } : {}),
    });
  }

  /** A cluster of voters "1".."n". */
  static ofSize(n: number, defaults: NodeOptions = {}): Cluster {
    const c = new Cluster(defaults);
    const ids = Array.from({ length: n }, (_, i) => String(i + 1));
    for (const id of ids) c.addNode(id, ids);
    return c;
  }

  node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Restarts a node from its storage (what was persisted survives; everything else is lost). */
  restart(id: string): void {
    const n = this.node(id);
    n.raw = this.newRawNode(id, n.storage, n.options, n.appliedIndex);
    n.readStates = [];
    n.pending = undefined; // a Ready not yet persisted is lost in the crash
  }

  /** Carries out one Ready of `id` in the documented order; returns it (or undefined if none). */
  processReady(id: string): Ready | undefined {
    if (this.node(id).pending) this.finishReady(id);
    const rd = this.beginReady(id);
    if (rd) this.finishReady(id);
    return rd;
  }

  /**
   * First half of a Ready, as an async driver does it: take it and send `messages`. Until
   * `finishReady`, the node keeps taking steps, ticks and proposals (but no new Ready).
   */
  beginReady(id: string): Ready | undefined {
    const n = this.node(id);
    if (n.pending || !n.raw.hasReady()) return undefined;
    const rd = n.raw.ready();
    if (!this.quiet) this.log.push(...formatReady(id, rd));
    this.queue.push(...rd.messages);
    n.pending = rd;
    return rd;
  }

  /** Second half: persist, send `messagesAfterPersist`, apply, advance. */
  finishReady(id: string): void {
    const n = this.node(id);
    const rd = n.pending;
    if (!rd) return;
    n.pending = undefined;
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    this.queue.push(...rd.messagesAfterPersist);
    if (rd.snapshot) {
      n.appliedIndex = rd.snapshot.meta.index;
      n.confState = rd.snapshot.meta.confState;
      n.snapshotData = rd.snapshot.data;
    }
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        n.confState = n.raw.applyConfChange(decodeConfChange(e.data));
        n.storage.setConfState(n.confState);
      }
      n.applied.push(e);
      n.appliedIndex = e.index;
    }
    n.readStates.push(...rd.readStates);
    n.raw.advance(rd);
  }

  /** True if the message may cross the current partition. */
  connected(from: string, to: string): boolean {
    if (!this.groups) return true;
    const g = this.groups.find((grp) => grp.includes(from));
    return g !== undefined && g.includes(to);
  }

  partition(groups: string[][]): void {
    this.groups = groups;
  }

  heal(): void {
    this.groups = undefined;
  }

  /** Delivers queued messages (to `to` only, if given); returns how many were delivered. */
  deliver(to?: string, filter?: (m: Message) => boolean): number {
    const keep: Message[] = [];
    const now: Message[] = [];
    for (const m of this.queue) {
      if ((to === undefined || m.to === to) && (!filter || filter(m))) now.push(m);
      else keep.push(m);
    }
    this.queue = keep;
    let delivered = 0;
    for (const m of now) {
      const target = this.nodes.get(m.to);
      if (!target || !this.connected(m.from, m.to)) {
        if (!this.quiet) this.log.push(`  dropped: ${m.from}->${m.to} ${m.type}`);
        continue;
      }
      target.raw.step(m);
      delivered++;
    }
    return delivered;
  }

  /** Delivers (and removes) the queued message at position `i`, if the partition allows it. */
  deliverAt(i: number): void {
    const [m] = this.queue.splice(i, 1);
    if (!m) return;
    const target = this.nodes.get(m.to);
    if (target && this.connected(m.from, m.to)) target.raw.step(m);
  }

  /** Drops queued messages matching `filter` (all if none). */
  drop(filter?: (m: Message) => boolean): Message[] {
    const dropped = this.queue.filter((m) => !filter || filter(m));
    this.queue = this.queue.filter((m) => filter && !filter(m));
    return dropped;
  }

  /** Processes Readys and delivers messages until nothing moves (bounded). */
  stabilize(ids?: string[]): void {
    const set = ids ?? [...this.nodes.keys()];
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of set) if (this.processReady(id)) moved = true;
      const pending = this.queue.filter((m) => set.includes(m.to));
      if (pending.length > 0) {
        for (const id of set) this.deliver(id);
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('stabilize did not converge');
  }

  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).raw.tick();
  }

  /** Ticks a node past its (randomised) election timeout. */
  tickElection(id: string): void {
    const raft = this.node(id).raw.raft;
    for (let i = 0; i < 2 * raft.config.electionTimeoutTicks; i++) this.tick(id);
  }

  /**
   * Makes `id` leader by delivering only election traffic, so its first entry is not yet
   * committed when this returns (other traffic stays queued). Other nodes' leases are expired.
   */
  electWithoutCommit(id: string): void {
    for (const n of this.nodes.values()) {
      if (n.id !== id) n.raw.raft.electionElapsed = n.raw.raft.config.electionTimeoutTicks;
    }
    const election = new Set(['MsgPreVote', 'MsgPreVoteResp', 'MsgVote', 'MsgVoteResp']);
    for (let attempt = 0; attempt < 3 && this.node(id).raw.raft.role !== 'leader'; attempt++) {
      this.node(id).raw.campaign();
      for (let i = 0; i < 20 && this.node(id).raw.raft.role !== 'leader'; i++) {
        for (const n of this.nodes.keys()) this.processReady(n);
        this.deliver(undefined, (m) => election.has(m.type));
      }
    }
    if (this.node(id).raw.raft.role !== 'leader') throw new Error(`${id} did not win`);
  }

  leader(): string | undefined {
    for (const n of this.nodes.values()) if (n.raw.raft.role === 'leader') return n.id;
    return undefined;
  }

  /** Applied non-empty payloads as strings. */
  appliedData(id: string): string[] {
    const d = new TextDecoder();
    return this.node(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => d.decode(e.data));
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
