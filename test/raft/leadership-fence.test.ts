/**
 * The clock-offset guard's hook in the core (`RawNode.setLeadershipFenced`): a fenced node never
 * campaigns (not on its election timer, not on MsgTimeoutNow), a fenced leader hands over to an
 * up-to-date follower and steps down on its next tick, and lifting the fence restores it. The
 * verdict itself is made by the server (src/server/cluster/clock-guard.ts), outside the core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electedCluster } from './fixtures.js';
import { Cluster, bytes } from './harness.js';

test('a fenced follower never campaigns, however long it waits, and campaigns once unfenced', () => {
  const c = Cluster.ofSize(3);
  c.node('1').raw.setLeadershipFenced(true);
  for (let round = 0; round < 5; round++) {
    c.tickElection('1');
    c.stabilize();
  }
  assert.equal(c.node('1').raw.raft.role, 'follower');
  assert.equal(c.node('1').raw.raft.term, 0, 'no election was even attempted');
  assert.equal(c.leader(), undefined);
  c.node('1').raw.setLeadershipFenced(false);
  c.tickElection('1');
  c.stabilize();
  assert.equal(c.leader(), '1');
});

test('a fenced leader hands leadership to an up-to-date follower and steps down', () => {
  const c = electedCluster(3);
  c.node('1').raw.propose(bytes('before'));
  c.stabilize();
  c.node('1').raw.setLeadershipFenced(true);
  c.tick('1');
  assert.notEqual(c.node('1').raw.raft.role, 'leader', 'stepped down on its first tick');
  c.stabilize();
  const next = c.leader();
  assert.ok(next === '2' || next === '3', `expected 2 or 3 to lead, got ${next}`);
  c.node(next).raw.propose(bytes('after'));
  c.stabilize();
  for (const id of ['1', '2', '3']) assert.deepEqual(c.appliedData(id), ['before', 'after']);
});

test('after the leader fails, a fenced follower is never elected; the other one is', () => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const c = electedCluster(3);
    c.node('3').raw.setLeadershipFenced(true);
    c.partition([['1'], ['2', '3']]);
    // The fenced node's timer fires first (and repeatedly): still only node 2 may win.
    for (let round = 0; round < 3; round++) {
      c.tickElection('3');
      c.stabilize(['2', '3']);
    }
    assert.notEqual(c.node('3').raw.raft.role, 'leader');
    assert.notEqual(c.node('3').raw.raft.role, 'candidate');
    c.tickElection('2');
    c.stabilize(['2', '3']);
    assert.equal(c.node('2').raw.raft.role, 'leader');
    // A transfer request to the fenced node is not honoured either.
    c.node('2').raw.transferLeadership('3');
    c.stabilize(['2', '3']);
    assert.notEqual(c.node('3').raw.raft.role, 'leader');
  }
});

test('a fenced follower that stops hearing from its leader forgets it (sys/leader names no dead leader)', () => {
  const c = electedCluster(3);
  c.node('3').raw.setLeadershipFenced(true);
  assert.equal(c.node('3').raw.raft.lead, '1');
  // The leader dies; the fenced node never campaigns, but after an election timeout without a
  // word from its leader it must stop naming it (an unfenced node would campaign and do the same).
  c.partition([['1'], ['2'], ['3']]);
  c.tickElection('3');
  c.stabilize(['3']);
  assert.equal(c.node('3').raw.raft.role, 'follower');
  assert.equal(c.node('3').raw.raft.lead, '', 'the dead leader is forgotten');
  // When the next leader is elected, the fenced node names it.
  c.partition([['1'], ['2', '3']]);
  c.tickElection('2');
  c.stabilize(['2', '3']);
  assert.equal(c.node('2').raw.raft.role, 'leader');
  assert.equal(c.node('3').raw.raft.lead, '2');
});
