/**
 * Rekey on Raft storage with real processes: the new seal config and the root key wrapped under
 * the new KEK go through the replicated log, so (1) the active node itself, restarted, needs the
 * new shares, and (2) a node that joins afterwards receives them with the replicated state and
 * unseals with the new shares, not the old ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../../src/api/errors.js';
import { initCluster, joinNode, unsealNode, waitUntil, isActive } from '../../../src/devcluster/launcher.js';
import { TestCluster } from './helpers.js';

describe('rekey on a Raft node survives a restart and reaches a joining node', { timeout: 240_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.create();
    await cluster.define('node1');
    await cluster.define('node2');
    await cluster.start('node1');
  });
  after(async () => {
    await cluster.destroy();
  });

  test('rekey 5/3 -> 3/2 with verification, restart, join', async () => {
    const init = await initCluster([cluster.api('node1')], { shares: 5, threshold: 3 });
    const oldKeys = init.unsealKeys;
    const client = cluster.client('node1', init.rootToken);
    let newKeys: string[];
    try {
      await client.write('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
      await client.write('secret/data/before', { data: { v: 'kept' } });
      const started = await client.ceremony.rekeyInit({
        secret_shares: 3,
        secret_threshold: 2,
        require_verification: true,
      });
      let last = started;
      for (const key of oldKeys.slice(2, 5)) last = await client.ceremony.rekeyUpdate(key, started.nonce);
      assert.equal(last.complete, true);
      newKeys = last.keys_base64!;
      const verifyNonce = last.verification_nonce!;
      await client.ceremony.rekeyVerifyUpdate(newKeys[0], verifyNonce);
      const done = await client.ceremony.rekeyVerifyUpdate(newKeys[2], verifyNonce);
      assert.equal(done.complete, true);
    } finally {
      client.close();
    }

    await cluster.nodes.get('node1')!.stop(10_000);
    await cluster.start('node1');
    const restarted = cluster.client('node1');
    try {
      const status = await restarted.sys.sealStatus();
      assert.deepEqual([status.t, status.n], [2, 3]);
      await restarted.sys.unseal(oldKeys[0]);
      await assert.rejects(restarted.sys.unseal(oldKeys[1]), (err) => isApiError(err) && err.status === 400);
    } finally {
      restarted.close();
    }
    await unsealNode(cluster.api('node1'), [newKeys[1], newKeys[2]]);
    await waitUntil('node1 to become active', () => isActive(cluster.api('node1')), 60_000);

    // A node joining now gets the replicated seal config: the new shares unseal it.
    await cluster.start('node2');
    await joinNode(cluster.api('node2'), cluster.api('node1'), [newKeys[0], newKeys[1]], 120_000);
    const joined = cluster.client('node2');
    try {
      const status = await joined.sys.sealStatus();
      assert.equal(status.sealed, false);
      assert.deepEqual([status.t, status.n], [2, 3]);
    } finally {
      joined.close();
    }
    const reader = cluster.client('node1', init.rootToken);
    try {
      const secret = await reader.read<{ data: Record<string, unknown> }>('secret/data/before');
      assert.deepEqual(secret?.data?.data, { v: 'kept' });
    } finally {
      reader.close();
    }
  });
});
