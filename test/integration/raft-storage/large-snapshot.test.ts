/**
 * A follower far behind catches up from a LARGE snapshot (≈ 50 MB of state, real LevelDB on every
 * member) while the cluster keeps heartbeating and committing: no election happens during the
 * build, the write and the transfer (every member's term and the leader stay the same), and the
 * follower's state afterwards is identical to the leader's, key by key.
 *
 * Before the snapshot data was staged off the driver's loop, every member wrote its ≈ 50 MB
 * snapshot inside the loop; the leader stopped heartbeating for that long and lost leadership
 * (check-quorum / a follower's election timeout).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startRaftCluster } from '../../helpers/raft/raft-cluster.js';

const valueBytes = 1024 * 1024;
const values = 50;

test(
  'a far-behind follower installs a ≈ 50 MB snapshot with no election; state identical',
  { timeout: 300_000 },
  async () => {
    const cluster = await startRaftCluster(['a', 'b', 'c'], {
      snapshotThresholdEntries: 20,
      snapshotTrailingEntries: 2,
      electionTimeoutTicks: 30,
      seed: 11,
    });
    try {
      const leader = await cluster.leader();
      const leaderId = leader.selfId();
      const follower = ['a', 'b', 'c'].find((id) => id !== leaderId)!;
      const term = leader.term();
      cluster.hub.setIsolated(follower, true);
      const written = new Map<string, Buffer>();
      for (let i = 0; i < values; i++) {
        const key = `data/big-${String(i).padStart(3, '0')}`;
        const value = randomBytes(valueBytes); // incompressible, like barrier ciphertext
        await leader.put(key, value);
        written.set(key, value);
      }
      // The leader compacted past the follower: it can only catch up from a snapshot.
      await eventually(() => leader.status().snapshotIndex > 20, 'the leader to take a snapshot', 120_000);
      cluster.hub.setIsolated(follower, false);
      const target = cluster.nodes.get(follower)!;
      // Heartbeats and commits go on during the transfer.
      for (let i = 0; i < 5; i++) await leader.put(`data/during-${i}`, Buffer.from(`during-${i}`));
      await eventually(
        () => target.indexes().applied >= leader.indexes().applied,
        'the follower to catch up',
        240_000,
      );
      for (const [id, node] of cluster.nodes) {
        assert.equal(node.term(), term, `${id}: no election during the snapshot transfer`);
        assert.equal(node.leaderId(), leaderId, `${id}: same leader`);
      }
      const keys = await leader.list('data/');
      assert.equal(keys.length, values + 5);
      assert.deepEqual(await target.list('data/'), keys);
      for (const key of keys) {
        const mine = await target.get(`data/${key}`);
        const theirs = await leader.get(`data/${key}`);
        assert.ok(
          mine !== undefined && theirs !== undefined && Buffer.from(mine).equals(Buffer.from(theirs)),
          key,
        );
      }
      for (const [key, value] of written) assert.ok(Buffer.from((await target.get(key))!).equals(value), key);
    } finally {
      await cluster.close();
    }
  },
);
