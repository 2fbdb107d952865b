import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { SnapshotAssembler } from '../../../src/raft/snapshot-assembler.js';
import { newMessage } from '../../../src/raft/message.js';
import type { SnapshotChunk } from '../../../src/raft/types.js';

/** Leader 1 commits `n` entries while 3 is cut off, then compacts its log past them. */
function leaderCompactedPastFollower(n: number, chunkBytes = 4): Cluster {
  const c = Cluster.ofSize(3, { snapshotChunkBytes: chunkBytes });
  c.node('1').raw.campaign();
  c.stabilize();
  c.partition([['1', '2'], ['3']]);
  for (let i = 0; i < n; i++) c.node('1').raw.propose(bytes(`v${i}`));
  c.stabilize(['1', '2']);
  c.drop();
  const leader = c.node('1');
  const appliedIndex = leader.appliedIndex;
  const stateMachine = bytes(c.appliedData('1').join(','));
  leader.storage.createSnapshot(appliedIndex, leader.confState, stateMachine);
  leader.storage.compact(appliedIndex);
  return c;
}

/** Heartbeat, then round trips until the leader has queued snapshot chunks for 3. */
function untilSnapshotQueued(c: Cluster): void {
  c.tick('1');
  for (let i = 0; i < 10; i++) {
    c.processReady('1');
    if (c.queue.some((m) => m.type === 'MsgSnap')) return;
    c.deliver('3');
    c.processReady('3');
    c.deliver('1');
  }
  assert.fail('the leader never started a snapshot');
}

test('a follower behind the compaction point receives the snapshot in chunks and installs it (§7)', () => {
  const c = leaderCompactedPastFollower(5);
  c.heal();
  c.tick('1');
  c.stabilize();
  const chunks = c.log.filter((l) => l.includes('1->3 MsgSnap'));
  assert.ok(chunks.length >= 4, `expected several chunks, got:\n${chunks.join('\n')}`);
  assert.ok(chunks.some((l) => l.endsWith('done')));
  const f = c.node('3');
  assert.equal(f.storage.snapshot().meta.index, c.node('1').storage.snapshot().meta.index);
  assert.equal(new TextDecoder().decode(f.storage.snapshot().data), 'v0,v1,v2,v3,v4');
  // Replication resumes after the snapshot.
  c.node('1').raw.propose(bytes('after'));
  c.stabilize();
  assert.deepEqual(c.appliedData('3'), ['after']);
  assert.equal(c.node('1').raw.status().progress?.['3']?.state, 'replicate');
});

test('a lost chunk is re-sent from the offset the follower reports', () => {
  const c = leaderCompactedPastFollower(5);
  c.heal();
  untilSnapshotQueued(c);
  // Lose the second chunk.
  const snaps = c.queue.filter((m) => m.type === 'MsgSnap');
  assert.ok(snaps.length >= 2);
  c.queue = c.queue.filter((m) => m !== snaps[1]);
  c.stabilize();
  assert.ok(c.log.some((l) => l.includes('3->1 MsgSnapResp') && l.includes('Rejected')));
  assert.equal(c.node('3').storage.snapshot().meta.index, c.node('1').storage.snapshot().meta.index);
});

test('a stalled snapshot stream restarts after an election timeout of silence', () => {
  const c = leaderCompactedPastFollower(5);
  c.heal();
  untilSnapshotQueued(c);
  assert.ok(c.drop((m) => m.type === 'MsgSnap').length > 0); // the whole window is lost
  for (let i = 0; i < 12; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.node('3').storage.snapshot().meta.index, c.node('1').storage.snapshot().meta.index);
});

test('a snapshot not newer than the commit index is ignored (raft-and-chaos §1.5 #9)', () => {
  const c = Cluster.ofSize(2);
  c.node('1').raw.campaign();
  c.stabilize();
  for (const v of ['a', 'b', 'c']) c.node('1').raw.propose(bytes(v));
  c.stabilize();
  const f = c.node('2').raw;
  const committed = f.status().commit;
  const chunk: SnapshotChunk = {
    meta: { index: 2, term: 1, confState: { voters: ['1', '2'], learners: [] } },
    transferId: 1,
    offset: 0,
    totalBytes: 1,
    data: bytes('x'),
    done: true,
  };
  f.step(newMessage({ type: 'MsgSnap', from: '1', to: '2', term: f.raft.term, snapshot: chunk }));
  assert.equal(f.raft.log.hasNextOrInProgressSnapshot(), false);
  const rd = f.ready();
  assert.deepEqual(
    rd.messagesAfterPersist.map((m) => [m.type, m.index]),
    [['MsgAppResp', committed]],
  );
});

