/**
 * `arca kv put` under a path with no mount, against a real core over real HTTP: like `vault kv`,
 * the mount lookup's error is printed as is (Vault's preflight text) and the exit code is 2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../../src/core/core.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';
import { runCaptured, type Run } from './run-captured.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let server: RunningApp;
let core: Core;
let dir: string;
let rootToken: string;

const cli = (...argv: string[]): Promise<Run> =>
  runCaptured(argv, { env: { VAULT_ADDR: server.url, VAULT_TOKEN: rootToken }, homeDir: dir });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arca-kv-mount-'));
  core = await Core.create({
    physical: new MemoryPhysical(),
    clock: new FakeClock(),
    rng: new SeededRng(5),
    logger: silent,
    engines: { kv: kvBackendFactory },
  });
  rootToken = (await core.initializeDev()).rootToken;
  server = await startTestApp();
  server.handler.fallback = (req) => core.handleRequest(req);
});
after(async () => {
  await server.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

test('kv put/get under a missing mount print the preflight error and exit 2', async () => {
  for (const argv of [
    ['kv', 'put', 'nomount/app', 'a=b'],
    ['kv', 'get', 'nomount/app'],
  ]) {
    const run = await cli(...argv);
    assert.equal(run.code, 2, run.err);
    assert.equal(run.out, '');
    assert.match(run.err, /^GET \/v1\/sys\/internal\/ui\/mounts\/nomount\/app: Code: 403\. Errors:\n\n/);
    assert.ok(
      run.err.includes(
        '* preflight capability check returned 403, please ensure client\'s policies grant access to path "nomount/app/"',
      ),
      run.err,
    );
  }
  // A mounted path still works, and its errors keep the usual prefix.
  const ok = await cli('kv', 'put', 'secret/app', 'a=b');
  assert.equal(ok.code, 0, ok.err);
  const missing = await cli('kv', 'get', 'secret/missing');
  assert.equal(missing.code, 2);
  assert.equal(missing.err, 'No value found at secret/missing\n');
});
