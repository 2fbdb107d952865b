import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electedCluster } from '../../raft/fixtures.js';
import { newMessage } from '../../../src/raft/message.js';

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
  c.node('3').raw.raft.step(newMessage({ type: 'MsgHup', from: '3', to: '3' }));
  c.processReady('3');
  c.drop((m) => m.to === '1');
  c.deliver('2');
  assert.equal(c.node('2').raw.raft.term, term);
  assert.equal(c.node('2').raw.raft.lead, '1');
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
