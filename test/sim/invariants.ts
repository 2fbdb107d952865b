/**
 * The invariant checker: the simulator reports every persist, apply, proposal, read and role it
 * sees, and this class throws `SimInvariantError` the moment any Raft safety property breaks:
 * election safety (one leader per term), log matching, committed entries never lost or changed,
 * leader completeness, monotone commit/applied, applied ≤ committed, identical applied sequences
 * (hash chain), at most one pending configuration change, and linearizable ReadIndex (a read
 * reflects every write acknowledged before it started); at the end of a run, every acknowledged
 * write is on the disks of a majority of voters.
 */
import type { ConfChange, ConfState, Entry, NodeId, Snapshot } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { hashBytes } from './hash.js';
import type { DiskWrite } from './sim-disk.js';
import type { SimObserver } from './sim-node.js';
import type { ClusterNode } from './cluster-node.js';
import { SimInvariantError } from './sim-state-machine.js';

interface PendingProposal {
  term: number;
  dataHash: number;
  incarnation: number;
}

/** A write the client was told succeeded: the entry that carried it. */
interface AckedWrite {
  index: number;
  term: number;
  dataHash: number;
}

interface PendingRead {
  node: NodeId;
  incarnation: number;
  ackedIndexAtStart: number;
}

/** Counters for the run summary. */
export interface CheckerStats {
  proposed: number;
  acked: number;
  failedProposals: number;
  readsStarted: number;
  readsServed: number;
  readsMisrouted: number;
  confChangesApplied: number;
  leadersElected: number;
  snapshotsRestored: number;
}

/** Tracks the cluster's history and asserts the Raft safety properties. */
export class Checker implements SimObserver {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryHashes = new Map<number, Map<number, number>>();
  private readonly committedTerm: number[] = [];
  private readonly committedHash: number[] = [];
  /**
   * For each committed index, the highest leader term seen when we learned it was committed: an
   * upper bound of the term it was committed in. Leader completeness only binds leaders of
   * HIGHER terms (a node paused through later terms may still legally win an older term).
   */
  private readonly committedByTerm: number[] = [];
  private maxLeaderTerm = 0;
  committedMax = 0;
  private readonly chainAt = new Map<number, number>();
  private readonly proposals = new Map<NodeId, Map<number, PendingProposal>>();
  ackedMaxIndex = 0;
  /** Values of acknowledged proposals (utf8), so a client can tell its write was acknowledged. */
  readonly ackedKeys = new Set<string>();
  /** Every node that has been a member in some committed configuration. */
  readonly everMembers = new Set<NodeId>();
  private readonly ackedWrites: AckedWrite[] = [];
  private readonly reads = new Map<string, PendingRead>();
  private readonly lastCommit = new Map<NodeId, { incarnation: number; commit: number; applied: number }>();
  private readonly leaderChecked = new Set<string>();
  /** The membership after the latest committed configuration change (and its index). */
  committedConf: ConfState;
  private committedConfIndex = 0;
  readonly stats: CheckerStats = {
    proposed: 0,
    acked: 0,
    failedProposals: 0,
    readsStarted: 0,
    readsServed: 0,
    readsMisrouted: 0,
    confChangesApplied: 0,
    leadersElected: 0,
    snapshotsRestored: 0,
  };

  constructor(initialConf: ConfState, bootstrapIndex: number, bootstrapTerm: number, bootstrapChain: number) {
    this.committedConf = initialConf;
    for (const id of [...initialConf.voters, ...initialConf.learners]) this.everMembers.add(id);
    this.committedTerm[bootstrapIndex] = bootstrapTerm;
    this.committedMax = bootstrapIndex;
    this.chainAt.set(bootstrapIndex, bootstrapChain);
  }

  /** Number of proposals still waiting for their outcome. */
  get pendingProposalCount(): number {
    let n = 0;
    for (const m of this.proposals.values()) n += m.size;
    return n;
  }

  onProposed(node: ClusterNode, data: Uint8Array, index: number, term: number): void {
    this.stats.proposed++;
    let mine = this.proposals.get(node.id);
    if (mine === undefined) this.proposals.set(node.id, (mine = new Map()));
    mine.set(index, { term, dataHash: hashBytes(data), incarnation: node.incarnation });
  }

  onConfChangeProposed(_node: ClusterNode, _cc: ConfChange): void {}

