import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

test('sys/leader: a single node on HA (raft) storage advertises its api_addr and cluster_addr', async () => {
  const h = await unsealedHarness({
    config: { storageType: 'raft', apiAddr: 'https://node1:8200', clusterAddr: 'https://node1:8201' },
  });
  const leader = await h.call('read', 'sys/leader');
  assert.equal(leader.status, 200);
  assert.equal(leader.body?.ha_enabled, true);
  assert.equal(leader.body?.is_self, true);
  assert.equal(leader.body?.leader_address, 'https://node1:8200');
  assert.equal(leader.body?.leader_cluster_address, 'https://node1:8201');
});

test('sys/leader: without HA storage no address is shown, whatever api_addr says (Vault: ErrHANotEnabled)', async () => {
  const h = await unsealedHarness({ config: { storageType: 'leveldb', apiAddr: 'https://node1:8200' } });
  const leader = await h.call('read', 'sys/leader');
  assert.equal(leader.body?.ha_enabled, false);
  assert.equal(leader.body?.is_self, false);
  assert.equal(leader.body?.leader_address, '');
});
