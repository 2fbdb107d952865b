import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { roundTrip } from '../../raft/fixtures.js';
import { ArcaError } from '../../../src/lib/errors.js';
import { EntryType } from '../../../src/raft/types.js';
import { decodeConfChange, encodeConfChange, nextConfState } from '../../../src/raft/membership.js';

const isCode = (code: string) => (e: unknown) => e instanceof ArcaError && e.code === code;

function leaderOf(ids: string[]): Cluster {
  const c = new Cluster();
  for (const id of ids) c.addNode(id, ids);
  c.node(ids[0]).raw.campaign();
  c.stabilize();
  return c;
}

test('conf changes round-trip through entry data', () => {
  const cc = { type: 'addLearner' as const, nodeId: 'n4', context: bytes('127.0.0.1:8201') };
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  assert.deepEqual(
    nextConfState({ voters: ['1', '2'], learners: ['3'] }, { type: 'addVoter', nodeId: '3' }),
    {
      voters: ['1', '2', '3'],
      learners: [],
    },
  );
});

test('a learner receives the log but does not vote; promoted once caught up it counts (thesis §4.2.1)', () => {
  const c = leaderOf(['1', '2', '3']);
  c.addNode('4', ['1', '2', '3'], ['4']);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize();
  assert.deepEqual(c.node('1').confState, { voters: ['1', '2', '3'], learners: ['4'] });
  c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  assert.deepEqual(c.appliedData('4'), ['a']);
  assert.equal(c.node('1').raw.status().progress?.['4']?.match, c.node('1').raw.raft.log.lastIndex());
  c.node('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' });
  c.stabilize();
  for (const id of ['1', '2', '3', '4']) assert.deepEqual(c.node(id).confState.voters, ['1', '2', '3', '4']);
  // Now 4 votes: with 2 and 3 down, 1 and 4 are not a majority of four.
  c.partition([
    ['1', '4'],
    ['2', '3'],
  ]);
  c.node('1').raw.propose(bytes('b'));
  c.stabilize(['1', '4']);
  assert.deepEqual(c.appliedData('4'), ['a'], '"b" needs 3 of 4 voters');
});

test('a learner that has not caught up cannot be promoted', () => {
  const c = leaderOf(['1', '2', '3']);
  c.addNode('4', ['1', '2', '3'], ['4']);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize(['1', '2', '3']);
  c.drop((m) => m.to === '4');
  assert.throws(
    () => c.node('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' }),
    isCode('unavailable'),
  );
});

test('at most one conf change is pending at a time (thesis §4.1)', () => {
  const c = leaderOf(['1', '2', '3']);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  assert.throws(
    () => c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '5' }),
    isCode('unavailable'),
  );
  c.stabilize();
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '5' });
});

test('a new leader accepts no conf change before committing an entry of its term (Ongaro 2015)', () => {
  const c = leaderOf(['1', '2', '3']);
  c.electWithoutCommit('2');
  assert.equal(c.node('2').raw.raft.role, 'leader');
  assert.throws(
    () => c.node('2').raw.proposeConfChange({ type: 'removeNode', nodeId: '3' }),
    isCode('unavailable'),
  );
  c.stabilize();
  c.node('2').raw.proposeConfChange({ type: 'removeNode', nodeId: '3' });
});

test('a removed leader steps down and the rest elect a new one (etcd StepDownOnRemoval)', () => {
  const c = leaderOf(['1', '2', '3']);
  c.node('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '1' });
  c.stabilize();
  assert.equal(c.node('1').raw.raft.role, 'follower');
  assert.deepEqual(c.node('2').confState.voters, ['2', '3']);
  for (let i = 0; i < 40 && !['2', '3'].includes(c.leader() ?? ''); i++) {
    c.tick('2');
    c.tick('3');
    c.stabilize(['2', '3']);
  }
  const lead = c.leader();
  assert.ok(lead === '2' || lead === '3');
  c.node(lead).raw.propose(bytes('after'));
  c.stabilize(['2', '3']);
  assert.deepEqual(c.appliedData('2'), ['after']);
});

test('removing a slow voter lets the commit index advance at once', () => {
  const c = leaderOf(['1', '2', '3']);
  c.partition([['1', '2'], ['3']]);
  c.node('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '3' });
  c.stabilize(['1', '2']);
  c.partition([['1'], ['2'], ['3']]);
  c.node('1').raw.propose(bytes('solo?'));
  c.stabilize(['1']);
  assert.deepEqual(c.appliedData('1'), [], 'two voters: 1 alone is not a majority');
});

test('the last voter cannot be removed', () => {
  const c = leaderOf(['1']);
  assert.throws(
    () => c.node('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '1' }),
    isCode('invalid_request'),
  );
});

test('a restarted node re-applies conf changes it had applied after its snapshot', () => {
  const c = leaderOf(['1', '2', '3']);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize();
  // The driver here never stored the new ConfState: the replay from the log restores it.
  c.node('2').storage.setConfState({ voters: ['1', '2', '3'], learners: [] });
  c.restart('2');
  assert.deepEqual(c.node('2').raw.status().confState, { voters: ['1', '2', '3'], learners: ['4'] });
});

test('a node joining with an empty configuration learns it from the log', () => {
  const c = leaderOf(['1', '2', '3']);
  c.addNode('4', [], []);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  c.stabilize();
  c.tick('1');
  c.stabilize();
  assert.deepEqual(c.node('4').raw.status().confState, { voters: ['1', '2', '3'], learners: ['4'] });
  c.node('1').raw.proposeConfChange({ type: 'addVoter', nodeId: '4' });
  c.stabilize();
  assert.deepEqual(c.node('4').raw.status().confState.voters, ['1', '2', '3', '4']);
  assert.equal(c.node('4').raw.raft.promotable(), true);
});

test('an old conf change applied after a newer snapshot arrived does not override its membership', () => {
  const c = leaderOf(['1', '2', '3']);
  c.node('1').raw.proposeConfChange({ type: 'addLearner', nodeId: '4' });
  roundTrip(c, '1', ['2', '3']); // commits the change and tells 2 and 3
  c.deliver('3');
  const rd = c.beginReady('3'); // an async driver starts applying "add learner 4" ...
  assert.ok(rd?.committedEntries.some((e) => e.type === EntryType.ConfChange));
  c.partition([['1', '2'], ['3']]);
  c.stabilize(['1', '2']);
  c.node('1').raw.proposeConfChange({ type: 'removeNode', nodeId: '4' });
  c.stabilize(['1', '2']);
  const leader = c.node('1');
  leader.storage.createSnapshot(leader.appliedIndex, leader.confState, bytes('state'));
  leader.storage.compact(leader.appliedIndex);
  c.drop((m) => m.to === '3');
  c.heal();
  // ... while a snapshot (without 4) arrives and is installed before that apply finishes.
  c.node('1').raw.reportUnreachable('3'); // back to probing from 3's last acknowledged index
  c.node('1').raw.propose(bytes('x'));
  c.processReady('1');
  assert.ok(c.queue.some((m) => m.to === '3' && m.type === 'MsgSnap'));
  c.deliver('3');
  assert.ok(c.node('3').raw.raft.log.hasNextOrInProgressSnapshot(), 'snapshot installed mid-apply');
  c.finishReady('3');
  c.stabilize();
  assert.deepEqual(c.node('3').raw.status().confState, { voters: ['1', '2', '3'], learners: [] });
});
