/**
 * Regression (found by the simulator, seeds 699/803/1416 on raft-core 6b665a5): a follower being
 * sent snapshot S1 while the leader takes a newer snapshot S2 and compacts past S1. The follower
 * installs S1 and acknowledges index(S1), but the leader's log now starts after S1: the follower's
 * progress stays in 'snapshot' state forever (the stall retry resends the stale S1, which the
 * follower ignores as not newer than its commit). Raft-and-chaos §1.5 #8b (hashicorp/raft #212).
 * Expected: the leader notices match+1 < firstIndex and streams its latest snapshot (fixed in
 * raft-core ac81f54).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, RawNode } from '../sim/core.js';
import { SeededRng } from '../../src/lib/rng.js';
import type { Message, NodeId, Snapshot } from '../../src/raft/types.js';

interface Member {
  id: NodeId;
  raw: RawNode;
  storage: MemoryStorage;
  applied: number;
}

const ids = ['a', 'b', 'c'];
const conf = { voters: ids, learners: [] };

function member(id: NodeId, seed: number): Member {
  const snapshot: Snapshot = { meta: { index: 1, term: 1, confState: conf }, data: new Uint8Array([1]) };
  const storage = new MemoryStorage({
    hardState: { term: 1, vote: '', commit: 1 },
    confState: conf,
    snapshot,
  });
  const raw = new RawNode({
    id,
    storage,
    rng: new SeededRng(seed),
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 1,
    appliedIndex: 1,
    preVote: true,
    checkQuorum: false,
  });
  return { id, raw, storage, applied: 1 };
}

test('a follower whose snapshot was overtaken by a newer compaction still catches up', () => {
  const members = new Map(ids.map((id, i) => [id, member(id, i + 1)]));
  const queue: Message[] = [];
  const blocked = new Set<NodeId>();
  const held: Message[] = [];
  let holdSnapshots = false;
  const drain = (m: Member): void => {
    while (m.raw.hasReady()) {
      const rd = m.raw.ready();
      queue.push(...rd.messages);
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      queue.push(...rd.messagesAfterPersist);
      if (rd.snapshot) m.applied = Math.max(m.applied, rd.snapshot.meta.index);
      for (const e of rd.committedEntries) m.applied = e.index;
      m.raw.advance(rd);
    }
  };
  const settle = (): void => {
    for (let guard = 0; guard < 10_000; guard++) {
      for (const m of members.values()) drain(m);
      const msg = queue.shift();
      if (msg === undefined) return;
      if (blocked.has(msg.to) || blocked.has(msg.from)) continue;
      if (holdSnapshots && msg.type === 'MsgSnap') {
        held.push(msg);
        continue;
      }
      members.get(msg.to)!.raw.step(msg);
    }
  };
  const compact = (m: Member): void => {
    m.storage.createSnapshot(m.applied, m.raw.status().confState, new Uint8Array([m.applied & 0xff]));
    m.storage.compact(m.applied);
  };
  const a = members.get('a')!;
  const c = members.get('c')!;
  a.raw.campaign();
  settle();
  assert.equal(a.raw.status().role, 'leader');
  blocked.add('c');
  for (let i = 0; i < 10; i++) a.raw.propose(new Uint8Array([i]));
  settle();
  compact(a); // S1
  blocked.delete('c');
  holdSnapshots = true;
  for (let i = 0; i < 3 && held.length === 0; i++) {
    a.raw.tick();
    settle();
  }
  assert.ok(held.length > 0, 'the leader should start sending S1 to c');
  for (let i = 0; i < 10; i++) a.raw.propose(new Uint8Array([100 + i]));
  settle();
  compact(a); // S2: the log now starts after S1
  holdSnapshots = false;
  for (const m of held.splice(0)) members.get(m.to)!.raw.step(m);
  for (let tick = 0; tick < 200; tick++) {
    for (const m of members.values()) m.raw.tick();
    settle();
  }
  const pr = a.raw.status().progress?.['c'];
  assert.equal(
    c.raw.status().commit,
    a.raw.status().commit,
    `c must catch up via the latest snapshot (leader's progress for c: ${JSON.stringify(pr)})`,
  );
});
