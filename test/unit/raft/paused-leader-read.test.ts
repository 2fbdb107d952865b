/**
 * Regression: a leader paused (a GC pause, a VM stall, SIGSTOP) receives no ticks and no messages,
 * so nothing tells it that it was deposed. Lease-based reads, removed from the core, answered
 * such a leader's read from its own commit index at once: index 4 after the new leader had
 * committed index 6 (a stale read). Every read must instead be confirmed by a quorum round that
 * starts after the read arrived (Raft thesis §6.4), which a deposed leader can never complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes } from '../../raft/harness.js';
import { electedCluster } from '../../raft/fixtures.js';

test('a paused old leader answers no read at an index older than the new leader’s commit', () => {
  const c = electedCluster(3, { checkQuorum: true, preVote: true });
  const oldCommit = c.node('1').raw.status().commit;
  assert.equal(oldCommit, 4, 'three membership entries and the first leader’s empty entry');

  // Node 1 stalls: no ticks, and whatever is sent to it meanwhile is lost.
  c.partition([['1'], ['2', '3']]);
  for (let i = 0; i < 40 && c.node('2').raw.raft.role !== 'leader'; i++) {
    c.tick('2');
    c.tick('3');
    c.stabilize(['2', '3']);
  }
  assert.equal(c.node('2').raw.raft.role, 'leader', 'node 2 took over while node 1 was paused');
  c.node('2').raw.propose(bytes('written-after-failover'));
  c.stabilize(['2', '3']);
  const newCommit = c.node('2').raw.status().commit;
  assert.equal(newCommit, 6, 'the new leader committed its empty entry and a write');
  assert.equal(c.node('1').raw.raft.role, 'leader', 'paused, node 1 still believes it leads');

  // Node 1 resumes; a client read reaches it before any message from the new leader does.
  c.heal();
  c.node('1').raw.readIndex(bytes('after-resume'));
  c.processReady('1');
  c.stabilize();
  for (const rs of c.node('1').readStates) {
    assert.ok(rs.index >= newCommit, `stale read: answered at ${rs.index} < ${newCommit}`);
  }
  assert.notEqual(c.node('1').raw.raft.role, 'leader', 'the read round showed node 1 it was deposed');
});
