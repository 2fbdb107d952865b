import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { electedCluster } from '../../raft/fixtures.js';
import { ArcaError } from '../../../src/lib/errors.js';

test('leadership transfers to an up-to-date follower via MsgTimeoutNow (thesis §3.10)', () => {
  const c = electedCluster();
  const term = c.node('1').raw.raft.term;
  c.node('1').raw.transferLeadership('2');
  c.stabilize();
  assert.equal(c.leader(), '2');
  assert.equal(c.node('2').raw.raft.term, term + 1);
  assert.equal(c.node('1').raw.raft.lead, '2');
});

test('a lagging transferee is caught up first, then told to campaign', () => {
  const c = electedCluster();
  c.partition([['1', '2'], ['3']]);
  c.node('1').raw.propose(bytes('a'));
  c.stabilize(['1', '2']);
  c.drop();
  c.heal();
  c.node('1').raw.transferLeadership('3');
  c.stabilize();
  assert.equal(c.leader(), '3');
  assert.deepEqual(c.appliedData('3'), ['a']);
});

test('proposals are refused while a transfer is in progress', () => {
  const c = electedCluster();
  c.partition([['1', '2'], ['3']]);
  c.node('1').raw.transferLeadership('3');
  assert.throws(
    () => c.node('1').raw.propose(bytes('x')),
    (e: unknown) => e instanceof ArcaError && e.code === 'unavailable',
  );
});

test('a transfer that does not finish within an election timeout is aborted', () => {
  const c = electedCluster();
  c.partition([['1', '2'], ['3']]);
  c.node('1').raw.transferLeadership('3');
  for (let i = 0; i < 10; i++) {
    c.tick('1');
    c.stabilize(['1', '2']);
  }
  assert.equal(c.node('1').raw.raft.leadTransferee, '');
  assert.equal(c.leader(), '1');
  c.node('1').raw.propose(bytes('ok'));
});

test('a follower forwards a transfer request to the leader; a learner cannot be the transferee', () => {
  const c = electedCluster();
  c.node('3').raw.transferLeadership('3');
  c.stabilize();
  assert.equal(c.leader(), '3');
  const d = new Cluster();
  d.addNode('1', ['1'], ['2']);
  d.addNode('2', ['1'], ['2']);
  d.node('1').raw.campaign();
  d.stabilize();
  d.node('1').raw.transferLeadership('2');
  assert.equal(d.node('1').raw.raft.leadTransferee, '');
});

test('MsgTimeoutNow overrides the leader lease of the other followers', () => {
  const c = electedCluster();
  c.node('1').raw.transferLeadership('2');
  c.stabilize();
  // 3 had just heard from 1 (inside its lease) but still voted for 2's forced campaign.
  assert.equal(c.node('3').raw.raft.lead, '2');
});
