import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArcaClient } from '../../../src/api/client.js';
import { verifyChain } from '../../../src/lib/hash-chain.js';
import { startServerProcess } from './server-process.js';

/** Resolves when `path` exists (a directory watch event, not polling); rejects after 30 s. */
function fileCreated(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dirname(path), () => {
      if (existsSync(path)) done();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${path} was not created`));
    }, 30_000);
    const done = (): void => {
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    if (existsSync(path)) done();
  });
}

test('a real server: SIGHUP re-opens a rotated audit file and the chain spans both files; a listener with unauthenticated_metrics_access serves a tokenless scrape', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-it-audit-'));
  const config = join(dir, 'arca.hcl');
  await writeFile(
    config,
    `storage "leveldb" { path = "${join(dir, 'data')}" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  telemetry { unauthenticated_metrics_access = true }
}
log_level = "warn"
`,
  );
  const server = await startServerProcess([`-config=${config}`]);
  try {
    const anon = new ArcaClient({ address: server.address });
    const init = await anon.sys.init({ secret_shares: 1, secret_threshold: 1 });
    assert.equal((await anon.sys.unseal(init.keys_base64[0])).sealed, false);
    anon.close();
    const root = new ArcaClient({ address: server.address, token: init.root_token });
    await root.write('sys/mounts/secret', { type: 'kv-v2' });
    const auditLog = join(dir, 'audit.log');
    await root.write('sys/audit/file', { type: 'file', options: { file_path: auditLog } });
    await root.write('secret/data/a', { data: { v: 'before-rotation' } });

    await rename(auditLog, `${auditLog}.1`);
    const reopened = fileCreated(auditLog);
    server.child.kill('SIGHUP');
    // The reopen creates the new file; the device switches to it right after. Writes from then on
    // land there (a write racing the switch still goes to the old file, hence a bounded retry).
    await reopened;
    for (let i = 0; i < 50; i++) {
      await root.write('secret/data/b', { data: { v: `after-rotation-${i}` } });
      if ((await readFile(auditLog, 'utf8')).includes('"type":"response"')) break;
    }
    const chain = (await root.read('sys/audit-chain/file'))!.data as { key: string; seq: number };
    const lines = [
      ...(await readFile(`${auditLog}.1`, 'utf8')).split('\n').filter(Boolean),
      ...(await readFile(auditLog, 'utf8')).split('\n').filter(Boolean),
    ];
    const result = verifyChain(lines, Buffer.from(chain.key, 'hex'));
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(result.ok && result.lastSeq >= chain.seq - 2 && result.firstSeq === 1);
    assert.ok(!lines.join('\n').includes('before-rotation'), 'audit values are HMACed');

    const scrape = await fetch(`${server.address}/v1/sys/metrics?format=prometheus`);
    assert.equal(scrape.status, 200);
    const text = await scrape.text();
    assert.match(text, /^arca_requests_total\{mount="secret\/",operation="update",status="(200|204)"\} \d+/m);
    assert.match(text, /^arca_audit_writes_total\{device="file\/",type="request"\} \d+/m);
    root.close();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
