/**
 * Audit devices through core.handleRequest: sys/audit endpoints, request+response entries with
 * HMACs only, sys/audit-hash, fail closed on a device that cannot write, seal/unseal continuity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChainKey, verifyAuditFiles } from '../../../../src/cli/audit-verify.js';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { verifyChain } from '../../../../src/lib/hash-chain.js';
import { unsealedHarness } from '../../../helpers/core/core-harness.js';

const marker = 'PLAINTEXT-MARKER-7731';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-audit-core-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Line {
  type: string;
  request: { path: string; operation: string; data: Record<string, unknown> | null; client_token: string };
  response?: { data: Record<string, unknown> | null };
  auth: { client_token: string } | null;
  error: string;
}

/** An unsealed core with kv mounted at kv/ and a file audit device at sys/audit/file writing `filePath`. */
async function kvWithFileAudit(filePath: string): ReturnType<typeof unsealedHarness> {
  const h = await unsealedHarness({ engines: { kv: kvBackendFactory } });
  await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken);
  await h.call('update', 'sys/audit/file', { type: 'file', options: { file_path: filePath } }, h.rootToken);
  return h;
}

async function entries(filePath: string): Promise<Line[]> {
  const text = await readFile(filePath, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('file device via sys/audit: KV write+read audited as request/response pairs, HMACs only, audit-hash reproduces', async () => {
  await withTempDir(async (dir) => {
    const h = await unsealedHarness({ engines: { kv: kvBackendFactory } });
    const filePath = join(dir, 'audit.log');
    assert.equal((await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken)).status, 204);
    const enabled = await h.call(
      'update',
      'sys/audit/file',
      { type: 'file', description: 'main', options: { file_path: filePath } },
      h.rootToken,
    );
    assert.equal(enabled.status, 204);
    assert.equal((await h.call('update', 'kv/app', { password: marker }, h.rootToken)).status, 204);
    const read = await h.call('read', 'kv/app', {}, h.rootToken);
    assert.equal(read.response!.data!.password, marker);

    const lines = await entries(filePath);
    const kv = lines.filter((l) => l.request.path === 'kv/app');
    assert.deepEqual(
      kv.map((l) => `${l.type}:${l.request.operation}`),
      ['request:create', 'response:create', 'request:read', 'response:read'],
    );
    const text = await readFile(filePath, 'utf8');
    assert.ok(!text.includes(marker), 'no plaintext secret in the audit file');
    assert.ok(!text.includes(h.rootToken), 'no plaintext token in the audit file');
    assert.match(kv[0].auth!.client_token, /^hmac-sha256:[0-9a-f]{64}$/);

    const hashed = await h.call('update', 'sys/audit-hash/file', { input: marker }, h.rootToken);
    assert.equal(hashed.response!.topLevelData, true);
    const hash = hashed.response!.data!.hash as string;
    assert.match(hash, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(kv[0].request.data!.password, hash, 'the request entry carries the HMAC of the marker');
    assert.equal(kv[3].response!.data!.password, hash, 'the response entry carries the HMAC of the marker');

    // sys/audit* requests are audited themselves (the audit-hash input is HMAC'd too).
    const hashEntry = (await entries(filePath)).find((l) => l.request.path === 'sys/audit-hash/file');
    assert.equal(hashEntry?.request.data?.input, hash);

    const list = await h.call('read', 'sys/audit', {}, h.rootToken);
    assert.equal(list.response!.topLevelData, true);
    assert.deepEqual(list.response!.data, {
      'file/': {
        type: 'file',
        description: 'main',
        options: { file_path: filePath },
        local: false,
        path: 'file/',
      },
    });
    await h.core.close();
  });
});

test('bad enables are 400 and change nothing: duplicate, unwritable path, closed socket, malformed address', async () => {
  await withTempDir(async (dir) => {
    const h = await unsealedHarness();
    const filePath = join(dir, 'audit.log');
    await h.call('update', 'sys/audit/file', { type: 'file', options: { file_path: filePath } }, h.rootToken);
    const port = await closedPort();
    const bad: [string, Record<string, unknown>][] = [
      ['file', { type: 'file', options: { file_path: join(dir, 'other.log') } }],
      ['nodir', { type: 'file', options: { file_path: join(dir, 'missing', 'a.log') } }],
      ['sock', { type: 'socket', options: { address: `127.0.0.1:${port}` } }],
      ['badaddr', { type: 'socket', options: { address: '127.0.0.1' } }],
    ];
    for (const [path, body] of bad) {
      const out = await h.call('update', `sys/audit/${path}`, body, h.rootToken);
      assert.equal(out.status, 400, `${path}: ${out.error?.message}`);
    }
    const list = await h.call('read', 'sys/audit', {}, h.rootToken);
    assert.deepEqual(Object.keys(list.response!.data!), ['file/']);
    await h.core.close();
  });
});

test('sys/audit needs sudo: a token without it is denied', async () => {
  const h = await unsealedHarness();
  await h.call(
    'update',
    'sys/policies/acl/auditor',
    { policy: 'path "sys/audit*" { capabilities = ["read","update","delete"] }' },
    h.rootToken,
  );
  const created = await h.call('update', 'auth/token/create', { policies: ['auditor'] }, h.rootToken);
  const token = created.response!.auth!.clientToken;
  assert.equal((await h.call('read', 'sys/audit', {}, token)).status, 403);
  assert.equal(
    (await h.call('update', 'sys/audit/x', { type: 'file', options: { file_path: 'discard' } }, token))
      .status,
    403,
  );
  assert.equal((await h.call('read', 'sys/audit-chain/x', {}, token)).status, 403);
  await h.core.close();
});

test('/dev/full as the only device: writes fail closed (500, nothing written); disabling it restores service', async () => {
  const h = await unsealedHarness({ engines: { kv: kvBackendFactory } });
  await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken);
  const enabled = await h.call(
    'update',
    'sys/audit/full',
    { type: 'file', options: { file_path: '/dev/full' } },
    h.rootToken,
  );
  assert.equal(enabled.status, 204);
  const write = await h.call('update', 'kv/app', { password: marker }, h.rootToken);
  assert.equal(write.status, 500);
  assert.deepEqual(write.error!.messages, ['internal error']);
  assert.equal((await h.call('read', 'kv/app', {}, h.rootToken)).status, 500, 'reads fail closed too');
  assert.equal(
    (await h.call('delete', 'sys/audit/full', {}, h.rootToken)).status,
    204,
    'break-glass disable',
  );
  assert.equal((await h.call('read', 'kv/app', {}, h.rootToken)).status, 404, 'the write never happened');
  assert.equal((await h.call('update', 'kv/app', { password: marker }, h.rootToken)).status, 204);
  assert.ok(h.logger.lines.some((l) => l.includes('break-glass')));
  assert.ok(!h.logger.lines.some((l) => l.includes(h.rootToken) || l.includes(marker)));
  await h.core.close();
});

test('seal/unseal keeps devices and the chain continues in the same file', async () => {
  await withTempDir(async (dir) => {
    const filePath = join(dir, 'audit.log');
    const h = await kvWithFileAudit(filePath);
    await h.call('update', 'kv/a', { v: marker }, h.rootToken);
    const chain = await h.call('read', 'sys/audit-chain/file', {}, h.rootToken);
    const key = Buffer.from(chain.response!.data!.key as string, 'hex');
    assert.equal((await h.call('update', 'sys/seal', {}, h.rootToken)).status, 204);
    assert.equal((await h.call('read', 'sys/audit', {}, h.rootToken)).status, 503);
    await h.call('update', 'sys/unseal', { key: h.keys[0] });
    const list = await h.call('read', 'sys/audit', {}, h.rootToken);
    assert.deepEqual(Object.keys(list.response!.data!), ['file/']);
    await h.call('update', 'kv/b', { v: marker }, h.rootToken);
    const after = await h.call('read', 'sys/audit-chain/file', {}, h.rootToken);
    const lines = (await readFile(filePath, 'utf8')).split('\n');
    const result = verifyChain(lines, key);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.firstSeq, 1);
    // The audit-chain read itself was logged after the seq it reported.
    assert.equal(result.lastSeq, (after.response!.data!.seq as number) + 1);
    assert.ok((await entries(filePath)).some((l) => l.request.path === 'kv/b'));
    await h.core.close();
  });
});

