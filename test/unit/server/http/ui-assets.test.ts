/**
 * The web UI's files in memory (src/server/http/ui-assets.ts): every servable file keyed by its
 * POSIX path with its content type and SHA-256 ETag; the gzip copy is made on first demand, once,
 * and only kept when smaller than the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadUiAssets } from '../../../../src/server/http/ui-assets.js';

function withUiDirectory(files: Record<string, string | Buffer>, body: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arca-ui-assets-'));
    try {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const script = 'export const greeting = "hello";\n'.repeat(200);

test(
  'reads servable files by POSIX path with content type and ETag; skips unknown extensions',
  withUiDirectory(
    { 'index.html': '<!doctype html>', 'pages/kv.js': script, 'notes.md': '# no' },
    async (dir) => {
      const assets = loadUiAssets(dir);
      assert.deepEqual([...assets.keys()].sort(), ['index.html', 'pages/kv.js']);
      const kv = assets.get('pages/kv.js')!;
      assert.equal(kv.contentType, 'text/javascript; charset=utf-8');
      assert.equal(kv.body.toString('utf8'), script);
      const digest = createHash('sha256').update(script).digest('base64url');
      assert.equal(kv.etag, `"sha256-${digest}"`);
    },
  ),
);

test(
  'gzip() gives the file compressed (it decompresses to the same bytes), the same Buffer on every call',
  withUiDirectory({ 'main.js': script }, async (dir) => {
    const asset = loadUiAssets(dir).get('main.js')!;
    const [first, second] = await Promise.all([asset.gzip(), asset.gzip()]);
    assert.ok(first !== undefined && first.length < asset.body.length);
    assert.equal(second, first, 'compressed once, then kept');
    assert.equal(await asset.gzip(), first);
    assert.deepEqual(gunzipSync(first), asset.body);
  }),
);

test(
  'gzip() is undefined when compressing does not make the file smaller',
  withUiDirectory({ 'a.txt': 'x' }, async (dir) => {
    const asset = loadUiAssets(dir).get('a.txt')!;
    assert.equal(await asset.gzip(), undefined);
  }),
);

test('a missing directory gives no assets (the UI is not built)', () => {
  assert.equal(loadUiAssets(join(tmpdir(), 'arca-ui-assets-missing', 'nothing')).size, 0);
});
