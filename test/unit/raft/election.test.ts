import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';

function electedCluster(n: number, opts = {}): Cluster {
  const c = Cluster.ofSize(n, opts);
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  return c;
}

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

test('pre-vote: a partitioned node does not inflate its term (thesis §9.6)', () => {
  const c = electedCluster(3);
  const term = c.node('1').raw.raft.term;
  c.partition([['1', '2'], ['3']]);
  for (let i = 0; i < 5; i++) {
    c.tickElection('3');
    c.stabilize();
  }
  assert.equal(c.node('3').raw.raft.term, term, 'pre-candidates never bump their term');
  c.heal();
  for (let i = 0; i < 3; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.leader(), '1');
  assert.equal(c.node('1').raw.raft.term, term, 'the healthy leader was not deposed');
  assert.equal(c.node('3').raw.raft.lead, '1');
});

test('without pre-vote a rejoining node with a higher term disrupts the leader (Vault #14153)', () => {
  const c = electedCluster(3, { preVote: false, checkQuorum: false });
  const term = c.node('1').raw.raft.term;
  c.partition([['1', '2'], ['3']]);
  c.tickElection('3');
  c.stabilize();
  assert.ok(c.node('3').raw.raft.term > term);
  c.heal();
  c.tickElection('3'); // 3 campaigns again, now reachable
  c.stabilize();
  assert.ok(c.node('1').raw.raft.term > term, 'the old leader saw a higher term and stepped down');
});

test('check-quorum: an isolated leader steps down after an election timeout (§6.2, etcd CheckQuorum)', () => {
  const c = electedCluster(3);
  c.partition([['1'], ['2', '3']]);
  for (let i = 0; i < 25; i++) {
    c.tick('1');
    c.stabilize(['1']);
  }
  assert.equal(c.node('1').raw.raft.role, 'follower');
});

test('leader lease: a follower that heard from the leader ignores vote requests (thesis §4.2.3)', () => {
  const c = electedCluster(3);
  const term = c.node('2').raw.raft.term;
  // 3 campaigns without pre-vote (a misconfigured or buggy node): 2 ignores it within the lease.
  c.node('3').raw.raft.step({
    type: 'MsgHup',
    from: '3',
    to: '3',
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  });
  c.processReady('3');
  c.drop((m) => m.to === '1');
  c.deliver('2');
  assert.equal(c.node('2').raw.raft.term, term);
  assert.equal(c.node('2').raw.raft.lead, '1');
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

test('a restarted follower does not depose a healthy leader (thesis §9.6, raft-and-chaos §6 #14)', () => {
  const c = electedCluster(3);
  const term = c.node('1').raw.raft.term;
  c.restart('3');
  // 3 lost its volatile leader knowledge; its election timer fires before the next heartbeat.
  c.tickElection('3');
  c.stabilize();
  assert.equal(c.leader(), '1');
  assert.equal(c.node('1').raw.raft.term, term);
  c.tick('1');
  c.stabilize();
  assert.equal(c.node('3').raw.raft.lead, '1');
  assert.equal(c.node('3').raw.raft.term, term);
});
