/**
 * Each TEST-ONLY mutation must visibly break Raft: with the switch on, the bug appears; with it
 * off (production), the same schedule is safe. This proves the tests (and the simulator) can see
 * the bug class at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { figure8Leader, roundTrip } from '../../raft/fixtures.js';
import { newMessage } from '../../../src/raft/message.js';
import type { RaftMutations } from '../../../src/raft/mutations.js';

test('commitPreviousTermByCounting: a committed entry gets overwritten (Figure 8, §5.4.2)', () => {
  for (const mutated of [false, true]) {
    const c = figure8Leader(mutated ? { commitPreviousTermByCounting: true } : {});
    for (const from of ['2', '3'])
      c.node('1').raw.step(newMessage({ type: 'MsgAppResp', from, to: '1', term: 4, index: 2 }));
    const commit1 = c.node('1').raw.status().commit;
    assert.equal(commit1, mutated ? 2 : 1);
    // S1 crashes; S5 (log 1/1, 3/2) is elected by S2, S3, S4 and overwrites index 2.
    c.partition([['1'], ['2', '3', '4', '5']]);
    c.drop();
    c.electWithoutCommit('5');
    c.stabilize(['2', '3', '4', '5']);
    const overwritten = c.node('2').raw.raft.log.term(2) !== 2;
    assert.equal(overwritten, true, 'S5 legitimately replaces 2/2 on S2');
    // Safety is violated exactly when S1 had declared 2/2 committed.
    assert.equal(commit1 >= 2 && overwritten, mutated);
  }
});

test('voteBeforePersist: a crash after voting lets a node vote twice in one term → two leaders (§5.2)', () => {
  for (const mutated of [false, true]) {
    const mutations: RaftMutations = mutated ? { voteBeforePersist: true } : {};
    const c = Cluster.ofSize(3, { preVote: false, checkQuorum: false, mutations });
    c.node('1').raw.campaign();
    c.processReady('1');
    c.deliver('3', (m) => m.from === '1');
    c.drop((m) => m.to === '2');
    // 3 handles its Ready but crashes before persisting: only Ready.messages leave.
    const rd = c.node('3').raw.ready();
    c.queue.push(...rd.messages);
    c.restart('3');
    c.deliver('1');
    c.processReady('1');
    c.drop(); // 1's appends are lost: nobody learns about its leadership
    assert.equal(c.node('1').raw.raft.role === 'leader', mutated);
    // 2 campaigns in the same term and asks the restarted 3.
    c.node('2').raw.campaign();
    c.processReady('2');
    c.drop((m) => m.to === '1');
    c.deliver('3');
    c.processReady('3');
    c.deliver('2');
    c.processReady('2');
    const leaders = [...c.nodes.values()].filter(
      (n) => n.raw.raft.role === 'leader' && n.raw.raft.term === 1,
    );
    assert.equal(leaders.length, mutated ? 2 : 1);
  }
});

test('truncateOnEveryAppend: a duplicated old MsgApp deletes an acknowledged entry (§1.5 #4)', () => {
  for (const mutated of [false, true]) {
    const c = Cluster.ofSize(3, mutated ? { mutations: { truncateOnEveryAppend: true } } : {});
    c.node('1').raw.campaign();
    c.stabilize();
    c.partition([['1', '2'], ['3']]);
    c.node('1').raw.propose(bytes('a'));
    c.processReady('1');
    const stale = c.queue.find((m) => m.to === '2' && m.type === 'MsgApp');
    assert.ok(stale);
    c.deliver('2');
    c.processReady('2');
    c.node('1').raw.propose(bytes('b'));
    c.processReady('1');
    c.deliver('2');
    c.processReady('2');
    c.deliver('1');
    c.processReady('1');
    const leaderCommit = c.node('1').raw.status().commit;
    const f = c.node('2').raw.raft;
    const last = f.log.lastIndex();
    assert.equal(leaderCommit, last, '"b" is committed by 1 and 2');
    f.step(stale); // the network duplicates the old append before 2 learns the commit
    assert.equal(f.log.lastIndex() < leaderCommit, mutated, 'a committed entry vanished from 2');
  }
});

test('readIndexBeforeTermCommit: a new leader serves a stale read (thesis §6.4)', () => {
  for (const mutated of [false, true]) {
    const c = Cluster.ofSize(3, mutated ? { mutations: { readIndexBeforeTermCommit: true } } : {});
    c.node('1').raw.campaign();
    c.stabilize();
    // "a" is committed and applied by leader 1, but 2 has not learned the new commit index.
    const a = c.node('1').raw.propose(bytes('a')).index;
    roundTrip(c, '1', ['2', '3']);
    assert.deepEqual(c.appliedData('1'), ['a']);
    c.drop();
    c.electWithoutCommit('2');
    c.node('2').raw.readIndex(bytes('r'));
    // Deliver only the read round, not the new leader's appends.
    for (let i = 0; i < 5; i++) {
      for (const id of ['1', '2', '3']) c.processReady(id);
      c.deliver(undefined, (m) => m.type === 'MsgHeartbeat' || m.type === 'MsgHeartbeatResp');
    }
    const rs = c.node('2').readStates;
    if (mutated) {
      assert.equal(rs.length, 1);
      assert.ok(rs[0].index < a, `read index ${rs[0].index} misses the committed "a" at ${a}`);
    } else {
      assert.equal(rs.length, 0, 'parked until the leader commits in its term');
      c.stabilize();
      assert.ok(c.node('2').readStates[0].index > a);
    }
  }
});
