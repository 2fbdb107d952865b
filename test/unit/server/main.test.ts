import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcaClient } from '../../../src/api/client.js';
import { isArcaError } from '../../../src/lib/errors.js';
import type { LogicalRequest } from '../../../src/logical/request.js';
import type { LogicalResponse } from '../../../src/logical/response.js';
import { createCore, startServer, type CoreFactoryInput, type ServerCore } from '../../../src/server/main.js';
import { devServerConfig } from '../../../src/server/config.js';
import { createLogger } from '../../../src/server/logger.js';
import { LogSink } from './http/test-handler.js';

/** Answers the dev bootstrap calls like core would and records everything. */
class FakeCore implements ServerCore {
  readonly requests: LogicalRequest[] = [];
  closed = false;
  input?: CoreFactoryInput;
  async handleRequest(req: LogicalRequest): Promise<LogicalResponse> {
    this.requests.push(req);
    const raw = (body: unknown): LogicalResponse => ({
      raw: { status: 200, contentType: 'application/json', body: JSON.stringify(body) },
    });
    if (req.path === 'sys/init')
      return raw({ keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.generated' });
    if (req.path === 'sys/unseal') return raw({ sealed: false });
    if (req.path === 'auth/token/create') return { auth: undefined, data: { ok: true } };
    if (req.path === 'sys/mounts/secret' || req.path === 'auth/token/revoke-self') return {};
    return { data: { path: req.path, token: req.clientToken } };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

test('dev mode: listens, bootstraps core through requests, prints the banner, stops cleanly', async () => {
  const core = new FakeCore();
  let printed = '';
  const server = await startServer(
    {
      dev: true,
      devListenAddress: '127.0.0.1:0',
      devRootTokenId: 'root',
      logDestination: new LogSink(),
      print: (t) => (printed += t),
    },
    async (input) => {
      core.input = input;
      return core;
    },
  );
  try {
    assert.equal(core.input?.dev, true);
    assert.equal(core.input?.config.storage.type, 'inmem');
    assert.match(server.addresses[0], /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(
      core.requests.map((r) => `${r.operation} ${r.path} ${r.clientToken}`),
      [
        'update sys/init ',
        'update sys/unseal ',
        'update auth/token/create hvs.generated',
        'update auth/token/revoke-self hvs.generated',
        'update sys/mounts/secret root',
      ],
    );
    assert.deepEqual(core.requests[0].data, { secret_shares: 1, secret_threshold: 1 });
    assert.deepEqual(core.requests[1].data, { key: 'qg==' });
    assert.deepEqual(core.requests[4].data.options, { version: '2' });
    assert.deepEqual(server.devCredentials, { unsealKey: 'qg==', rootToken: 'root' });
    assert.match(printed, /Unseal Key: qg==/);
    assert.match(printed, /Root Token: root/);
    const client = new ArcaClient({ address: server.addresses[0], token: 'root' });
    assert.equal((await client.read('secret/x'))?.data?.token, 'root');
    client.close();
  } finally {
    await server.stop();
  }
  assert.equal(core.closed, true);
});

test('config file mode: every listener is served; missing config is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-main-'));
  try {
    const file = join(dir, 'arca.hcl');
    writeFileSync(
      file,
      `storage "leveldb" { path = "${dir}/data" }
       listener "tcp" {
         address = "127.0.0.1:0"
         tls_disable = true
       }
       listener "tcp" {
         address = "127.0.0.1:0"
         tls_disable = true
       }
       log_level = "warn"`,
    );
    const core = new FakeCore();
    const server = await startServer({ configFile: file, logDestination: new LogSink() }, async () => core);
    try {
      assert.equal(server.addresses.length, 2);
      assert.equal(server.config.logLevel, 'warn');
      for (const address of server.addresses) {
        const client = new ArcaClient({ address });
        assert.equal((await client.read('a/b'))?.data?.path, 'a/b');
        client.close();
      }
      assert.equal(core.requests.length, 2, 'no dev bootstrap outside dev mode');
    } finally {
      await server.stop();
    }
    await assert.rejects(
      startServer({ logDestination: new LogSink() }, async () => core),
      /-config/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createCore builds a real, uninitialised core for inmem storage and refuses raft storage without cluster_addr', async () => {
  const config = devServerConfig('127.0.0.1:0');
  const logger = createLogger({ level: 'error', destination: new LogSink() });
  const core = await createCore({ config: { ...config, storage: { type: 'inmem' } }, logger, dev: false });
  try {
    const response = await core.handleRequest({
      id: 'r1',
      operation: 'read',
      path: 'sys/init',
      data: {},
      clientToken: '',
      headers: {},
      remoteAddress: '127.0.0.1',
    });
    assert.equal(JSON.parse(String(response.raw?.body)).initialized, false);
  } finally {
    await core.close();
  }
  await assert.rejects(
    createCore({
      config: { ...config, storage: { type: 'raft', path: '/nonexistent', retryJoin: [] } },
      logger,
      dev: false,
    }),
    (err: unknown) => isArcaError(err, 'invalid_field') && /cluster_addr/.test(err.message),
  );
});
