import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseMountPath, type MountEntry } from '../../../src/core/mount-table.js';
import { Router } from '../../../src/core/router.js';
import { clearPrefix, PrefixedStorageView } from '../../../src/core/storage-view.js';
import { effectiveTtl, vaultSystemLeaseTtls } from '../../../src/core/ttl.js';
import { decodeShare } from '../../../src/core/lifecycle.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';

const entry = (path: string): MountEntry => ({
  kind: 'secret',
  path,
  type: 'kv',
  description: '',
  uuid: path,
  accessor: 'kv_0',
  config: { defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0, forceNoCache: false },
  options: {},
  local: false,
  sealWrap: false,
});

test('the router picks the longest mount prefix and strips it', () => {
  const router = new Router();
  const view = new PrefixedStorageView(new MemoryPhysical(), '');
  for (const p of ['a/', 'a/b/', 'secret/'])
    router.add({ mountPoint: p, entry: entry(p), backend: { type: 'kv', paths: [] }, storage: view });
  assert.equal(router.match('a/b/c')?.route.mountPoint, 'a/b/');
  assert.equal(router.match('a/b/c')?.relativePath, 'c');
  assert.equal(router.match('a/bc')?.route.mountPoint, 'a/');
  assert.equal(router.match('a/bc')?.relativePath, 'bc');
  assert.equal(
    router.match('secret')?.relativePath,
    '',
    'the mount point without its slash routes to the root',
  );
  assert.equal(router.match('secret/')?.relativePath, '');
  assert.equal(router.match('secret/x/')?.relativePath, 'x/');
  assert.equal(router.match('secrets/x'), undefined);
  assert.equal(router.match('b'), undefined);
});

test('mount paths are normalised to one trailing slash and bad ones refused', () => {
  assert.equal(normaliseMountPath('/secret'), 'secret/');
  assert.equal(normaliseMountPath('a/b/'), 'a/b/');
  for (const bad of ['', '/', 'a//b', 'a/../b', './a']) assert.throws(() => normaliseMountPath(bad), bad);
});

test('a prefixed view cannot see outside its prefix; list, batch and clear stay inside', async () => {
  const physical = new MemoryPhysical();
  const outside = new PrefixedStorageView(physical, '');
  await outside.put('other/secret', Buffer.from('x'));
  const view = new PrefixedStorageView(physical, 'logical/abc/');
  await view.batch([
    { type: 'put', key: 'a', value: Buffer.from('1') },
    { type: 'put', key: 'dir/b', value: Buffer.from('2') },
  ]);
  assert.deepEqual(await view.list(''), ['a', 'dir/']);
  assert.equal(await view.get('other/secret'), undefined);
  assert.deepEqual(await outside.list('logical/abc/'), ['a', 'dir/']);
  await clearPrefix(view);
  assert.deepEqual(await view.list(''), []);
  assert.ok((await outside.get('other/secret')) !== undefined);
});

test('effective TTL: default, mount override, capping with warning', () => {
  const mount = { defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0, forceNoCache: false };
  const sys = vaultSystemLeaseTtls;
  assert.equal(effectiveTtl(mount, sys, 0).ttlSeconds, 2764800);
  assert.equal(effectiveTtl({ ...mount, defaultLeaseTtlSeconds: 60 }, sys, 0).ttlSeconds, 60);
  const capped = effectiveTtl({ ...mount, maxLeaseTtlSeconds: 100 }, sys, 200);
  assert.equal(capped.ttlSeconds, 100);
  assert.equal(capped.warnings.length, 1);
  assert.equal(
    effectiveTtl({ ...mount, maxLeaseTtlSeconds: 100 }, sys, 0).warnings.length,
    0,
    'a default above max is capped silently',
  );
  assert.equal(effectiveTtl(mount, sys, 50, 10).ttlSeconds, 10, 'the secret max also caps');
});

test("effective TTL: a mount's 0 means the configured system TTLs, not the built-in 768h", () => {
  const mount = { defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0, forceNoCache: false };
  const sys = { defaultLeaseTtlSeconds: 600, maxLeaseTtlSeconds: 3600 };
  assert.equal(effectiveTtl(mount, sys, 0).ttlSeconds, 600);
  assert.equal(effectiveTtl(mount, sys, 7200).ttlSeconds, 3600);
  assert.equal(effectiveTtl({ ...mount, maxLeaseTtlSeconds: 7200 }, sys, 7200).ttlSeconds, 7200);
});

test('unseal keys: hex when it decodes to a share length, else base64; garbage refused', () => {
  const share = Buffer.alloc(33, 7);
  assert.deepEqual(decodeShare(share.toString('hex')), share);
  assert.deepEqual(decodeShare(share.toString('base64')), share);
  assert.deepEqual(decodeShare(` ${share.toString('hex')} `), share);
  assert.throws(() => decodeShare('zz-not-a-key'));
  assert.throws(() => decodeShare(''));
});
