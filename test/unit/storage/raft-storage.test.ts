/**
 * RaftStorage: replicated physical storage on real LevelDB, three members over the in-memory
 * transport. Writes are one entry each, reach every member, survive leader loss; metadata of every
 * member (the bootstrap member's own too) is replicated; a retried write applies once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArcaError } from '../../../src/lib/errors.js';
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
