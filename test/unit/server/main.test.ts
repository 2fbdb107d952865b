import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcaClient } from '../../../src/api/client.js';
import { isArcaError } from '../../../src/lib/errors.js';
import type { LogicalRequest } from '../../../src/logical/request.js';
import { createServerCore } from '../../../src/server/core-factory.js';
import { createCore, startServer, type CoreFactoryInput, type ServerCore } from '../../../src/server/main.js';
import { devServerConfig } from '../../../src/server/config.js';
import { createLogger } from '../../../src/server/logger.js';
import { LogSink } from './http/test-handler.js';

/**
 * The real core factory, with every request that reaches core recorded (observation only: core
 * answers). Built with `createServerCore` so the test also sees the dev data directory.
 */
function recordingFactory(): {
  factory: (input: CoreFactoryInput) => Promise<ServerCore>;
  requests: LogicalRequest[];
  /** Root token ids minted in-process (dev `-dev-root-token-id`). */
  minted: string[];
  input?: CoreFactoryInput;
  dataDir?: string;
} {
  const out: ReturnType<typeof recordingFactory> = {
    requests: [],
    minted: [],
    factory: async (input) => {
      out.input = input;
      const core = await createServerCore(input);
      out.dataDir = core.dataDir;
      return {
        handleRequest: (request) => {
          out.requests.push(request);
          return core.handleRequest(request);
        },
        createDevRootToken: (id) => {
          out.minted.push(id);
          return core.createDevRootToken!(id);
        },
        close: () => core.close(),
      };
    },
  };
  return out;
}

test('dev mode: listens, bootstraps a real core through requests, prints the banner, stops cleanly', async () => {
  const recorded = recordingFactory();
  let printed = '';
  const server = await startServer(
    {
      dev: true,
      devListenAddress: '127.0.0.1:0',
      devRootTokenId: 'root',
      logDestination: new LogSink(),
      print: (t) => (printed += t),
    },
    recorded.factory,
  );
  const dataDir = recorded.dataDir;
  try {
    assert.equal(recorded.input?.dev, true);
    assert.ok(dataDir !== undefined && existsSync(dataDir), 'dev data lives in a temporary directory');
    assert.match(server.addresses[0], /^http:\/\/127\.0\.0\.1:\d+$/);
    const generated = recorded.requests[2]?.clientToken ?? '';
    assert.match(generated, /^hvs\.\S+$/);
    assert.deepEqual(
      recorded.requests.map(
        (r) => `${r.operation} ${r.path} ${r.clientToken === generated ? 'generated' : r.clientToken}`,
      ),
      [
        'update sys/init ',
        'update sys/unseal ',
        'update auth/token/revoke-self generated',
        'update sys/mounts/secret root',
      ],
    );
    assert.deepEqual(recorded.minted, ['root'], 'the chosen-id root is minted as init mints its root');
    assert.deepEqual(recorded.requests[0].data, { secret_shares: 1, secret_threshold: 1 });
    assert.deepEqual(server.devCredentials, {
      unsealKey: recorded.requests[1].data.key,
      rootToken: 'root',
    });
    assert.ok(printed.includes(`\nUnseal Key: ${server.devCredentials?.unsealKey}\n`), printed);
    assert.match(printed, /Root Token: root/);
    const client = new ArcaClient({ address: server.addresses[0], token: 'root' });
    await client.write('secret/data/x', { data: { v: 1 } });
    assert.deepEqual((await client.read('secret/data/x'))?.data?.data, { v: 1 });
    client.close();
    const revoked = new ArcaClient({ address: server.addresses[0], token: generated });
    await assert.rejects(revoked.read('secret/data/x'), /403/, 'the generated root token was revoked');
    revoked.close();
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(dataDir), false, 'the dev data directory is removed on stop');
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
    const recorded = recordingFactory();
    const server = await startServer({ configFile: file, logDestination: new LogSink() }, recorded.factory);
    try {
      assert.equal(server.addresses.length, 2);
      assert.equal(server.config.logLevel, 'warn');
      assert.equal(recorded.dataDir, `${dir}/data`);
      for (const address of server.addresses) {
        const status = await fetch(`${address}/v1/sys/seal-status`);
        assert.equal(status.status, 200);
        const body = (await status.json()) as { initialized: boolean; sealed: boolean };
        assert.deepEqual([body.initialized, body.sealed], [false, true]);
      }
      assert.deepEqual(
        recorded.requests.map((r) => r.path),
        ['sys/seal-status', 'sys/seal-status'],
        'no dev bootstrap outside dev mode',
      );
    } finally {
      await server.stop();
    }
    assert.ok(existsSync(join(dir, 'data')), 'configured storage is kept on stop');
    await assert.rejects(startServer({ logDestination: new LogSink() }, recorded.factory), /-config/);
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
