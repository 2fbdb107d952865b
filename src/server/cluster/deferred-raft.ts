/**
 * A node's Raft storage before it knows which cluster it belongs to. A brand-new node does not
 * open Raft at start: it becomes either the first member of a new cluster (`sys/init` runs on it:
 * opened with a one-member bootstrap configuration) or a member of an existing one (its join was
 * admitted: opened empty, filled by the leader's snapshot). Until then it is empty storage: core
 * sees an uninitialised vault and refuses writes.
 *
 * Core is built once over this facade (physical storage + HA port); `attach` plugs the real
 * `RaftStorage` in and forwards its events to the listeners core registered earlier. A node that
 * restarts with existing Raft state attaches at once.
 */
import { ArcaError } from '../../lib/errors.js';
import type { PhysicalBackend, PhysicalOp } from '../../storage/physical/physical.js';
import type { Member, MemberInfo, RaftStorage } from '../../storage/raft/raft-storage.js';

type Listener<A extends unknown[]> = (...args: A) => void;

class Fanout<A extends unknown[]> {
  private readonly fns = new Set<Listener<A>>();
  add(fn: Listener<A>): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  emit(...args: A): void {
    for (const fn of this.fns) fn(...args);
  }
}

/** Physical storage + HA port over a `RaftStorage` that may not be open yet. */
export class DeferredRaftStorage implements PhysicalBackend {
  private storage: RaftStorage | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly leadership = new Fanout<[boolean]>();
  private readonly applied = new Fanout<[string[], boolean]>();
  private readonly membersChanged = new Fanout<[Member[]]>();
  private readonly attachedListeners = new Fanout<[RaftStorage]>();

  /** The open storage, if any. */
  get current(): RaftStorage | undefined {
    return this.storage;
  }

  /** Plugs the opened storage in (once). */
  attach(storage: RaftStorage): void {
    if (this.storage !== undefined) throw new Error('raft storage already attached');
    this.storage = storage;
    this.unsubscribe.push(
      storage.onLeadershipChange((leader) => this.leadership.emit(leader)),
      storage.onApplied((keys, reset) => this.applied.emit(keys, reset)),
      storage.onMembersChange((members) => this.membersChanged.emit(members)),
    );
    this.attachedListeners.emit(storage);
    this.membersChanged.emit(storage.members());
    if (storage.isLeader()) this.leadership.emit(true);
  }

  /** Called once when storage is attached. */
  onAttached(fn: (storage: RaftStorage) => void): () => void {
    return this.attachedListeners.add(fn);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.storage === undefined ? Promise.resolve(undefined) : this.storage.get(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.storage === undefined ? Promise.resolve([]) : this.storage.list(prefix);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.open().put(key, value);
  }

  delete(key: string): Promise<void> {
    return this.open().delete(key);
  }

  batch(ops: PhysicalOp[]): Promise<void> {
    return this.open().batch(ops);
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.storage?.close();
  }

  // ---- HA port ----

  isLeader(): boolean {
    return this.storage?.isLeader() ?? false;
  }

  leaderId(): string | undefined {
    return this.storage?.leaderId();
  }

  waitOwnTermApplied(): Promise<void> {
    return this.storage === undefined
      ? Promise.reject(new ArcaError('not_leader'))
      : this.storage.waitOwnTermApplied();
  }

  linearizableRead(): Promise<void> {
    return this.storage === undefined ? Promise.resolve() : this.storage.linearizableRead();
  }

  onLeadershipChange(fn: (isLeader: boolean) => void): () => void {
    return this.leadership.add(fn);
  }

  onApplied(fn: (keys: string[], reset: boolean) => void): () => void {
    return this.applied.add(fn);
  }

  onMembersChange(fn: (members: Member[]) => void): () => void {
    return this.membersChanged.add(fn);
  }

  members(): Member[] {
    return this.storage?.members() ?? [];
  }

  memberInfo(nodeId: string): MemberInfo | undefined {
    return this.storage?.memberInfo(nodeId);
  }

  /** This node's Raft id ('' before Raft opens). */
  selfId(): string {
    return this.storage?.status().id ?? '';
  }

  indexes(): { commit: number; applied: number } {
    const s = this.storage?.status();
    return { commit: s?.commit ?? 0, applied: s?.appliedIndex ?? 0 };
  }

  private open(): RaftStorage {
    if (this.storage === undefined) throw new ArcaError('not_initialized');
    return this.storage;
  }
}
