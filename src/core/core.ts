/**
 * The core facade: what the server composes and the HTTP layer calls. It owns the barrier, the
 * seal and the lifecycle, builds the unsealed runtime (mounts, policies, tokens, leases) after
 * unseal, serves every request through the pipeline, and is driven in time only by `tick()`
 * (no timers inside core).
 */
import { assert } from '../lib/assert.js';
import { ArcaError } from '../lib/errors.js';
import type { RequestHandler } from '../logical/handler.js';
import type { LogicalRequest } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';
import type { RawResponse } from '../logical/response.js';
import { Barrier } from '../storage/barrier/barrier.js';
import { ShamirSeal } from '../storage/seal/shamir-seal.js';
import { CoreAudit } from './core-audit.js';
import { coreSystemPaths } from './core-system-paths.js';
import { observed, scrapeMetrics } from './core-metrics.js';
import { HaController, haStatusView, standbyLocalPaths, standbyRefusal, type HaMode } from './ha.js';
import { InstrumentedBarrier, InstrumentedPhysical } from './instrumented-storage.js';
import { InflightRequests } from './inflight.js';
import { runEnginePeriodics } from './engine-periodics.js';
import { JoinChallenges } from './join-challenge.js';
import { SealLifecycle } from './lifecycle.js';
import { runPipeline, type PipelineContext, type PipelineTrace } from './pipeline.js';
import { UnsealedRuntime } from './runtime.js';
import { PrefixedStorageView } from './storage-view.js';
import { buildSystemContext } from './system-context.js';
import { systemBackend } from './system/system-backend.js';
import { defaultLeaseTiming } from './leases-timing.js';
import { vaultSystemLeaseTtls } from './ttl.js';
import { buildCeremonies, type Ceremonies } from './ceremony/ceremonies.js';
import { KeyringRotation } from './keyring-rotation.js';
import { createStandby, type Standby } from './standby-reads.js';
import type { CoreDeps } from './core-deps.js';

export type { CoreDeps } from './core-deps.js';

/** Paths that drive or report the seal lifecycle; never counted as in-flight work. */
const lifecyclePaths = new Set([...standbyLocalPaths, 'sys/seal']);

/** What dev mode hands back: the single unseal key and the root token. */
export interface DevInit {
  unsealKey: Buffer;
  rootToken: string;
}

export class Core implements RequestHandler {
  private runtimeState: UnsealedRuntime | undefined;
  private ticking: Promise<void> | undefined;
  private readonly inflight = new InflightRequests();
  private closed = false;
  readonly lifecycle: SealLifecycle;
  private readonly barrier: Barrier;
  private readonly pipeline: PipelineContext;
  private readonly audit: CoreAudit;
  /** Raft join challenges (sys/storage/raft/bootstrap/*), see join-challenge.ts. */
  readonly joinChallenges: JoinChallenges;
  private readonly haController: HaController | undefined;
  private readonly ceremonies: Ceremonies;
  private readonly rotation: KeyringRotation;
  /** A standby's read-only runtime and the reads it serves (HA only). */
  private readonly standby: Standby | undefined;

