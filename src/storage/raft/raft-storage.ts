/**
 * Replicated physical storage (Vault's integrated storage): a `PhysicalBackend` whose writes are
 * Raft proposals and whose reads come from the local applied state.
 *
 * - put/delete/batch: ONE log entry per call (a KV v2 write stays atomic), proposed on the leader
 *   only (`not_leader` elsewhere), resolved once committed and applied HERE. Concurrent calls share
 *   the driver's group commit. Each carries a `WriteId` — this storage's own (client, sequence,
 *   floor), or a forwarded request's (write-identity.ts) — so a retry applies once (client-table.ts).
 * - get/list: the local state store (ciphertext as the barrier wrote it). `linearizableRead()` is
 *   the ReadIndex round (batched by the driver) a caller runs first when it needs linearizability.
 * - leadership, applied keys and membership are reported to listeners (core's HA port).
 *
 * Files: command.ts (entry encoding), state-store.ts (the applied state), snapshot-format.ts.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ArcaError, isArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { RaftNode, NodeStateChange } from '../../raft/node.js';
import type { Entry, SnapshotMeta } from '../../raft/types.js';
import { checkKey, checkListPrefix, checkOps } from '../physical/keys.js';
import type { PhysicalBackend, PhysicalOp } from '../physical/physical.js';
import {
  encodeMemberCommand,
  encodeMemberInfo,
  encodeRestoreStep,
  encodeWrite,
  type MemberInfo,
} from './command.js';
import { proposeRestore } from './operator-restore.js';
import type { SnapshotStreams } from './snapshot-stream.js';
import { createRaftMember } from './raft-member.js';
import { LevelLogStore } from './log-store-leveldb.js';
import { membersOf, sameMemberInfo } from './members.js';
import { RaftListeners, type Member } from './raft-listeners.js';
import type { WriteId } from './client-table.js';
import { StateStore } from './state-store.js';
import { forwardedClientId, nextForwardedWriteId, SequenceWindow } from './write-identity.js';
import type { RaftStorageOptions, RaftStorageStatus } from './raft-storage-options.js';

export type { MemberInfo } from './command.js';
export type { Member } from './raft-listeners.js';
export type { RaftStorageOptions, RaftStorageStatus } from './raft-storage-options.js';

/** Replicated `PhysicalBackend` on Raft; see the module comment. */
export class RaftStorage implements PhysicalBackend {
  private readonly clientId = randomUUID();
  private readonly sequences = new SequenceWindow();
  private closed = false;
  private leader = '';
  private role = 'follower';
  private readonly listeners: RaftListeners;

  private constructor(
    private readonly opts: RaftStorageOptions,
    private readonly state: StateStore,
    private readonly node: RaftNode,
    private readonly streams: SnapshotStreams,
  ) {
    this.listeners = new RaftListeners(opts.logger);
  }

  /** Opens the log and state stores under `opts.dir` and starts the Raft member. */
  static async open(opts: RaftStorageOptions): Promise<RaftStorage> {
    await mkdir(opts.dir, { recursive: true });
    const logStore = await LevelLogStore.open(join(opts.dir, 'log'));
    const state = await StateStore.open(join(opts.dir, 'state'));
    const box: { storage?: RaftStorage } = {};
    const { node, streams } = createRaftMember(opts, logStore, state, {
      applyEntries: (entries) => box.storage!.applyEntries(entries),
      restoreState: (data, meta) => box.storage!.restoreState(data, meta),
    });
    const storage = new RaftStorage(opts, state, node, streams);
    box.storage = storage;
    node.onStateChange((change) => storage.onNodeState(change));
    await node.start();
    return storage;
  }

  // ---- PhysicalBackend ----

