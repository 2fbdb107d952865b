/**
 * Operator restore in bounded steps (RaftStorage.restoreSnapshot): a snapshot several entries
 * large is verified whole, proposed as begin / parts / commit, and switched to atomically on every
 * member; a restore cut short after some parts leaves the old data set live everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startRaftCluster, type RaftCluster } from '../../helpers/raft/raft-cluster.js';
import type { RaftStorage } from '../../../src/storage/raft/raft-storage.js';

const valueBytes = 256 * 1024;

async function saved(node: RaftStorage): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of node.saveSnapshot()) parts.push(part);
  return Buffer.concat(parts);
}

/** Fills `count` random values under `prefix`; returns them by key. */
async function fill(c: RaftCluster, prefix: string, count: number): Promise<Map<string, Buffer>> {
  const written = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const value = randomBytes(valueBytes);
    await (await c.leader()).put(`${prefix}${i}`, value);
    written.set(`${prefix}${i}`, value);
  }
  return written;
}

test(
  'a multi-entry restore replaces the data set on every member at once',
  { timeout: 120_000 },
  async () => {
    const c = await startRaftCluster(['a', 'b', 'c'], { electionTimeoutTicks: 100 });
    try {
      const before = await fill(c, 'snap/', 12); // ≈ 3 MiB: at least three restore parts
      const leader = await c.leader();
      const snapshot = await saved(leader);
      await leader.put('snap/0', Buffer.from('changed'));
      await leader.put('later/x', Buffer.from('gone after restore'));
      const appliedBefore = leader.status().appliedIndex;
      let opened = 0;
      await leader.restoreSnapshot(async function* () {
        opened++;
        for (let at = 0; at < snapshot.length; at += 100_000) yield snapshot.subarray(at, at + 100_000);
      });
      assert.equal(opened, 2, 'verified, then proposed');
      assert.ok(leader.status().appliedIndex - appliedBefore >= 5, 'begin, ≥ 3 parts, commit');
      for (const n of c.nodes.values()) {
        await n.linearizableRead();
        await eventually(() => n.status().appliedIndex >= leader.status().appliedIndex, 'apply');
        assert.equal(await n.get('later/x'), undefined);
        for (const [key, value] of before) assert.ok(Buffer.from((await n.get(key))!).equals(value), key);
        assert.equal(n.members().length, 3);
      }
    } finally {
      await c.close();
    }
  },
);

test('a restore cut short after some parts leaves the old data set live on every member', async () => {
  const c = await startRaftCluster(['a', 'b', 'c'], { electionTimeoutTicks: 100 });
  try {
    await fill(c, 'snap/', 8);
    const leader = await c.leader();
    const snapshot = await saved(leader);
    await leader.put('snap/0', Buffer.from('current'));
    let opened = 0;
    await assert.rejects(
      leader.restoreSnapshot(async function* () {
        opened++;
        for (let at = 0; at < snapshot.length; at += 100_000) {
          if (opened === 2 && at > snapshot.length / 2) throw new Error('the upload broke');
          yield snapshot.subarray(at, at + 100_000);
        }
      }),
      /the upload broke/,
    );
    await leader.put('after/y', Buffer.from('y'));
    for (const n of c.nodes.values()) {
      await n.linearizableRead();
      await eventually(() => n.status().appliedIndex >= leader.status().appliedIndex, 'apply');
      assert.equal(Buffer.from((await n.get('snap/0'))!).toString(), 'current');
      assert.equal(Buffer.from((await n.get('after/y'))!).toString(), 'y');
    }
    // A later restore still works (it replaces the abandoned staging area).
    await leader.restoreSnapshot(snapshot);
    await leader.linearizableRead();
    assert.notEqual(Buffer.from((await leader.get('snap/0'))!).toString(), 'current');
    assert.equal(await leader.get('after/y'), undefined);
  } finally {
    await c.close();
  }
});

test(
  'a member that catches up from a snapshot taken mid-restore applies the commit too',
  { timeout: 120_000 },
  async () => {
    const c = await startRaftCluster(['a', 'b', 'c'], {
      snapshotThresholdEntries: 2,
      snapshotTrailingEntries: 1,
      electionTimeoutTicks: 100,
    });
    try {
      const before = await fill(c, 'snap/', 12);
      const leader = await c.leader();
      const snapshot = await saved(leader);
      await leader.put('later/x', Buffer.from('gone after restore'));
      const lagging = [...c.nodes.keys()].find((id) => id !== leader.selfId())!;
      c.hub.setIsolated(lagging, true);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let opened = 0;
      let paused: () => void = () => undefined;
      const reachedHalf = new Promise<void>((resolve) => (paused = resolve));
      const restoring = leader.restoreSnapshot(async function* () {
        opened++;
        for (let at = 0; at < snapshot.length; at += 100_000) {
          if (opened === 2 && at >= snapshot.length / 2 && at < snapshot.length / 2 + 100_000) {
            paused();
            await gate;
          }
          yield snapshot.subarray(at, at + 100_000);
        }
      });
      await reachedHalf;
      for (let i = 0; i < 4; i++) await leader.put(`noise/${i}`, Buffer.from('replaced by the restore'));
      // Parts are committed and the log compacted past the lagging member: it needs a snapshot,
      // which carries the restore's staging area.
      await eventually(
        () => leader.status().snapshotIndex > c.nodes.get(lagging)!.status().appliedIndex + 2,
        `compaction (${JSON.stringify({ l: leader.status(), lag: c.nodes.get(lagging)!.status() })})`,
      );
      c.hub.setIsolated(lagging, false);
      const target = c.nodes.get(lagging)!;
      await eventually(
        () => target.status().appliedIndex >= leader.status().appliedIndex,
        'catch-up',
        60_000,
      );
      release();
      await restoring;
      await eventually(() => target.status().appliedIndex >= leader.status().appliedIndex, 'apply', 60_000);
      assert.equal(await target.get('later/x'), undefined);
      assert.deepEqual(await target.list('noise/'), []);
      for (const [key, value] of before) assert.ok(Buffer.from((await target.get(key))!).equals(value), key);
    } finally {
      await c.close();
    }
  },
);