  private constructor(private readonly deps: CoreDeps) {
    const metrics = deps.metrics;
    const systemLeaseTtls = deps.systemLeaseTtls ?? vaultSystemLeaseTtls;
    assert(
      systemLeaseTtls.defaultLeaseTtlSeconds > 0 &&
        systemLeaseTtls.defaultLeaseTtlSeconds <= systemLeaseTtls.maxLeaseTtlSeconds,
      'system lease TTLs: 0 < default <= max (the config checks this)',
    );
    const barrierOptions = { readCache: deps.barrierReadCache };
    const physical =
      metrics === undefined
        ? deps.physical
        : new InstrumentedPhysical(deps.physical, deps.storageType ?? 'inmem', metrics);
    this.barrier =
      metrics === undefined
        ? new Barrier(physical, deps.clock, barrierOptions)
        : new InstrumentedBarrier(physical, deps.clock, metrics, barrierOptions);
    this.audit = new CoreAudit(deps.logger, { writeTimeoutMs: deps.auditWriteTimeoutMs, metrics });
    metrics?.sealed.set(1);
    const seal = new ShamirSeal(physical, this.barrier);
    this.rotation = new KeyringRotation(this.barrier, deps.clock, deps.logger, deps.keyRotation);
    this.ceremonies = buildCeremonies({
      seal,
      barrier: this.barrier,
      logger: deps.logger,
      clock: deps.clock,
      audit: () => deps.audit ?? this.audit.broker,
      mintRootToken: async () => {
        const rt = this.runtimeState;
        if (rt === undefined) throw new ArcaError('sealed');
        const created = await rt.tokens.createRoot();
        metrics?.tokenCreations.inc({ kind: 'root' });
        return {
          token: created.token,
          accessor: created.accessor,
          revoke: () => rt.tokens.revokeOrphan(created.entry.idHash),
        };
      },
    });
    this.joinChallenges = new JoinChallenges(physical, this.barrier, deps.clock);
    const runtimeDeps = () => ({
      barrier: this.barrier,
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger,
      engines: deps.engines,
      authEngines: deps.authEngines ?? {},
      systemBackend: sys,
      clusterName: deps.clusterName,
      systemLeaseTtls,
      leaseTiming: { ...defaultLeaseTiming, ...deps.leaseTiming },
    });
    const startRuntime = async (): Promise<void> => {
      await this.standby?.runtime.close(); // its audit devices and caches go first
      this.runtimeState = await UnsealedRuntime.start({
        ...runtimeDeps(),
        isActive: () => this.haMode() === 'active',
        metrics,
      });
      // Devices come up with the barrier open: their table (salts, chain keys) lives behind it.
      await this.audit.open(new PrefixedStorageView(this.barrier, ''));
    };
    const stopRuntime = async (): Promise<void> => {
      await this.standby?.runtime.close();
      // Nothing new gets in (sealed or standby already); let the rest finish.
      await this.inflight.drained();
      // No share or pending key outlives the unseal (or this node's activity).
      this.ceremonies.clear();
      const rt = this.runtimeState;
      this.runtimeState = undefined;
      try {
        await rt?.stop();
      } finally {
        await this.audit.close();
      }
      if (this.haMode() === 'standby') this.standby?.runtime.open(); // deposed: serve as a standby
    };
    this.haController =
      deps.ha === undefined
        ? undefined
        : new HaController(deps.ha, this.barrier, { startRuntime, stopRuntime }, deps.logger, () =>
            deps.clock.wallMs(),
          );
    this.lifecycle = new SealLifecycle(this.barrier, seal, {
      setup: async () => {
        if (this.haController !== undefined) await this.haController.unsealed();
        else await startRuntime();
        if (this.haMode() === 'standby') this.standby?.runtime.open();
        metrics?.sealed.set(0);
      },
      teardown: async () => {
        this.haController?.sealing();
        metrics?.sealed.set(1);
        await stopRuntime();
      },
      createRootToken: async (id) => {
        const rt = this.runtimeState;
        if (rt === undefined) throw new ArcaError(this.haController === undefined ? 'sealed' : 'standby');
        const created = await rt.tokens.createRoot(id === undefined ? {} : { id });
        metrics?.tokenCreations.inc({ kind: 'root' });
        return created.token;
      },
    });
    const sys = systemBackend(
      buildSystemContext({
        clock: deps.clock,
        version: deps.version ?? '0.1.0',
        storageType: deps.storageType ?? 'inmem',
        systemLeaseTtls,
        lifecycle: this.lifecycle,
        ceremonyRecorder: this.ceremonies.context.recorder,
        barrier: this.barrier,
        runtime: () => this.runtimeState,
        haStatus: () => ({
          ...haStatusView(deps.ha, this.haMode(), this.haController?.activeSince() ?? 0, {
            haEnabled: deps.storageType === 'raft',
            apiAddr: deps.apiAddr,
            clusterAddr: deps.clusterAddr,
          }),
          ...(deps.clockOffset === undefined ? {} : { clockOffset: deps.clockOffset() }),
        }),
      }),
      coreSystemPaths({
        ceremonies: this.ceremonies,
        rotation: this.rotation,
        audit: () => this.audit.current(),
        runtime: () => this.runtimeState,
        unsealedRuntime: () => this.unsealedRuntime(),
        renderMetrics: async (format) => ({ raw: await this.renderMetrics(format) }),
        extra: deps.systemPaths ?? [],
      }),
    );
    this.pipeline = {
      clock: deps.clock,
      logger: deps.logger,
      audit: deps.audit ?? this.audit.broker,
      metrics,
      systemBackend: sys,
      sealedSystemStorage: new PrefixedStorageView(this.barrier, 'sys/'),
      isUnsealed: () => this.lifecycle.isUnsealed(),
      runtime: () => this.runtimeState,
    };
    this.standby = createStandby(deps, {
      runtime: runtimeDeps(),
      audit: this.audit,
      mode: () => this.haMode(),
      pipeline: this.pipeline,
    });
  }

