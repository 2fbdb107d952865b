/**
 * The server configuration file: Vault's HCL format, parsed with Arca's HCL 1 parser (the language
 * Vault reads it with; config-hcl.ts) and validated into a typed `ServerConfig`. Anything we cannot honour is
 * a clear error naming the file and the setting; Vault's other top-level switches (`ui`,
 * `disable_mlock`, `cluster_name`, `pid_file`, ...) either work or stop startup naming the key
 * (config-vault-keys.ts); unknown top-level keys become warnings, as in Vault.
 *
 * Supported: `storage "leveldb" { path }`, `storage "raft" { path, node_id, retry_join {...} }`,
 * `storage "inmem" {}`; one or more `listener "tcp" { address, tls_disable, tls_cert_file,
 * tls_key_file, max_request_size, telemetry { unauthenticated_metrics_access } }`; `api_addr`,
 * `cluster_addr`, `log_level`, `default_lease_ttl`, `max_lease_ttl`, `max_clock_offset`, `telemetry {
 * prometheus_retention_time, disable_hostname = true }`. What each does is on the `ServerConfig`
 * fields below; a `telemetry` key Arca cannot honour fails startup naming it (telemetry-config.ts).
 */
import { readFile } from 'node:fs/promises';
import { ArcaError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { parseDurationSeconds } from '../lib/durations.js';
import type { JsonLimits } from '../lib/json-limits.js';
import { parseListenAddress } from './address.js';
import { parseMaxClockOffsetMs } from './config-clock.js';
import { listenerJsonLimitKeys, parseListenerJsonLimits } from './config-json-limits.js';
import { parseVaultKeys, vaultTopLevelKeys, type VaultKeySettings } from './config-vault-keys.js';
import { parseLogLevel, type LogLevel } from './logger.js';
import { parseListenerTelemetry, parseTelemetry, type TelemetryConfig } from './telemetry-config.js';
import { parseHcl } from './config-hcl.js';

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
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Largest request body (Vault's `max_request_size`, default 32 MiB). */
  requestBodyBytesMax: number;
  /** `telemetry { unauthenticated_metrics_access = true }` inside the listener (Vault's HTTP API docs). */
  unauthenticatedMetricsAccess: boolean;
  /** `max_json_depth` & co. (config-json-limits.ts); absent = Vault's defaults. */
  jsonLimits?: JsonLimits;
  /**
   * Vault's listener `cluster_address`: where the cluster (Noise) listener binds, `host:port`.
   * Default: the host:port of the top-level `cluster_addr`, which is what peers dial.
   */
  clusterAddress?: string;
}

/** The validated server configuration. */
export interface ServerConfig {
  storage: StorageConfig;
  listeners: ListenerConfig[];
  /**
   * Vault's `api_addr`: the URL clients should use for this node. Validated (http/https URL);
   * core advertises it as `leader_address` in sys/leader when storage is HA (raft), as Vault
   * does; it is also what the cluster layer should redirect standby clients to.
   */
  apiAddr?: string;
  /** Vault's `cluster_addr`: node-to-node URL (required with storage "raft"). */
  clusterAddr?: string;
  logLevel: LogLevel;
  /** System default lease TTL (`default_lease_ttl`, 0/absent = 768h): what a mount's 0 means. */
  defaultLeaseTtlSeconds: number;
  /** System max lease TTL (`max_lease_ttl`, 0/absent = 768h); never below the default. */
  maxLeaseTtlSeconds: number;
  /** ε (`max_clock_offset`, default 500 ms; see config-clock.ts); also the clock guard's bound. */
  maxClockOffsetMs: number;
  telemetry: TelemetryConfig;
  /**
   * Vault's `disable_cache`: no in-memory cache of decrypted values (plaintext-cache.ts), for
   * operators who want no secret kept past one request, at a cost in reads (docs/benchmarks.md).
   */
  disableCache: boolean;
  /** `cluster_name`, `pid_file` and Vault's other top-level switches (config-vault-keys.ts). */
  vault: VaultKeySettings;
  /** Non-fatal remarks (unknown keys), to be logged at startup. */
  warnings: string[];
}

const knownTopLevelKeys = new Set([
  'storage',
  'backend',
  'listener',
  'api_addr',
  'cluster_addr',
  'log_level',
  'default_lease_ttl',
  'max_lease_ttl',
  'max_clock_offset',
  'telemetry',
  'disable_cache',
  ...vaultTopLevelKeys,
]);

type Block = Record<string, unknown>;

/** Parses and validates config text. `filename` only labels error messages. */
export async function parseServerConfig(text: string, filename = 'config.hcl'): Promise<ServerConfig> {
  let parsed: unknown;
  try {
    parsed = filename.endsWith('.json') ? JSON.parse(text) : parseHcl(text);
  } catch (err) {
    throw configError(filename, `cannot parse: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw configError(filename, 'expected an object');
  const raw = parsed as Block;
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
  const telemetry = parseTelemetry(singleBlock(raw.telemetry, 'telemetry', fail), fail);
  const defaultLeaseTtlSeconds =
    durationValue(raw.default_lease_ttl, 'default_lease_ttl', 0, fail) || limits.defaultLeaseTtlSeconds;
  const maxLeaseTtlSeconds =
    durationValue(raw.max_lease_ttl, 'max_lease_ttl', 0, fail) || limits.maxLeaseTtlSeconds;
  if (defaultLeaseTtlSeconds > maxLeaseTtlSeconds) {
    // Vault: "cannot have DefaultLeaseTTL larger than MaxLeaseTTL" (both default to 768h).
    fail(
      `default_lease_ttl (${defaultLeaseTtlSeconds}s${raw.default_lease_ttl === undefined ? ', the default' : ''}) ` +
        `cannot be larger than max_lease_ttl (${maxLeaseTtlSeconds}s)`,
    );
  }
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
    defaultLeaseTtlSeconds,
    maxLeaseTtlSeconds,
    maxClockOffsetMs: attempt(() => parseMaxClockOffsetMs(raw.max_clock_offset), fail),
    telemetry,
    vault: parseVaultKeys(raw, storage.type, fail),
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
    maxClockOffsetMs: parseMaxClockOffsetMs(undefined),
    telemetry: parseTelemetry({}, (message) => {
      throw configError('-dev', message);
    }),
    // Vault's dev server enables the UI.
    vault: { ui: true },
    warnings: [],
  };
}

type Fail = (message: string) => never;

/**
 * The keys each block honours. Any other key (including Vault keys Arca does not implement, such
 * as `tls_min_version` or raft's `performance_multiplier`) stops startup naming it: nothing in a
 * config file is accepted and then ignored.
 */
const storageKeys: Record<string, readonly string[]> = {
  leveldb: ['path'],
  raft: ['path', 'node_id', 'retry_join'],
  inmem: [],
};
const listenerKeys: readonly string[] = [
  'address',
  'cluster_address',
  'tls_disable',
  'tls_cert_file',
  'tls_key_file',
  'max_request_size',
  'telemetry',
  ...listenerJsonLimitKeys,
];

function onlyKeys(body: Block, known: readonly string[], where: string, fail: Fail): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) fail(`${where}: ${JSON.stringify(key)} is not supported by Arca; remove it`);
  }
}

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

/** `kind "label" { ... }` blocks: config-hcl.ts gives `{label: [body, ...]}`. */
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

/** An unlabelled block (`telemetry { ... }`): config-hcl.ts gives `[body]`. At most one. */
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
  const known = storageKeys[label];
  if (known !== undefined) onlyKeys(body, known, `storage "${label}"`, fail);
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
      ).map((join: unknown) => {
        if (join !== null && typeof join === 'object' && !Array.isArray(join))
          onlyKeys(join as Block, ['leader_api_addr'], 'storage "raft" retry_join', fail);
        return {
          leaderApiAddr: requiredUrl(
            (join as Block | null)?.leader_api_addr,
            'storage "raft" retry_join leader_api_addr',
            fail,
          ),
        };
      });
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
  onlyKeys(body, listenerKeys, 'listener "tcp"', fail);
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
  const telemetry = parseListenerTelemetry(singleBlock(body.telemetry, 'listener telemetry', fail), fail);
  const jsonLimits = parseListenerJsonLimits(body, `listener ${address}`, fail);
  const clusterAddress =
    body.cluster_address === undefined
      ? undefined
      : stringValue(body.cluster_address, 'listener cluster_address', fail);
  if (clusterAddress !== undefined) attempt(() => parseListenAddress(clusterAddress), fail);
  return {
    ...(jsonLimits ? { jsonLimits } : {}),
    type: 'tcp',
    address,
    tlsDisable,
    tlsCertFile: tlsDisable ? undefined : tlsCertFile,
    tlsKeyFile: tlsDisable ? undefined : tlsKeyFile,
    requestBodyBytesMax,
    unauthenticatedMetricsAccess: telemetry.unauthenticatedMetricsAccess,
    ...(clusterAddress === undefined ? {} : { clusterAddress }),
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