  /**
   * The production driver resolved `node`'s proposal of `data` at `index` (its caller is told the
   * write succeeded). The entry this member applied at `index` must be that very write, or the
   * driver acknowledged someone else's entry (e.g. one that overwrote ours after a leader change).
   */
  onAcked(node: ClusterNode, data: Uint8Array, index: number): void {
    this.stats.proposed++;
    const term = this.committedTerm[index];
    const dataHash = hashBytes(data);
    if (term === undefined || this.committedHash[index] !== hashBytes(data, EntryType.Normal + 1)) {
      fail(`${node.id} acknowledged a write at index ${index} that is not the committed entry there`);
    }
    if (node.sm.appliedIndex < index) fail(`${node.id} acknowledged index ${index} before applying it`);
    this.stats.acked++;
    this.ackedKeys.add(Buffer.from(data).toString('utf8'));
    this.ackedWrites.push({ index, term, dataHash });
    if (index > this.ackedMaxIndex) this.ackedMaxIndex = index;
  }

  /** The production driver refused or gave up on a proposal (not leader, timeout…). */
  onProposalFailed(): void {
    this.stats.proposed++;
    this.stats.failedProposals++;
  }

  /**
   * The production driver resolved the linearizable read registered as `key` on `node`, whose
   * state machine had applied `appliedIndex` then: what the caller reads must reflect every write
   * acknowledged before the read started.
   */
  onReadResolved(node: ClusterNode, key: string, appliedIndex: number): void {
    const read = this.reads.get(key);
    if (read === undefined) return; // its node restarted
    this.reads.delete(key);
    if (read.node !== node.id) fail(`read ${key} of ${read.node} resolved on ${node.id}`);
    this.stats.readsServed++;
    if (appliedIndex < read.ackedIndexAtStart) {
      fail(
        `stale read ${key} on ${node.id}: applied ${appliedIndex} < ${read.ackedIndexAtStart}, a write acknowledged before the read started`,
      );
    }
  }

  /** A read starts now on `node`; it must reflect every write acknowledged so far. */
  startRead(node: ClusterNode, ctxKey: string): void {
    this.stats.readsStarted++;
    this.reads.set(ctxKey, {
      node: node.id,
      incarnation: node.incarnation,
      ackedIndexAtStart: this.ackedMaxIndex,
    });
  }

  /** The node died: its pending proposals and reads have unknown outcomes now. */
  onCrash(node: ClusterNode): void {
    this.proposals.delete(node.id);
    for (const [key, read] of this.reads) if (read.node === node.id) this.reads.delete(key);
  }

