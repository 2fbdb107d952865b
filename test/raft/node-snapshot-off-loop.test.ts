/**
 * A large snapshot must not stall the driver: the bulk write of a built snapshot's data runs off
 * the loop (LogStore.stageSnapshot) and the loop keeps heartbeating and committing meanwhile.
 * Here the data write is HELD (a gate around the real LevelLogStore) until the test releases it:
 * a proposal must still commit under the same leader and term while it is held. Before the
 * staging, the loop wrote the whole snapshot inside `persist` and every proposal waited for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, type StateMachine } from '../../src/raft/node.js';
import { SeededRng } from '../../src/lib/rng.js';
import type { LogStore, PersistedState } from '../../src/raft/ports.js';
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { LevelLogStore } from '../../src/storage/raft/log-store-leveldb.js';
import { MemoryHub } from '../sim/memory-transport.js';
import { eventually } from '../helpers/raft/raft-cluster.js';

class ListMachine implements StateMachine {
  values: string[] = [];
  apply(entry: Entry): void {
    if (entry.type === EntryType.Normal && entry.data.length > 0)
      this.values.push(Buffer.from(entry.data).toString());
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.values));
  }
  restore(data: Uint8Array): void {
    this.values = data.length === 0 ? [] : (JSON.parse(Buffer.from(data).toString()) as string[]);
  }
}

/** Holds every write of snapshot DATA (staged, or inside persist when not staged) until released. */
class GatedLogStore implements LogStore {
  private readonly stagedIndexes = new Set<number>();
  private release: Promise<void>;
  private releaseFn!: () => void;
  private heldFn!: () => void;
  /** Resolves when a snapshot data write is being held. */
  readonly held: Promise<void>;

  constructor(private readonly inner: LevelLogStore) {
    this.release = new Promise((resolve) => (this.releaseFn = resolve));
    this.held = new Promise((resolve) => (this.heldFn = resolve));
  }
  open(): Promise<PersistedState> {
    return this.inner.open();
  }
  async persist(update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void> {
    const s = update.snapshot;
    if (s !== undefined && s.meta.index > 1 && !this.stagedIndexes.has(s.meta.index)) await this.hold();
    return this.inner.persist(update);
  }
  async stageSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    await this.hold();
    await this.inner.stageSnapshot(meta, data);
    this.stagedIndexes.add(meta.index);
  }
  compact(index: number): Promise<void> {
    return this.inner.compact(index);
  }
  loadSnapshot(): Promise<Snapshot | undefined> {
    return this.inner.loadSnapshot();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  releaseAll(): void {
    this.releaseFn();
  }
  private async hold(): Promise<void> {
    this.heldFn();
    await this.release;
  }
}

const ids = ['a', 'b', 'c'];

test('the driver keeps committing under the same leader and term while a snapshot’s data is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-raft-snapoff-'));
  const hub = new MemoryHub();
  const members = await Promise.all(
    ids.map(async (id, i) => {
      const sm = new ListMachine();
      const store = new GatedLogStore(await LevelLogStore.open(join(dir, id)));
      const node = new RaftNode({
        id,
        logStore: store,
        transport: hub.transport(id),
        stateMachine: sm,
        rng: new SeededRng(70 + i),
        tickIntervalMs: 10,
        electionTimeoutTicks: 20,
        heartbeatIntervalTicks: 2,
        bootstrap: { voters: ids, learners: [] },
        snapshotThresholdEntries: 10,
        snapshotTrailingEntries: 2,
        // The failure mode before the fix: a proposal queued behind the held write times out.
        proposalTimeoutMs: 10_000,
      });
      return { id, node, sm, store };
    }),
  );
  try {
    await Promise.all(members.map((m) => m.node.start()));
    const findLeader = () => members.find((m) => m.node.status().role === 'leader');
    // 30 s bounds a broken run; it is not a speed target.
    await eventually(() => findLeader() !== undefined, 'a leader', 30_000);
    const leader = findLeader()!;
    const term = leader.node.status().term;
    for (let i = 0; i < 12; i++) await leader.node.propose(Buffer.from(`v${i}`));
    await leader.store.held; // the leader's snapshot data write is in progress (held)
    for (let i = 12; i < 16; i++) await leader.node.propose(Buffer.from(`v${i}`));
    assert.equal(leader.node.status().role, 'leader');
    assert.equal(leader.node.status().term, term, 'no election while the snapshot was written');
    for (const m of members) m.store.releaseAll();
    for (let i = 16; i < 30; i++) await leader.node.propose(Buffer.from(`v${i}`));
    assert.deepEqual(
      leader.sm.values,
      Array.from({ length: 30 }, (_, i) => `v${i}`),
    );
    await Promise.all(members.map((m) => m.node.stop()));
    // The recorded snapshot is the staged one, readable after a restart with its data.
    const reopened = await LevelLogStore.open(join(dir, leader.id));
    await reopened.open();
    const snapshot = await reopened.loadSnapshot();
    await reopened.close();
    assert.ok(snapshot !== undefined && snapshot.meta.index > 1, 'a snapshot was recorded');
    const values = JSON.parse(Buffer.from(snapshot.data).toString()) as string[];
    assert.ok(values.length >= 10);
    assert.deepEqual(values, leader.sm.values.slice(0, values.length));
  } finally {
    await Promise.allSettled(members.map((m) => m.node.stop()));
    await rm(dir, { recursive: true, force: true });
  }
});
