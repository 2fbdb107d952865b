import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../../src/core/core.js';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { systemClock } from '../../../src/lib/clock.js';
import { limits } from '../../../src/lib/limits.js';
import { systemRng } from '../../../src/lib/rng.js';
import type { Operation } from '../../../src/logical/request.js';
import { bootstrapDevCore } from '../../../src/server/dev-mode.js';
import { LevelPhysical } from '../../../src/storage/physical/leveldb.js';
import type { PhysicalBackend } from '../../../src/storage/physical/physical.js';
import { isReservedPhysicalKey } from '../../../src/storage/barrier/reserved-keys.js';

const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

test('a KV v2 write is ONE synced LevelDB batch, and concurrent writes share syncs (group commit)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-write-syncs-'));
  const physical = await LevelPhysical.open(dir);
  /**
   * Reads through the barrier that reached LevelDB (its read cache missed), by key. The seal's own
   * records (read below the barrier, e.g. by dev bootstrap's status checks) are not counted.
   */
  const physicalReads: string[] = [];
  const counted: PhysicalBackend = {
    get: (key) => {
      if (!isReservedPhysicalKey(key)) physicalReads.push(key);
      return physical.get(key);
    },
    put: (key, value) => physical.put(key, value),
    delete: (key) => physical.delete(key),
    list: (prefix) => physical.list(prefix),
    batch: (ops) => physical.batch(ops),
    close: () => physical.close(),
  };
  const core = await Core.create({
    physical: counted,
    clock: systemClock,
    rng: systemRng,
    logger: silent,
    engines: { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory },
    storageType: 'leveldb',
    barrierReadCache: {
      entriesMax: limits.barrierReadCacheEntriesMax,
      bytesMax: limits.barrierReadCacheBytesMax,
      valueBytesMax: limits.barrierReadCacheValueBytesMax,
    },
  });
  try {
    const { rootToken } = await bootstrapDevCore(core);
    const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
      core.handleRequest({
        id: randomUUID(),
        operation,
        path,
        data,
        clientToken: rootToken,
        headers: {},
        remoteAddress: '127.0.0.1',
      });
    for (let i = 1; i <= 3; i++) {
      const before = physical.counters;
      physicalReads.length = 0;
      await call('update', 'secret/data/app', { data: { n: i } });
      const after = physical.counters;
      assert.equal(after.syncs - before.syncs, 1, `write ${i}: one synced batch`);
      assert.equal(after.opsWritten - before.opsWritten, 2, 'metadata + version in that batch');
      if (i > 1) {
        // Metadata was cached by the first write, the mount's absent `config` by its first read,
        // the token entry by the token cache: a steady-state write reads nothing from LevelDB.
        assert.deepEqual(physicalReads, [], `write ${i}: no LevelDB read`);
      }
      const read = await call('read', 'secret/data/app');
      assert.deepEqual((read.data as { data: unknown }).data, { n: i }, 'read sees the write at once');
      assert.equal(physical.counters.syncs, after.syncs, 'a read writes nothing');
    }
    const before = physical.counters.syncs;
    const writers = 64;
    await Promise.all(
      Array.from({ length: writers }, (_, i) => call('update', `secret/data/c${i}`, { data: { i } })),
    );
    const syncs = physical.counters.syncs - before;
    assert.ok(syncs >= 1 && syncs < writers / 4, `64 concurrent writes took ${syncs} syncs`);
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
