/**
 * The listener sets and waiters of `RaftStorage`: leadership changes, applied keys, membership,
 * "an entry of my own term is applied" and "leadership was lost". A throwing listener is logged
 * and skipped, never allowed to break the apply path.
 */
import { ArcaError } from '../../lib/errors.js';
import { systemTimers, type Timers } from '../../raft/node.js';
import type { MemberInfo } from './command.js';

/** One member of the applied configuration. */
export interface Member {
  info: MemberInfo;
  voter: boolean;
}

/** A set of callbacks with an unsubscribe handle. */
class ListenerSet<A extends unknown[]> {
  private readonly fns = new Set<(...args: A) => void>();

  constructor(private readonly onError: (err: unknown) => void) {}

  add(fn: (...args: A) => void): () => void {
    this.fns.add(fn);
    return () => {
      this.fns.delete(fn);
    };
  }

  emit(...args: A): void {
    for (const fn of this.fns) {
      try {
        fn(...args);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  clear(): void {
    this.fns.clear();
  }
}

interface OwnTermWaiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Listener sets and waiters; see the module comment. */
export class RaftListeners {
  readonly leadership: ListenerSet<[boolean]>;
  readonly applied: ListenerSet<[string[], boolean]>;
  readonly members: ListenerSet<[Member[]]>;
  private ownTermWaiters: OwnTermWaiter[] = [];

  constructor(logger: { warn(obj: object, msg?: string): void } | undefined) {
    const onError = (err: unknown): void => logger?.warn({ err }, 'raft storage listener failed');
    this.leadership = new ListenerSet(onError);
    this.applied = new ListenerSet(onError);
    this.members = new ListenerSet(onError);
  }

  emitLeadership(isLeader: boolean): void {
    this.leadership.emit(isLeader);
  }

  emitApplied(keys: string[], reset: boolean): void {
    this.applied.emit(keys, reset);
  }

  emitMembers(members: Member[]): void {
    this.members.emit(members);
  }

  /** A promise settled by `checkOwnTerm`: resolved when done, rejected when not leader. */
  waitOwnTerm(state: () => { leader: boolean; done: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ownTermWaiters.push({ resolve, reject });
      this.checkOwnTerm(state());
    });
  }

  /** Settles own-term waiters from the current state. */
  checkOwnTerm(state: { leader: boolean; done: boolean }): void {
    if (this.ownTermWaiters.length === 0 || (state.leader && !state.done)) return;
    const waiters = this.ownTermWaiters;
    this.ownTermWaiters = [];
    for (const w of waiters) {
      if (state.done) w.resolve();
      else w.reject(new ArcaError('not_leader', 'leadership lost before its term was applied'));
    }
  }

  /** Resolves on the next leadership loss; `timeout` after `timeoutMs`. */
  waitLeadershipLost(timeoutMs: number, timers: Timers = systemTimers): Promise<void> {
    return new Promise((resolve, reject) => {
      const off = this.leadership.add((isLeader) => {
        if (isLeader) return;
        cancel();
        off();
        resolve();
      });
      const cancel = timers.schedule(timeoutMs, () => {
        off();
        reject(new ArcaError('timeout', 'leadership transfer did not complete in time'));
      });
    });
  }

  /** Drops every listener and rejects waiters (storage closed). */
  clear(): void {
    this.leadership.clear();
    this.applied.clear();
    this.members.clear();
    const waiters = this.ownTermWaiters;
    this.ownTermWaiters = [];
    for (const w of waiters) w.reject(new ArcaError('unavailable', 'storage is closed'));
  }
}
