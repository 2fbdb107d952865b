/**
 * RaftStorage: replicated physical storage on real LevelDB, three members over the in-memory
 * transport. Writes are one entry each, reach every member, survive leader loss; metadata of every
 * member (the bootstrap member's own too) is replicated; a retried write applies once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArcaError } from '../../../src/lib/errors.js';
import { ArcaMetrics } from '../../../src/lib/metrics.js';
import { eventually, startRaftCluster } from '../../helpers/raft/raft-cluster.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('utf8');

test('a write on the leader is applied on every member, lists work, and a follower refuses writes', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    await leader.batch([
      { type: 'put', key: 'kv/one', value: bytes('1') },
      { type: 'put', key: 'kv/dir/two', value: bytes('2') },
    ]);
    await leader.put('kv/three', bytes('3'));
    await leader.delete('kv/three');
    for (const n of c.nodes.values()) {
      await n.linearizableRead();
      assert.equal(text(await n.get('kv/one')), '1');
      assert.equal(await n.get('kv/three'), undefined);
      assert.deepEqual(await n.list('kv/'), ['dir/', 'one']);
    }
    const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
    await assert.rejects(
      follower.put('x', bytes('y')),
      (e: unknown) => e instanceof ArcaError && e.code === 'not_leader',
    );
  } finally {
    await c.close();
  }
});

test('members() shows every member with its metadata on every node, the bootstrap member included', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    for (const n of c.nodes.values()) {
      await eventually(
        () => n.members().length === 3 && n.members().every((m) => m.voter && m.info.apiAddr !== ''),
        'replicated member metadata',
      );
      const a = n.memberInfo('a');
      assert.deepEqual(a, c.info('a'));
      assert.deepEqual(n.memberInfo('c'), c.info('c'));
    }
  } finally {
    await c.close();
  }
});

test('the cluster keeps serving after the leader stops, with every acknowledged write', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    const first = await c.leader();
    for (let i = 0; i < 20; i++) await first.put(`k/${i}`, bytes(`v${i}`));
    const firstId = first.status().id;
    await c.stop(firstId);
    const second = await c.leader();
    await second.waitOwnTermApplied();
    for (let i = 0; i < 20; i++) assert.equal(text(await second.get(`k/${i}`)), `v${i}`);
    await second.put('after', bytes('yes'));
    assert.equal(text(await second.get('after')), 'yes');
  } finally {
    await c.close();
  }
});

test('a member added after the log was compacted catches up from a snapshot with data and member metadata', async () => {
  const c = await startRaftCluster(['a', 'b'], { snapshotThresholdEntries: 10, snapshotTrailingEntries: 2 });
  try {
    const leader = await c.leader();
    for (let i = 0; i < 40; i++) await leader.put(`k/${i}`, bytes(`v${i}`));
    await eventually(() => leader.status().lastIndex > 40, 'entries');
    const joiner = await c.restart('late');
    await leader.addLearner(c.info('late'));
    await eventually(
      () => joiner.status().appliedIndex >= leader.status().appliedIndex,
      'the learner to catch up',
    );
    for (let i = 0; i < 40; i++) assert.equal(text(await joiner.get(`k/${i}`)), `v${i}`);
    assert.deepEqual(joiner.memberInfo('a'), c.info('a'));
    assert.deepEqual(joiner.memberInfo('late'), c.info('late'));
  } finally {
    await c.close();
  }
});

test('saveSnapshot then restoreSnapshot replaces the data set on every member, membership untouched', async () => {
  const c = await startRaftCluster(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    await leader.put('keep/one', bytes('before'));
    const parts: Uint8Array[] = [];
    for await (const part of leader.saveSnapshot()) parts.push(part);
    const saved = Buffer.concat(parts);
    await leader.put('keep/one', bytes('after'));
    await leader.put('extra', bytes('gone after restore'));

    const resets: boolean[] = [];
    const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
    follower.onApplied((_keys, reset) => resets.push(reset));
    const damaged = Buffer.from(saved);
    damaged[20] ^= 1;
    await assert.rejects(
      leader.restoreSnapshot(damaged),
      (e: unknown) => e instanceof ArcaError && e.code === 'integrity_failure',
    );
    await leader.restoreSnapshot(saved);
    for (const n of c.nodes.values()) {
      await n.linearizableRead();
      assert.equal(text(await n.get('keep/one')), 'before');
      assert.equal(await n.get('extra'), undefined);
      assert.equal(n.members().length, 3);
    }
    assert.ok(resets.includes(true), 'followers are told everything changed');
  } finally {
    await c.close();
  }
});

test('the Raft metrics move: term, indexes, leadership, commit duration, entries per synced batch', async () => {
  const registries = new Map<string, ArcaMetrics>();
  const c = await startRaftCluster(['a', 'b'], {
    metrics: (id) => {
      const m = new ArcaMetrics({ processMetrics: false });
      registries.set(id, m);
      return m;
    },
  });
  try {
    const leader = await c.leader();
    await Promise.all([0, 1, 2, 3].map((i) => leader.put(`m/${i}`, bytes('v'))));
    const text = await registries.get(leader.selfId())!.prometheusText();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('arca_raft_is_leader'), 1);
    assert.ok(value('arca_raft_term') >= 1);
    assert.ok(value('arca_raft_applied_index') >= leader.status().appliedIndex - 1);
    assert.ok(value('arca_raft_commit_index') > 0);
    assert.ok(value('arca_raft_leader_changes_total') >= 1);
    assert.equal(value('arca_raft_commit_duration_seconds_count'), 4);
    assert.ok(value('arca_raft_persist_batch_entries_count') > 0);
    const follower = await registries.get(c.nodes.get('a') === leader ? 'b' : 'a')!.prometheusText();
    assert.match(follower, /^arca_raft_is_leader 0$/m);
  } finally {
    await c.close();
  }
});
