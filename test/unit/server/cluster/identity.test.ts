import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NodeIdentityError,
  loadOrCreateNodeIdentity,
  nodeIdentityFileName,
} from '../../../../src/server/cluster/identity.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-identity-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the identity file is created with mode 0600 and the key is stable across restarts', async () => {
  await withDir(async (dir) => {
    const first = await loadOrCreateNodeIdentity(dir);
    const info = await stat(join(dir, nodeIdentityFileName));
    assert.equal(info.mode & 0o777, 0o600);
    assert.match(first.peerId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/);
    assert.equal(first.privateKey.type, 'Ed25519');
    const second = await loadOrCreateNodeIdentity(dir);
    assert.equal(second.peerId, first.peerId);
    assert.ok(second.privateKey.equals(first.privateKey));
  });
});

test('two data directories get different identities', async () => {
  await withDir(async (a) => {
    await withDir(async (b) => {
      const ia = await loadOrCreateNodeIdentity(a);
      const ib = await loadOrCreateNodeIdentity(b);
      assert.notEqual(ia.peerId, ib.peerId);
    });
  });
});

test('a group- or world-readable identity file is refused', async () => {
  await withDir(async (dir) => {
    await loadOrCreateNodeIdentity(dir);
    const path = join(dir, nodeIdentityFileName);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      await chmod(path, mode);
      await assert.rejects(loadOrCreateNodeIdentity(dir), NodeIdentityError);
    }
    await chmod(path, 0o600);
    await loadOrCreateNodeIdentity(dir);
  });
});

test('a corrupt identity file is refused, not replaced', async () => {
  await withDir(async (dir) => {
    const path = join(dir, nodeIdentityFileName);
    await writeFile(path, Buffer.from('not a key'), { mode: 0o600 });
    await assert.rejects(loadOrCreateNodeIdentity(dir), NodeIdentityError);
    assert.equal((await stat(path)).size, 9);
  });
});