  /** Builds a core over `deps.physical`. It starts sealed (and uninitialised on an empty store). */
  static async create(deps: CoreDeps): Promise<Core> {
    return new Core(deps);
  }

  /** Serves one request (see pipeline.ts). Failures are thrown as `ArcaError`. */
  handleRequest(request: LogicalRequest): Promise<LogicalResponse> {
    if (this.closed) return Promise.reject(new ArcaError('sealed'));
    return observed(this.deps.metrics, request, this.label(request), (trace) => this.serve(request, trace));
  }

  /**
   * A standby read (`standby_reads`, standby-reads.ts): the answer, or undefined when the server
   * must forward the request to the active node (which then counts it in its own metrics).
   */
  handleStandbyRead(request: LogicalRequest): Promise<LogicalResponse | undefined> {
    const reads = this.standby?.reads;
    if (this.closed || reads === undefined) return Promise.resolve(undefined);
    return observed(this.deps.metrics, request, this.label(request), (t) => reads.tryServe(request, t));
  }

  /** Re-opens every audit destination (SIGHUP after log rotation); the hash chain continues. */
  reopenAuditDevices(): Promise<void> {
    return this.audit.reopen();
  }

  /**
   * The metrics scrape without a token, for the HTTP layer when the listener's telemetry sets
   * `unauthenticated_metrics_access` (with a token, `GET sys/metrics` goes through the ACL).
   * Throws 400 when core was built without metrics.
   */
  renderMetrics(format: 'prometheus' | 'json'): Promise<RawResponse> {
    const rt = this.lifecycle.isUnsealed() ? this.runtimeState : undefined;
    return scrapeMetrics(this.deps.metrics, format, this.deps.prometheusEnabled !== false, {
      // A standby is unsealed without a runtime: it must not report itself sealed.
      sealed: !this.lifecycle.isUnsealed(),
      leases: rt?.leases.count(),
      ...(rt === undefined ? {} : { expirationPending: rt.expiration.pending() }),
      nowMs: this.deps.clock.wallMs(),
    });
  }

  private serve(request: LogicalRequest, trace?: PipelineTrace): Promise<LogicalResponse> {
    const lifecyclePath = request.path.includes('sys/') ? request.path.replace(/^\/+|\/+$/g, '') : '';
    if (this.haController?.mode() === 'standby' && !standbyLocalPaths.has(lifecyclePath)) {
      // A standby's own metrics, with the token checked against the cluster's current state.
      if (lifecyclePath === 'sys/metrics' && this.standby !== undefined)
        return this.standby.reads.serveLocal(request, trace);
      return Promise.reject(standbyRefusal(lifecyclePath));
    }
    // Lifecycle calls (init, unseal, seal ...) are not counted: a seal must not wait for itself.
    if (lifecyclePaths.has(lifecyclePath)) return runPipeline(this.pipeline, request, trace);
    const ha = this.deps.ha;
    const active = this.haController?.mode() === 'active';
    if (ha !== undefined && active && (request.operation === 'read' || request.operation === 'list')) {
      // Linearizable reads on the active node: a ReadIndex round (shared by concurrent requests)
      // proves this node still leads a quorum and has applied everything committed before the
      // read. No clock lease: a partitioned leader cannot answer from a stale state.
      return this.inflight.track(async () => {
        await ha.linearizableRead();
        return runPipeline(this.pipeline, request, trace);
      });
    }
    return this.inflight.track(() => runPipeline(this.pipeline, request, trace));
  }

  /**
   * 'sealed', 'standby' (unsealed, not serving: another node is active) or 'active'. Without an
   * HA backend an unsealed core is always active.
   */
  haMode(): HaMode {
    if (this.haController !== undefined) return this.haController.mode();
    return this.lifecycle.isUnsealed() ? 'active' : 'sealed';
  }

