import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditBroker } from '../../../../src/core/audit/broker.js';
import { AuditManager } from '../../../../src/core/audit/manager.js';
import { AuditDevice } from '../../../../src/core/audit/device.js';
import type { AuditEntry } from '../../../../src/core/audit-broker.js';
import type { AuditSink } from '../../../../src/core/audit/sink.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { verifyChain } from '../../../../src/lib/hash-chain.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';

const marker = 'S3CR3T-MARKER-4242';

function record(data: Record<string, unknown> = { password: marker }): AuditEntry {
  return {
    type: 'request',
    timeMs: Date.UTC(2026, 10, 29),
    auth: {
      clientToken: `hvs.${marker}`,
      accessor: 'accessor-1',
      displayName: 'token',
      policies: ['default'],
      metadata: {},
      entityId: '',
    },
    request: {
      id: 'req-1',
      operation: 'update',
      path: 'secret/data/app',
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      clientToken: `hvs.${marker}`,
      data,
      remoteAddress: '127.0.0.1',
      headers: { authorization: `Bearer hvs.${marker}` },
    },
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-audit-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('file device: HMACs every secret string, chains entries, file mode 0600, audit-hash reproduces', async () => {
  await withTempDir(async (dir) => {
    const broker = new AuditBroker({ writeTimeoutMs: 2000 });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    const filePath = join(dir, 'audit.log');
    await manager.enable('file', { type: 'file', options: { file_path: filePath } });
    await broker.logRequest(record());
    await broker.logResponse({
      ...record(),
      type: 'response',
      response: { data: { value: marker }, leaseId: 'secret/app/lease-1' },
    });
    const text = await readFile(filePath, 'utf8');
    assert.ok(!text.includes(marker), 'plaintext marker must never reach the audit log');
    assert.equal((await stat(filePath)).mode & 0o777, 0o600);
    const lines = text.split('\n');
    const first = JSON.parse(lines[0]) as { request: { data: { password: string } }; type: string };
    assert.equal(first.type, 'request');
    assert.equal(first.request.data.password, manager.hash('file/', marker));
    assert.match(first.request.data.password, /^hmac-sha256:[0-9a-f]{64}$/);
    const { key } = manager.chainKey('file');
    assert.equal(verifyChain(lines, Buffer.from(key, 'hex')).ok, true);
    await broker.closeAll();
  });
});

test('log_raw writes plaintext and hmac_accessor=false leaves accessors readable', async () => {
  await withTempDir(async (dir) => {
    const broker = new AuditBroker({ writeTimeoutMs: 2000 });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    const filePath = join(dir, 'raw.log');
    await manager.enable('raw', {
      type: 'file',
      options: { file_path: filePath, log_raw: 'true', prefix: 'AUDIT ' },
    });
    await manager.enable('acc', {
      type: 'file',
      options: { file_path: `${filePath}.acc`, hmac_accessor: 'false' },
    });
    await broker.logRequest(record());
    const text = await readFile(filePath, 'utf8');
    assert.ok(text.startsWith('AUDIT {'));
    assert.ok(text.includes(marker));
    const acc = await readFile(`${filePath}.acc`, 'utf8');
    assert.ok(acc.includes('"accessor":"accessor-1"') && !acc.includes(marker));
    await broker.closeAll();
  });
});

test('a device that cannot write makes requests fail closed; disabling it restores service', async () => {
  const broker = new AuditBroker({ writeTimeoutMs: 2000 });
  const manager = new AuditManager(new MemoryStorageView(), broker);
  await manager.enable('full', { type: 'file', options: { file_path: '/dev/full' } });
  await assert.rejects(
    broker.logRequest(record()),
    (e: unknown) => isArcaError(e, 'audit_failed') && e.httpStatus === 500,
  );
  await manager.disable('full');
  assert.equal(broker.hasDevices(), false);
  await broker.logRequest(record());
});

test('one working device is enough (Vault rule), the failure is observed', async () => {
  await withTempDir(async (dir) => {
    const failures: string[] = [];
    const broker = new AuditBroker({
      writeTimeoutMs: 2000,
      observer: {
        written: () => undefined,
        failed: (path, _t, reason) => failures.push(`${path}:${reason}`),
      },
    });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    await manager.enable('full', { type: 'file', options: { file_path: '/dev/full' } });
    await manager.enable('good', { type: 'file', options: { file_path: join(dir, 'good.log') } });
    await broker.logRequest(record());
    assert.deepEqual(failures, ['full/:error']);
    await broker.closeAll();
  });
});

test('a hanging device is bounded: the request fails closed after writeTimeoutMs', async () => {
  const hanging: AuditSink = {
    write: () => new Promise(() => undefined),
    reopen: async () => undefined,
    close: async () => undefined,
  };
  const failures: string[] = [];
  const broker = new AuditBroker({
    writeTimeoutMs: 50,
    observer: { written: () => undefined, failed: (path, _t, reason) => failures.push(`${path}:${reason}`) },
  });
  broker.add(
    new AuditDevice(
      {
        path: 'hang/',
        type: 'socket',
        description: '',
        options: {},
        local: false,
        salt: 's',
        chainKeyHex: '00'.repeat(32),
      },
      hanging,
    ),
  );
  await assert.rejects(broker.logRequest(record()), (e: unknown) => isArcaError(e, 'audit_failed'));
  assert.deepEqual(failures, ['hang/:timeout'], 'the write ended by its deadline, not by an error');
});

test('socket device: entries arrive over TCP; a closed socket fails closed', async () => {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const arrivals = new EventEmitter();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (d) => {
      received.push(d.toString('utf8'));
      arrivals.emit('data');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const broker = new AuditBroker({ writeTimeoutMs: 1000 });
  const manager = new AuditManager(new MemoryStorageView(), broker);
  await manager.enable('sock', {
    type: 'socket',
    options: { address: `127.0.0.1:${port}`, socket_type: 'tcp' },
  });
  await broker.logRequest(record());
  while (!received.join('').includes('\n')) await once(arrivals, 'data'); // one whole line arrived
  assert.match(received.join(''), /"type":"request"/);
  assert.ok(!received.join('').includes(marker));
  await Promise.all([...sockets].map((s) => (s.destroy(), once(s, 'close'))));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The peer is gone: the next writes fail (after at most a write or two the kernel still accepts
  // before the reset is seen). Each attempt waits one event-loop turn so the reset can be read.
  let failed = false;
  for (let i = 0; i < 1000 && !failed; i++) {
    try {
      await broker.logRequest(record());
      await new Promise((resolve) => setImmediate(resolve));
    } catch (err) {
      failed = isArcaError(err, 'audit_failed');
    }
  }
  assert.ok(failed, 'writes to a closed socket must fail closed');
  await broker.closeAll();
});

test('bad enables are 400s and change nothing', async () => {
  await withTempDir(async (dir) => {
    const storage = new MemoryStorageView();
    const broker = new AuditBroker({ writeTimeoutMs: 1000 });
    const manager = new AuditManager(storage, broker);
    const cases: [string, Record<string, unknown>][] = [
      ['nodir', { type: 'file', options: { file_path: join(dir, 'missing', 'audit.log') } }],
      ['isdir', { type: 'file', options: { file_path: dir } }],
      ['nopath', { type: 'file', options: {} }],
      ['badtype', { type: 'syslog2', options: {} }],
      ['badaddr', { type: 'socket', options: { address: 'not-an-address' } }],
      ['badport', { type: 'socket', options: { address: '127.0.0.1:99999' } }],
      ['refused', { type: 'socket', options: { address: '127.0.0.1:1' } }],
    ];
    for (const [path, input] of cases) {
      await assert.rejects(
        manager.enable(path, input),
        (e: unknown) => isArcaError(e) && e.httpStatus === 400,
        path,
      );
    }
    assert.equal(storage.entries.size, 0);
    assert.equal(broker.hasDevices(), false);
    await manager.enable('dup', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    await assert.rejects(
      manager.enable('dup/', { type: 'file', options: { file_path: join(dir, 'b.log') } }),
      (e: unknown) => isArcaError(e) && e.httpStatus === 400,
    );
    await broker.closeAll();
  });
});

test('the table survives reload (unseal) and the chain continues in the same file', async () => {
  await withTempDir(async (dir) => {
    const storage = new MemoryStorageView();
    const filePath = join(dir, 'audit.log');
    const broker1 = new AuditBroker({ writeTimeoutMs: 1000 });
    const manager1 = new AuditManager(storage, broker1);
    await manager1.enable('file', { type: 'file', options: { file_path: filePath } });
    await broker1.logRequest(record());
    const { key } = manager1.chainKey('file');
    await manager1.unload();
    const broker2 = new AuditBroker({ writeTimeoutMs: 1000 });
    const manager2 = new AuditManager(storage, broker2);
    assert.deepEqual(await manager2.load(), []);
    assert.deepEqual(Object.keys(manager2.list()), ['file/']);
    assert.ok(!JSON.stringify(manager2.list()).includes(key), 'listing never shows the chain key');
    await broker2.logRequest(record());
    const result = verifyChain((await readFile(filePath, 'utf8')).split('\n'), Buffer.from(key, 'hex'));
    assert.equal(result.ok && result.lastSeq, 2);
    await broker2.closeAll();
  });
});

test('rotation: reopen writes to the new file and the chain spans both files', async () => {
  await withTempDir(async (dir) => {
    const filePath = join(dir, 'audit.log');
    const broker = new AuditBroker({ writeTimeoutMs: 1000 });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    await manager.enable('file', { type: 'file', options: { file_path: filePath } });
    await broker.logRequest(record());
    const { rename } = await import('node:fs/promises');
    await rename(filePath, `${filePath}.1`);
    await broker.reopenAll();
    await broker.logRequest(record());
    const { key } = manager.chainKey('file');
    const all = [
      ...(await readFile(`${filePath}.1`, 'utf8')).split('\n').filter(Boolean),
      ...(await readFile(filePath, 'utf8')).split('\n').filter(Boolean),
    ];
    const result = verifyChain(all, Buffer.from(key, 'hex'));
    assert.equal(result.ok && result.entries, 2);
    await writeFile(`${filePath}.1`, '');
    await broker.closeAll();
  });
});
