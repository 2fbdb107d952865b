/**
 * Every configuration key either changes what a real server does or stops startup with a message
 * naming it: nothing is accepted and then ignored. Each test writes a config file, starts the real
 * server (real core over `storage "inmem"`, a real listener on port 0) and looks at its HTTP answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isArcaError } from '../../../src/lib/errors.js';
import { startServer, type RunningServer } from '../../../src/server/main.js';
import { LogSink } from './http/test-handler.js';

const listener = 'listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}';

async function withServer(extra: string, body: (call: Caller) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-config-keys-'));
  let server: RunningServer | undefined;
  try {
    const file = join(dir, 'arca.hcl');
    writeFileSync(file, `storage "inmem" {}\n${listener}\n${extra}\n`);
    server = await startServer({ configFile: file, logDestination: new LogSink() });
    const call = caller(server.addresses[0]);
    const init = await call('PUT', 'sys/init', '', { secret_shares: 1, secret_threshold: 1 });
    const keys = init.json as { keys_base64: string[]; root_token: string };
    assert.equal((await call('PUT', 'sys/unseal', '', { key: keys.keys_base64[0] })).status, 200);
    await body((method, path, token = keys.root_token, data) => call(method, path, token, data));
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Reply = { status: number; text: string; json: unknown };
type Caller = (method: string, path: string, token?: string, data?: unknown) => Promise<Reply>;

function caller(address: string) {
  return async (method: string, path: string, token: string, data?: unknown): Promise<Reply> => {
    const response = await fetch(`${address}/v1/${path}`, {
      method,
      headers: token === '' ? {} : { 'X-Vault-Token': token },
      body: data === undefined ? undefined : JSON.stringify(data),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  };
}

async function startupFails(extra: string, pattern: RegExp): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-config-keys-'));
  try {
    const file = join(dir, 'arca.hcl');
    writeFileSync(file, `storage "inmem" {}\n${listener}\n${extra}\n`);
    const outcome = await startServer({ configFile: file, logDestination: new LogSink() }).then(
      async (server) => {
        await server.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    assert.ok(
      isArcaError(outcome, 'invalid_field'),
      `startup should fail for ${extra}, got ${String(outcome)}`,
    );
    assert.match(outcome.message, pattern);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('default_lease_ttl / max_lease_ttl are the system TTLs of tokens and mounts', async () => {
  await withServer('default_lease_ttl = "10m"\nmax_lease_ttl = "1h"', async (call) => {
    const token = (await call('POST', 'auth/token/create', undefined, { policies: ['default'] })).json as {
      auth: { lease_duration: number };
    };
    assert.equal(token.auth.lease_duration, 600, 'a token without ttl gets the system default');
    const capped = (await call('POST', 'auth/token/create', undefined, { policies: ['default'], ttl: '2h' }))
      .json as {
      auth: { lease_duration: number };
    };
    assert.equal(capped.auth.lease_duration, 3600, 'and is capped at the system max');
    const tune = (await call('GET', 'sys/auth/token/tune')).json as { data: Record<string, unknown> };
    assert.equal(tune.data.default_lease_ttl, 600);
    assert.equal(tune.data.max_lease_ttl, 3600);
    const mount = await call('POST', 'sys/mounts/kv1', undefined, {
      type: 'kv',
      config: { default_lease_ttl: '2h' },
    });
    assert.equal(mount.status, 400);
    assert.match(mount.text, /given default lease TTL greater than system max lease TTL of 3600/);
  });
});

test("without lease TTL keys the system TTLs are Vault's 768h", async () => {
  await withServer('', async (call) => {
    const token = (await call('POST', 'auth/token/create', undefined, { policies: ['default'] })).json as {
      auth: { lease_duration: number };
    };
    assert.equal(token.auth.lease_duration, 768 * 3600);
  });
});

test('a default lease TTL above the max stops startup naming both keys', async () => {
  await startupFails(
    'default_lease_ttl = "2h"\nmax_lease_ttl = "1h"',
    /default_lease_ttl \(7200s\) cannot be larger than max_lease_ttl \(3600s\)/,
  );
  await startupFails(
    'max_lease_ttl = "1h"',
    /default_lease_ttl \(2764800s, the default\) cannot be larger than max_lease_ttl/,
  );
  await startupFails('max_lease_ttl = "soon"', /max_lease_ttl/);
});

test('telemetry prometheus_retention_time = 0 turns the Prometheus format off, as in Vault', async () => {
  await withServer(
    'telemetry {\n  prometheus_retention_time = 0\n  disable_hostname = true\n}',
    async (call) => {
      const off = await call('GET', 'sys/metrics?format=prometheus');
      assert.equal(off.status, 400);
      assert.equal(off.text, 'prometheus is not enabled');
      assert.equal((await call('GET', 'sys/metrics')).status, 200, 'the JSON format stays');
    },
  );
  await withServer('telemetry {\n  prometheus_retention_time = "30s"\n}', async (call) => {
    const on = await call('GET', 'sys/metrics?format=prometheus');
    assert.equal(on.status, 200);
    assert.match(on.text, /arca_requests_total/);
  });
});

test('telemetry keys Arca cannot honour stop startup naming the key', async () => {
  await startupFails(
    'telemetry {\n  statsd_address = "127.0.0.1:8125"\n}',
    /telemetry\.statsd_address is not supported/,
  );
  await startupFails(
    'telemetry {\n  usage_gauge_period = "10m"\n}',
    /telemetry\.usage_gauge_period is not supported/,
  );
  await startupFails(
    'telemetry {\n  disable_hostname = false\n}',
    /telemetry\.disable_hostname = false is not supported/,
  );
  await startupFails(
    'listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n  telemetry {\n    unauthenticated_pprof_access = true\n  }\n}',
    /listener telemetry unauthenticated_pprof_access is not supported/,
  );
});

test('api_addr and cluster_addr are validated; without HA storage sys/leader shows no address, as Vault', async () => {
  await startupFails('api_addr = "not a url"', /api_addr must be a URL/);
  await startupFails('cluster_addr = "ftp://x:1"', /cluster_addr must be a URL/);
  await withServer(
    'api_addr = "https://arca.example:8200"\ncluster_addr = "https://arca.example:8201"',
    async (call) => {
      const leader = (await call('GET', 'sys/leader', '')).json as Record<string, unknown>;
      assert.equal(leader.ha_enabled, false);
      assert.equal(leader.leader_address, '');
    },
  );
});

test("Vault's top-level switches either work or stop startup naming the key", async () => {
  await startupFails('ui = "sometimes"', /ui must be true or false/);
  await startupFails('disable_mlock = false', /disable_mlock = false asks for memory locking/);
  await startupFails('plugin_directory = "/opt/plugins"', /plugin_directory: external plugins/);
  await startupFails('log_format = "standard"', /log_format = "standard"/);
  await startupFails('raw_storage_endpoint = true', /raw_storage_endpoint = true/);
  await startupFails('enable_response_header_hostname = true', /enable_response_header_hostname/);
  await startupFails('enable_response_header_raft_node_id = true', /enable_response_header_raft_node_id/);
  await startupFails('cluster_name = 7', /cluster_name must be a non-empty string/);
  // The values that describe what Arca does are accepted.
  await withServer(
    'ui = false\ndisable_mlock = true\nlog_format = "json"\ndisable_performance_standby = true\ndisable_clustering = true',
    async (call) => {
      assert.equal((await call('GET', 'sys/health', '')).status, 200);
    },
  );
});

test('cluster_name is the name sys/health and sys/seal-status report', async () => {
  await withServer('cluster_name = "payments-prod"', async (call) => {
    const health = (await call('GET', 'sys/health', '')).json as { cluster_name: string };
    assert.equal(health.cluster_name, 'payments-prod');
    const status = (await call('GET', 'sys/seal-status', '')).json as { cluster_name: string };
    assert.equal(status.cluster_name, 'payments-prod');
  });
});

test('pid_file holds the server PID while it runs and is removed at stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-config-pid-'));
  try {
    const pidFile = join(dir, 'arca.pid');
    const file = join(dir, 'arca.hcl');
    writeFileSync(file, `storage "inmem" {}\n${listener}\npid_file = ${JSON.stringify(pidFile)}\n`);
    const server = await startServer({ configFile: file, logDestination: new LogSink() });
    try {
      assert.equal(readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(pidFile), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
