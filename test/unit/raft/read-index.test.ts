import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from '../../raft/harness.js';
import { electedCluster } from '../../raft/fixtures.js';
import { newMessage } from '../../../src/raft/message.js';
import {
  forwardedReadContextBytesMax,
  unwrapForwardedReadContext,
  wrapForwardedReadContext,
} from '../../../src/raft/read-forward.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('a read is answered after one heartbeat round confirms leadership (thesis §6.4)', () => {
  const c = electedCluster();
  c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  c.node('1').raw.readIndex(bytes('r1'));
  const rd = c.processReady('1');
  assert.equal(rd?.readStates.length, 0, 'not before the quorum round');
  assert.ok(rd?.messages.some((m) => m.type === 'MsgHeartbeat' && m.context));
  c.stabilize();
  const rs = c.node('1').readStates;
  assert.equal(rs.length, 1);
  assert.equal(text(rs[0].requestCtx), 'r1');
  assert.equal(rs[0].index, c.node('1').raw.status().commit);
});

test('many reads share one heartbeat round (batching)', () => {
  const c = electedCluster();
  for (let i = 0; i < 5; i++) c.node('1').raw.readIndex(bytes(`r${i}`));
  const rd = c.processReady('1');
  assert.equal(rd?.messages.filter((m) => m.type === 'MsgHeartbeat').length, 2, 'one heartbeat per follower');
  c.stabilize();
  assert.deepEqual(
    c.node('1').readStates.map((r) => text(r.requestCtx)),
    ['r0', 'r1', 'r2', 'r3', 'r4'],
  );
});

test('duplicate client contexts are each answered once (etcd-io/raft #397)', () => {
  const c = electedCluster();
  c.node('1').raw.readIndex(bytes('same'));
  c.processReady('1');
  c.node('1').raw.readIndex(bytes('same'));
  c.stabilize();
  assert.equal(c.node('1').readStates.length, 2);
});

test('an isolated leader answers no read', () => {
  const c = electedCluster();
  c.partition([['1'], ['2', '3']]);
  c.node('1').raw.readIndex(bytes('r'));
  c.stabilize(['1']);
  assert.equal(c.node('1').readStates.length, 0);
});

test('a new leader serves no read until it has committed an entry of its term', () => {
  const c = electedCluster();
  c.electWithoutCommit('2');
  assert.equal(c.node('2').raw.raft.role, 'leader');
  c.node('2').raw.readIndex(bytes('early'));
  c.processReady('2');
  assert.equal(c.node('2').readStates.length, 0);
  assert.equal(c.node('2').raw.raft.pendingReadIndexMessages.length, 1, 'parked, not served');
  c.stabilize();
  assert.equal(c.node('2').readStates.length, 1);
  assert.ok(c.node('2').readStates[0].index >= 2);
});

test('a follower forwards reads to the leader and gets the read index back', () => {
  const c = electedCluster();
  c.node('1').raw.propose(bytes('a'));
  c.stabilize();
  c.node('3').raw.readIndex(bytes('f'));
  c.stabilize();
  const rs = c.node('3').readStates;
  assert.equal(rs.length, 1);
  assert.equal(rs[0].index, c.node('1').raw.status().commit);
});

test('a follower without a leader drops the read (the driver retries)', () => {
  const c = Cluster.ofSize(3);
  c.node('2').raw.readIndex(bytes('x'));
  c.stabilize();
  assert.equal(c.node('2').readStates.length, 0);
});

test('a single voter answers reads at once', () => {
  const c = electedCluster(1);
  c.node('1').raw.readIndex(bytes('s'));
  assert.equal(c.processReady('1')?.readStates.length, 1);
});

test('a single voter parks a read until its entry of the new term is persisted and committed (thesis §6.4)', () => {
  const c = Cluster.ofSize(1);
  c.node('1').raw.campaign();
  const first = c.beginReady('1'); // leader; its empty entry is being persisted
  assert.ok(first && first.entries.length > 0);
  c.node('1').raw.readIndex(bytes('early'));
  assert.equal(c.node('1').raw.raft.pendingReadIndexMessages.length, 1, 'parked, not served');
  c.finishReady('1');
  c.stabilize();
  const rs = c.node('1').readStates;
  assert.equal(rs.length, 1);
  assert.equal(rs[0].index, first.entries[first.entries.length - 1].index);
});

test('a follower serves its own read whatever bytes the client chose (no ambiguity with forwarding)', () => {
  const c = electedCluster();
  const lookalike = wrapForwardedReadContext('1', bytes('x'));
  assert.ok(lookalike);
  c.node('3').raw.readIndex(lookalike);
  c.stabilize();
  assert.equal(c.node('3').readStates.length, 1);
  assert.deepEqual(c.node('3').readStates[0].requestCtx, lookalike);
  assert.equal(c.node('1').readStates.length, 0);
});

test('a MsgReadIndexResp whose context no follower produced is dropped', () => {
  const c = electedCluster();
  const term = c.node('1').raw.status().term;
  for (const context of [bytes('plain'), new Uint8Array([0xa5, 9, 0x33]), new Uint8Array(0)]) {
    c.node('3').raw.step(
      newMessage({ type: 'MsgReadIndexResp', from: '1', to: '3', term, index: 5, context }),
    );
  }
  c.stabilize();
  assert.equal(c.node('3').readStates.length, 0);
});

test('a forwarded read context is bounded (a chain of stale leader hints cannot grow it forever)', () => {
  assert.equal(wrapForwardedReadContext('', bytes('x')), undefined, 'an asker must be named');
  const near = new Uint8Array(forwardedReadContextBytesMax - 3);
  assert.ok(wrapForwardedReadContext('a', near));
  assert.equal(wrapForwardedReadContext('a', new Uint8Array(forwardedReadContextBytesMax)), undefined);
  const wrapped = wrapForwardedReadContext('n-2', bytes('ctx'));
  assert.deepEqual(unwrapForwardedReadContext(wrapped), { asker: 'n-2', requestCtx: bytes('ctx') });
});
