import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelPhysical } from '../../../src/storage/physical/leveldb.js';
import {
  initThroughApi,
  makeHarness,
  notesEngine,
  unsealThroughApi,
} from '../../helpers/core/core-harness.js';

test('a restart on the same LevelDB directory starts sealed and unseals with data, mounts and policies intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-core-restart-'));
  try {
    const first = await makeHarness({
      physical: await LevelPhysical.open(dir),
      engines: { notes: notesEngine },
    });
    const { keys, rootToken } = await initThroughApi(first, 3, 2);
    await unsealThroughApi(first, keys.slice(0, 2));
    await first.call('update', 'sys/mounts/notes', { type: 'notes' }, rootToken);
    await first.call('update', 'notes/kept', { v: 'durable' }, rootToken);
    await first.call(
      'update',
      'sys/policies/acl/kept',
      { policy: 'path "notes/*" { capabilities = ["read"] }' },
      rootToken,
    );
    await first.call('update', 'sys/rotate', {}, rootToken);
    await first.core.close();

    const second = await makeHarness({
      physical: await LevelPhysical.open(dir),
      engines: { notes: notesEngine },
    });
    try {
      const status = await second.call('read', 'sys/seal-status');
      assert.equal(status.body?.initialized, true);
      assert.equal(status.body?.sealed, true);
      assert.equal((await second.call('read', 'notes/kept', {}, rootToken)).status, 503);
      await unsealThroughApi(second, [keys[2], keys[0]]);
      assert.equal(second.core.sealed(), false);
      assert.deepEqual((await second.call('read', 'notes/kept', {}, rootToken)).response!.data, {
        v: 'durable',
      });
      assert.equal((await second.call('read', 'sys/policies/acl/kept', {}, rootToken)).status, 200);
      assert.equal((await second.call('read', 'sys/key-status', {}, rootToken)).response!.data!.term, 2);
      const mounts = await second.call('read', 'sys/mounts', {}, rootToken);
      assert.deepEqual(Object.keys(mounts.response!.data!).sort(), ['cubbyhole/', 'notes/', 'sys/']);
    } finally {
      await second.core.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
