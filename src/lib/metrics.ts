/**
 * Every Arca metric, declared once on one prom-client registry and injected into the components
 * that move them (core, audit, storage, the HTTP layer, and Raft when the cluster arrives:
 * `raft()` creates that group lazily so single-node servers do not export empty Raft series).
 * Names follow Prometheus conventions: `arca_` prefix, base units (seconds, bytes), `_total` for
 * counters. docs/metrics.md documents each one; a test checks the dashboards use only these.
 */
import { Counter, Gauge, Histogram, Registry, collectProcessMetrics } from './prom-modules.js';
import { HistogramChildren } from './histogram-child.js';

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Raft metrics (created on first use by the cluster driver). */
export interface RaftMetrics {
  term: Gauge;
  commitIndex: Gauge;
  appliedIndex: Gauge;
  isLeader: Gauge;
  leaderChanges: Counter;
  commitDuration: Histogram;
  persistBatchEntries: Histogram;
}

/** The clock-offset guard's metrics (cluster members only). */
export interface ClockMetrics {
  offsetSeconds: Gauge;
  fenced: Gauge;
  jumps: Counter<'direction'>;
}

export class ArcaMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'arca_requests_total',
    help: 'Requests handled, by mount, logical operation and HTTP status code.',
    labelNames: ['mount', 'operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'arca_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by mount and operation.',
    labelNames: ['mount', 'operation'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  /** `requestDuration` by (mount, operation), observed without label hashing (histogram-child.ts). */
  readonly requestDurationSeries = new HistogramChildren(this.requestDuration);
  readonly requestsDenied = new Counter({
    name: 'arca_requests_denied_total',
    help: 'Requests refused with 403, by reason (permission_denied, invalid_token).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly sealed = new Gauge({
    name: 'arca_core_sealed',
    help: '1 while this node is sealed (or uninitialised), 0 when unsealed.',
    registers: [this.registry],
  });
  readonly tokenCreations = new Counter({
    name: 'arca_token_creations_total',
    help: 'Tokens created, by kind (root, child, orphan, role, login).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly tokenLookups = new Counter({
    name: 'arca_token_lookups_total',
    help: 'Token validations, by result (valid, invalid).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly tokenRevocations = new Counter({
    name: 'arca_token_revocations_total',
    help: 'Token revocations, by result (success, failure).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly tokenExpirations = new Counter({
    name: 'arca_token_expirations_total',
    help: 'Tokens removed by the expiration manager after their TTL ran out.',
    registers: [this.registry],
  });
  readonly expirationPending = new Gauge({
    name: 'arca_expiration_pending',
    help: 'Items in the expiration manager index waiting for their expiry, by kind (lease, token).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly leases = new Gauge({
    name: 'arca_leases',
    help: 'Leases currently tracked by the lease registry (tokens not included).',
    registers: [this.registry],
  });
  readonly leaseRevocationFailures = new Counter({
    name: 'arca_lease_revocation_failures_total',
    help: 'Lease or token revocations that failed and will be retried.',
    registers: [this.registry],
  });
  readonly leaseRevocations = new Counter({
    name: 'arca_lease_revocations_total',
    help: 'Lease revocations through the issuing engine, by result (success, irrevocable).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly leasesIrrevocable = new Gauge({
    name: 'arca_leases_irrevocable',
    help: 'Leases whose revocation failed past the retry budget (kept; see sys/leases?type=irrevocable).',
    registers: [this.registry],
  });
  readonly auditWrites = new Counter({
    name: 'arca_audit_writes_total',
    help: 'Audit entries recorded, by device and entry type (request, response).',
    labelNames: ['device', 'type'] as const,
    registers: [this.registry],
  });
  readonly auditFailures = new Counter({
    name: 'arca_audit_failures_total',
    help: 'Audit entries a device failed to record, by device, type and reason (error, timeout).',
    labelNames: ['device', 'type', 'reason'] as const,
    registers: [this.registry],
  });
  readonly auditWriteDuration = new Histogram({
    name: 'arca_audit_write_duration_seconds',
    help: 'Time for a device to record one entry.',
    labelNames: ['device'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly barrierOperations = new Histogram({
    name: 'arca_barrier_operation_duration_seconds',
    help: 'Barrier (encrypt/decrypt + storage) operations, by operation (get, put, delete, list, batch).',
    labelNames: ['operation'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly storageOperations = new Histogram({
    name: 'arca_storage_operation_duration_seconds',
    help: 'Physical storage operations below the barrier, by backend and operation.',
    labelNames: ['backend', 'operation'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });

  private raftGroup: RaftMetrics | undefined;
  private clockGroup: ClockMetrics | undefined;

  /** Process CPU when this object was made: the process-CPU counters count from here. */
  private readonly createdCpu = process.cpuUsage();
  private processMetricsPending: boolean;

  /**
   * `processMetrics`: `true` (default) registers Node's process metrics (CPU, memory, event loop,
   * GC) now; `'deferred'` leaves it to `registerProcessMetrics()`, which the server calls once it
   * serves — loading and registering them is ~25 ms of CPU a node does not need for its first
   * request (issue 16) — and which every scrape calls first, so no exposition ever lacks them.
   * Either way their CPU counters count from this constructor. `false`: none (tests).
   */
  constructor(options: { processMetrics?: boolean | 'deferred' } = {}) {
    const mode = options.processMetrics ?? true;
    this.processMetricsPending = mode !== false;
    if (mode === true) this.registerProcessMetrics();
  }

  /** Registers the process metrics if this object has them and has not yet (idempotent). */
  registerProcessMetrics(): void {
    if (!this.processMetricsPending) return;
    this.processMetricsPending = false;
    collectProcessMetrics(this.registry, 'arca_', this.createdCpu);
  }

  /** The Raft metric group, created on first use. */
  raft(): RaftMetrics {
    this.raftGroup ??= {
      term: new Gauge({ name: 'arca_raft_term', help: 'Current Raft term.', registers: [this.registry] }),
      commitIndex: new Gauge({
        name: 'arca_raft_commit_index',
        help: 'Raft commit index.',
        registers: [this.registry],
      }),
      appliedIndex: new Gauge({
        name: 'arca_raft_applied_index',
        help: 'Index of the last entry applied to the state machine.',
        registers: [this.registry],
      }),
      isLeader: new Gauge({
        name: 'arca_raft_is_leader',
        help: '1 on the leader (active node).',
        registers: [this.registry],
      }),
      leaderChanges: new Counter({
        name: 'arca_raft_leader_changes_total',
        help: 'Times this node saw the leader change.',
        registers: [this.registry],
      }),
      commitDuration: new Histogram({
        name: 'arca_raft_commit_duration_seconds',
        help: 'Time from proposing an entry to applying it.',
        buckets: latencyBuckets,
        registers: [this.registry],
      }),
      persistBatchEntries: new Histogram({
        name: 'arca_raft_persist_batch_entries',
        help: 'Entries per synced log batch (group commit effectiveness).',
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
        registers: [this.registry],
      }),
    };
    return this.raftGroup;
  }

  /** The clock-offset guard's metric group (cluster members), created on first use. */
  clock(): ClockMetrics {
    this.clockGroup ??= {
      offsetSeconds: new Gauge({
        name: 'arca_clock_offset_seconds',
        help: "This node's wall-clock offset from its cluster peers (median of their estimates).",
        registers: [this.registry],
      }),
      fenced: new Gauge({
        name: 'arca_clock_offset_fenced',
        help: '1 while this node refuses leadership: its clock is beyond 0.8 x max_clock_offset from a majority.',
        registers: [this.registry],
      }),
      jumps: new Counter({
        name: 'arca_clock_jumps_total',
        help: 'Wall-clock steps larger than max_clock_offset against the monotonic clock, by direction.',
        labelNames: ['direction'] as const,
        registers: [this.registry],
      }),
    };
    return this.clockGroup;
  }

  /** The Prometheus text exposition (`/v1/sys/metrics?format=prometheus`). */
  prometheusText(): Promise<string> {
    this.registerProcessMetrics();
    return this.registry.metrics();
  }

  /** The content type of `prometheusText()`. */
  get prometheusContentType(): string {
    return this.registry.contentType;
  }

  /**
   * Vault's JSON form (`/v1/sys/metrics` without a format): `{Timestamp, Gauges, Counters, Samples}`
   * with one element per labelled series.
   */
  async vaultJson(nowMs: number): Promise<Record<string, unknown>> {
    const gauges: unknown[] = [];
    const counters: unknown[] = [];
    const samples: unknown[] = [];
    this.registerProcessMetrics();
    for (const metric of await this.registry.getMetricsAsJSON()) {
      for (const value of metric.values) {
        const name = (value as { metricName?: string }).metricName ?? metric.name;
        const entry = { Name: name, Value: value.value, Labels: value.labels };
        const type = String(metric.type);
        if (type === 'counter') counters.push({ ...entry, Count: value.value, Sum: value.value });
        else if (type === 'gauge') gauges.push(entry);
        else samples.push(entry);
      }
    }
    return {
      Timestamp: new Date(nowMs)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' +0000 UTC'),
      Gauges: gauges,
      Counters: counters,
      Samples: samples,
    };
  }
}
