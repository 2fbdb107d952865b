/**
 * A follower far behind catches up from a LARGE snapshot (≈ 50 MB of state, real LevelDB on every
 * member) while the cluster keeps heartbeating and committing: no election happens while the
 * snapshot is sent and installed (every member's term and the leader stay the same), and the
 * follower's state afterwards is identical to the leader's, key by key. The snapshot travels as a
 * stream of chunks into the follower's on-disk staging area (snapshot-stream.ts), and heartbeats
 * keep arriving between its chunks (counted on the follower's transport, ordered by events).
 *
 * The fill phase retries a write that lost leadership: on a loaded CI box a synced 1 MiB entry can
 * outlast an election timeout, which is not what this test is about. That the snapshot's own
 * write no longer stalls the driver is proven deterministically by
 * test/raft/node-snapshot-off-loop.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isArcaError } from '../../../src/lib/errors.js';
import type { Message } from '../../../src/raft/types.js';
import { eventually, startRaftCluster, type RaftCluster } from '../../helpers/raft/raft-cluster.js';

const valueBytes = 1024 * 1024;
const values = 50;

/** Writes on whichever member leads, again on the next one when leadership moved (bounded). */
async function putOnLeader(cluster: RaftCluster, key: string, value: Uint8Array): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (await cluster.leader()).put(key, value);
    } catch (err) {
      if (attempt >= 20 || !isArcaError(err) || err.code !== 'not_leader') throw err;
    }
  }
}

test(
  'a far-behind follower installs a ≈ 50 MB snapshot with no election; state identical',
  { timeout: 300_000 },
  async () => {
    // What reaches the isolated follower, in order: stream chunks and heartbeats.
    const timeline: string[] = [];
    let follower = '';
    const cluster = await startRaftCluster(['a', 'b', 'c'], {
      snapshotThresholdEntries: 20,
      snapshotTrailingEntries: 2,
      electionTimeoutTicks: 100,
      seed: 11,
      onDelivered: (id: string, message: Message) => {
        if (id !== follower) return;
        if (message.type === 'MsgHeartbeat') timeline.push('heartbeat');
        else if (message.type === 'MsgSnap') timeline.push(message.snapshot?.done ? 'last-chunk' : 'chunk');
      },
      onSnapshotStream: (id, event) => {
        if (id === follower && event.kind !== 'received') timeline.push(`stream-${event.kind}`);
      },
    });
    try {
      const first = await cluster.leader();
      follower = ['a', 'b', 'c'].find((id) => id !== first.selfId())!;
      cluster.hub.setIsolated(follower, true);
      const written = new Map<string, Buffer>();
      for (let i = 0; i < values; i++) {
        const key = `data/big-${String(i).padStart(3, '0')}`;
        const value = randomBytes(valueBytes); // incompressible, like barrier ciphertext
        await putOnLeader(cluster, key, value);
        written.set(key, value);
      }
      // The connected members compacted past the follower: it can only catch up from a snapshot.
      await eventually(
        () =>
          [...cluster.nodes.entries()].every(([id, n]) => id === follower || n.status().snapshotIndex > 20),
        'the connected members to take a snapshot',
        120_000,
      );
      const leader = await cluster.leader([follower]);
      const leaderId = leader.selfId();
      const term = leader.term();
      cluster.hub.setIsolated(follower, false);
      const target = cluster.nodes.get(follower)!;
      // Heartbeats and commits go on during the transfer.
      for (let i = 0; i < 5; i++) await leader.put(`data/during-${i}`, Buffer.from(`during-${i}`));
      await eventually(
        () => target.indexes().applied >= leader.indexes().applied,
        'the follower to catch up',
        240_000,
      );
      // The snapshot came as a stream of many chunks, with heartbeats arriving between them, and
      // was installed from the staging area.
      const firstChunk = timeline.indexOf('chunk');
      const lastChunk = timeline.lastIndexOf('last-chunk');
      assert.ok(firstChunk >= 0 && lastChunk > firstChunk, `streamed: ${timeline.slice(0, 10).join(',')}`);
      const during = timeline.slice(firstChunk, lastChunk);
      assert.ok(during.filter((e) => e === 'chunk').length >= values / 2, 'the snapshot came in chunks');
      assert.ok(during.includes('heartbeat'), 'heartbeats arrived while the snapshot was streaming');
      assert.ok(timeline.indexOf('stream-complete') > lastChunk, 'installed once complete');
      assert.equal(timeline.includes('stream-failed'), false);
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
