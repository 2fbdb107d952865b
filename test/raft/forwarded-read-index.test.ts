/**
 * Regression (found by the simulator's `readsMisrouted` counter, e.g. seed 67 of the first swarm):
 * a follower that receives another node's MsgReadIndex (the asker still believed it led) forwarded
 * it to its own leader as a NEW message from itself, so the leader answered the forwarder and the
 * asker never learned its read index (the read was lost until it timed out; not a safety issue).
 * etcd forwards the message unchanged (`m.To = r.lead; r.send(m)` keeps `m.From`), but our
 * cluster transport drops any message whose `from` is not the authenticated peer, so here the
 * forwarding follower wraps the asker into the context and routes the leader's answer back
 * (src/raft/read-forward.ts). Raft thesis §6.4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, bytes } from './harness.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test("a follower forwarding another node's ReadIndex keeps the asker as the sender", () => {
  const c = Cluster.ofSize(3);
  c.node('2').raw.campaign();
  c.stabilize();
  assert.equal(c.leader(), '2');
  // 3 is cut off while leadership moves from 2 to 1: 3 still believes 2 leads.
  c.partition([['1', '2'], ['3']]);
  c.node('2').raw.transferLeadership('1');
  c.stabilize(['1', '2']);
  assert.equal(c.leader(), '1');
  assert.equal(c.node('2').raw.status().leader, '1');
  assert.equal(c.node('3').raw.status().leader, '2');
  c.node('1').raw.propose(bytes('w'));
  c.stabilize(['1', '2']);
  const acknowledged = c.node('1').raw.status().commit;
  c.drop(); // whatever 1 and 2 still had for 3 is lost in the partition

  // 3 asks 2 (its stale leader); 2 forwards to 1; 1 answers 2; 2 must route it back to 3.
  c.node('3').raw.readIndex(bytes('c-read-1'));
  const rd = c.processReady('3');
  assert.ok(rd?.messages.some((m) => m.type === 'MsgReadIndex' && m.to === '2'));
  c.heal();
  c.stabilize();

  const served = c.node('3').readStates;
  assert.deepEqual(
    served.map((rs) => text(rs.requestCtx)),
    ['c-read-1'],
    'the answer must reach the node that asked',
  );
  assert.ok(served[0].index >= acknowledged, `read index ${served[0].index} < ${acknowledged}`);
  assert.equal(c.node('2').readStates.length, 0, 'the forwarder does not keep the answer');
  assert.ok(
    c.log.some((line) => line.includes('2->3 MsgReadIndexResp')),
    'the forwarder routes the answer',
  );
});
