/**
 * What core needs from the composition root (`Core.create`): storage, time, randomness, engines,
 * and the optional parts (audit, metrics, HA). Kept apart from the facade so core.ts stays about
 * serving requests; core.ts re-exports it.
 */
import type { ArcaMetrics } from '../lib/metrics.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { BackendFactory, PathSpec } from '../logical/backend.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import type { AuditBroker } from './audit-broker.js';
import type { HaBackend } from './ha.js';
import type { KeyringRotationOptions } from './keyring-rotation.js';
import type { ClockOffsetHealth } from './system/context.js';
import type { CoreLogger } from './mounts.js';
import type { LeaseTiming } from './leases-timing.js';
import type { SystemLeaseTtls } from './ttl.js';

/** Everything core needs from the composition root. */
export interface CoreDeps {
  physical: PhysicalBackend;
  clock: Clock;
  rng: Rng;
  /** pino or anything with the same info/warn/error(obj, msg) shape. */
  logger: CoreLogger;
  /** Secrets engine factories by type (`kv`, `cubbyhole`, `transit`, ...). */
  engines: Record<string, BackendFactory>;
  /** Auth method factories by type (`userpass`, `approle`, ...); `token` is built in. */
  authEngines?: Record<string, BackendFactory>;
  /**
   * Replaces core's own audit broker (tests). Without it core runs its audit devices
   * (sys/audit), loaded on unseal and closed on seal.
   */
  audit?: AuditBroker;
  /** Bound on one audit device write before it counts as failed (default 5 s). */
  auditWriteTimeoutMs?: number;
  /** Metrics registry to move (requests, tokens, audit, barrier, storage); none when absent. */
  metrics?: ArcaMetrics;
  version?: string;
  clusterName?: string;
  /**
   * The server config's `default_lease_ttl` / `max_lease_ttl`: the TTLs a mount (and the token
   * store) uses when its own are 0. Default: Vault's 768h / 768h. Default must not exceed max.
   */
  systemLeaseTtls?: SystemLeaseTtls;
  /**
   * The expiration manager's timing: ε (config `max_clock_offset`), Raft's election timeout (the
   * activation grace), retry base and budget. Unset fields take `defaultLeaseTiming`.
   */
  leaseTiming?: Partial<LeaseTiming>;
  /**
   * The config's `api_addr` / `cluster_addr`. With HA storage (`storageType` raft) this node, as
   * the active one, advertises them in sys/leader (`leader_address`, `leader_cluster_address`), as
   * Vault does; without HA, Vault and Arca show empty addresses.
   */
  apiAddr?: string;
  clusterAddr?: string;
  /**
   * False when the config sets `telemetry { prometheus_retention_time = 0 }`: the Prometheus
   * format then answers 400 `prometheus is not enabled`, as Vault does. Default true.
   */
  prometheusEnabled?: boolean;
  /** Shown in seal-status (`raft`, `leveldb`, `inmem`). */
  storageType?: string;
  /**
   * Extra sys/ paths from other subsystems (sys/audit, sys/leases, sys/metrics ...), relative to
   * `sys/`, matched after core's own. They get the usual token, ACL, sudo and audit treatment.
   */
  systemPaths?: PathSpec[];
  /**
   * Enables the barrier's in-memory read cache of decrypted values. Only when every write to
   * `physical` goes through this core (a single node, not a Raft follower applying entries below).
   */
  barrierReadCache?: { entriesMax: number; bytesMax: number; valueBytesMax: number };
  /**
   * Replicated storage's HA port (Raft). With it core has a standby mode: unsealed but serving
   * only the local sys paths until this node leads (see ha.ts); without it, unsealed = active.
   */
  ha?: HaBackend;
  /**
   * `standby_reads` (HA only): a standby serves read-only requests itself after a ReadIndex round
   * (standby-reads.ts) instead of refusing them for the server to forward. Default false.
   */
  standbyReads?: boolean;
  /**
   * Automatic keyring rotation knobs: the floor of `max_operations` (Vault's 1,000,000; tests
   * lower it) and how often the active node persists the encryption count.
   */
  keyRotation?: KeyringRotationOptions;
  /** The cluster's clock-offset guard (Raft members): its verdict is shown by sys/health. */
  clockOffset?: () => ClockOffsetHealth;
}