test('the chunk assembler accepts only in-order chunks and bounds the size', () => {
  const meta = { index: 9, term: 2, confState: { voters: ['1'], learners: [] } };
  const a = new SnapshotAssembler(10);
  const sender = { from: '2', term: 2 };
  const chunk = (offset: number, s: string, done: boolean, totalBytes = 6): SnapshotChunk => ({
    meta,
    transferId: 1,
    offset,
    totalBytes,
    data: bytes(s),
    done,
  });
  assert.deepEqual(a.accept(chunk(2, 'cd', false), sender), { kind: 'retry', expectedOffset: 0 });
  assert.deepEqual(a.accept(chunk(0, 'ab', false), sender), { kind: 'progress', receivedBytes: 2 });
  assert.deepEqual(a.accept(chunk(4, 'ef', true), sender), { kind: 'retry', expectedOffset: 2 });
  assert.deepEqual(a.accept(chunk(2, 'cd', false), sender), { kind: 'progress', receivedBytes: 4 });
  const done = a.accept(chunk(4, 'ef', true), sender);
  assert.equal(done.kind, 'complete');
  if (done.kind === 'complete') assert.equal(new TextDecoder().decode(done.snapshot.data), 'abcdef');
  assert.deepEqual(a.accept(chunk(0, 'ab', false, 11), sender), { kind: 'invalid' }, 'over the size bound');
  assert.deepEqual(a.accept(chunk(0, 'abc', true, 6), sender), { kind: 'invalid' }, 'done before totalBytes');
});

test('chunks of two transfers with equal index, term and size are never assembled into one snapshot', () => {
  // Two leaders (or one leader's two transfers) may stream different bytes for the same snapshot
  // index and term: the follower used to match chunks by (index, term, size) only and spliced
  // the first half of one onto the second half of the other.
  const meta = { index: 9, term: 2, confState: { voters: ['1', '2', '3'], learners: [] } };
  const chunk = (transferId: number, offset: number, s: string): SnapshotChunk => ({
    meta,
    transferId,
    offset,
    totalBytes: 6,
    data: bytes(s),
    done: offset + s.length === 6,
  });
  const oldLeader = { from: '1', term: 3 };
  const newLeader = { from: '3', term: 4 };
  const text = (o: ReturnType<SnapshotAssembler['accept']>): string | undefined =>
    o.kind === 'complete' ? new TextDecoder().decode(o.snapshot.data) : undefined;

  // Interleaved senders: each second half reaches an assembly started by the other sender.
  const a = new SnapshotAssembler(100);
  assert.equal(a.accept(chunk(1, 0, 'aaa'), oldLeader).kind, 'progress');
  assert.equal(a.accept(chunk(1, 0, 'bbb'), newLeader).kind, 'progress');
  assert.deepEqual(a.accept(chunk(1, 3, 'AAA'), oldLeader), { kind: 'retry', expectedOffset: 0 });
  assert.equal(text(a.accept(chunk(1, 3, 'BBB'), newLeader)), 'bbbBBB');

  const b = new SnapshotAssembler(100);
  assert.equal(b.accept(chunk(1, 0, 'aaa'), oldLeader).kind, 'progress');
  assert.deepEqual(b.accept(chunk(1, 3, 'BBB'), newLeader), { kind: 'retry', expectedOffset: 0 });
  assert.equal(text(b.accept(chunk(1, 3, 'AAA'), oldLeader)), 'aaaAAA');

  // One sender, one term, two transfers (restarted after a stall): the transfer id tells them apart,
  // and a delayed first chunk of the earlier transfer does not restart the later one.
  const c = new SnapshotAssembler(100);
  assert.equal(c.accept(chunk(1, 0, 'xxx'), oldLeader).kind, 'progress');
  assert.equal(c.accept(chunk(2, 0, 'yyy'), oldLeader).kind, 'progress');
  assert.deepEqual(c.accept(chunk(1, 3, 'XXX'), oldLeader), { kind: 'retry', expectedOffset: 0 });
  assert.deepEqual(c.accept(chunk(1, 0, 'xxx'), oldLeader), { kind: 'invalid' });
  assert.equal(text(c.accept(chunk(2, 3, 'YYY'), oldLeader)), 'yyyYYY');
});

