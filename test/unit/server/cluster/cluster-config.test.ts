import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerConfig } from '../../../../src/server/config.js';
import { loadOrCreateNodeId } from '../../../../src/server/cluster/node-id.js';
import { advertisedApiAddr } from '../../../../src/server/cluster/raft-core.js';
import { isArcaError } from '../../../../src/lib/errors.js';

describe('cluster configuration', () => {
  test('storage "raft" with retry_join, cluster_addr, api_addr and a listener cluster_address', async () => {
    const config = await parseServerConfig(`
storage "raft" {
  path    = "/data"
  node_id = "node2"
  retry_join { leader_api_addr = "http://10.0.0.1:8200" }
  retry_join { leader_api_addr = "http://10.0.0.3:8200" }
}
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "127.0.0.1:9301"
  tls_disable     = true
}
api_addr     = "http://10.0.0.2:8200"
cluster_addr = "http://10.0.0.2:8201"
`);
    assert.deepEqual(config.storage, {
      type: 'raft',
      path: '/data',
      nodeId: 'node2',
      retryJoin: [{ leaderApiAddr: 'http://10.0.0.1:8200' }, { leaderApiAddr: 'http://10.0.0.3:8200' }],
    });
    assert.equal(config.clusterAddr, 'http://10.0.0.2:8201');
    assert.equal(config.listeners[0].clusterAddress, '127.0.0.1:9301');
    assert.equal(advertisedApiAddr(config), 'http://10.0.0.2:8200');
  });

  test('without api_addr the first listener is advertised (0.0.0.0 becomes loopback)', async () => {
    const config = await parseServerConfig(`
storage "raft" { path = "/d" }
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}
cluster_addr = "http://127.0.0.1:8201"
`);
    assert.equal(advertisedApiAddr(config), 'http://127.0.0.1:8200');
  });

  test('storage "raft" without cluster_addr is refused', async () => {
    await assert.rejects(
      parseServerConfig('storage "raft" { path = "/d" }\nlistener "tcp" {\n tls_disable = true\n}\n'),
      (err) => isArcaError(err, 'invalid_field') && /cluster_addr/.test(err.message),
    );
  });

  test('the node id is recorded once; a different configured id is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arca-nodeid-'));
    try {
      const generated = await loadOrCreateNodeId(dir, undefined);
      assert.match(generated, /^[0-9a-f-]{36}$/);
      assert.equal(await loadOrCreateNodeId(dir, undefined), generated);
      assert.equal((await readFile(join(dir, 'node-id'), 'utf8')).trim(), generated);
      await assert.rejects(loadOrCreateNodeId(dir, 'other'), (err) => isArcaError(err, 'invalid_field'));
      const fresh = await mkdtemp(join(tmpdir(), 'arca-nodeid-'));
      assert.equal(await loadOrCreateNodeId(fresh, 'node-7'), 'node-7');
      await rm(fresh, { recursive: true, force: true });
      await assert.rejects(loadOrCreateNodeId(dir, 'bad/id'), (err) => isArcaError(err, 'invalid_field'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
