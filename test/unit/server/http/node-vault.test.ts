import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startTestApp } from './test-handler.js';

test('node-vault (a real Vault client that sends LIST) works against the app, interleaved with reads and writes', async () => {
  const server = await startTestApp();
  server.handler.fallback = (req) => ({
    data: { operation: req.operation, path: req.path, keys: ['a', 'b/'] },
  });
  try {
    const vault = nodeVault({ endpoint: server.url, token: 'hvs.node' });
    for (let round = 0; round < 3; round++) {
      const listed = await vault.list('secret/metadata/app');
      assert.equal(listed.data.operation, 'list');
      assert.equal(listed.data.path, 'secret/metadata/app/');
      const written = await vault.write('secret/data/app', { data: { v: 'LIST /v1/x HTTP/1.1' } });
      assert.equal(written.data.operation, 'update');
      const read = await vault.read('secret/data/app');
      assert.equal(read.data.operation, 'read');
    }
    assert.equal(server.handler.requests.length, 9);
    assert.ok(server.handler.requests.every((r) => r.clientToken === 'hvs.node'));
  } finally {
    await server.close();
  }
});
