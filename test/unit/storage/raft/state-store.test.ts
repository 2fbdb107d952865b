/**
 * The Raft storage state store on real LevelDB: a run of entries is one batch with the applied
 * index; a write carrying a (client, seq) already applied is skipped, across restarts too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, type Entry } from '../../../../src/raft/types.js';
import { encodeWrite } from '../../../../src/storage/raft/command.js';
import { Level } from 'level';
import { SnapshotParser } from '../../../../src/storage/raft/snapshot-parser.js';
import { encodeSnapshotRef } from '../../../../src/storage/raft/snapshot-ref.js';
import { StateStore } from '../../../../src/storage/raft/state-store.js';

async function dumpBytes(store: StateStore): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of store.dump()) parts.push(part);
  return Buffer.concat(parts);
}

/** Keys of a closed state store's LevelDB that start with `prefix`. */
async function rawKeys(path: string, prefix: string): Promise<string[]> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    return await db.keys({ gte: prefix, lt: prefix + '\uffff' }).all();
  } finally {
    await db.close();
  }
}

const put = (
  index: number,
  client: string,
  seq: number,
  key: string,
  value: string,
  more: { part?: number; floor?: number } = {},
): Entry => ({
  index,
  term: 1,
  type: EntryType.Normal,
  data: encodeWrite({ clientId: client, seq, part: more.part ?? 0, floor: more.floor ?? 0 }, [
    { type: 'put', key, value: Buffer.from(value) },
  ]),
});

const text = (store: StateStore, key: string): string | undefined => {
  const value = store.get(key);
  return value === undefined ? undefined : Buffer.from(value).toString();
};

