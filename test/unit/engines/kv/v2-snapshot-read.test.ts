/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk response data */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrefixedStorageView } from '../../../../src/core/storage-view.js';
import { dataPaths, type KvV2Context } from '../../../../src/engines/kv/v2-data.js';
import { metadataPaths } from '../../../../src/engines/kv/v2-metadata.js';
import { versionPaths } from '../../../../src/engines/kv/v2-versions.js';
import { FakeClock } from '../../../../src/lib/clock.js';
import { KeyedMutex } from '../../../../src/lib/keyed-mutex.js';
import { secureRandomBytes } from '../../../../src/lib/rng.js';
import type { Backend } from '../../../../src/logical/backend.js';
import { dispatch, resolveOperation, type DispatchRequest } from '../../../../src/logical/dispatch.js';
import type { Operation } from '../../../../src/logical/request.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { Barrier } from '../../../../src/storage/barrier/barrier.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import type { PhysicalBackend, PhysicalOp } from '../../../../src/storage/physical/physical.js';

/** Real LevelDB below, with a gate that can hold batches in flight. */
class GatedPhysical implements PhysicalBackend {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  constructor(private readonly inner: LevelPhysical) {}
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  get(key: string) {
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array) {
    return this.inner.put(key, value);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  async batch(ops: PhysicalOp[]) {
    if (this.gate !== undefined) await this.gate;
    return this.inner.batch(ops);
  }
  close() {
    return this.inner.close();
  }
}

/** A KV v2 mount over a cached barrier over LevelDB, with its context (and mutex) in reach. */
async function mount(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'arca-kv-snapshot-'));
  const physical = new GatedPhysical(await LevelPhysical.open(dir));
  const barrier = new Barrier(physical, new FakeClock(), {
    readCache: { entriesMax: 1000, bytesMax: 1 << 22, valueBytesMax: 64 * 1024 },
  });
  await barrier.initialize(secureRandomBytes(32));
  t.after(async () => {
    await barrier.close();
    await rm(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  const context: KvV2Context = { clock, locks: new KeyedMutex(), configLock: new KeyedMutex() };
  const backend: Backend = {
    type: 'kv',
    paths: [...metadataPaths(context), ...dataPaths(context), ...versionPaths(context)],
  };
  const storage = new PrefixedStorageView(barrier, 'logical/kv/');
  let id = 0;
  const call = async (
    operation: Operation | 'write',
    path: string,
    data: Record<string, unknown> = {},
  ): Promise<LogicalResponse> => {
    const request: DispatchRequest = {
      requestId: `r${++id}`,
      operation: operation === 'write' ? 'update' : operation,
      path,
      data,
      storage,
      mountPoint: 'secret/',
    };
    if (operation === 'write') request.operation = await resolveOperation(backend, request);
    return dispatch(backend, request);
  };
  return { physical, context, call, clock };
}

/** True when `promise` has settled after `turns` turns of the event loop (no timers involved). */
async function settlesWithin(promise: Promise<unknown>, turns: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns && !settled; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

test('a cached KV v2 read does not wait for the key mutex (and is the same answer)', async (t) => {
  const kv = await mount(t);
  await kv.call('write', 'data/k', { data: { n: 1 } });
  const locked = await kv.call('read', 'data/k');
  let release!: () => void;
  const held = kv.context.locks.run('k', () => new Promise<void>((resolve) => (release = resolve)));
  const read = kv.call('read', 'data/k');
  const settled = await settlesWithin(read, 20);
  release();
  await held;
  assert.ok(settled, 'answered while the key mutex was held');
  assert.deepEqual((await read).data, locked.data);
  assert.ok(Object.isFrozen((await read).data!.data), 'shared cached value is frozen');
});

test('reads racing writes see one version wholly: data, metadata and trimming agree', async (t) => {
  const kv = await mount(t);
  // max_versions 1: every write deletes the previous version's data in the same batch, so a read
  // that paired new metadata with old data (or the reverse) would fail or disagree.
  await kv.call('write', 'metadata/k', { max_versions: 1 });
  await kv.call('write', 'data/k', { data: { version: 1 } });
  const answers: LogicalResponse[] = [];
  let snapshots = 0;
  const readNow = () =>
    kv.call('read', 'data/k').then((response) => {
      answers.push(response);
      if (Object.isFrozen(response.data?.data)) snapshots += 1;
    });
  for (let version = 2; version <= 40; version++) {
    const reads: Promise<void>[] = [readNow()];
    if (version % 2 === 0) kv.physical.hold(); // half the writes sit in flight for a while
    const writing = kv.call('write', 'data/k', { data: { version } });
    let done = false;
    void writing.finally(() => (done = true));
    // A read at every turn of the write (each microtask and I/O callback), bounded.
    for (let turn = 0; turn < 200 && !done; turn++) {
      reads.push(readNow());
      if (turn === 3) kv.physical.release();
      await (turn % 2 === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve)));
    }
    kv.physical.release();
    await writing;
    await Promise.all(reads);
    reads.length = 0;
    const after = await kv.call('read', 'data/k');
    assert.equal((after.data as any).data.version, version, 'a read after the write sees it');
  }
  let last = 0;
  for (const answer of answers) {
    const data = answer.data as any;
    assert.equal(data.data.version, data.metadata.version, 'data and metadata from one version');
    assert.ok(data.metadata.version >= last - 1, 'versions only move forward (within one race)');
    last = Math.max(last, data.metadata.version);
  }
  assert.ok(snapshots > 0, 'some reads were answered from the cache snapshot');
  assert.ok(snapshots < answers.length, 'some reads met a write in flight and took the lock');
});

test('snapshot reads keep the 404s: missing key, missing version, deleted and destroyed versions', async (t) => {
  const kv = await mount(t);
  const notFound = (err: any) => err?.code === 'not_found';
  await assert.rejects(kv.call('read', 'data/nope'), notFound);
  await assert.rejects(kv.call('read', 'data/nope'), notFound, 'cached absence');
  await kv.call('write', 'data/k', { data: { a: 1 } });
  await kv.call('write', 'data/k', { data: { a: 2 } });
  await kv.call('read', 'data/k');
  await assert.rejects(kv.call('read', 'data/k', { version: 7 }), notFound);
  assert.deepEqual((await kv.call('read', 'data/k', { version: 1 })).data?.data, { a: 1 });
  await kv.call('delete', 'data/k');
  const deleted = await kv.call('read', 'data/k');
  assert.equal(deleted.raw?.status, 404);
  const body = JSON.parse(String(deleted.raw?.body));
  assert.equal(body.data.data, null);
  assert.equal(body.data.metadata.version, 2);
  assert.notEqual(body.data.metadata.deletion_time, '');
  await kv.call('write', 'destroy/k', { versions: [1] });
  const destroyed = await kv.call('read', 'data/k', { version: 1 });
  assert.equal(JSON.parse(String(destroyed.raw?.body)).data.metadata.destroyed, true);
  // A version deleted in the future (delete_version_after) reads until then.
  await kv.call('write', 'metadata/f', { delete_version_after: '10s' });
  await kv.call('write', 'data/f', { data: { f: 1 } });
  assert.deepEqual((await kv.call('read', 'data/f')).data?.data, { f: 1 });
  kv.clock.advance(10_000);
  assert.equal((await kv.call('read', 'data/f')).raw?.status, 404, 'the same cached metadata, later');
});
