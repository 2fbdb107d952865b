/**
 * The driver's linearizable-read waiters (Raft thesis §6.4): callers queue, and all callers queued
 * while no round is in flight share the next core `readIndex` round (one context). When the core
 * answers with a read index, they wait until this member has applied that index, then resolve.
 * A round the core drops (leader change, no leader) times out; callers retry.
 */
import { ArcaError } from '../lib/errors.js';
import type { Timers } from './node-options.js';
import type { RawNode } from './raw-node.js';
import type { NodeId, ReadState } from './types.js';

/** One caller of `RaftNode.readIndex`. */
export interface ReadWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Queued, in-flight and confirmed reads of one `RaftNode`. */
export class ReadWaiters {
  private next: ReadWaiter[] = [];
  private inFlight: { ctx: string; waiters: ReadWaiter[]; cancel: () => void } | undefined;
  private awaitingApply: { index: number; waiters: ReadWaiter[] }[] = [];
  private seq = 0;

  /** `onTimeout` runs after a round timed out (the driver kicks its loop to start the next). */
  constructor(
    private readonly id: NodeId,
    private readonly timers: Timers,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  /** Queues a caller for the next round. */
  add(waiter: ReadWaiter): void {
    this.next.push(waiter);
  }

  /** Starts a core read round for every queued caller, unless one is already in flight. */
  maybeStartRound(raw: RawNode): void {
    if (this.inFlight !== undefined || this.next.length === 0) return;
    const ctx = `${this.id}:${++this.seq}`;
    const waiters = this.next;
    this.next = [];
    const cancel = this.timers.schedule(this.timeoutMs, () => {
      if (this.inFlight?.ctx !== ctx) return;
      this.inFlight = undefined;
      for (const w of waiters) w.reject(new ArcaError('timeout', 'read index was not confirmed in time'));
      this.onTimeout();
    });
    this.inFlight = { ctx, waiters, cancel };
    raw.readIndex(Buffer.from(ctx, 'utf8'));
  }

  /** The core's answers of one Ready; resolves every read whose index is applied (≤ `applied`). */
  onReadStates(readStates: readonly ReadState[], applied: number): void {
    for (const rs of readStates) {
      const ctx = Buffer.from(rs.requestCtx).toString('utf8');
      if (this.inFlight?.ctx !== ctx) continue;
      this.inFlight.cancel();
      this.awaitingApply.push({ index: rs.index, waiters: this.inFlight.waiters });
      this.inFlight = undefined;
    }
    if (this.awaitingApply.length === 0) return;
    const still: { index: number; waiters: ReadWaiter[] }[] = [];
    for (const r of this.awaitingApply) {
      if (applied >= r.index) for (const w of r.waiters) w.resolve();
      else still.push(r);
    }
    this.awaitingApply = still;
  }

  /** Rejects the round in flight (its confirmation can no longer come); queued callers stay. */
  failInFlight(error: Error): void {
    if (this.inFlight === undefined) return;
    this.inFlight.cancel();
    for (const w of this.inFlight.waiters) w.reject(error);
    this.inFlight = undefined;
  }

  /** Rejects every caller with `error`. */
  failAll(error: Error): void {
    if (this.inFlight !== undefined) {
      this.inFlight.cancel();
      for (const w of this.inFlight.waiters) w.reject(error);
      this.inFlight = undefined;
    }
    for (const r of this.awaitingApply) for (const w of r.waiters) w.reject(error);
    this.awaitingApply = [];
    for (const w of this.next) w.reject(error);
    this.next = [];
  }
}
