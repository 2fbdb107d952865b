/** Shared cluster set-ups for unit tests (kept out of *.test.ts so importing runs no tests). */
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../src/raft/memory-storage.js';
import { EntryType, type Entry, type HardState } from '../../src/raft/types.js';
import type { RaftMutations } from '../../src/raft/mutations.js';
import { Cluster, type NodeOptions } from './harness.js';

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array(0),
});

/** Five voters; node 1 holds [1/1, 2/2] at term 3 and becomes leader of term 4 with 2 and 3. */
export function figure8Leader(mutations: RaftMutations = {}): Cluster {
  const c = new Cluster({ preVote: false, mutations });
  const voters = ['1', '2', '3', '4', '5'];
  const log = [ent(1, 1), ent(2, 2)];
  for (const id of voters) {
    const entries = id === '5' ? [ent(1, 1), ent(2, 3)] : id === '4' ? [ent(1, 1)] : log;
    addNodeWithLog(c, id, voters, entries, { term: 3, vote: '', commit: 1 });
  }
  c.partition([
    ['1', '2', '3'],
    ['4', '5'],
  ]);
  c.node('1').raw.campaign();
  roundTrip(c, '1', ['2', '3']); // leader of term 4 persists its empty entry 4/3
  c.drop();
  assert.equal(c.node('1').raw.raft.role, 'leader');
  assert.equal(c.node('1').raw.raft.term, 4);
  return c;
}

/** Voters "1".."n" (with `opts`) after node 1 campaigned and won. */
export function electedCluster(n = 3, opts: NodeOptions = {}): Cluster {
  const c = Cluster.ofSize(n, opts);
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  return c;
}

/**
 * One exchange, step by step: `leader` handles its Ready (sends), each follower receives and
 * handles its Ready (answers), then `leader` receives the answers and handles its Ready again.
 */
export function roundTrip(c: Cluster, leader: string, followers: readonly string[]): void {
  c.processReady(leader);
  for (const id of followers) c.deliver(id);
  for (const id of followers) c.processReady(id);
  c.deliver(leader);
  c.processReady(leader);
}

/** Adds voter `id` (of `voters`) whose storage already holds `entries` and `hardState`. */
export function addNodeWithLog(
  c: Cluster,
  id: string,
  voters: string[],
  entries: Entry[],
  hardState: HardState,
): void {
  c.addNode(
    id,
    voters,
    [],
    {},
    new MemoryStorage({ confState: { voters, learners: [] }, entries, hardState }),
  );
}
