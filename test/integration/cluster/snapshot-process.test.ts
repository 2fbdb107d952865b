import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isApiError } from '../../../src/api/errors.js';
import {
  healthStatus,
  initCluster,
  joinNode,
  unsealNode,
  waitUntil,
} from '../../../src/devcluster/launcher.js';
import { TestCluster } from './helpers.js';

const run = promisify(execFile);

/** `arca <args>` against `addr` with `token` (the CLI talks to the server only through src/api). */
async function arca(addr: string, token: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['dist/src/cli/main.js', ...args], {
    env: { ...process.env, VAULT_ADDR: addr, VAULT_TOKEN: token, NODE_TEST_CONTEXT: undefined },
    timeout: 60_000,
  });
  return stdout;
}

describe('raft snapshots: save, wipe every node, restore into a new cluster', { timeout: 240_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.create();
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('the data comes back; another keyring needs snapshot-force and the snapshot’s keys', async () => {
    // The original cluster: write data, save a snapshot with the CLI.
    await cluster.start('old1');
    const old = await initCluster([cluster.api('old1')]);
    const admin = cluster.client('old1', old.rootToken);
    await admin.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
    for (let i = 0; i < 20; i++) await admin.write(`secret/data/k${i}`, { data: { i } });
    admin.close();
    const file = join(cluster.dir, 'backup.snap');
    await arca(cluster.api('old1'), old.rootToken, 'operator', 'raft', 'snapshot', 'save', file);
    const bytes = await readFile(file);
    assert.equal(bytes.subarray(0, 8).toString('ascii'), 'ARCASNAP');
    assert.equal(bytes.includes(Buffer.from('"i":7')), false, 'the snapshot holds only ciphertext');

    // Wipe: the process and its data directory are gone.
    await cluster.nodes.get('old1')!.stop();
    await rm(join(cluster.dir, 'old1'), { recursive: true, force: true });

    // A brand-new cluster (new keys) refuses the foreign snapshot unless forced.
    await cluster.start('new1');
    const fresh = await initCluster([cluster.api('new1')]);
    const client = cluster.client('new1', fresh.rootToken);
    try {
      await assert.rejects(
        client.raft.snapshotRestore(bytes),
        (err) => isApiError(err) && err.status === 400 && /snapshot-force/.test(err.message),
      );
      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 40] ^= 0xff;
      await assert.rejects(
        client.raft.snapshotRestore(damaged, true),
        (err) => isApiError(err) && err.status === 500,
      );
      await arca(
        cluster.api('new1'),
        fresh.rootToken,
        'operator',
        'raft',
        'snapshot',
        'restore',
        '-force',
        file,
      );
    } finally {
      client.close();
    }
    // The restored keyring is the old one: the node seals and opens with the OLD keys.
    await waitUntil(
      'the node to seal after a foreign restore',
      async () => (await healthStatus(cluster.api('new1'))) === 503,
    );
    await unsealNode(cluster.api('new1'), old.unsealKeys);
    await waitUntil('the node to be active', async () => (await healthStatus(cluster.api('new1'))) === 200);
    const restored = cluster.client('new1', old.rootToken);
    try {
      for (let i = 0; i < 20; i++) {
        const secret = await restored.read<{ data: { i: number } }>(`secret/data/k${i}`);
        assert.deepEqual(secret?.data?.data, { i });
      }
      // The cluster now runs the snapshot's keyring: an unforced restore is accepted (its wrapped
      // root key is found and matches) and rolls back a later write, without sealing.
      await restored.write('secret/data/k20', { data: { i: 20 } });
      await restored.raft.snapshotRestore(bytes);
      // Core reactivates on the replaced data set (every cache is stale); then k20 is gone.
      await waitUntil(
        'the node to serve the restored data',
        async () =>
          await restored.read('secret/data/k20').then(
            (secret) => secret === null,
            () => false,
          ),
      );
      assert.deepEqual((await restored.read<{ data: { i: number } }>('secret/data/k3'))?.data?.data, {
        i: 3,
      });
    } finally {
      restored.close();
    }
    // A node joining the restored cluster is unsealed with the old keys and serves the same data.
    await cluster.start('new2');
    await joinNode(cluster.api('new2'), cluster.api('new1'), old.unsealKeys);
    const second = cluster.client('new2', old.rootToken);
    try {
      const secret = await second.read<{ data: { i: number } }>('secret/data/k19');
      assert.deepEqual(secret?.data?.data, { i: 19 });
    } finally {
      second.close();
    }
  });
});
