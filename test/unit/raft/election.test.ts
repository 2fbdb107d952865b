import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { electedCluster } from '../../raft/fixtures.js';

test('a follower with a stale log does not win an election (§5.4.1)', () => {
  const c = electedCluster(3);
  c.partition([['1', '2'], ['3']]);
  c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  c.heal();
  // 3 missed entry "a": 2 rejects its (pre-)votes.
  c.partition([['2', '3'], ['1']]);
  c.tickElection('2'); // 2 forgets the leader lease
  c.node('3').raw.campaign();
  c.stabilize(['2', '3']);
  assert.notEqual(c.node('3').raw.raft.role, 'leader');
  assert.equal(c.node('2').raw.raft.vote === '3', false);
});

test('a node grants at most one vote per term, even after a restart (§5.2, Figure 2)', () => {
  const c = Cluster.ofSize(3, { preVote: false, checkQuorum: false });
  c.node('1').raw.campaign();
  c.processReady('1');
  c.deliver('3', (m) => m.from === '1');
  c.processReady('3');
  assert.equal(c.node('3').raw.raft.vote, '1');
  c.restart('3');
  assert.equal(c.node('3').raw.raft.vote, '1', 'the vote was persisted before it was sent');
  // 2 campaigns in the same term 1 (it never heard of 1's campaign).
  c.node('2').raw.campaign();
  c.processReady('2');
  c.deliver('3', (m) => m.from === '2');
  const rd = c.processReady('3');
  const resp = rd?.messagesAfterPersist.find((m) => m.type === 'MsgVoteResp');
  assert.equal(resp?.reject, true);
});

test('vote responses and vote requests wait for the persist (Ready.messagesAfterPersist)', () => {
  const c = Cluster.ofSize(3, { preVote: false });
  c.node('1').raw.campaign();
  const rd1 = c.node('1').raw.ready();
  assert.equal(rd1.messages.length, 0, 'a vote request at an unpersisted term must not leave early');
  assert.equal(rd1.messagesAfterPersist.filter((m) => m.type === 'MsgVote').length, 2);
  c.node('2').raw.step(
    rd1.messagesAfterPersist[0].to === '2' ? rd1.messagesAfterPersist[0] : rd1.messagesAfterPersist[1],
  );
  const rd2 = c.node('2').raw.ready();
  assert.deepEqual(
    rd2.messages.map((m) => m.type),
    [],
  );
  assert.deepEqual(
    rd2.messagesAfterPersist.map((m) => m.type),
    ['MsgVoteResp'],
  );
  assert.equal(rd2.hardState?.vote, '1');
});

test('a learner never campaigns', () => {
  const c = new Cluster();
  c.addNode('1', ['1'], ['2']);
  c.addNode('2', ['1'], ['2']);
  c.tickElection('2');
  c.tickElection('2');
  assert.equal(c.node('2').raw.raft.role, 'follower');
  assert.equal(c.node('2').raw.hasReady(), false);
});

test('a candidate that sees a leader of its term becomes follower (§5.2)', () => {
  const c = Cluster.ofSize(3, { preVote: false });
  c.node('1').raw.campaign();
  c.node('2').raw.campaign();
  c.stabilize();
  const leaders = [...c.nodes.values()].filter((n) => n.raw.raft.role === 'leader');
  assert.ok(leaders.length <= 1);
  for (let i = 0; i < 50 && !c.leader(); i++) {
    for (const id of ['1', '2', '3']) c.tick(id);
    c.stabilize();
  }
  assert.ok(c.leader());
});