  /** Registers `fn` for mode changes (HA only); returns the unsubscribe function. */
  onModeChange(fn: (mode: HaMode) => void): () => void {
    return this.haController?.onModeChange(fn) ?? (() => undefined);
  }

  /**
   * The mount point serving the request's path (a bounded metric label), `sys/` while sealed: the route the
   * pipeline matched when it got that far, else a lookup now.
   */
  private label({ path }: LogicalRequest): (trace: PipelineTrace) => string {
    return (trace) => {
      const p = path.charCodeAt(0) === 47 ? path.replace(/^\/+/, '') : path;
      if (p.startsWith('sys/')) return 'sys/';
      if (trace.mountPoint !== undefined) return trace.mountPoint;
      const rt = this.lifecycle.isUnsealed() ? this.runtimeState : undefined;
      return rt?.mounts.router.match(p)?.route.mountPoint ?? 'unknown';
    };
  }

  /** The runtime of the current unseal; 503 `sealed` without one. */
  private unsealedRuntime(): UnsealedRuntime {
    const rt = this.lifecycle.isUnsealed() ? this.runtimeState : undefined;
    if (rt === undefined) throw new ArcaError('sealed');
    return rt;
  }

  /** True unless the barrier is open and the post-unseal setup has finished. */
  sealed(): boolean {
    return !this.lifecycle.isUnsealed();
  }

  /** Housekeeping, called every second by the server (expiry); overlapping calls share one run. */
  tick(): Promise<void> {
    if (this.ticking !== undefined) return this.ticking;
    this.ticking = this.inflight
      .track(() => this.runTick())
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  /** Dev mode on a fresh store: init with one share, unseal, chosen root id, KV v2 at `secret/`. */
  async initializeDev(opts: { rootTokenId?: string } = {}): Promise<DevInit> {
    const { shares, rootToken } = await this.lifecycle.init(1, 1, opts);
    const unsealKey = shares[0];
    await this.lifecycle.unsealWith([unsealKey]);
    const rt = this.runtimeState;
    if (rt === undefined) throw new ArcaError('sealed');
    await rt.mounts.enable('secret', {
      path: 'secret/',
      type: 'kv',
      options: { version: '2' },
      description: 'key/value secret storage',
    });
    return { unsealKey, rootToken };
  }

  /**
   * Dev mode's `-dev-root-token-id`: a root token with that id, minted as init mints its root
   * (display name `root`, so e.g. database usernames read `v-root-<role>-…`). In-process only.
   */
  async createDevRootToken(id: string): Promise<void> {
    const rt = this.runtimeState;
    if (rt === undefined) throw new ArcaError('sealed');
    await rt.tokens.createRoot({ id });
    this.deps.metrics?.tokenCreations.inc({ kind: 'root' });
  }

  /** Seals (dropping every in-memory secret) and closes the physical backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ticking;
    if (this.lifecycle.isUnsealed()) await this.lifecycle.sealVault();
    await this.barrier.close();
  }

  private async runTick(): Promise<void> {
    const rt = this.runtimeState;
    if (rt === undefined || !this.lifecycle.isUnsealed()) return;
    if (this.haController !== undefined) {
      // Only the active node expires anything, and only after a ReadIndex round proves it still
      // leads a quorum: a deposed leader (partitioned, not yet aware) never revokes.
      this.haController.retryActivation();
      if (this.haController.mode() !== 'active') return;
      try {
        await this.deps.ha!.linearizableRead();
      } catch {
        return;
      }
      if (this.haController.mode() !== 'active' || this.runtimeState !== rt) return;
    }
    // Keyring rotation is not an expiry: it needs only the active node, not the lease grace.
    await this.rotation
      .check()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'rotation check failed'));
    // Time rules: nothing expires until the activation grace has passed, nor after deactivation.
    if (!rt.expiration.expiryAllowed()) return;
    try {
      await rt.expiration.expireDue();
    } catch (err) {
      if (this.lifecycle.isUnsealed()) this.deps.logger.warn({ err }, 'periodic expiry failed');
    }
    await runEnginePeriodics(rt.mounts.router.all(), this.deps.logger, () => {
      if (this.runtimeState !== rt || !this.lifecycle.isUnsealed()) return false;
      return this.haController === undefined || this.haController.mode() === 'active';
    });
  }
}
