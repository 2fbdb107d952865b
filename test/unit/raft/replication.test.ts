import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';

test('a single-node cluster elects itself and commits proposals (§5.2)', () => {
  const c = Cluster.ofSize(1);
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  const { index } = c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  assert.deepEqual(c.appliedData('1'), ['a']);
  assert.equal(c.node('1').raw.status().commit, index);
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

import { newMessage } from '../../../src/raft/message.js';
import { EntryType, type Entry } from '../../../src/raft/types.js';
import { addNodeWithLog, figure8Leader } from '../../raft/fixtures.js';
import { ArcaError } from '../../../src/lib/errors.js';

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: bytes(''),
});

test('a leader never commits an entry of an earlier term by counting replicas (§5.4.2, Figure 8)', () => {
  const c = figure8Leader();
  const ack = (from: string) => newMessage({ type: 'MsgAppResp', from, to: '1', term: 4, index: 2 });
  c.node('1').raw.step(ack('2'));
  c.node('1').raw.step(ack('3'));
  assert.equal(c.node('1').raw.status().commit, 1, 'entry 2/2 is on a majority but is not committed');
  c.node('1').raw.step(newMessage({ type: 'MsgAppResp', from: '2', to: '1', term: 4, index: 3 }));
  assert.equal(c.node('1').raw.status().commit, 1, 'two of five hold 4/3');
  c.node('1').raw.step(newMessage({ type: 'MsgAppResp', from: '3', to: '1', term: 4, index: 3 }));
  assert.equal(c.node('1').raw.status().commit, 3, 'committing 4/3 commits 2/2 indirectly');
});

test('a rejected append skips back a whole term per round trip (§5.3 optimisation)', () => {
  const c = new Cluster({ preVote: false });
  const voters = ['1', '2', '3'];
  const leaderLog = [1, 1, 1, 4, 4, 4, 4].map((t, i) => ent(i + 1, t));
  const staleLog = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3].map((t, i) => ent(i + 1, t));
  addNodeWithLog(c, '1', voters, leaderLog, { term: 4, vote: '', commit: 3 });
  addNodeWithLog(c, '2', voters, leaderLog, { term: 4, vote: '', commit: 3 });
  addNodeWithLog(c, '3', voters, staleLog, { term: 3, vote: '', commit: 3 });
  c.node('1').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '1');
  const rejections = c.log.filter(
    (l) => l.includes('2->1') === false && l.includes('3->1 MsgAppResp') && l.includes('Rejected'),
  );
  assert.ok(rejections.length <= 2, `took ${rejections.length} rejections:\n${rejections.join('\n')}`);
  assert.equal(c.node('3').raw.raft.log.lastIndex(), 8);
  assert.equal(c.node('3').raw.raft.log.term(7), 4);
});

test('a follower in replicate state gets at most maxInflightMsgs unacknowledged appends (flow control)', () => {
  const c = Cluster.ofSize(3, { maxInflightMsgs: 2 });
  c.node('1').raw.campaign();
  c.stabilize();
  c.partition([['1', '2'], ['3']]);
  for (let i = 0; i < 6; i++) {
    c.node('1').raw.propose(bytes(`p${i}`));
    c.processReady('1');
  }
  const toThree = c.queue.filter((m) => m.to === '3' && m.type === 'MsgApp');
  assert.equal(toThree.length, 2);
  c.heal();
  c.stabilize();
  assert.equal(c.appliedData('3').length, 6, 'the follower catches up once acks flow');
});

test('appends are batched up to maxSizePerMsgBytes', () => {
  const c = Cluster.ofSize(2, { maxSizePerMsgBytes: 10 });
  c.node('1').raw.campaign();
  c.stabilize();
  c.partition([['1'], ['2']]);
  c.node('1').raw.propose(bytes('aaaaaa'));
  c.processReady('1');
  c.drop();
  for (let i = 0; i < 4; i++) c.node('1').raw.propose(bytes('bbbbbb'));
  c.heal();
  c.node('1').raw.reportUnreachable('2');
  c.stabilize();
  c.tick('1'); // the heartbeat response restarts probing
  c.stabilize();
  const apps = c.log.filter((l) => l.includes('1->2 MsgApp') && l.includes('Entries'));
  for (const l of apps) assert.ok((l.match(/"b+"/g) ?? []).length <= 2, l);
  assert.equal(c.appliedData('2').length, 5);
});

test('proposals are refused once the uncommitted bytes bound is hit (quorum lost)', () => {
  const c = Cluster.ofSize(3, { maxUncommittedEntriesBytes: 10 });
  c.node('1').raw.campaign();
  c.stabilize();
  c.partition([['1'], ['2', '3']]);
  c.node('1').raw.propose(bytes('123456'));
  assert.throws(
    () => c.node('1').raw.propose(bytes('123456')),
    (e: unknown) => e instanceof ArcaError && e.code === 'unavailable',
  );
  c.heal();
  c.stabilize();
  c.node('1').raw.propose(bytes('123456')); // committed entries free the budget
});

test('followers and candidates refuse proposals with not_leader', () => {
  const c = Cluster.ofSize(3);
  assert.throws(
    () => c.node('2').raw.propose(bytes('x')),
    (e: unknown) => e instanceof ArcaError && e.code === 'not_leader',
  );
});

