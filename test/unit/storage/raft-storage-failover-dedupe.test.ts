/**
 * A forwarded request's writes carry its (client id, sequence) into the Raft log, and the dedupe
 * table is replicated state: after the leader that applied a request dies, the NEW leader still
 * recognises a retry of it and its state machine never applies it a second time — also when the
 * retry runs the request again (a read-modify-write counter would show a double apply).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RaftStorage } from '../../../src/storage/raft/raft-storage.js';
import { runAsForwarded } from '../../../src/storage/raft/write-identity.js';
import { eventually, startRaftCluster } from '../../helpers/raft/raft-cluster.js';

const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('utf8');

/** The request a standby forwards: increments `counter` (read, then write), one Raft write. */
async function increment(storage: RaftStorage): Promise<void> {
  const now = Number(text(await storage.get('counter')) ?? '0');
  await storage.put('counter', Buffer.from(String(now + 1)));
}

test('a forwarded request retried on a new leader after the old one applied it is applied once', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    const first = await c.leader();
    const firstId = first.selfId();
    await runAsForwarded('standby-1', 5, 5, () => increment(first));
    assert.equal(first.forwardedRequestApplied('standby-1', 5), true);

    // The leader dies right after applying (the standby never got the answer).
    await c.stop(firstId);
    const second = await c.leader([firstId]);
    await second.waitOwnTermApplied();
    assert.equal(second.forwardedRequestApplied('standby-1', 5), true, 'the new leader knows it');
    assert.equal(second.forwardedRequestApplied('standby-1', 6), false);

    // Even if the request runs again under its identity, the state machine refuses its write.
    await runAsForwarded('standby-1', 5, 5, () => increment(second));
    // A new request of the same standby applies normally.
    await runAsForwarded('standby-1', 6, 6, () => increment(second));
    for (const n of c.nodes.values()) {
      await eventually(() => n.status().appliedIndex >= second.status().appliedIndex, 'catch up');
      assert.equal(text(await n.get('counter')), '2', `member ${n.selfId()}: applied once each`);
    }

    // The dead leader comes back: its own state machine agrees, and so does a replay of the log.
    const back = await c.restart(firstId);
    await eventually(() => back.status().appliedIndex >= second.status().appliedIndex, 'restart catch-up');
    assert.equal(text(await back.get('counter')), '2');
    assert.equal(back.forwardedRequestApplied('standby-1', 5), true);
  } finally {
    await c.close();
  }
});

test('a request whose writes never committed before the failover runs on the new leader, once', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    const first = await c.leader();
    const firstId = first.selfId();
    // The old leader is cut off before it can commit: its proposal of seq 9 is lost.
    c.hub.setIsolated(firstId, true);
    const lost = runAsForwarded('standby-2', 9, 9, () => increment(first)).then(
      () => 'applied',
      () => 'failed',
    );
    const second = await c.leader([firstId]);
    await second.waitOwnTermApplied();
    assert.equal(second.forwardedRequestApplied('standby-2', 9), false);
    await runAsForwarded('standby-2', 9, 9, () => increment(second));
    assert.equal(await lost, 'failed');
    c.hub.setIsolated(firstId, false);
    for (const n of c.nodes.values()) {
      await eventually(() => n.status().appliedIndex >= second.status().appliedIndex, 'catch up');
      assert.equal(text(await n.get('counter')), '1', `member ${n.selfId()}`);
    }
  } finally {
    await c.close();
  }
});
