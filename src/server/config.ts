/**
 * The server configuration file: Vault's HCL format, parsed with HashiCorp's own HCL parser
 * (`@cdktf/hcl2json`, wasm) and validated into a typed `ServerConfig`. Anything we cannot honour is
 * a clear error naming the file and the setting; settings Vault has and we ignore (`ui`,
 * `disable_mlock`, ...) are accepted; unknown top-level keys become warnings, as in Vault.
 *
 * Supported: `storage "leveldb" { path }`, `storage "raft" { path, node_id, retry_join {...} }`,
 * `storage "inmem" {}`; one or more `listener "tcp" { address, tls_disable, tls_cert_file,
 * tls_key_file, max_request_size, telemetry { unauthenticated_metrics_access } }`; `api_addr`,
 * `cluster_addr`, `log_level`, `default_lease_ttl`, `max_lease_ttl`, `telemetry {
 * prometheus_retention_time, disable_hostname }`.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { ArcaError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { parseDurationSeconds } from '../lib/durations.js';
import { parseListenAddress } from './address.js';
import { parseLogLevel, type LogLevel } from './logger.js';

/** Where data lives. `inmem` is for dev mode and tests only (nothing survives a restart). */
export type StorageConfig =
  | { type: 'leveldb'; path: string }
  | { type: 'raft'; path: string; nodeId?: string; retryJoin: { leaderApiAddr: string }[] }
  | { type: 'inmem' };

