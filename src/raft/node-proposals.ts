/**
 * The driver's proposal waiters: callers' proposals queue until the loop steps them into the core
 * (consecutive data proposals as one batch: group commit), are then tracked by (index, term), and
 * settle when that index is applied — resolved if the applied entry has the term they were
 * appended at, rejected if another leader's entry took the index, leadership was lost, a snapshot
 * covered it, the node stopped or the timeout fired.
 */
import { ArcaError } from '../lib/errors.js';
import type { Timers } from './node-options.js';
import type { RawNode } from './raw-node.js';
import type { ConfChange, Entry } from './types.js';

/** One caller waiting for its proposal to be applied. */
interface PendingProposal {
  term: number;
  resolve: (result: { index: number }) => void;
  reject: (error: Error) => void;
}

type DataProposal = { kind: 'data'; data: Uint8Array; settle: PendingProposal };
type Proposal = DataProposal | { kind: 'conf'; cc: ConfChange; settle: PendingProposal };

/** Most data proposals appended as one batch (bounds one Ready's size under a flood). */
const proposeBatchMax = 1024;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Queued and in-flight proposals of one `RaftNode`. */
export class ProposalWaiters {
  private queued: Proposal[] = [];
  /** Proposals appended to the log, by index. */
  private readonly pending = new Map<number, PendingProposal>();

  constructor(
    private readonly timers: Timers,
    private readonly timeoutMs: number,
  ) {}

  /** Queues a data proposal; resolves once it is committed and applied here. */
  addData(data: Uint8Array): Promise<{ index: number }> {
    return new Promise((resolve, reject) => {
      this.queued.push({ kind: 'data', data, settle: this.waiter(resolve, reject) });
    });
  }

  /** Queues a membership change; resolves once it is committed and applied here. */
  addConfChange(cc: ConfChange): Promise<{ index: number }> {
    return new Promise((resolve, reject) => {
      this.queued.push({ kind: 'conf', cc, settle: this.waiter(resolve, reject) });
    });
  }

  /** Steps every queued proposal into the core; refusals (not leader…) reject at once. */
  stepInto(raw: RawNode): void {
    const proposals = this.queued;
    this.queued = [];
    // Consecutive data proposals go in as one batch: one append, one MsgApp per follower.
    let batch: DataProposal[] = [];
    for (const p of proposals) {
      if (p.kind === 'data') {
        batch.push(p);
        if (batch.length < proposeBatchMax) continue;
      }
      this.proposeData(raw, batch);
      batch = [];
      if (p.kind === 'conf') this.proposeOne(p.settle, () => raw.proposeConfChange(p.cc));
    }
    this.proposeData(raw, batch);
  }

  /** `entry` was applied here: settle the proposal that was appended at its index, if any. */
  onApplied(entry: Entry): void {
    const p = this.pending.get(entry.index);
    if (p === undefined) return;
    this.pending.delete(entry.index);
    if (p.term === entry.term) p.resolve({ index: entry.index });
    else p.reject(new ArcaError('not_leader', 'proposal was overwritten by another leader'));
  }

  /** A snapshot through `index` was installed: proposals it covers have an unknown outcome. */
  onSnapshot(index: number): void {
    for (const [i, p] of this.pending) {
      if (i <= index) {
        // Covered by a snapshot from another leader: we cannot tell if it was ours.
        this.pending.delete(i);
        p.reject(new ArcaError('not_leader', 'proposal outcome unknown (superseded by a snapshot)'));
      }
    }
  }

  /** This node stopped leading: nothing it appended is sure to commit. */
  onLeadershipLost(): void {
    const lost = new ArcaError('not_leader', 'leadership lost before the proposal was applied');
    for (const p of this.pending.values()) p.reject(lost);
    this.pending.clear();
  }

  /** Rejects every queued and in-flight proposal with `error`. */
  failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const p of this.queued) p.settle.reject(error);
    this.queued = [];
  }

  /** A waiter whose promise is rejected with 'timeout' after `timeoutMs`. */
  private waiter(resolve: (r: { index: number }) => void, reject: (e: Error) => void): PendingProposal {
    const settle: PendingProposal = { term: 0, resolve, reject };
    const cancelTimer = this.timers.schedule(this.timeoutMs, () => {
      for (const [index, p] of this.pending) if (p === settle) this.pending.delete(index);
      reject(new ArcaError('timeout', 'proposal was not committed in time'));
    });
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

  private proposeData(raw: RawNode, batch: DataProposal[]): void {
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const only = batch[0];
      this.proposeOne(only.settle, () => raw.propose(only.data));
      return;
    }
    try {
      const { firstIndex, term } = raw.proposeBatch(batch.map((p) => p.data));
      batch.forEach((p, k) => this.track(firstIndex + k, term, p.settle));
    } catch (error) {
      for (const p of batch) p.settle.reject(asError(error));
    }
  }

  private proposeOne(settle: PendingProposal, propose: () => { index: number; term: number }): void {
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
}
