import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devServerConfig, loadServerConfig, parseServerConfig } from '../../../src/server/config.js';
import { isArcaError } from '../../../src/lib/errors.js';

const rejects = async (text: string, pattern: RegExp) => {
  await assert.rejects(parseServerConfig(text, 'bad.hcl'), (err: unknown) => {
    assert.ok(isArcaError(err, 'invalid_field'), String(err));
    assert.match(err.message, pattern);
    assert.match(err.message, /bad\.hcl/);
    return true;
  });
};

test('a single-node leveldb config with a plain listener', async () => {
  const config = await parseServerConfig(`
    storage "leveldb" {
      path = "/var/lib/arca"
    }
    listener "tcp" {
      address     = "127.0.0.1:8200"
      tls_disable = true
    }
    api_addr  = "http://127.0.0.1:8200"
    log_level = "Debug"
    ui = false
    disable_mlock = true
  `);
  assert.deepEqual(config.storage, { type: 'leveldb', path: '/var/lib/arca' });
  assert.equal(config.listeners.length, 1);
  assert.deepEqual(config.listeners[0], {
    type: 'tcp',
    address: '127.0.0.1:8200',
    tlsDisable: true,
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
    requestBodyBytesMax: 32 * 1024 * 1024,
    unauthenticatedMetricsAccess: false,
  });
  assert.equal(config.apiAddr, 'http://127.0.0.1:8200');
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.defaultLeaseTtlSeconds, 768 * 3600);
  assert.deepEqual(config.warnings, []);
});

test('a raft config with TLS, metrics access, request size and telemetry', async () => {
  const config = await parseServerConfig(`
    storage "raft" {
      path    = "/data/node1"
      node_id = "node1"
      retry_join {
        leader_api_addr = "https://node2:8200"
      }
    }
    listener "tcp" {
      address          = "0.0.0.0:8200"
      tls_cert_file    = "/tls/cert.pem"
      tls_key_file     = "/tls/key.pem"
      max_request_size = 1048576
      telemetry {
        unauthenticated_metrics_access = true
      }
    }
    listener "tcp" {
      address = "[::1]:8300"
      tls_disable = "true"
    }
    api_addr     = "https://node1:8200"
    cluster_addr = "https://node1:8201"
    default_lease_ttl = "1h"
    max_lease_ttl = "24h"
    telemetry {
      prometheus_retention_time = "30s"
      disable_hostname = true
    }
    mystery = 1
    disable_cache = true
  `);
  assert.deepEqual(config.storage, {
    type: 'raft',
    path: '/data/node1',
    nodeId: 'node1',
    retryJoin: [{ leaderApiAddr: 'https://node2:8200' }],
  });
  assert.equal(config.listeners[0].tlsCertFile, '/tls/cert.pem');
  assert.equal(config.listeners[0].requestBodyBytesMax, 1048576);
  assert.equal(config.listeners[0].unauthenticatedMetricsAccess, true);
  assert.equal(config.listeners[1].address, '[::1]:8300');
  assert.equal(config.listeners[1].tlsDisable, true);
  assert.equal(config.clusterAddr, 'https://node1:8201');
  assert.equal(config.defaultLeaseTtlSeconds, 3600);
  assert.equal(config.maxLeaseTtlSeconds, 86400);
  assert.deepEqual(config.telemetry, { prometheusRetentionSeconds: 30, disableHostname: true });
  assert.deepEqual(config.warnings, ['unknown configuration key "mystery" ignored']);
  assert.equal(config.disableCache, true);
});

test('broken configs fail with a clear message naming the file and the setting', async () => {
  const listener = 'listener "tcp" {\n address = "127.0.0.1:8200"\n tls_disable = true\n}';
  await rejects(`storage "leveldb" {`, /cannot parse/);
  await rejects(`storage "s3" { bucket = "x" }\n${listener}`, /unknown storage type "s3"/);
  await rejects(`storage "leveldb" {}\n${listener}`, /storage "leveldb" path is required/);
  await rejects(listener, /a storage block is required/);
  await rejects(`storage "leveldb" { path = "/x" }`, /at least one listener/);
  await rejects(
    `storage "leveldb" { path = "/x" }\nlistener "tcp" {\n address = "nonsense"\n tls_disable = true\n}`,
    /invalid listen address "nonsense"/,
  );
  await rejects(
    `storage "leveldb" { path = "/x" }\nlistener "tcp" {\n address = "127.0.0.1:99999"\n tls_disable = true\n}`,
    /invalid listen address/,
  );
  await rejects(
    `storage "leveldb" { path = "/x" }\nlistener "tcp" {\n address = "127.0.0.1:8200"\n}`,
    /tls_cert_file and tls_key_file are required/,
  );
  await rejects(
    `storage "leveldb" { path = "/x" }\nlistener "unix" { address = "/s" }`,
    /unknown listener type "unix"/,
  );
  await rejects(`storage "raft" { path = "/x" }\n${listener}`, /requires cluster_addr/);
  await rejects(
    `storage "leveldb" { path = "/x" }\n${listener}\napi_addr = "not a url"`,
    /api_addr must be a URL/,
  );
  await rejects(`storage "leveldb" { path = "/x" }\n${listener}\nlog_level = "loud"`, /invalid log level/);
  await rejects(
    `storage "leveldb" { path = "/x" }\n${listener}\ndefault_lease_ttl = "forever"`,
    /default_lease_ttl/,
  );
  await rejects(
    `storage "leveldb" { path = "/x" }\nlistener "tcp" {\n address = "127.0.0.1:1"\n tls_disable = true\n max_request_size = -5\n}`,
    /max_request_size/,
  );
  await rejects(
    `storage "leveldb" { path = "/x" }\nstorage "raft" { path = "/y" }\n${listener}`,
    /only one storage/,
  );
});

