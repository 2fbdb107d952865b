/**
 * Standby reads (`standby_reads = true`; beyond Vault CE, where a standby forwards everything): a
 * standby serves a read-only request itself, and stays linearizable doing so.
 *
 * 1. Cheap checks first (`standbyReadCandidate`): GET/LIST only, no response wrapping (it mints a
 *    token), nothing under `sys/` (sys/metrics is served by `serveLocal`) and, under `auth/`, only
 *    `auth/token/lookup-self`.
 * 2. A ReadIndex round: the leader confirms its commit index with a quorum and this node waits
 *    until its state machine has applied it, so everything acknowledged before the request arrived
 *    is visible (read-your-writes across nodes). A failed round (no leader, partition) serves
 *    nothing: the request is forwarded, and forwarding answers 503 when no active node is
 *    reachable. Never a stale read.
 * 3. The standby's read-only runtime (standby-runtime.ts), kept coherent with the applied log; the
 *    route must be a mount whose engine the standby runs (`kv`, `cubbyhole`), else forward.
 * 4. The usual pipeline (token, ACL, audit on this node's devices, engine). Anything that would
 *    write fails with `standby` before reaching storage and the request is forwarded instead: a
 *    token with `num_uses` (spending a use is a write) fails while authenticating, before any audit
 *    entry, so its use is counted once, on the active node.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import type { LogicalRequest } from '../logical/request.js';
import type { LogicalResponse } from '../logical/response.js';
import type { HaBackend, HaMode } from './ha.js';
import { runPipeline, type PipelineContext, type PipelineTrace } from './pipeline.js';
import type { RouteMatch } from './router.js';
import type { CoreLogger } from './mounts.js';
import type { RuntimeDeps, UnsealedRuntime } from './runtime.js';
import { StandbyRuntime, standbyServedTypes, type StandbyRuntimeDeps } from './standby-runtime.js';

/** What standby reads need from core. */
export interface StandbyReadsDeps {
  /** The `standby_reads` setting (`serveLocal` works either way). */
  enabled: boolean;
  ha: HaBackend;
  mode: () => HaMode;
  runtime: StandbyRuntime;
  /** Core's pipeline context; its runtime is replaced by the standby's. */
  pipeline: PipelineContext;
}

function trimmedPath(path: string): string {
  return path.replace(/^\/+/, '');
}

/** Whether `request` may be a standby read at all (no I/O: method, wrapping, path family). */
export function standbyReadCandidate(request: LogicalRequest): boolean {
  if (request.operation !== 'read' && request.operation !== 'list') return false;
  if (request.wrapTtlSeconds !== undefined) return false;
  const path = trimmedPath(request.path);
  if (path.startsWith('sys/') || path === 'sys') return false;
  if (path.startsWith('auth/')) return request.operation === 'read' && path === 'auth/token/lookup-self';
  return true;
}

/**
 * Whether a standby may forward at once, before its ReadIndex round: only when its (possibly
 * stale) runtime matched a mount it does not serve. No match at all may be a mount the active node
 * enabled a moment ago and this standby has not applied yet, so that case takes the round first
 * (and is forwarded after it if the mount still is not there).
 */
export function forwardWithoutRound(match: RouteMatch | undefined): boolean {
  return match !== undefined && !standbyServesRoute(match);
}

/** Whether the route a standby's runtime matched is one it serves. */
export function standbyServesRoute(match: RouteMatch | undefined): boolean {
  if (match === undefined) return false;
  const entry = match.route.entry;
  if (entry.kind === 'auth') return entry.type === 'token' && match.relativePath === 'lookup-self';
  return standbyServedTypes.has(entry.type);
}

/** Serves standby reads; see the module comment. */
export class StandbyReads {
  constructor(private readonly deps: StandbyReadsDeps) {}

  /** The answer to a standby read, or undefined when the active node must serve it (forward). */
  async tryServe(request: LogicalRequest, trace?: PipelineTrace): Promise<LogicalResponse | undefined> {
    if (!this.deps.enabled || this.deps.mode() !== 'standby' || !standbyReadCandidate(request)) {
      return undefined;
    }
    const path = trimmedPath(request.path);
    const serves = (rt: UnsealedRuntime): boolean => standbyServesRoute(rt.mounts.router.match(path));
    // A mount this standby knows and does not serve: forward without a ReadIndex round. The real
    // check follows the round, which also brings a mount enabled a moment ago into view.
    const known = this.deps.runtime.peek();
    if (known !== undefined && forwardWithoutRound(known.mounts.router.match(path))) return undefined;
    const outcome = await this.serve(request, trace, serves);
    return outcome === 'forward' || outcome === 'no_leader' ? undefined : outcome;
  }

  /**
   * A request a standby answers itself whatever `standby_reads` says (`sys/metrics` with a token:
   * the token and its ACL are checked against the cluster's current state). 503 when the
   * ReadIndex round fails or the read-only runtime is not available.
   */
  async serveLocal(request: LogicalRequest, trace?: PipelineTrace): Promise<LogicalResponse> {
    const outcome = await this.serve(request, trace, () => true);
    if (outcome === 'no_leader') throw new ArcaError('no_leader');
    if (outcome === 'forward') throw new ArcaError('standby');
    return outcome;
  }

  private async serve(
    request: LogicalRequest,
    trace: PipelineTrace | undefined,
    servable: (rt: UnsealedRuntime) => boolean,
  ): Promise<LogicalResponse | 'forward' | 'no_leader'> {
    try {
      await this.deps.ha.linearizableRead();
    } catch {
      return 'no_leader';
    }
    const lease = await this.deps.runtime.acquire();
    if (lease === undefined) return 'forward';
    try {
      if (!servable(lease.runtime)) return 'forward';
      const ctx: PipelineContext = {
        ...this.deps.pipeline,
        isUnsealed: () => true,
        runtime: () => lease.runtime,
      };
      return await runPipeline(ctx, request, trace);
    } catch (err) {
      // A write (a num_uses token, anything the read-only view refused): the active node's work.
      if (isArcaError(err, 'standby')) return 'forward';
      throw err;
    } finally {
      lease.release();
    }
  }
}

/** A standby's read-only runtime and the reads it serves (core holds one when it has HA). */
export interface Standby {
  runtime: StandbyRuntime;
  reads: StandbyReads;
}

/**
 * Builds core's standby parts (none without HA) and keeps the runtime's caches in step with the
 * keys Raft applies.
 */
export function createStandby(
  config: { ha?: HaBackend; standbyReads?: boolean; logger: CoreLogger },
  deps: {
    runtime: Omit<RuntimeDeps, 'isActive' | 'readOnly'>;
    audit: StandbyRuntimeDeps['audit'];
    mode: () => HaMode;
    pipeline: PipelineContext;
  },
): Standby | undefined {
  const ha = config.ha;
  if (ha === undefined) return undefined;
  const runtime = new StandbyRuntime({
    runtime: deps.runtime,
    audit: deps.audit,
    isStandby: () => deps.mode() === 'standby',
    logger: config.logger,
  });
  ha.onApplied((keys, reset) => runtime.applied(keys, reset));
  const reads = new StandbyReads({
    enabled: config.standbyReads === true,
    ha,
    mode: deps.mode,
    runtime,
    pipeline: deps.pipeline,
  });
  return { runtime, reads };
}
