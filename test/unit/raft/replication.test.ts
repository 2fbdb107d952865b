import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';

test('a single-node cluster elects itself and commits proposals (§5.2)', () => {
  const c = Cluster.ofSize(1);
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  assert.deepEqual(c.appliedData('1'), ['a']);
  assert.equal(c.node('1').raw.status().commit, 2);
});

test('a leader replicates and commits entries on every node (§5.3)', () => {
  const c = Cluster.ofSize(3);
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  for (const v of ['x', 'y', 'z']) c.node('1').raw.propose(bytes(v));
  c.stabilize();
  for (const id of ['1', '2', '3']) assert.deepEqual(c.appliedData(id), ['x', 'y', 'z']);
});

test('the election timer alone elects a leader (§5.2)', () => {
  const c = Cluster.ofSize(3);
  for (let i = 0; i < 40 && !c.leader(); i++) {
    for (const id of ['1', '2', '3']) c.tick(id);
    c.stabilize();
  }
  assert.ok(c.leader());
});
