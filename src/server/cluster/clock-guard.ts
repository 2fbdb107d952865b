/**
 * The clock-offset guard of a cluster member (CockroachDB's rule, the time rules of the lease
 * manager): every `sampleIntervalMs` it asks each other member for its wall clock over the Noise
 * cluster channel (`clock/sample`), estimates offsets with `ClockOffsetTracker`, and fences this
 * node — it refuses leadership (the Raft driver asks `fenced()` before every tick) — while its
 * offset from a majority exceeds 0.8 · `max_clock_offset`, or will within two sampling intervals
 * at the drift rate its samples show. Entering and leaving the fence is
 * logged (an alarm at error level) and shown by metrics and `sys/health`.
 *
 * It also vets the wall clock the core uses for expiries (`vettedClock()`): a reading becomes the
 * core's time only once a majority sampled it within the bound, so a clock step or drift between
 * rounds, or past the bound, never reaches a token or lease decision.
 *
 * It also watches its own wall clock against the monotonic clock between rounds: a wall step of
 * more than `max_clock_offset` beyond the elapsed monotonic time (forward) or back is logged,
 * counted, and reported to `onJump` listeners (the lease time rules). All timing is on the
 * injected clock; the one timer is unref'd and stopped by `stop()`.
 */
import type { Clock } from '../../lib/clock.js';
import type { ClockMetrics } from '../../lib/metrics.js';
import { ClockOffsetTracker, type ClockOffsetStatus } from './clock-offset.js';
import { VettedClock } from './vetted-clock.js';
import { describeError, type ClusterLogger } from './logger.js';
import type { MembershipSync } from './membership.js';
import type { ClusterTransport } from './transport.js';

/** Default time between sampling rounds. */
export const defaultSampleIntervalMs = 250;

/** The cluster method that answers with the callee's wall clock. */
export const clockSampleMethod = 'clock/sample';

/** A wall-clock step detected against the monotonic clock. */
export interface ClockJump {
  direction: 'forward' | 'backward';
  /** Wall time moved this much more (forward) or less (backward) than monotonic time, ms. */
  jumpMs: number;
}

/** What `sys/health` and the metrics show. */
export interface ClockGuardStatus extends ClockOffsetStatus {
  maxClockOffsetMs: number;
  forwardJumps: number;
  backwardJumps: number;
}

/** Settings of the guard. */
export interface ClockGuardOptions {
  /** The cluster channel (only the sample method's handler and calls are used). */
  transport: Pick<ClusterTransport, 'handle' | 'call'>;
  /** The Raft configuration's members (who to sample, how many voters). */
  membership: Pick<MembershipSync, 'current' | 'peerIdOf'>;
  selfNodeId: string;
  clock: Clock;
  logger: ClusterLogger;
  /** `max_clock_offset` of the server config (ms). */
  maxClockOffsetMs: number;
  /**
   * Time between sampling rounds (default 250 ms). Drifting offsets are projected two intervals
   * ahead, so a clock drifting even at x1.5 is fenced before its offset reaches the bound.
   */
  sampleIntervalMs?: number;
  metrics?: ClockMetrics;
}

/** Samples the members' clocks and decides whether this node may lead. */
export class ClockGuard {
  private readonly tracker: ClockOffsetTracker;
  private timer: ReturnType<typeof setInterval> | undefined;
  private fencedNow = false;
  private last: { wallMs: number; monoMs: number } | undefined;
  private forwardJumps = 0;
  private backwardJumps = 0;
  private inRound = false;
  private readonly jumpListeners = new Set<(jump: ClockJump) => void>();
  private readonly vetted: VettedClock;

  constructor(private readonly o: ClockGuardOptions) {
    this.tracker = new ClockOffsetTracker({
      maxClockOffsetMs: o.maxClockOffsetMs,
      projectionMs: 2 * this.intervalMs,
    });
    o.transport.handle(clockSampleMethod, () => ({ wallMs: o.clock.wallMs() }));
    this.vetted = new VettedClock(o.clock);
  }

  /**
   * The clock for the core's expiry decisions: the last wall reading this guard vetted, carried
   * forward by the monotonic clock (vetted-clock.ts). Samples are answered with the raw clock.
   */
  vettedClock(): Clock {
    return this.vetted;
  }

  /** Starts the sampling rounds. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling (idempotent). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private get intervalMs(): number {
    return this.o.sampleIntervalMs ?? defaultSampleIntervalMs;
  }

  /** True while this node must not lead. Cheap: the Raft driver asks before every tick. */
  fenced(): boolean {
    return this.fencedNow;
  }

