/**
 * The async driver over the real durable log store (LevelLogStore, LevelDB in temp dirs): a
 * cluster commits, every member stops, and the whole cluster restarts from disk alone with the
 * same applied history, then keeps committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, type StateMachine } from '../../src/raft/node.js';
import { SeededRng } from '../../src/lib/rng.js';
import type { Entry } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { LevelLogStore } from '../../src/storage/raft/log-store-leveldb.js';
import { MemoryHub } from '../sim/memory-transport.js';

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

const ids = ['a', 'b', 'c'];

async function startCluster(dir: string, seed: number): Promise<{ node: RaftNode; sm: ListMachine }[]> {
  const hub = new MemoryHub();
  const members = await Promise.all(
    ids.map(async (id, i) => {
      const sm = new ListMachine();
      const node = new RaftNode({
        id,
        logStore: await LevelLogStore.open(join(dir, id)),
        transport: hub.transport(id),
        stateMachine: sm,
        rng: new SeededRng(seed + i),
        tickIntervalMs: 5,
        electionTimeoutTicks: 10,
        heartbeatIntervalTicks: 1,
        bootstrap: { voters: ids, learners: [] },
        snapshotThresholdEntries: 15,
        snapshotTrailingEntries: 3,
        proposalTimeoutMs: 5_000,
      });
      return { node, sm };
    }),
  );
  await Promise.all(members.map((m) => m.node.start()));
  return members;
}

async function leaderOf(
  members: { node: RaftNode; sm: ListMachine }[],
): Promise<{ node: RaftNode; sm: ListMachine }> {
  const deadline = performance.now() + 30_000; // a bound for a broken run, not a speed target
  for (;;) {
    const leader = members.find((m) => m.node.status().role === 'leader');
    if (leader !== undefined) return leader;
    if (performance.now() > deadline) throw new Error('no leader within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Proposes on whichever member leads, again on the next leader when leadership moved under load
 * (the election timeout here is short). A retried proposal may have committed the first time too,
 * so callers compare histories with consecutive repeats folded.
 */
async function proposeOnLeader(members: { node: RaftNode; sm: ListMachine }[], data: string): Promise<void> {
  const deadline = performance.now() + 30_000; // a bound for a broken run, not a speed target
  for (;;) {
    const leader = await leaderOf(members);
    try {
      await leader.node.propose(Buffer.from(data));
      return;
    } catch (err) {
      if (performance.now() > deadline) throw err;
    }
  }
}

/** The leader's state once it has applied everything committed (a ReadIndex round). */
async function appliedOnLeader(members: { node: RaftNode; sm: ListMachine }[]): Promise<string[]> {
  const deadline = performance.now() + 30_000; // a bound for a broken run, not a speed target
  for (;;) {
    const leader = await leaderOf(members);
    try {
      await leader.node.readIndex();
      return leader.sm.values.slice();
    } catch (err) {
      if (performance.now() > deadline) throw err;
    }
  }
}

function folded(values: string[]): string[] {
  return values.filter((v, i) => i === 0 || values[i - 1] !== v);
}

test('a cluster on LevelDB restarts from disk alone with its history and keeps committing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-raft-node-'));
  let members: { node: RaftNode; sm: ListMachine }[] = [];
  try {
    members = await startCluster(dir, 10);
    for (let i = 0; i < 25; i++) await proposeOnLeader(members, `v${i}`);
    const before = await appliedOnLeader(members);
    assert.deepEqual(
      folded(before),
      Array.from({ length: 25 }, (_, i) => `v${i}`),
    );
    await Promise.all(members.map((m) => m.node.stop()));

    members = await startCluster(dir, 20);
    await proposeOnLeader(members, 'after-restart');
    const after = await appliedOnLeader(members);
    assert.deepEqual(folded(after), [...folded(before), 'after-restart']);
    assert.deepEqual(after.slice(0, before.length), before);
  } finally {
    await Promise.all(members.map((m) => m.node.stop()));
    await rm(dir, { recursive: true, force: true });
  }
});
