import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { arcaVersion } from '../../../src/lib/version.js';
import { runCaptured } from './run-captured.js';

const io = { env: {}, homeDir: '/nonexistent' };

test('arca version, -version, --version and -v print "Arca v<version>" like vault, without a server', async () => {
  for (const argv of [['version'], ['-version'], ['--version'], ['-v']]) {
    const run = await runCaptured(argv, io);
    assert.deepEqual(run, { code: 0, out: `Arca v${arcaVersion}\n`, err: '' }, argv.join(' '));
  }
  // A command's own -version flag (kv get -version=N) is not the version flag.
  const run = await runCaptured(['kv', 'get', '-version=1'], io);
  assert.notEqual(run.out, `Arca v${arcaVersion}\n`);
  assert.equal(run.code, 2, 'kv get without a path is a usage error');
});

test('the version constant is the package version', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(arcaVersion, pkg.version);
});
