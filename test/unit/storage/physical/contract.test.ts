import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isArcaError } from '../../../../src/lib/errors.js';
import { MemoryPhysical } from '../../../../src/storage/physical/memory.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import type { PhysicalBackend } from '../../../../src/storage/physical/physical.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

interface Subject {
  backend: PhysicalBackend;
  cleanup(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  memory: async () => {
    const backend = new MemoryPhysical();
    return { backend, cleanup: () => backend.close() };
  },
  leveldb: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arca-physical-'));
    const backend = await LevelPhysical.open(dir);
    return {
      backend,
      cleanup: async () => {
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

async function withSubject(
  make: () => Promise<Subject>,
  body: (b: PhysicalBackend) => Promise<void>,
): Promise<void> {
  const subject = await make();
  try {
    await body(subject.backend);
  } finally {
    await subject.cleanup();
  }
}

for (const [name, make] of Object.entries(subjects)) {
  test(`${name}: get returns what put stored, and undefined once deleted`, () =>
    withSubject(make, async (b) => {
      assert.equal(await b.get('a/b'), undefined);
      await b.put('a/b', bytes('one'));
      assert.equal(text(await b.get('a/b')), 'one');
      await b.put('a/b', bytes('two'));
      assert.equal(text(await b.get('a/b')), 'two');
      await b.delete('a/b');
      assert.equal(await b.get('a/b'), undefined);
      await b.delete('never-there'); // deleting a missing key is not an error
    }));

  test(`${name}: binary values round-trip byte for byte`, () =>
    withSubject(make, async (b) => {
      const value = new Uint8Array(256).map((_, i) => i);
      await b.put('bin', value);
      assert.deepEqual(Buffer.from((await b.get('bin'))!), Buffer.from(value));
      await b.put('empty', new Uint8Array(0));
      assert.equal((await b.get('empty'))?.length, 0);
    }));

  test(`${name}: list shows direct children, folders once with a trailing slash, sorted`, () =>
    withSubject(make, async (b) => {
      for (const key of ['a', 'a/b', 'a/c/d', 'a/c/e', 'a-b', 'b/x/y/z', 'c', 'a/c0'])
        await b.put(key, bytes(key));
      assert.deepEqual(await b.list(''), ['a', 'a-b', 'a/', 'b/', 'c']);
      assert.deepEqual(await b.list('a/'), ['b', 'c/', 'c0']);
      assert.deepEqual(await b.list('a/c/'), ['d', 'e']);
      assert.deepEqual(await b.list('b/'), ['x/']);
      assert.deepEqual(await b.list('nothing/'), []);
    }));

  test(`${name}: list rejects a prefix that is not a folder`, () =>
    withSubject(make, async (b) => {
      await assert.rejects(b.list('a'), (err) => isArcaError(err, 'invalid_request'));
    }));

  test(`${name}: batch applies puts and deletes in order, all together`, () =>
    withSubject(make, async (b) => {
      await b.put('gone', bytes('x'));
      await b.batch([
        { type: 'put', key: 'k1', value: bytes('1') },
        { type: 'put', key: 'k2', value: bytes('first') },
        { type: 'put', key: 'k2', value: bytes('second') },
        { type: 'delete', key: 'gone' },
      ]);
      assert.equal(text(await b.get('k1')), '1');
      assert.equal(text(await b.get('k2')), 'second');
      assert.equal(await b.get('gone'), undefined);
    }));

  test(`${name}: a batch with one invalid op writes nothing`, () =>
    withSubject(make, async (b) => {
      await assert.rejects(
        b.batch([
          { type: 'put', key: 'ok', value: bytes('1') },
          { type: 'put', key: '', value: bytes('2') },
        ]),
        (err) => isArcaError(err, 'invalid_request'),
      );
      assert.equal(await b.get('ok'), undefined);
    }));

  test(`${name}: oversized keys are refused with a typed error`, () =>
    withSubject(make, async (b) => {
      await assert.rejects(b.put('k'.repeat(5000), bytes('v')), (err) => isArcaError(err, 'invalid_request'));
    }));
}

test('leveldb: data survives close and reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-physical-'));
  try {
    const first = await LevelPhysical.open(dir);
    await first.batch([
      { type: 'put', key: 'x/1', value: bytes('one') },
      { type: 'put', key: 'x/2', value: bytes('two') },
    ]);
    await first.close();
    const second = await LevelPhysical.open(dir);
    assert.equal(text(await second.get('x/2')), 'two');
    assert.deepEqual(await second.list('x/'), ['1', '2']);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leveldb group commit: 64 concurrent puts need far fewer than 64 syncs and all survive reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-physical-'));
  const writers = 64;
  try {
    const db = await LevelPhysical.open(dir);
    // One write first so the rest arrive while a synced batch is in flight.
    const first = db.put('warmup', bytes('w'));
    const rest = Array.from({ length: writers }, (_, i) =>
      db.put(`k/${String(i).padStart(3, '0')}`, bytes(`v${i}`)),
    );
    await Promise.all([first, ...rest]);
    const { syncs, opsWritten } = db.counters;
    assert.equal(opsWritten, writers + 1);
    assert.ok(syncs < writers / 2, `expected < ${writers / 2} syncs, got ${syncs}`);
    await db.close();
    const reopened = await LevelPhysical.open(dir);
    for (let i = 0; i < writers; i++) {
      assert.equal(text(await reopened.get(`k/${String(i).padStart(3, '0')}`)), `v${i}`);
    }
    assert.equal((await reopened.list('k/')).length, writers);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leveldb group commit: a write issued while another is syncing is acknowledged after its own sync', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-physical-'));
  try {
    const db = await LevelPhysical.open(dir);
    const a = db.put('a', bytes('1'));
    await new Promise((resolve) => setImmediate(resolve));
    const b = db.put('b', bytes('2'));
    await b;
    assert.equal(db.counters.opsWritten, 2, 'b acknowledged only once it was written');
    await a;
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leveldb: close waits for queued writes to be synced, then refuses new ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-physical-'));
  try {
    const db = await LevelPhysical.open(dir);
    const writes = Array.from({ length: 20 }, (_, i) => db.put(`q/${i}`, bytes(`${i}`)));
    await db.close();
    await Promise.all(writes);
    await assert.rejects(db.put('late', bytes('x')), (err) => isArcaError(err, 'unavailable'));
    const reopened = await LevelPhysical.open(dir);
    assert.equal((await reopened.list('q/')).length, 20);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