/** One `listener "tcp"` block. */
export interface ListenerConfig {
  type: 'tcp';
  /** `host:port`. */
  address: string;
  /** `cluster_address`: where the cluster (Noise) listener binds, when it differs from `cluster_addr` (Vault's split of bind and advertised address, e.g. behind a proxy or NAT). */
  clusterAddress?: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Largest request body (Vault's `max_request_size`, default 32 MiB). */
  requestBodyBytesMax: number;
  /** `telemetry { unauthenticated_metrics_access = true }` inside the listener (vault-api.md §11). */
  unauthenticatedMetricsAccess: boolean;
}

/** The validated server configuration. */
export interface ServerConfig {
  storage: StorageConfig;
  listeners: ListenerConfig[];
  apiAddr?: string;
  clusterAddr?: string;
  logLevel: LogLevel;
  defaultLeaseTtlSeconds: number;
  maxLeaseTtlSeconds: number;
  telemetry: { prometheusRetentionSeconds: number; disableHostname: boolean };
  /**
   * Vault's `disable_cache`: turns off the in-memory read cache of decrypted values (see
   * src/storage/barrier/plaintext-cache.ts) for operators who want no secret kept in memory
   * longer than one request, at the cost of read throughput (docs/benchmarks.md).
   */
  disableCache: boolean;
  /** Non-fatal remarks (unknown keys), to be logged at startup. */
  warnings: string[];
}

/** Top-level keys Vault accepts that Arca deliberately ignores. */
const ignoredTopLevelKeys = new Set([
  'ui',
  'disable_mlock',
  'cluster_name',
  'disable_clustering',
  'plugin_directory',
  'pid_file',
  'log_format',
  'raw_storage_endpoint',
  'disable_performance_standby',
  'enable_response_header_hostname',
  'enable_response_header_raft_node_id',
]);
const knownTopLevelKeys = new Set([
  'storage',
  'backend',
  'listener',
  'api_addr',
  'cluster_addr',
  'log_level',
  'default_lease_ttl',
  'max_lease_ttl',
  'telemetry',
  'disable_cache',
  ...ignoredTopLevelKeys,
]);

type Block = Record<string, unknown>;

/** Parses and validates config text. `filename` only labels error messages. */
export async function parseServerConfig(text: string, filename = 'config.hcl'): Promise<ServerConfig> {
  let raw: Block;
  try {
    raw = filename.endsWith('.json')
      ? (JSON.parse(text) as Block)
      : ((await parseHcl(filename, text)) as Block);
  } catch (err) {
    throw configError(filename, `cannot parse: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw configError(filename, 'expected an object');
  const fail = (message: string): never => {
    throw configError(filename, message);
  };
  const warnings = Object.keys(raw)
    .filter((key) => !knownTopLevelKeys.has(key))
    .map((key) => `unknown configuration key ${JSON.stringify(key)} ignored`);

  const storage = parseStorage(raw.storage ?? raw.backend, fail);
  const listeners = labelledBlocks(raw.listener, 'listener', fail).map(({ label, body }) =>
    parseListener(label, body, fail),
  );
  if (listeners.length === 0) fail('at least one listener "tcp" block is required');
  const apiAddr = optionalUrl(raw.api_addr, 'api_addr', fail);
  const clusterAddr = optionalUrl(raw.cluster_addr, 'cluster_addr', fail);
  if (storage.type === 'raft' && clusterAddr === undefined) fail('storage "raft" requires cluster_addr');
  const telemetry = singleBlock(raw.telemetry, 'telemetry', fail);
  const logLevel =
    raw.log_level === undefined
      ? 'info'
      : attempt(() => parseLogLevel(stringValue(raw.log_level, 'log_level', fail)), fail);
  return {
    storage,
    listeners,
    apiAddr,
    clusterAddr,
    logLevel,
    disableCache: boolValue(raw.disable_cache, 'disable_cache', false, fail),
    defaultLeaseTtlSeconds: durationValue(
      raw.default_lease_ttl,
      'default_lease_ttl',
      limits.defaultLeaseTtlSeconds,
      fail,
    ),
    maxLeaseTtlSeconds: durationValue(raw.max_lease_ttl, 'max_lease_ttl', limits.maxLeaseTtlSeconds, fail),
    telemetry: {
      prometheusRetentionSeconds: durationValue(
        telemetry.prometheus_retention_time,
        'telemetry.prometheus_retention_time',
        24 * 3600,
        fail,
      ),
      disableHostname: boolValue(telemetry.disable_hostname, 'telemetry.disable_hostname', false, fail),
    },
    warnings,
  };
}

/** Reads and parses a config file. */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw configError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseServerConfig(text, file);
}

/** The `-dev` configuration: in-memory storage, one plain-HTTP listener, info logs. */
export function devServerConfig(listenAddress = '127.0.0.1:8200'): ServerConfig {
  parseListenAddress(listenAddress);
  return {
    storage: { type: 'inmem' },
    listeners: [
      {
        type: 'tcp',
        address: listenAddress,
        tlsDisable: true,
        requestBodyBytesMax: limits.requestBodyBytesMax,
        unauthenticatedMetricsAccess: false,
      },
    ],
    apiAddr: `http://${listenAddress}`,
    logLevel: 'info',
    disableCache: false,
    defaultLeaseTtlSeconds: limits.defaultLeaseTtlSeconds,
    maxLeaseTtlSeconds: limits.maxLeaseTtlSeconds,
    telemetry: { prometheusRetentionSeconds: 24 * 3600, disableHostname: false },
    warnings: [],
  };
}

type Fail = (message: string) => never;

function configError(filename: string, message: string): ArcaError {
  return new ArcaError('invalid_field', `config file ${filename}: ${message}`);
}

function attempt<T>(fn: () => T, fail: Fail): T {
  try {
    return fn();
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** `kind "label" { ... }` blocks: hcl2json gives `{label: [body, ...]}`. */
function labelledBlocks(value: unknown, kind: string, fail: Fail): { label: string; body: Block }[] {
  if (value === undefined) return [];
  const groups = Array.isArray(value) ? value : [value];
  const out: { label: string; body: Block }[] = [];
  for (const group of groups) {
    if (group === null || typeof group !== 'object')
      fail(`${kind} must be a block like ${kind} "type" { ... }`);
    for (const [label, bodies] of Object.entries(group as Block)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
        if (body === null || typeof body !== 'object' || Array.isArray(body))
          fail(`${kind} "${label}" must be a block`);
        out.push({ label, body: body as Block });
      }
    }
  }
  return out;
}

/** An unlabelled block (`telemetry { ... }`): hcl2json gives `[body]`. At most one. */
function singleBlock(value: unknown, kind: string, fail: Fail): Block {
  if (value === undefined) return {};
  const bodies = Array.isArray(value) ? value : [value];
  if (bodies.length > 1) fail(`only one ${kind} block is allowed`);
  const body = bodies[0] as unknown;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(`${kind} must be a block`);
  return body as Block;
}

function parseStorage(value: unknown, fail: Fail): StorageConfig {
  const blocks = labelledBlocks(value, 'storage', fail);
  if (blocks.length === 0) return fail('a storage block is required (storage "leveldb" { path = "..." })');
  if (blocks.length > 1) fail('only one storage block is allowed');
  const { label, body } = blocks[0];
  switch (label) {
    case 'leveldb':
      return { type: 'leveldb', path: requiredString(body.path, 'storage "leveldb" path', fail) };
    case 'raft': {
      const nodeId =
        body.node_id === undefined ? undefined : stringValue(body.node_id, 'storage "raft" node_id', fail);
      const retryJoin = (
        Array.isArray(body.retry_join)
          ? body.retry_join
          : body.retry_join === undefined
            ? []
            : [body.retry_join]
      ).map((join: unknown) => ({
        leaderApiAddr: requiredUrl(
          (join as Block | null)?.leader_api_addr,
          'storage "raft" retry_join leader_api_addr',
          fail,
        ),
      }));
      return {
        type: 'raft',
        path: requiredString(body.path, 'storage "raft" path', fail),
        nodeId,
        retryJoin,
      };
    }
    case 'inmem':
      return { type: 'inmem' };
    default:
      return fail(`unknown storage type ${JSON.stringify(label)} (supported: leveldb, raft, inmem)`);
  }
}

function parseListener(label: string, body: Block, fail: Fail): ListenerConfig {
  if (label !== 'tcp') fail(`unknown listener type ${JSON.stringify(label)} (supported: tcp)`);
  const address =
    body.address === undefined ? '127.0.0.1:8200' : stringValue(body.address, 'listener address', fail);
  attempt(() => parseListenAddress(address), fail);
  const tlsDisable = boolValue(body.tls_disable, 'listener tls_disable', false, fail);
  const tlsCertFile =
    body.tls_cert_file === undefined
      ? undefined
      : stringValue(body.tls_cert_file, 'listener tls_cert_file', fail);
  const tlsKeyFile =
    body.tls_key_file === undefined
      ? undefined
      : stringValue(body.tls_key_file, 'listener tls_key_file', fail);
  if (!tlsDisable && (tlsCertFile === undefined || tlsKeyFile === undefined)) {
    fail(`listener ${address}: tls_cert_file and tls_key_file are required unless tls_disable = true`);
  }
  let requestBodyBytesMax = limits.requestBodyBytesMax;
  if (body.max_request_size !== undefined) {
    const size = Number(body.max_request_size);
    if (!Number.isSafeInteger(size) || size < 0)
      fail(`listener ${address}: max_request_size must be a non-negative integer`);
    if (size > 0) requestBodyBytesMax = size;
  }
  const telemetry = singleBlock(body.telemetry, 'listener telemetry', fail);
  const clusterAddress =
    body.cluster_address === undefined
      ? undefined
      : stringValue(body.cluster_address, 'listener cluster_address', fail);
  if (clusterAddress !== undefined) attempt(() => parseListenAddress(clusterAddress), fail);
  return {
    type: 'tcp',
    address,
    ...(clusterAddress === undefined ? {} : { clusterAddress }),
    tlsDisable,
    tlsCertFile: tlsDisable ? undefined : tlsCertFile,
    tlsKeyFile: tlsDisable ? undefined : tlsKeyFile,
    requestBodyBytesMax,
    unauthenticatedMetricsAccess: boolValue(
      telemetry.unauthenticated_metrics_access,
      'listener telemetry unauthenticated_metrics_access',
      false,
      fail,
    ),
  };
}

function stringValue(value: unknown, name: string, fail: Fail): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${name} must be a string`);
}

function requiredString(value: unknown, name: string, fail: Fail): string {
  if (value === undefined || value === '') fail(`${name} is required`);
  return stringValue(value, name, fail);
}

function boolValue(value: unknown, name: string, fallback: boolean, fail: Fail): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return fail(`${name} must be true or false`);
}

function durationValue(value: unknown, name: string, fallback: number, fail: Fail): number {
  if (value === undefined) return fallback;
  return attempt(() => parseDurationSeconds(value, name), fail);
}

function optionalUrl(value: unknown, name: string, fail: Fail): string | undefined {
  return value === undefined ? undefined : requiredUrl(value, name, fail);
}

function requiredUrl(value: unknown, name: string, fail: Fail): string {
  const text = requiredString(value, name, fail);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`${name} must be a URL like https://host:port, got ${JSON.stringify(text)}`);
  }
  if (!['http:', 'https:', 'tcp:'].includes(url.protocol) || url.hostname === '') {
    fail(`${name} must be a URL like https://host:port, got ${JSON.stringify(text)}`);
  }
  return text;
}