  /** The current verdict and the numbers behind it. */
  status(): ClockGuardStatus {
    return {
      ...this.verdict(),
      fenced: this.fencedNow,
      maxClockOffsetMs: this.o.maxClockOffsetMs,
      forwardJumps: this.forwardJumps,
      backwardJumps: this.backwardJumps,
    };
  }

  /** Calls `fn` on every wall-clock jump; returns the unsubscribe function. */
  onJump(fn: (jump: ClockJump) => void): () => void {
    this.jumpListeners.add(fn);
    return () => this.jumpListeners.delete(fn);
  }

  /** One round: jump check, one sample per member (in parallel, bounded by the interval), verdict. */
  async round(): Promise<void> {
    if (this.inRound) return;
    this.inRound = true;
    try {
      this.checkJump();
      const members = this.o.membership
        .current()
        .map((m) => m.info.nodeId)
        .filter((id) => id !== this.o.selfNodeId);
      this.tracker.retain(members);
      const before = this.vetted.read();
      await Promise.all(members.map((nodeId) => this.sample(nodeId)));
      this.evaluate();
      // The wall reading taken before this round becomes the core's time only when a majority
      // (this node included) sampled it within the bound, and this node is not fenced.
      const voters = this.o.membership.current().filter((m) => m.voter).length;
      const majority = Math.floor(Math.max(1, voters) / 2) + 1;
      if (!this.fencedNow && this.tracker.vouchers(before.monoMs) + 1 >= majority) this.vetted.vet(before);
    } finally {
      this.inRound = false;
    }
  }

  private async sample(nodeId: string): Promise<void> {
    const peerId = this.o.membership.peerIdOf(nodeId);
    if (peerId === undefined) return;
    const { clock } = this.o;
    const sentMonoMs = clock.monotonicMs();
    const sentWallMs = clock.wallMs();
    try {
      const answer = await this.o.transport.call(peerId, clockSampleMethod, null, {
        // Not the interval: under load a round trip takes longer, and a guard whose samples all
        // time out keeps a fence it cannot lift (no evidence). Answers slower than this say
        // nothing anyway (the tracker drops round trips over twice the bound).
        timeoutMs: Math.max(this.intervalMs, 2 * this.o.maxClockOffsetMs),
      });
      const peerWallMs = (answer as { wallMs?: unknown } | null)?.wallMs;
      if (typeof peerWallMs !== 'number') return;
      this.tracker.record(nodeId, {
        sentMonoMs,
        sentWallMs,
        peerWallMs,
        receivedMonoMs: clock.monotonicMs(),
      });
    } catch (err) {
      this.o.logger.debug({ node: nodeId, err: describeError(err) }, 'clock sample failed');
    }
  }

  private verdict(): ClockOffsetStatus {
    const voters = this.o.membership.current().filter((m) => m.voter).length;
    return this.tracker.status(this.o.clock.monotonicMs(), voters, this.fencedNow);
  }

  private evaluate(): void {
    const status = this.verdict();
    this.o.metrics?.offsetSeconds.set(status.offsetFromPeersMs / 1000);
    this.o.metrics?.fenced.set(status.fenced ? 1 : 0);
    if (status.fenced === this.fencedNow) return;
    this.fencedNow = status.fenced;
    const detail = {
      offsetFromPeersMs: Math.round(status.offsetFromPeersMs),
      thresholdMs: status.thresholdMs,
      peers: Object.fromEntries(
        Object.entries(status.peers).map(([id, p]) => [id, Math.round(p.offsetMs)] as const),
      ),
    };
    if (status.fenced)
      this.o.logger.error(
        detail,
        "ALARM: this node's clock is too far from the cluster majority's (max_clock_offset); it refuses leadership until its clock is fixed",
      );
    else this.o.logger.warn(detail, 'clock offset back within bounds; this node may lead again');
  }

  private checkJump(): void {
    const now = { wallMs: this.o.clock.wallMs(), monoMs: this.o.clock.monotonicMs() };
    const last = this.last;
    this.last = now;
    if (last === undefined) return;
    const jumpMs = now.wallMs - last.wallMs - (now.monoMs - last.monoMs);
    if (Math.abs(jumpMs) <= this.o.maxClockOffsetMs) return;
    const jump: ClockJump = { direction: jumpMs > 0 ? 'forward' : 'backward', jumpMs: Math.abs(jumpMs) };
    if (jump.direction === 'forward') this.forwardJumps++;
    else this.backwardJumps++;
    this.o.metrics?.jumps.inc({ direction: jump.direction });
    this.o.logger.error(
      { direction: jump.direction, jumpMs: Math.round(jump.jumpMs) },
      'the wall clock jumped relative to the monotonic clock',
    );
    for (const fn of this.jumpListeners) fn(jump);
  }
}