test('loadServerConfig reads a file and reports a missing one clearly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arca-config-'));
  try {
    const file = join(dir, 'arca.hcl');
    writeFileSync(
      file,
      'storage "leveldb" { path = "/x" }\nlistener "tcp" {\n address = "127.0.0.1:8200"\n tls_disable = 1\n}\n',
    );
    const config = await loadServerConfig(file);
    assert.equal(config.storage.type, 'leveldb');
    await assert.rejects(loadServerConfig(join(dir, 'missing.hcl')), /missing\.hcl: cannot read: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dev config: in-memory storage on the given address', () => {
  const config = devServerConfig('127.0.0.1:0');
  assert.deepEqual(config.storage, { type: 'inmem' });
  assert.equal(config.listeners[0].address, '127.0.0.1:0');
  assert.equal(config.listeners[0].tlsDisable, true);
  assert.throws(() => devServerConfig('bogus'), /invalid listen address/);
});

test('JSON configs (Vault accepts them too) use the same shapes', async () => {
  const config = await parseServerConfig(
    JSON.stringify({
      storage: { raft: { path: '/d', node_id: 'n1' } },
      listener: [{ tcp: { address: '127.0.0.1:8200', tls_disable: true } }],
      cluster_addr: 'https://n1:8201',
      telemetry: { disable_hostname: true },
    }),
    'arca.json',
  );
  assert.deepEqual(config.storage, { type: 'raft', path: '/d', nodeId: 'n1', retryJoin: [] });
  assert.equal(config.listeners[0].address, '127.0.0.1:8200');
  assert.equal(config.telemetry.disableHostname, true);
  await assert.rejects(parseServerConfig('{', 'bad.json'), /bad\.json: cannot parse/);
});

test('listener cluster_address binds the cluster port apart from the advertised cluster_addr (Vault)', async () => {
  const config = await parseServerConfig(`
    storage "raft" {
      path = "/x"
    }
    listener "tcp" {
      address         = "127.0.0.1:8200"
      cluster_address = "127.0.0.1:9301"
      tls_disable     = true
    }
    cluster_addr = "http://127.0.0.1:8201"
  `);
  assert.equal(config.listeners[0].clusterAddress, '127.0.0.1:9301');
  assert.equal(config.clusterAddr, 'http://127.0.0.1:8201');
  await rejects(
    `storage "raft" { path = "/x" }\nlistener "tcp" {\n address = "127.0.0.1:8200"\n cluster_address = "nope"\n tls_disable = true\n}\ncluster_addr = "http://127.0.0.1:8201"\n`,
    /nope|address/,
  );
});

test('a key inside storage, retry_join or listener that Arca does not honour stops startup naming it', async () => {
  const cases: [string, RegExp][] = [
    [
      'storage "leveldb" {\n path = "/x"\n cache_size = 5\n}\nlistener "tcp" {\n tls_disable = true\n}',
      /storage "leveldb": "cache_size"/,
    ],
    [
      'storage "raft" {\n path = "/x"\n performance_multiplier = 1\n}\nlistener "tcp" {\n tls_disable = true\n}\ncluster_addr = "http://127.0.0.1:8201"',
      /storage "raft": "performance_multiplier"/,
    ],
    [
      'storage "raft" {\n path = "/x"\n retry_join {\n leader_api_addr = "http://a:8200"\n leader_ca_cert_file = "/ca"\n }\n}\nlistener "tcp" {\n tls_disable = true\n}\ncluster_addr = "http://127.0.0.1:8201"',
      /retry_join: "leader_ca_cert_file"/,
    ],
    [
      'storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n tls_min_version = "tls13"\n}',
      /listener "tcp": "tls_min_version"/,
    ],
  ];
  for (const [text, pattern] of cases) {
    await assert.rejects(parseServerConfig(text), (err: Error) => pattern.test(err.message), text);
  }
});

test('max_clock_offset: ε for the lease and token time rules, a Go duration, default 500 ms', async () => {
  const base =
    'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n';
  assert.equal((await parseServerConfig(base)).maxClockOffsetMs, 500);
  assert.equal(devServerConfig().maxClockOffsetMs, 500);
  assert.equal((await parseServerConfig(`${base}max_clock_offset = "250ms"`)).maxClockOffsetMs, 250);
  assert.equal((await parseServerConfig(`${base}max_clock_offset = "1.5s"`)).maxClockOffsetMs, 1500);
  assert.equal((await parseServerConfig(`${base}max_clock_offset = 2`)).maxClockOffsetMs, 2000);
  assert.deepEqual((await parseServerConfig(`${base}max_clock_offset = "1s"`)).warnings, []);
  await rejects(`${base}max_clock_offset = "soon"`, /max_clock_offset/);
  await rejects(`${base}max_clock_offset = "-1s"`, /max_clock_offset/);
});

test('cache_size (entries, as Vault) and cache_size_bytes bound the read cache; bad values stop startup', async () => {
  const base = 'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n';
  const config = await parseServerConfig(`${base}cache_size = "50000"\ncache_size_bytes = 8388608\n`);
  assert.equal(config.vault.cacheSizeEntries, 50_000);
  assert.equal(config.vault.cacheSizeBytes, 8 * 1024 * 1024);
  const defaults = await parseServerConfig(base);
  assert.equal(defaults.vault.cacheSizeEntries, undefined);
  assert.equal(defaults.vault.cacheSizeBytes, undefined);
  await rejects(`${base}cache_size = "lots"\n`, /cache_size must be a positive integer/);
  await rejects(`${base}cache_size_bytes = 0\n`, /cache_size_bytes must be a positive integer/);
});
