/**
 * The standby half of the HA rule over real replicated storage: a follower's barrier (with its
 * plaintext read cache) over a real RaftStorage follows entries applied below it — cached values
 * are dropped and a rotated keyring is reloaded — without any request going through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/lib/clock.js';
import { secureRandomBytes } from '../../../src/lib/rng.js';
import { HaController } from '../../../src/core/ha.js';
import { RecordingLogger } from '../../helpers/core/core-harness.js';
import { Barrier } from '../../../src/storage/barrier/barrier.js';
import { eventually, startRaftCluster } from '../../helpers/raft/raft-cluster.js';

const cache = { entriesMax: 64, bytesMax: 1 << 16, valueBytesMax: 1024 };
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString();

test('a standby barrier drops cached values and reloads the keyring as the leader’s entries are applied', async () => {
  const c = await startRaftCluster(['a', 'b']);
  try {
    const leaderStorage = await c.leader();
    const followerStorage = [...c.nodes.values()].find((n) => n !== leaderStorage)!;
    const active = new Barrier(leaderStorage, new FakeClock());
    const rootKey = secureRandomBytes(32);
    await active.initialize(rootKey);
    await active.put('secret/x', Buffer.from('one'));
    await eventually(
      () => followerStorage.status().appliedIndex >= leaderStorage.status().appliedIndex,
      'replication',
    );

    const standby = new Barrier(followerStorage, new FakeClock(), { readCache: cache });
    await standby.unseal(rootKey);
    const ha = new HaController(
      followerStorage,
      standby,
      {
        startRuntime: async () => assert.fail('a follower never builds a runtime'),
        stopRuntime: async () => undefined,
      },
      new RecordingLogger(),
      () => 0,
    );
    await ha.unsealed();
    assert.equal(ha.mode(), 'standby');
    assert.equal(text(await standby.get('secret/x')), 'one'); // now cached

    await active.put('secret/x', Buffer.from('two'));
    await active.rotate();
    await eventually(
      () => followerStorage.status().appliedIndex >= leaderStorage.status().appliedIndex,
      'replication',
    );
    await eventually(() => standby.keyStatus().term === 2, 'the standby to reload the rotated keyring');
    assert.equal(text(await standby.get('secret/x')), 'two', 'the cached plaintext was invalidated');
    ha.sealing();
    standby.seal();
    active.seal();
  } finally {
    await c.close();
  }
});