  async get(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    checkKey(key);
    return this.state.get(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    checkListPrefix(prefix);
    return this.state.list(prefix);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.batch([{ type: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.batch([{ type: 'delete', key }]);
  }

  /** ONE log entry; resolves once committed and applied here (see the module comment). */
  async batch(ops: PhysicalOp[]): Promise<void> {
    this.checkOpen();
    checkOps(ops);
    if (ops.length === 0) return;
    if (!this.isLeader()) throw this.notLeader();
    // A forwarded request's writes carry its identity (see write-identity.ts).
    const forwarded = nextForwardedWriteId();
    if (forwarded === undefined) return this.proposeOwn((id) => encodeWrite(id, ops));
    const data = encodeWrite(forwarded, ops);
    if (data.length > limits.raftEntryBytesMax) throw tooLarge();
    await this.proposeWithRetry(data);
  }

  /**
   * Proposes the command `encode` builds under this storage's next own sequence, with the floor
   * (lowest own sequence still unsettled, see client-table.ts) of this moment.
   */
  private proposeOwn(encode: (id: WriteId) => Uint8Array): Promise<void> {
    return this.sequences.run(async (seq, floor) => {
      const data = encode({ clientId: this.clientId, seq, part: 0, floor });
      if (data.length > limits.raftEntryBytesMax) throw tooLarge();
      await this.proposeWithRetry(data);
    });
  }

  /**
   * True when a write of the forwarded request (forwarderId, seq) has been applied here (see
   * write-identity.ts): the active node answers a retry of it without running it again.
   */
  forwardedRequestApplied(forwarderId: string, seq: number): boolean {
    return this.state.hasApplied(forwardedClientId(forwarderId), seq);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.node.stop();
    this.streams.close();
    await this.state.close();
  }

  // ---- HA port ----

  /** Resolves once local state has applied everything committed before the call (ReadIndex). */
  linearizableRead(): Promise<void> {
    this.checkOpen();
    return this.node.readIndex();
  }

  isLeader(): boolean {
    return !this.closed && this.role === 'leader';
  }

  leaderId(): string | undefined {
    return this.leader === '' ? undefined : this.leader;
  }

  term(): number {
    return this.node.status().term;
  }

  onLeadershipChange(fn: (isLeader: boolean) => void): () => void {
    return this.listeners.leadership.add(fn);
  }

  /** Keys written or deleted by each applied batch (`reset` after a snapshot install: everything). */
  onApplied(fn: (keys: string[], reset: boolean) => void): () => void {
    return this.listeners.applied.add(fn);
  }

  onMembersChange(fn: (members: Member[]) => void): () => void {
    return this.listeners.members.add(fn);
  }

  /**
   * Leader: resolves once an entry of its current term is applied locally (so everything an
   * earlier leader committed is applied too); rejects `not_leader` when leadership is lost first.
   */
  waitOwnTermApplied(): Promise<void> {
    if (!this.isLeader()) return Promise.reject(this.notLeader());
    return this.listeners.waitOwnTerm(() => this.ownTermState());
  }

  /** Members from the applied configuration, with their replicated metadata. */
  members(): Member[] {
    return membersOf(this.node.status().confState, this.state.memberInfos(), this.opts.self);
  }

  memberInfo(nodeId: string): MemberInfo | undefined {
    return this.members().find((m) => m.info.nodeId === nodeId)?.info;
  }

  /** Adds a non-voting member (it catches up, then `promote`). Leader only. */
  async addLearner(info: MemberInfo): Promise<void> {
    this.checkOpen();
    await this.node.proposeConfChange({
      type: 'addLearner',
      nodeId: info.nodeId,
      context: encodeMemberInfo(info),
    });
  }

  /** Makes a learner a voter. Leader only. */
  async promote(nodeId: string): Promise<void> {
    this.checkOpen();
    const info = this.state.memberInfos().get(nodeId);
    await this.node.proposeConfChange({
      type: 'addVoter',
      nodeId,
      ...(info !== undefined ? { context: encodeMemberInfo(info) } : {}),
    });
  }

  /** Removes a member (voter or learner). Leader only. */
  async removeMember(nodeId: string): Promise<void> {
    this.checkOpen();
    await this.node.proposeConfChange({ type: 'removeNode', nodeId });
  }

  /**
   * Hands leadership to `to` (default: another voter) and resolves once this node is no longer
   * the leader; `timeout` if that does not happen within two election timeouts.
   */
  async transferLeadership(to?: string): Promise<void> {
    this.checkOpen();
    if (!this.isLeader()) throw this.notLeader();
    const self = this.opts.self.nodeId;
    const target = to ?? this.node.status().confState.voters.find((id) => id !== self);
    if (target === undefined) throw new ArcaError('invalid_request', 'no other voter to transfer to');
    const timeoutMs = 2 * (this.opts.electionTimeoutTicks ?? 10) * (this.opts.tickIntervalMs ?? 100);
    const lost = this.listeners.waitLeadershipLost(timeoutMs, this.opts.timers);
    this.node.transferLeadership(target);
    await lost;
  }

  /** This member's node id. */
  selfId(): string {
    return this.opts.self.nodeId;
  }

  /** Commit and applied index (sys/leader's raft_committed_index / raft_applied_index). */
  indexes(): { commit: number; applied: number } {
    return { commit: this.node.status().commit, applied: this.state.appliedIndex() };
  }

  status(): RaftStorageStatus {
    return {
      ...this.node.status(),
      appliedIndex: this.state.appliedIndex(),
      appliedTerm: this.state.appliedTerm(),
    };
  }

  /** The whole applied state (barrier ciphertext as stored, checksummed): an operator backup. */
  saveSnapshot(): AsyncIterable<Uint8Array> {
    this.checkOpen();
    return this.state.dump();
  }

  /**
   * Operator restore (leader only): verifies the snapshot whole (checksum) BEFORE proposing
   * anything, then replaces the data set on every member in bounded steps (command.ts,
   * state-restore.ts): a begin entry, the data records in entries of about one snapshot chunk (a
   * few in flight), and a commit entry that switches every member to the new data atomically.
   * Membership is the running cluster's. `source` is the snapshot's bytes or a function that
   * opens a fresh stream of them (read twice: verified, then proposed) — a file streams with
   * memory bounded by a few parts. Resolves once the commit is applied here; cores reset their
   * caches (`reset`). The data stays barrier ciphertext: the cluster must be unsealable with the
   * snapshot's keys. A restore cut short (lost leadership) leaves the old data set live.
   */
  async restoreSnapshot(source: Uint8Array | (() => AsyncIterable<Uint8Array>)): Promise<void> {
    this.checkOpen();
    const restoreId = randomUUID();
    await proposeRestore(source, {
      checkLeader: () => {
        if (!this.isLeader()) throw this.notLeader();
      },
      propose: (step) => this.proposeOwn((id) => encodeRestoreStep(id, restoreId, step)),
    });
  }

  // ---- internals ----

  private async proposeWithRetry(data: Uint8Array): Promise<void> {
    const metrics = this.opts.metrics?.raft();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.node.propose(data);
        metrics?.commitDuration.observe((performance.now() - started) / 1000);
        return;
      } catch (err) {
        // Same (client, seq): if the timed-out attempt did commit, the retry applies nothing.
        const retry =
          isArcaError(err, 'timeout') && attempt < limits.raftProposeAttemptsMax && this.isLeader();
        if (!retry) throw err;
      }
    }
  }

  private async applyEntries(entries: Entry[]): Promise<void> {
    const result = await this.state.apply(entries);
    this.updateAppliedMetrics();
    if (result.reset) this.listeners.emitApplied([], true);
    else if (result.keys.length > 0) this.listeners.emitApplied(result.keys, false);
    if (result.membersChanged) this.listeners.emitMembers(this.members());
    this.listeners.checkOwnTerm(this.ownTermState());
    if (this.isLeader()) this.maybeAnnounceSelf();
  }

  private async restoreState(data: Uint8Array, meta: SnapshotMeta | undefined): Promise<void> {
    await this.state.restore(data, meta === undefined ? undefined : { index: meta.index, term: meta.term });
    this.updateAppliedMetrics();
    this.listeners.emitApplied([], true);
    this.listeners.emitMembers(this.members());
  }

  private onNodeState(change: NodeStateChange): void {
    const wasLeader = this.role === 'leader';
    const leaderChanged = change.leader !== this.leader;
    this.role = change.role;
    this.leader = change.leader;
    const metrics = this.opts.metrics?.raft();
    if (metrics !== undefined) {
      metrics.term.set(change.term);
      metrics.isLeader.set(change.role === 'leader' ? 1 : 0);
      if (leaderChanged) metrics.leaderChanges.inc();
    }
    const isLeader = change.role === 'leader';
    if (wasLeader !== isLeader) this.listeners.emitLeadership(isLeader);
    this.listeners.checkOwnTerm(this.ownTermState());
  }

  private ownTermState(): { leader: boolean; done: boolean } {
    const leader = this.isLeader();
    return { leader, done: leader && this.state.appliedTerm() === this.node.status().term };
  }

  /** The leader records its own member info once its term is applied, if missing or changed. */
  private announcing = false;
  private maybeAnnounceSelf(): void {
    if (this.announcing || !this.ownTermState().done) return;
    const self = this.opts.self;
    const stored = this.state.memberInfos().get(self.nodeId);
    if (sameMemberInfo(stored, self)) return;
    this.announcing = true;
    this.node
      .propose(encodeMemberCommand(self))
      .catch((err: unknown) => this.opts.logger?.warn({ err }, 'raft: recording own member info failed'))
      .finally(() => {
        this.announcing = false;
      });
  }

  private updateAppliedMetrics(): void {
    const metrics = this.opts.metrics?.raft();
    if (metrics === undefined) return;
    const st = this.node.status();
    metrics.appliedIndex.set(this.state.appliedIndex());
    metrics.commitIndex.set(st.commit);
  }

  private notLeader(): ArcaError {
    const leader = this.leaderId();
    return new ArcaError('not_leader', undefined, leader === undefined ? undefined : { leader });
  }

  private checkOpen(): void {
    if (this.closed) throw new ArcaError('unavailable', 'storage is closed');
  }
}

function tooLarge(): ArcaError {
  return new ArcaError('payload_too_large', `write larger than ${limits.raftEntryBytesMax} bytes`);
}
