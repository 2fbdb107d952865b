/**
 * The top-level settings Vault has that are not about storage, listeners or telemetry (`ui`,
 * `disable_mlock`, `cluster_name`, `pid_file`, ...). The rule: no key is accepted and ignored.
 * Each one either does what it says in Arca, or is accepted only with the value that describes
 * what Arca already does (e.g. `disable_mlock = true`: Arca never locks memory), or stops startup
 * with a message naming the key and what to do instead. Arca's own `standby_reads` (a standby
 * serves linearizable reads itself, beyond Vault CE; docs/cluster.md) lives here too.
 */

/** What these settings configure in Arca. */
export interface VaultKeySettings {
  /** `cluster_name`: reported by sys/health, sys/seal-status and sys/leader (default generated). */
  clusterName?: string;
  /** `pid_file`: the server writes its PID here at start and removes the file at stop. */
  pidFile?: string;
  /** `ui = true`: every listener serves the web UI at `/ui/` (Vault: off unless set; dev mode on). */
  ui?: boolean;
  /** `cache_size` (Vault: entries of the storage read cache, default 131072). */
  cacheSizeEntries?: number;
  /** `cache_size_bytes` (Arca only): the read cache's memory bound, values plus overhead. */
  cacheSizeBytes?: number;
  /** `standby_reads = true`: standbys serve read-only requests after a ReadIndex round. */
  standbyReads?: boolean;
}

/** The keys this module owns (config.ts treats them as known). */
export const vaultTopLevelKeys: readonly string[] = [
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
  'cache_size',
  'cache_size_bytes',
  'standby_reads',
];

type Fail = (message: string) => never;

/**
 * Validates the keys of `vaultTopLevelKeys` present in `raw` and returns the ones that configure
 * something. `storageType` matters for `disable_clustering` (raft needs the cluster port).
 */
export function parseVaultKeys(
  raw: Record<string, unknown>,
  storageType: string,
  fail: Fail,
): VaultKeySettings {
  const flag = (key: string): boolean | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 1) return true;
    if (value === 'false' || value === 0) return false;
    return fail(`${key} must be true or false`);
  };
  const text = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') return fail(`${key} must be a non-empty string`);
    return value;
  };

  if (flag('disable_mlock') === false)
    fail(
      'disable_mlock = false asks for memory locking, which Arca cannot do (Node.js has no mlock); ' +
        'set disable_mlock = true and disable swap on the host (or encrypt it) instead',
    );
  if (flag('disable_clustering') === true && storageType === 'raft')
    fail('disable_clustering = true cannot be used with storage "raft" (the cluster port carries Raft)');
  if (raw.plugin_directory !== undefined)
    fail('plugin_directory: external plugins are not supported by Arca; remove the key');
  const logFormat = text('log_format');
  if (logFormat !== undefined && logFormat !== 'json')
    fail(
      `log_format = ${JSON.stringify(logFormat)}: Arca writes JSON log lines only; use "json" or remove the key`,
    );
  if (flag('raw_storage_endpoint') === true)
    fail('raw_storage_endpoint = true: sys/raw is not supported by Arca; remove the key');
  // Vault Enterprise's switch for its read-serving standbys: true says what Arca does without
  // `standby_reads`, so the two together contradict each other.
  const standbyReads = flag('standby_reads') === true;
  if (flag('disable_performance_standby') === true && standbyReads)
    fail('disable_performance_standby = true contradicts standby_reads = true; remove one of them');
  for (const key of ['enable_response_header_hostname', 'enable_response_header_raft_node_id']) {
    if (flag(key) === true) fail(`${key} = true is not supported by Arca; remove the key`);
  }
  const settings: VaultKeySettings = {};
  const cacheSizeEntries = positiveInteger(raw, 'cache_size', fail);
  if (cacheSizeEntries !== undefined) settings.cacheSizeEntries = cacheSizeEntries;
  const cacheSizeBytes = positiveInteger(raw, 'cache_size_bytes', fail);
  if (cacheSizeBytes !== undefined) settings.cacheSizeBytes = cacheSizeBytes;
  if (flag('ui') === true) settings.ui = true;
  if (standbyReads) settings.standbyReads = true;
  const clusterName = text('cluster_name');
  if (clusterName !== undefined) settings.clusterName = clusterName;
  const pidFile = text('pid_file');
  if (pidFile !== undefined) settings.pidFile = pidFile;
  return settings;
}

/** A positive integer key given as a number or a decimal string (Vault writes `cache_size = "131072"`). */
function positiveInteger(raw: Record<string, unknown>, key: string, fail: Fail): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
    return fail(`${key} must be a positive integer`);
  return n;
}
