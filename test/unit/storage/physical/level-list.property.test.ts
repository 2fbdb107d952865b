import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { SeededRng } from '../../../../src/lib/rng.js';
import { childEntry, compareUtf8 } from '../../../../src/storage/physical/keys.js';
import { listLevelChildren } from '../../../../src/storage/physical/level-list.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';

/** Vault's LIST by brute force: every key, filtered, mapped to its child entry, deduplicated. */
function naiveList(keys: Iterable<string>, prefix: string): string[] {
  const names = new Set<string>();
  for (const key of keys) if (key.startsWith(prefix)) names.add(childEntry(prefix, key));
  return [...names].sort(compareUtf8);
}

// '-', '.', '/', '0' sit around '/' in byte order (the folder seek jumps to '0'); 'é' and '😀' are
// multi-byte, so the byte order differs from UTF-16 order.
const alphabet = ['a', 'b', '-', '.', '0', 'z', 'é', '😀'];

function randomKey(rng: SeededRng): string {
  const depth = 1 + rng.intBelow(4);
  const parts: string[] = [];
  for (let d = 0; d < depth; d++) {
    let part = '';
    const length = 1 + rng.intBelow(3);
    for (let i = 0; i < length; i++) part += alphabet[rng.intBelow(alphabet.length)];
    parts.push(part);
  }
  return parts.join('/');
}

test('property: the batched range scan lists what a brute-force scan lists (random trees, big folders, keys outside the base)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-level-list-'));
  const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    for (let seed = 1; seed <= 12; seed++) {
      await db.clear();
      const rng = new SeededRng(seed);
      const keys = new Set<string>();
      for (let i = 0; i < 300; i++) keys.add(randomKey(rng));
      // Folders bigger than any batch, flat and nested, so batches end inside and between them.
      const big = rng.intBelow(alphabet.length);
      for (let i = 0; i < 5000; i++) keys.add(`${alphabet[big]}/flat/${i}`);
      for (let i = 0; i < 3000; i++) keys.add(`${alphabet[big]}/deep/${i % 7}/${i}`);
      const ops = [...keys].map((key) => ({ type: 'put' as const, key: `d/${key}`, value: '' }));
      // Keys just outside the base on both sides must never be listed.
      ops.push({ type: 'put', key: 'c/zzz', value: '' }, { type: 'put', key: 'd0', value: '' });
      ops.push({ type: 'put', key: 'e/a', value: '' });
      await db.batch(ops);
      const folders = new Set<string>(['']);
      for (const key of keys) {
        const parts = key.split('/');
        for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/') + '/');
      }
      folders.add('nothing/');
      for (const prefix of folders) {
        assert.deepEqual(
          await listLevelChildren(db, 'd/', prefix),
          naiveList(keys, prefix),
          `seed ${seed} prefix ${JSON.stringify(prefix)}`,
        );
      }
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LevelPhysical.list uses the range scan: 20k keys in one folder, next to a folder and a sibling', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-level-list-'));
  const physical = await LevelPhysical.open(dir);
  try {
    const ops = [];
    for (let i = 0; i < 20_000; i++)
      ops.push({ type: 'put' as const, key: `x/${i}`, value: new Uint8Array(1) });
    ops.push({ type: 'put' as const, key: 'x0', value: new Uint8Array(1) });
    ops.push({ type: 'put' as const, key: 'w/x', value: new Uint8Array(1) });
    await physical.batch(ops);
    const listed = await physical.list('x/');
    assert.equal(listed.length, 20_000);
    assert.deepEqual(listed, [...listed].sort(compareUtf8));
    assert.deepEqual(await physical.list(''), ['w/', 'x/', 'x0']);
  } finally {
    await physical.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