test('a restarted node recovers from its snapshot and log', () => {
  const c = leaderCompactedPastFollower(3);
  c.heal();
  c.tick('1');
  c.stabilize();
  c.node('1').raw.propose(bytes('x'));
  c.stabilize();
  c.restart('3');
  assert.equal(c.node('3').raw.status().commit, c.node('1').raw.status().commit);
  c.node('1').raw.propose(bytes('y'));
  c.stabilize();
  assert.deepEqual(c.appliedData('3'), ['x', 'y']);
});

test('a follower that installed a snapshot while the leader compacted further gets a newer one', () => {
  const c = leaderCompactedPastFollower(3);
  c.heal();
  untilSnapshotQueued(c);
  // While the first snapshot is in flight, the leader commits more and compacts past it.
  c.partition([['1', '2'], ['3']]);
  const held = c.drop((m) => m.to === '3');
  for (const v of ['m', 'n']) c.node('1').raw.propose(bytes(v));
  c.stabilize(['1', '2']);
  const leader = c.node('1');
  leader.storage.createSnapshot(leader.appliedIndex, leader.confState, bytes('newer'));
  leader.storage.compact(leader.appliedIndex);
  c.heal();
  c.queue.push(...held);
  for (let i = 0; i < 5; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.node('3').storage.snapshot().meta.index, leader.storage.snapshot().meta.index);
  assert.equal(c.node('1').raw.status().progress?.['3']?.state, 'replicate');
});

test('a joiner that refused an older snapshot (not naming it) gets the newer one the leader took after adding it (regression)', () => {
  // The leader pinned its stream to the snapshot it had when the joiner appeared; the joiner
  // refuses a snapshot whose membership does not name it, and the leader kept re-sending that same
  // snapshot forever, even after taking a newer one that names the joiner: it never caught up.
  const c = Cluster.ofSize(3, { snapshotChunkBytes: 4 });
  c.node('1').raw.campaign();
  c.stabilize();
  for (let i = 0; i < 5; i++) c.node('1').raw.propose(bytes(`v${i}`));
  c.stabilize();
  const leader = c.node('1');
  leader.storage.createSnapshot(
    leader.appliedIndex,
    structuredClone(leader.confState),
    bytes(c.appliedData('1').join(',')),
  );
  leader.storage.compact(leader.appliedIndex);
  c.addNode('4', [], []);
  leader.raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize();
  // The harness folds applied conf changes into the stored snapshot's ConfState; the production
  // driver (node.ts) does not: a snapshot's membership is the one at its index.
  leader.storage.setConfState({ voters: ['1', '2', '3'], learners: [] });
  const oldSnapshot = leader.storage.snapshot().meta.index;
  for (let i = 0; i < 3; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.ok(
    c.log.some((l) => l.includes('1->4 MsgSnap')),
    'the old snapshot was streamed',
  );
  assert.equal(c.node('4').storage.snapshot().meta.index, 0, 'and refused');
  assert.ok(oldSnapshot < leader.appliedIndex);
  // The driver takes a snapshot after a member is added; it names the joiner.
  assert.deepEqual(leader.confState.learners, ['4']);
  leader.storage.createSnapshot(
    leader.appliedIndex,
    structuredClone(leader.confState),
    bytes(c.appliedData('1').join(',')),
  );
  leader.storage.compact(leader.appliedIndex);
  for (let i = 0; i < 3 * 10; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.node('4').storage.snapshot().meta.index, leader.appliedIndex);
  leader.raw.propose(bytes('after'));
  c.stabilize();
  assert.deepEqual(c.appliedData('4'), ['after']);
});