  onPersisted(node: ClusterNode, write: DiskWrite, replacedTerms: (number | undefined)[]): void {
    let confCount = 0;
    const entries = write.entries ?? [];
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k];
      const hash = entryHash(entry);
      let byTerm = this.entryHashes.get(entry.index);
      if (byTerm === undefined) this.entryHashes.set(entry.index, (byTerm = new Map()));
      const known = byTerm.get(entry.term);
      if (known === undefined) byTerm.set(entry.term, hash);
      else if (known !== hash) {
        fail(`log matching: two different entries at index ${entry.index} term ${entry.term} (${node.id})`);
      }
      // A stale node may persist its own old entries where others committed different ones;
      // what must never happen is replacing the committed entry in a log that held it.
      const ct = this.committedTerm[entry.index];
      if (ct !== undefined && ct !== entry.term && replacedTerms[k] === ct) {
        fail(
          `committed entry overwritten: ${node.id} replaced committed index ${entry.index} term ${ct} with term ${entry.term}`,
        );
      }
      if (entry.type === EntryType.ConfChange) confCount++;
    }
    if (confCount > 0 && node.status()?.role === 'leader') this.checkOnePendingConf(node);
  }

  onApplied(node: ClusterNode, entry: Entry): void {
    const hash = entryHash(entry);
    const ct = this.committedTerm[entry.index];
    if (ct === undefined) {
      this.committedTerm[entry.index] = entry.term;
      this.committedHash[entry.index] = hash;
      this.committedByTerm[entry.index] = Math.max(this.maxLeaderTerm, entry.term);
      if (entry.index > this.committedMax) this.committedMax = entry.index;
    } else if (ct !== entry.term || (this.committedHash[entry.index] ?? hash) !== hash) {
      fail(
        `committed entry changed: ${node.id} applied index ${entry.index} term ${entry.term}, committed term ${ct}`,
      );
    } else this.committedHash[entry.index] ??= hash;
    const chain = this.chainAt.get(entry.index);
    if (chain === undefined) this.chainAt.set(entry.index, node.sm.chain);
    else if (chain !== node.sm.chain) fail(`applied sequences diverge at index ${entry.index} (${node.id})`);
    const mine = this.proposals.get(node.id);
    const pending = mine?.get(entry.index);
    if (mine !== undefined && pending !== undefined) {
      mine.delete(entry.index);
      if (
        pending.incarnation === node.incarnation &&
        pending.term === entry.term &&
        pending.dataHash === hashBytes(entry.data)
      ) {
        this.stats.acked++;
        this.ackedKeys.add(Buffer.from(entry.data).toString('utf8'));
        this.ackedWrites.push({ index: entry.index, term: entry.term, dataHash: pending.dataHash });
        if (entry.index > this.ackedMaxIndex) this.ackedMaxIndex = entry.index;
      } else {
        this.stats.failedProposals++;
      }
    }
  }

  onSnapshotRestored(node: ClusterNode, snapshot: Snapshot): void {
    this.stats.snapshotsRestored++;
    const index = snapshot.meta.index;
    const ct = this.committedTerm[index];
    if (ct !== undefined && ct !== snapshot.meta.term) {
      fail(`snapshot at ${index} has term ${snapshot.meta.term}, committed term ${ct} (${node.id})`);
    }
    const chain = this.chainAt.get(index);
    if (chain === undefined) this.chainAt.set(index, node.sm.chain);
    else if (chain !== node.sm.chain)
      fail(`snapshot state at ${index} differs from applied chain (${node.id})`);
    if (index > this.committedMax) {
      // The snapshot proves everything through `index` is committed.
      this.committedTerm[index] = snapshot.meta.term;
      this.committedByTerm[index] = Math.max(this.maxLeaderTerm, snapshot.meta.term);
      this.committedMax = index;
    }
  }

  onReadServed(node: ClusterNode, ctx: Uint8Array, readIndex: number): void {
    const key = Buffer.from(ctx).toString('utf8');
    const read = this.reads.get(key);
    if (read === undefined) return; // a read whose node restarted, or a duplicate answer
    if (read.node !== node.id) {
      // The answer reached another node (before the fix in src/raft/read-forward.ts, a read
      // forwarded twice was answered to the forwarder): the asker never learns it; that node
      // ignores a context it did not ask. Lost, not unsafe; expected to stay 0.
      this.stats.readsMisrouted++;
      return;
    }
    this.reads.delete(key);
    this.stats.readsServed++;
    if (readIndex < read.ackedIndexAtStart) {
      fail(
        `stale read ${key} on ${node.id}: read index ${readIndex} < ${read.ackedIndexAtStart}, a write acknowledged before the read started`,
      );
    }
    if (node.sm.appliedIndex < readIndex) fail(`read ${key} served before applied ≥ read index`);
  }

  onConfApplied(node: ClusterNode, cc: ConfChange, confState: ConfState): void {
    // Conf changes apply in log order; the latest committed one defines the membership.
    const index = node.sm.appliedIndex;
    if (index > this.committedConfIndex) {
      this.committedConfIndex = index;
      this.committedConf = {
        voters: confState.voters.slice().sort(),
        learners: confState.learners.slice().sort(),
      };
      this.stats.confChangesApplied++;
      for (const id of [...confState.voters, ...confState.learners]) this.everMembers.add(id);
    } else if (index === this.committedConfIndex) {
      const same =
        sameSet(confState.voters, this.committedConf.voters) &&
        sameSet(confState.learners, this.committedConf.learners);
      if (!same) fail(`${node.id} derived a different membership from ${cc.type} ${cc.nodeId} at ${index}`);
    }
  }

  /** Checks the per-step properties over every running node. */
  afterStep(nodes: Iterable<ClusterNode>): void {
    for (const node of nodes) {
      const st = node.status();
      if (!node.up || st === undefined) continue;
      if (st.applied > st.commit) fail(`${node.id}: applied ${st.applied} > commit ${st.commit}`);
      const last = this.lastCommit.get(node.id);
      if (last !== undefined && last.incarnation === node.incarnation) {
        if (st.commit < last.commit) fail(`${node.id}: commit went back ${last.commit} -> ${st.commit}`);
        if (st.applied < last.applied) fail(`${node.id}: applied went back ${last.applied} -> ${st.applied}`);
        last.commit = st.commit;
        last.applied = st.applied;
      } else {
        this.lastCommit.set(node.id, {
          incarnation: node.incarnation,
          commit: st.commit,
          applied: st.applied,
        });
      }
      if (st.role === 'leader') {
        if (st.term > this.maxLeaderTerm) this.maxLeaderTerm = st.term;
        const holder = this.leaderOfTerm.get(st.term);
        if (holder === undefined) {
          this.leaderOfTerm.set(st.term, node.id);
          this.stats.leadersElected++;
        } else if (holder !== node.id) fail(`two leaders in term ${st.term}: ${holder} and ${node.id}`);
        const key = `${node.id}@${st.term}`;
        if (!this.leaderChecked.has(key)) {
          this.leaderChecked.add(key);
          this.checkLeaderCompleteness(node, st.term);
        }
      }
    }
  }

  /** Pairwise log matching over the persisted logs (run periodically; it is O(log length)). */
  checkLogMatching(nodes: ClusterNode[]): void {
    const live = nodes.filter((n) => n.up && n.log !== undefined);
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) {
        const x = live[a].log!;
        const y = live[b].log!;
        const lo = Math.max(x.firstIndex(), y.firstIndex());
        const hi = Math.min(x.lastIndex(), y.lastIndex());
        let matched = false;
        for (let i = hi; i >= lo; i--) {
          const same = x.term(i) === y.term(i);
          if (same) matched = true;
          else if (matched) {
            fail(`log matching: ${live[a].id} and ${live[b].id} agree above index ${i} but differ at ${i}`);
          }
        }
      }
    }
  }

  /**
   * Every acknowledged write is durable on a majority of the current voters: their DISK images
   * (what a restart would recover, not the in-memory logs) hold its entry — same index, term and
   * data — or a snapshot covering it. Raft's promise to the client; run once the cluster has
   * converged (mid-run a just-added voter may legitimately not hold it yet).
   */
  checkAckedDurable(nodes: Iterable<ClusterNode>): void {
    const byId = new Map<NodeId, ClusterNode>();
    for (const node of nodes) byId.set(node.id, node);
    const voters = this.committedConf.voters;
    const disks = voters.flatMap((id) => {
      const image = byId.get(id)?.durableImage();
      if (image === undefined) return [];
      return [
        {
          snapshotIndex: image.snapshot?.meta.index ?? 0,
          entries: new Map(image.entries.map((e) => [e.index, e])),
        },
      ];
    });
    const needed = Math.floor(voters.length / 2) + 1;
    for (const write of this.ackedWrites) {
      let holders = 0;
      for (const disk of disks) {
        const entry = disk.entries.get(write.index);
        const held =
          disk.snapshotIndex >= write.index ||
          (entry !== undefined && entry.term === write.term && hashBytes(entry.data) === write.dataHash);
        if (held) holders++;
      }
      if (holders < needed) {
        fail(
          `acknowledged write at index ${write.index} term ${write.term} is durable on only ${holders} of ${voters.length} voters (${voters.join(',')}); a majority needs ${needed}`,
        );
      }
    }
  }

  /** The applied chain all nodes agree on at `index`, if known. */
  chainAtIndex(index: number): number | undefined {
    return this.chainAt.get(index);
  }

  private checkLeaderCompleteness(node: ClusterNode, term: number): void {
    const storage = node.log!;
    const snapIndex = storage.firstIndex() - 1;
    for (let i = snapIndex + 1; i <= this.committedMax; i++) {
      const ct = this.committedTerm[i];
      const byTerm = this.committedByTerm[i];
      if (ct === undefined || byTerm === undefined || byTerm >= term) continue;
      const t = node.logTerm(i);
      if (t !== ct) {
        fail(
          `leader completeness: ${node.id} leads term ${term} without committed entry ${i} (term ${ct}, has ${t})`,
        );
      }
    }
  }

  private checkOnePendingConf(node: ClusterNode): void {
    const storage = node.log!;
    const lo = Math.max(this.committedMax + 1, storage.firstIndex());
    const hi = storage.lastIndex();
    if (lo > hi) return;
    const pending = storage
      .entries(lo, hi + 1, Number.MAX_SAFE_INTEGER)
      .filter((e) => e.type === EntryType.ConfChange);
    if (pending.length > 1) {
      fail(
        `${node.id} has ${pending.length} uncommitted configuration changes (${pending.map((e) => e.index).join(',')})`,
      );
    }
  }
}

function entryHash(entry: Entry): number {
  return hashBytes(entry.data, entry.type + 1);
}

function sameSet(a: NodeId[], b: NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function fail(message: string): never {
  throw new SimInvariantError(message);
}
