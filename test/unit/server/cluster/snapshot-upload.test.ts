/**
 * Snapshot uploads stream to a file and are verified on the way: the file holds the bytes as
 * sent, the upload names the snapshot's wrapped root key (the keyring check compares it; the
 * record is `d`-prefixed in the format, which the check used to miss), and a damaged or oversized
 * upload is recorded as its error instead of being thrown at an unauthenticated client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/lib/clock.js';
import { EntryType } from '../../../../src/raft/types.js';
import { SnapshotUploads } from '../../../../src/server/cluster/snapshot-upload.js';
import { wrappedRootKeyKey } from '../../../../src/storage/barrier/reserved-keys.js';
import { encodeWrite } from '../../../../src/storage/raft/command.js';
import { StateStore } from '../../../../src/storage/raft/state-store.js';

async function snapshotWith(dir: string, rootKey: Buffer): Promise<Buffer> {
  const store = await StateStore.open(join(dir, 'state'));
  const ops = [
    { type: 'put' as const, key: wrappedRootKeyKey, value: rootKey },
    { type: 'put' as const, key: 'logical/x', value: Buffer.alloc(300_000, 7) },
  ];
  await store.apply([
    {
      index: 1,
      term: 1,
      type: EntryType.Normal,
      data: encodeWrite({ clientId: 'c', seq: 1, part: 0, floor: 0 }, ops),
    },
  ]);
  const parts: Uint8Array[] = [];
  for await (const part of store.dump()) parts.push(part);
  await store.close();
  return Buffer.concat(parts);
}

function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test('an upload is streamed to a file, verified, and names its wrapped root key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-upload-'));
  try {
    const rootKey = Buffer.from('wrapped-root-key-ciphertext');
    const snapshot = await snapshotWith(dir, rootKey);
    const uploads = new SnapshotUploads(new FakeClock(), join(dir, 'uploads'));
    const upload = await uploads.receive(pieces(snapshot, 4096), snapshot.length);
    assert.equal(upload.error, undefined);
    assert.equal(upload.sizeBytes, snapshot.length);
    assert.ok(Buffer.from(upload.wrappedRootKey ?? []).equals(rootKey), 'the keyring record was found');
    assert.ok((await readFile(upload.path)).equals(snapshot));
    const ref = uploads.put(upload);
    assert.equal(uploads.take(ref), upload);
    assert.equal(uploads.take(ref), undefined, 'single use');
    await uploads.discard(upload);
    assert.deepEqual(await readdir(join(dir, 'uploads')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged or oversized upload is recorded as its error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-upload-'));
  try {
    const snapshot = await snapshotWith(dir, Buffer.from('k'));
    const uploads = new SnapshotUploads(new FakeClock(), join(dir, 'uploads'));
    const damaged = Buffer.from(snapshot);
    damaged[damaged.length - 100] ^= 1;
    const bad = await uploads.receive(pieces(damaged, 1000), damaged.length);
    assert.equal(bad.error?.code, 'integrity_failure');
    const truncated = await uploads.receive(
      pieces(snapshot.subarray(0, snapshot.length - 10), 1000),
      snapshot.length,
    );
    assert.equal(truncated.error?.code, 'integrity_failure');
    const large = await uploads.receive(pieces(snapshot, 1000), snapshot.length - 1);
    assert.equal(large.error?.code, 'payload_too_large');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