test('stale, malformed and unknown-sender messages are ignored without throwing', () => {
  const c = Cluster.ofSize(3);
  c.node('1').raw.campaign();
  c.stabilize();
  const raw = c.node('1').raw;
  const term = raw.raft.term;
  raw.step(newMessage({ type: 'MsgAppResp', from: '9', to: '1', term, index: 100 }));
  raw.step(newMessage({ type: 'MsgAppResp', from: '2', to: '1', term: term - 1, index: 100 }));
  raw.step(newMessage({ type: 'MsgApp', from: '2', to: '1', term: -1 }));
  raw.step(newMessage({ type: 'MsgApp', from: '2', to: '1', term, index: 1, entries: [ent(5, term)] }));
  raw.step(newMessage({ type: 'MsgAppResp', from: '2', to: '3', term, index: 99 })); // misrouted
  raw.step(newMessage({ type: 'MsgAppResp', from: '2', to: '1', term, index: 1e6 })); // beyond our log
  raw.step(newMessage({ type: 'MsgHeartbeatResp', from: '7', to: '1', term }));
  raw.step(newMessage({ type: 'MsgSnapResp', from: '2', to: '1', term, index: 4 }));
  c.node('2').raw.step(newMessage({ type: 'MsgHeartbeat', from: '1', to: '2', term, commit: 1e9 }));
  c.node('2').raw.step(newMessage({ type: 'MsgSnap', from: '1', to: '2', term }));
  const badChunk = { meta: { index: 5, term: 1 }, offset: 0, totalBytes: 1, data: bytes('x'), done: true };
  c.node('2').raw.step({
    ...newMessage({ type: 'MsgSnap', from: '1', to: '2', term }),
    snapshot: badChunk,
  } as never);
  c.node('2').raw.step({
    ...newMessage({ type: 'MsgHeartbeat', from: '1', to: '2', term }),
    context: 'x',
  } as never);
  assert.equal(raw.raft.role, 'leader');
  assert.equal(raw.status().progress?.['2']?.match, raw.raft.log.lastIndex());
  c.stabilize();
  c.node('1').raw.propose(bytes('ok'));
  c.stabilize();
  assert.deepEqual(c.appliedData('2'), ['ok']);
});

test('a batch of proposals is appended and replicated as one (group commit)', () => {
  const c = Cluster.ofSize(3);
  c.node('1').raw.campaign();
  c.stabilize();
  const r = c.node('1').raw.proposeBatch([bytes('a'), bytes('b'), bytes('c')]);
  assert.equal(r.lastIndex - r.firstIndex, 2);
  const rd = c.processReady('1');
  assert.equal(rd?.messages.filter((m) => m.type === 'MsgApp').length, 2, 'one MsgApp per follower');
  c.stabilize();
  assert.deepEqual(c.appliedData('3'), ['a', 'b', 'c']);
});

test('a single voter commits its entry only after persisting it (etcd #14370)', () => {
  const c = Cluster.ofSize(1);
  c.node('1').raw.campaign();
  c.stabilize();
  const raw = c.node('1').raw;
  const { index } = raw.propose(bytes('w'));
  const rd1 = raw.ready();
  assert.deepEqual(
    rd1.entries.map((e) => e.index),
    [index],
  );
  assert.equal(
    rd1.committedEntries.some((e) => e.index === index),
    false,
    'not handed out for apply in the same Ready that persists it',
  );
  assert.ok((rd1.hardState?.commit ?? raw.status().commit) < index);
  c.node('1').storage.append(rd1.entries);
  raw.advance(rd1);
  const rd2 = raw.ready();
  assert.equal(rd2.hardState?.commit, index);
  assert.deepEqual(
    rd2.committedEntries.map((e) => e.index),
    [index],
  );
  raw.advance(rd2);
});

test('committed entries are handed out in size-bounded Readys', () => {
  const c = Cluster.ofSize(1, { maxCommittedSizePerReadyBytes: 4 });
  c.node('1').raw.campaign();
  c.stabilize();
  c.node('1').raw.proposeBatch([bytes('aaaa'), bytes('bbbb'), bytes('cccc')]);
  const sizes: number[] = [];
  for (let rd = c.processReady('1'); rd; rd = c.processReady('1')) {
    if (rd.committedEntries.length > 0) sizes.push(rd.committedEntries.length);
  }
  assert.deepEqual(sizes, [1, 1, 1]);
  assert.deepEqual(c.appliedData('1'), ['aaaa', 'bbbb', 'cccc']);
});

test('no new Ready is offered until the previous one is advanced', () => {
  const c = Cluster.ofSize(1);
  const raw = c.node('1').raw;
  raw.campaign();
  const rd = raw.ready();
  raw.propose(bytes('during persist'));
  assert.equal(raw.hasReady(), false);
  assert.throws(() => raw.ready());
  c.node('1').storage.append(rd.entries);
  if (rd.hardState) c.node('1').storage.setHardState(rd.hardState);
  raw.advance(rd);
  assert.equal(raw.hasReady(), true);
});
