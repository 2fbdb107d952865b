/**
 * An in-process Arca cluster: three real RaftStorages on real LevelDB, three real Cores, the
 * in-memory Raft transport. Init and unseal on the leader, unseal the followers with the same
 * shares from their replicated state, serve through the active core, fail over, and check that
 * caches, tokens, policies and the keyring follow the replicated state — never a node's memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/raft/raft-cluster.js';
import { startCoreCluster, type CoreCluster, type CoreMember } from '../../helpers/core/core-cluster.js';

async function initAndUnsealAll(
  c: CoreCluster,
): Promise<{ keys: string[]; rootToken: string; leader: CoreMember }> {
  const leaderStorage = await c.raft.leader();
  const leader = c.members.get(leaderStorage.selfId())!;
  const init = await leader.call('update', 'sys/init', { secret_shares: 3, secret_threshold: 2 });
  assert.equal(init.status, 200, init.error?.message);
  const keys = init.body!.keys as string[];
  const rootToken = init.body!.root_token as string;
  for (const m of c.members.values()) {
    // Followers read the seal config and wrapped root key from their own replicated state.
    await eventually(
      () => m.storage.status().appliedIndex >= leaderStorage.status().appliedIndex,
      'replication',
    );
    for (const key of keys.slice(0, 2)) await m.call('update', 'sys/unseal', { key });
    assert.equal(m.core.sealed(), false, `${m.id} unsealed`);
  }
  assert.equal(leader.core.haMode(), 'active');
  return { keys, rootToken, leader };
}

test('init on the leader, unseal all, serve through the active core, fail over to another that serves the data', async () => {
  const c = await startCoreCluster(['a', 'b', 'c']);
  try {
    const { rootToken, leader } = await initAndUnsealAll(c);
    const standbys = [...c.members.values()].filter((m) => m !== leader);
    for (const s of standbys) assert.equal(s.core.haMode(), 'standby');

    assert.equal((await leader.call('update', 'sys/mounts/notes', { type: 'notes' }, rootToken)).status, 204);
    assert.equal((await leader.call('update', 'notes/kept', { v: 'replicated' }, rootToken)).status, 204);

    // A standby serves only its local sys paths.
    const refused = await standbys[0].call('read', 'notes/kept', {}, rootToken);
    assert.equal(refused.status, 503);
    assert.equal(refused.error?.code, 'standby');
    const health = await standbys[0].call('read', 'sys/health');
    assert.equal(health.status, 429);
    assert.equal(health.body?.standby, true);
    assert.equal(health.body?.ha_connection_healthy, true);
    assert.equal((await standbys[0].call('read', 'sys/health', { standbyok: true })).status, 200);
    const leaderView = await standbys[0].call('read', 'sys/leader');
    assert.equal(leaderView.body?.ha_enabled, true);
    assert.equal(leaderView.body?.is_self, false);
    assert.equal(leaderView.body?.leader_address, c.raft.info(leader.id).apiAddr);
    const selfView = await leader.call('read', 'sys/leader');
    assert.equal(selfView.body?.is_self, true);
    assert.equal(selfView.body?.leader_address, c.raft.info(leader.id).apiAddr);
    assert.equal((await leader.call('read', 'sys/health')).status, 200);
    const sealOnStandby = await standbys[0].call('update', 'sys/seal', {}, rootToken);
    assert.equal(sealOnStandby.status, 500);
    assert.equal(standbys[0].core.sealed(), false);

    await c.kill(leader.id);
    const next = await c.active([leader.id]);
    const read = await next.call('read', 'notes/kept', {}, rootToken);
    assert.equal(read.status, 200, read.error?.message);
    assert.deepEqual(read.response?.data, { v: 'replicated' });
    assert.equal((await next.call('update', 'notes/after', { v: 'failover' }, rootToken)).status, 204);
  } finally {
    await c.close();
  }
});

test('two cores over one replicated store: a revoked token and a changed policy are honoured after failover', async () => {
  const c = await startCoreCluster(['a', 'b', 'c'], { readCache: true });
  try {
    const { rootToken, leader: first } = await initAndUnsealAll(c);
    await first.call('update', 'sys/mounts/notes', { type: 'notes' }, rootToken);
    await first.call('update', 'notes/x', { v: 'one' }, rootToken);
    const policy = 'path "notes/*" { capabilities = ["read"] }';
    await first.call('update', 'sys/policies/acl/reader', { policy }, rootToken);
    const t1 = (await first.call('update', 'auth/token/create', { policies: ['reader'] }, rootToken))
      .response!.auth!.clientToken;
    const t2 = (await first.call('update', 'auth/token/create', { policies: ['reader'] }, rootToken))
      .response!.auth!.clientToken;
    // Fill the first core's caches: tokens, ACLs, the barrier's plaintext cache.
    for (const t of [t1, t2]) assert.equal((await first.call('read', 'notes/x', {}, t)).status, 200);

    const second = c.members.get([...c.members.keys()].find((id) => id !== first.id)!)!;
    await first.storage.transferLeadership(second.id);
    await eventually(
      () => second.core.haMode() === 'active' && first.core.haMode() === 'standby',
      'failover',
    );
    assert.equal((await second.call('update', 'auth/token/revoke', { token: t2 }, rootToken)).status, 204);
    await second.call(
      'update',
      'sys/policies/acl/reader',
      { policy: 'path "other/*" { capabilities = ["read"] }' },
      rootToken,
    );
    await second.call('update', 'sys/rotate', {}, rootToken);
    await second.call('update', 'notes/x', { v: 'two' }, rootToken);

    await second.storage.transferLeadership(first.id);
    await eventually(() => first.core.haMode() === 'active', 'failback');
    assert.equal((await first.call('read', 'notes/x', {}, t2)).status, 403, 'revoked token refused');
    assert.equal((await first.call('read', 'notes/x', {}, t1)).status, 403, 'changed policy honoured');
    const fresh = await first.call('read', 'notes/x', {}, rootToken);
    assert.deepEqual(
      fresh.response?.data,
      { v: 'two' },
      'value written under the rotated key, not a cached one',
    );
    assert.equal((await first.call('read', 'sys/key-status', {}, rootToken)).response?.data?.term, 2);
  } finally {
    await c.close();
  }
});

test('a deposed leader never revokes: token expiry during a partition proposes nothing', async () => {
  const c = await startCoreCluster(['a', 'b', 'c']);
  try {
    const { rootToken, leader } = await initAndUnsealAll(c);
    const created = await leader.call(
      'update',
      'auth/token/create',
      { policies: ['default'], ttl: '60s' },
      rootToken,
    );
    const token = created.response!.auth!.clientToken;
    await eventually(
      () =>
        [...c.members.values()].every(
          (m) => m.storage.status().appliedIndex >= leader.storage.status().appliedIndex,
        ),
      'replication',
    );

    c.raft.hub.setIsolated(leader.id, true);
    const lastIndex = leader.storage.status().lastIndex;
    leader.clock.advance(120_000); // its token expired by its clock
    await leader.core.tick();
    assert.equal(leader.storage.status().lastIndex, lastIndex, 'the isolated leader proposed no revocation');
    const next = await c.active([leader.id]);
    await eventually(() => leader.core.haMode() === 'standby', 'the deposed leader to step down');
    await leader.core.tick();
    assert.equal(leader.storage.status().lastIndex, lastIndex);

    c.raft.hub.setIsolated(leader.id, false);
    const lookup = await next.call('update', 'auth/token/lookup', { token }, rootToken);
    assert.equal(lookup.status, 200, 'the token lives: only the active node revokes, by its own clock');
  } finally {
    await c.close();
  }
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('nothing plaintext reaches the Raft log, the state stores or snapshots', async () => {
  const c = await startCoreCluster(['a', 'b', 'c'], {
    snapshotThresholdEntries: 5,
    snapshotTrailingEntries: 1,
  });
  try {
    const { rootToken, leader } = await initAndUnsealAll(c);
    const marker = 'PLAINTEXT-MARKER-7f3a9c';
    await leader.call('update', 'sys/mounts/notes', { type: 'notes' }, rootToken);
    for (let i = 0; i < 12; i++) {
      assert.equal((await leader.call('update', `notes/n-${i}`, { secret: marker }, rootToken)).status, 204);
    }
    const nodes = await leader.call('read', 'sys/ha-status', {}, rootToken);
    const listed = (nodes.response?.data?.nodes ?? []) as { hostname: string; active_node: boolean }[];
    assert.deepEqual(listed.map((n) => n.hostname).sort(), ['a', 'b', 'c']);
    assert.deepEqual(
      listed.filter((n) => n.active_node).map((n) => n.hostname),
      [leader.id],
    );

    const parts: Uint8Array[] = [];
    for await (const part of leader.storage.saveSnapshot()) parts.push(part);
    const needle = Buffer.from(marker, 'utf8');
    assert.equal(Buffer.concat(parts).includes(needle), false, 'snapshot stream');
    await eventually(
      () =>
        [...c.members.values()].every(
          (m) => m.storage.status().appliedIndex >= leader.storage.status().appliedIndex,
        ),
      'replication',
    );
    const files = filesUnder(c.raft.dir);
    assert.ok(
      files.some((f) => f.includes(`${join('a', 'log')}`)) &&
        files.some((f) => f.includes(join('b', 'state'))),
    );
    for (const file of files) assert.equal(readFileSync(file).includes(needle), false, file);
    // The marker is there, encrypted: the active core reads it back.
    assert.equal((await leader.call('read', `notes/n-3`, {}, rootToken)).response?.data?.secret, marker);
  } finally {
    await c.close();
  }
});