test('a device that cannot open at unseal is logged and, as the only one, makes requests fail closed', async () => {
  await withTempDir(async (dir) => {
    const h = await unsealedHarness({ engines: { kv: kvBackendFactory } });
    const sub = join(dir, 'sub');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    await h.call('update', 'sys/mounts/kv', { type: 'kv' }, h.rootToken);
    await h.call(
      'update',
      'sys/audit/file',
      { type: 'file', options: { file_path: join(sub, 'a.log') } },
      h.rootToken,
    );
    await h.call('update', 'sys/seal', {}, h.rootToken);
    await rm(sub, { recursive: true, force: true });
    await h.call('update', 'sys/unseal', { key: h.keys[0] });
    assert.ok(h.logger.lines.some((l) => l.includes('failed to open at unseal')));
    assert.equal((await h.call('update', 'kv/x', { v: 1 }, h.rootToken)).status, 500);
    assert.equal((await h.call('delete', 'sys/audit/file', {}, h.rootToken)).status, 204);
    assert.equal((await h.call('update', 'kv/x', { v: 1 }, h.rootToken)).status, 204);
    await h.core.close();
  });
});

test('rotation: rename the file, core.reopenAuditDevices() (SIGHUP), the chain spans both files', async () => {
  await withTempDir(async (dir) => {
    const filePath = join(dir, 'audit.log');
    const h = await kvWithFileAudit(filePath);
    await h.call('update', 'kv/a', { v: marker }, h.rootToken);
    await rename(filePath, `${filePath}.1`);
    await h.core.reopenAuditDevices();
    await h.call('update', 'kv/b', { v: marker }, h.rootToken);
    const chain = await h.call('read', 'sys/audit-chain/file', {}, h.rootToken);
    const key = parseChainKey(chain.response!.data!.key as string)!;
    const older = { name: 'audit.log.1', text: await readFile(`${filePath}.1`, 'utf8') };
    const newer = { name: 'audit.log', text: await readFile(filePath, 'utf8') };
    assert.ok(older.text.includes('"kv/a"') && newer.text.includes('"kv/b"'));
    const result = verifyAuditFiles({
      files: [older, newer],
      keys: [],
      device: { key, seq: chain.response!.data!.seq as number },
    });
    assert.ok(result.ok, result.message);
    await h.core.close();
  });
});