test('a retried write (same client and sequence) is applied once, also after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    let store = await StateStore.open(dir);
    const first = await store.apply([put(1, 'c1', 1, 'counter', 'one'), put(2, 'c1', 2, 'other', 'x')]);
    assert.deepEqual(first.keys, ['counter', 'other']);
    await store.apply([put(3, 'c1', 3, 'counter', 'two')]);
    // The timed-out first attempt of seq 1 is committed again later: it must not undo seq 3.
    const retried = await store.apply([put(4, 'c1', 1, 'counter', 'one')]);
    assert.deepEqual(retried.keys, []);
    assert.equal(Buffer.from(store.get('counter')!).toString(), 'two');
    assert.equal(store.appliedIndex(), 4);
    await store.close();

    store = await StateStore.open(dir);
    assert.equal(store.appliedIndex(), 4);
    await store.apply([put(5, 'c1', 2, 'other', 'y'), put(6, 'c2', 1, 'other', 'z')]);
    assert.equal(Buffer.from(store.get('other')!).toString(), 'z');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a snapshot restores the same state and refuses damaged bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const a = await StateStore.open(join(dir, 'a'));
    const b = await StateStore.open(join(dir, 'b'));
    await a.apply([put(1, 'c', 1, 'x/1', 'one'), put(2, 'c', 2, 'x/2', 'two')]);
    const snap = await dumpBytes(a);
    await a.apply([put(3, 'c', 3, 'x/3', 'not in the snapshot')]);
    await b.restore(snap, { index: 2, term: 1 });
    assert.equal(b.appliedIndex(), 2);
    assert.deepEqual(await b.list('x/'), ['1', '2']);
    const damaged = Buffer.from(snap);
    damaged[damaged.length - 40] ^= 0xff;
    await assert.rejects(b.restore(damaged), /damaged/);
    await a.close();
    await b.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the parts of one request apply once each; a retry of any part applies nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const store = await StateStore.open(dir);
    await store.apply([
      put(1, 'fwd:s', 7, 'a', 'one', { part: 1 }),
      put(2, 'fwd:s', 7, 'b', 'one', { part: 2 }),
    ]);
    assert.equal(store.hasApplied('fwd:s', 7), true);
    assert.equal(store.hasApplied('fwd:s', 8), false);
    // The request re-run on another leader: both parts are recognised.
    const again = await store.apply([
      put(3, 'fwd:s', 7, 'a', 'two', { part: 1 }),
      put(4, 'fwd:s', 7, 'b', 'two', { part: 2 }),
    ]);
    assert.deepEqual(again.keys, []);
    assert.equal(text(store, 'a'), 'one');
    assert.equal(text(store, 'b'), 'one');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a client's floor bounds what is remembered; a straggler below it still applies", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    let store = await StateStore.open(dir);
    await store.apply([put(1, 'c', 1, 'k', 'v1', { floor: 1 }), put(2, 'c', 2, 'k', 'v2', { floor: 1 })]);
    // Seq 3 says 1 and 2 are settled: they are forgotten (and count as settled for a retry check).
    await store.apply([put(3, 'c', 3, 'k', 'v3', { floor: 3 })]);
    assert.equal(store.hasApplied('c', 2), true, 'below the floor counts as settled');
    // A later write of a request the client stopped waiting for is no retry: it is not dropped
    // (that would leave the request half applied).
    const straggler = await store.apply([put(4, 'c', 2, 'other', 'late', { part: 2, floor: 1 })]);
    assert.deepEqual(straggler.keys, ['other']);
    // A retry of seq 3 (at or above the floor) is still recognised after a restart.
    await store.close();
    store = await StateStore.open(dir);
    const retried = await store.apply([put(5, 'c', 3, 'k', 'v3-again', { floor: 3 })]);
    assert.deepEqual(retried.keys, []);
    assert.equal(text(store, 'k'), 'v3');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the dedupe table travels in a snapshot: the restored member refuses the same retry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const a = await StateStore.open(join(dir, 'a'));
    const b = await StateStore.open(join(dir, 'b'));
    await a.apply([put(1, 'fwd:s', 4, 'k', 'once', { part: 1, floor: 4 })]);
    await b.restore(await dumpBytes(a), { index: 1, term: 1 });
    assert.equal(b.hasApplied('fwd:s', 4), true);
    const retried = await b.apply([put(2, 'fwd:s', 4, 'k', 'twice', { part: 1, floor: 4 })]);
    assert.deepEqual(retried.keys, []);
    assert.equal(text(b, 'k'), 'once');
    await a.close();
    await b.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a snapshot install cut off before its switch leaves the old state intact; its staging is collected', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const source = await StateStore.open(join(dir, 'source'));
    for (let i = 1; i <= 40; i++) await source.apply([put(i, 'c', i, `new/${i}`, 'n'.repeat(2000))]);
    const snap = await dumpBytes(source);
    await source.close();

    const path = join(dir, 'target');
    let target = await StateStore.open(path);
    await target.apply([put(1, 'c', 1, 'old/a', 'A'), put(2, 'c', 2, 'old/b', 'B')]);
    // Stream the first half of the snapshot into staging, then "crash" (close without the switch).
    const install = target.beginInstall();
    const parser = new SnapshotParser();
    await install.write(parser.push(snap.subarray(0, snap.length >> 1)));
    await target.close();
    assert.ok((await rawKeys(path, 'x')).length > 0, 'the cut-off install wrote staging records');

    target = await StateStore.open(path);
    assert.equal(target.appliedIndex(), 2);
    assert.deepEqual(await target.list('old/'), ['a', 'b']);
    assert.deepEqual(await target.list('new/'), []);
    await target.close(); // waits for the background collection
    assert.deepEqual(await rawKeys(path, 'x'), [], 'the staging area was collected');
    assert.deepEqual(await rawKeys(path, 'y'), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sealed staged snapshot survives a restart and is switched to atomically by reference', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const source = await StateStore.open(join(dir, 'source'));
    await source.apply([put(1, 'c', 1, 'x/1', 'one'), put(2, 'c', 2, 'x/2', 'two')]);
    const snap = await dumpBytes(source);
    await source.close();

    const path = join(dir, 'target');
    let target = await StateStore.open(path);
    await target.apply([put(1, 'd', 1, 'old', 'gone')]);
    const install = target.beginInstall();
    const parser = new SnapshotParser();
    for (let at = 0; at < snap.length; at += 7) await install.write(parser.push(snap.subarray(at, at + 7)));
    parser.finish();
    await install.seal();
    assert.equal(target.get('old') !== undefined, true, 'nothing switched before the install');
    await target.close();

    target = await StateStore.open(path);
    assert.equal(target.appliedIndex(), 1);
    await target.restore(encodeSnapshotRef({ kind: 'staged', id: install.id }));
    assert.equal(target.appliedIndex(), 2);
    assert.equal(target.get('old'), undefined);
    assert.deepEqual(await target.list('x/'), ['1', '2']);
    // Entries the installed state already holds apply nothing; later ones apply.
    await target.apply([put(2, 'c', 2, 'x/2', 'stale'), put(3, 'c', 3, 'x/3', 'three')]);
    assert.equal(Buffer.from(target.get('x/2')!).toString(), 'two');
    assert.equal(Buffer.from(target.get('x/3')!).toString(), 'three');
    const again = await dumpBytes(target);
    await target.close();
    assert.deepEqual(await rawKeys(path, 'd'), [], 'the old generation was collected');
    const reread = await StateStore.open(join(dir, 'reread'));
    await reread.restore(again, { index: 3, term: 1 });
    assert.deepEqual(await reread.list('x/'), ['1', '2', '3']);
    await reread.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a process killed (SIGKILL) in the middle of a snapshot install leaves the old state intact', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const path = join(dir, 'target');
    const before = await StateStore.open(path);
    await before.apply([put(1, 'c', 1, 'old/a', 'A'), put(2, 'c', 2, 'old/b', 'B')]);
    await before.close();
    // A child process streams a snapshot into staging and is killed before the switch.
    const storeUrl = new URL('../../../../src/storage/raft/state-store.js', import.meta.url).href;
    const parserUrl = new URL('../../../../src/storage/raft/snapshot-parser.js', import.meta.url).href;
    const child = `
      const { StateStore } = await import(${JSON.stringify(storeUrl)});
      const { SnapshotParser } = await import(${JSON.stringify(parserUrl)});
      const source = await StateStore.open(${JSON.stringify(join(dir, 'source'))});
      const { encodeWrite } = await import(${JSON.stringify(storeUrl.replace('state-store.js', 'command.js'))});
      for (let i = 1; i <= 30; i++)
        await source.apply([{ index: i, term: 1, type: 0, data: encodeWrite({ clientId: 'c', seq: i, part: 0, floor: 0 }, [{ type: 'put', key: 'new/' + i, value: Buffer.alloc(4000, i) }]) }]);
      const parts = [];
      for await (const part of source.dump()) parts.push(part);
      const snap = Buffer.concat(parts);
      const target = await StateStore.open(${JSON.stringify(path)});
      const install = target.beginInstall();
      const parser = new SnapshotParser();
      await install.write(parser.push(snap.subarray(0, snap.length - 1000)));
      process.stdout.write('staged\\n');
      process.kill(process.pid, 'SIGKILL');
    `;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [, signal] = (await once(proc, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL');
    assert.equal(out.trim(), 'staged', 'the child got as far as staging');

    const after = await StateStore.open(path);
    assert.equal(after.appliedIndex(), 2);
    assert.deepEqual(await after.list('old/'), ['a', 'b']);
    assert.deepEqual(await after.list('new/'), []);
    await after.close();
    assert.deepEqual(await rawKeys(path, 'x'), [], 'the staging area was collected');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
