/**
 * Clock offsets between cluster members, estimated NTP/Cristian style from wall-clock samples, and
 * the CockroachDB fencing rule. Pure: the caller feeds samples and the current monotonic time.
 *
 * One sample: this node reads its wall clock `sentWallMs` and monotonic clock `sentMonoMs`, asks a
 * peer for its wall clock (`peerWallMs`), and gets the answer at `receivedMonoMs`. With the round
 * trip `rtt` measured on the monotonic clock, the peer read its clock about `rtt / 2` after we sent,
 * so the peer's offset from us is `peerWallMs − (sentWallMs + rtt/2)`, give or take `rtt / 2`.
 *
 * Per peer the last few samples are kept; the estimate is the median of the fresh ones (a single
 * delayed answer does not move it, and a clock that was reset is followed within a couple of
 * samples). A peer's clock agrees with ours when `|offset| − uncertainty ≤ 0.8 · max_clock_offset`
 * (CockroachDB's tolerance).
 *
 * Drift: the median lags (three of five samples must move), and a clock drifting fast passes the
 * bound before the median does — while this node may still lead and stamp or check expiries with
 * it. So a peer ALSO disagrees ("alarm") as soon as either
 * - its latest sample alone is past the threshold (`|offset| − uncertainty`, sound: the true
 *   offset lies within `uncertainty` of every single sample), or
 * - its offset PROJECTED `projectionMs` ahead (the detection and reaction latency) at the drift
 *   rate of its last interval is past it. The rate counts only when the interval before moved
 *   the same way too (each slope shrunk by its measurement uncertainty): a one-off step (a clock
 *   bump within the bound) or a strobing clock projects nothing, a steady drift is caught on its
 *   second interval.
 * With `M` the majority of the voters (this node included):
 * - a node is FENCED once its clock disagrees (median or alarm) with at least `M` peers: the
 *   clocks that disagree with it form a majority of the cluster, so it is the odd one out
 *   (CockroachDB's rule);
 * - a fenced node is released only when, counting itself, `M` clocks agree with it again (median
 *   within the bound and no alarm).
 * The hysteresis matters when a majority is no longer reachable: a skewed node whose sampled
 * peers died keeps its fence, while the good node it disagrees with (one peer, not `M`) is never
 * fenced by it — so a 3-node cluster with one skewed node and one dead node still has a leader.
 * A 1-vs-1 disagreement with no history (who is wrong cannot be told) fences nobody.
 */

/** A node is fenced once its offset from a majority exceeds this fraction of the bound (0.8). */
export const clockOffsetFenceRatio = 0.8;

/** One round trip's reading. */
export interface ClockSample {
  sentMonoMs: number;
  receivedMonoMs: number;
  sentWallMs: number;
  peerWallMs: number;
}

/** A peer's estimated offset (peer wall − our wall) and its uncertainty, in ms. */
export interface OffsetEstimate {
  offsetMs: number;
  uncertaintyMs: number;
}

/** A peer's latest sample, its drift rate (ms per ms, 0 unless consistent) and the projection. */
export interface OffsetTrend {
  latestMs: number;
  uncertaintyMs: number;
  driftRate: number;
  projectedMs: number;
}

/** What the guard reports: the verdict and the numbers behind it. */
export interface ClockOffsetStatus {
  /** True when this node's clock is too far from a majority's: it must not lead. */
  fenced: boolean;
  /** Median over the peers of their latest sampled offsets, negated: how far OUR clock is from theirs (ms). */
  offsetFromPeersMs: number;
  /**
   * Per peer: estimated offset of the peer's clock from ours, whether it is within the bound
   * (median within it and no alarm), and the trend behind the alarm.
   */
  peers: Record<string, OffsetEstimate & { healthy: boolean; trend: OffsetTrend }>;
  /** The fencing threshold (0.8 · max_clock_offset), ms. */
  thresholdMs: number;
}

interface StoredSample extends OffsetEstimate {
  atMonoMs: number;
}

/** Samples per peer and the verdict. */
export class ClockOffsetTracker {
  private readonly samples = new Map<string, StoredSample[]>();

  constructor(
    private readonly options: {
      maxClockOffsetMs: number;
      /** Samples kept per peer (default 5). */
      samplesPerPeer?: number;
      /** Samples older than this are ignored (default 10 s). */
      sampleMaxAgeMs?: number;
      /**
       * How far ahead a drifting offset is projected (default 1 s): at least the time from one
       * sample to the next plus the time a fenced leader takes to step down.
       */
      projectionMs?: number;
    },
  ) {}

  /** Records a round trip with `peer`. A round trip slower than the bound itself says nothing. */
  record(peer: string, s: ClockSample): void {
    const rttMs = s.receivedMonoMs - s.sentMonoMs;
    if (!(rttMs >= 0) || rttMs / 2 > this.options.maxClockOffsetMs) return;
    const offsetMs = s.peerWallMs - (s.sentWallMs + rttMs / 2);
    if (!Number.isFinite(offsetMs)) return;
    const list = this.samples.get(peer) ?? [];
    list.push({ offsetMs, uncertaintyMs: rttMs / 2, atMonoMs: s.receivedMonoMs });
    const keep = this.options.samplesPerPeer ?? 5;
    if (list.length > keep) list.splice(0, list.length - keep);
    this.samples.set(peer, list);
  }

  /** Drops every peer not in `peers` (members removed from the configuration). */
  retain(peers: readonly string[]): void {
    for (const peer of [...this.samples.keys()]) if (!peers.includes(peer)) this.samples.delete(peer);
  }

  /** The peer's estimate from its fresh samples (the median by offset), if any. */
  estimate(peer: string, nowMonoMs: number): OffsetEstimate | undefined {
    const maxAge = this.options.sampleMaxAgeMs ?? 10_000;
    const fresh = (this.samples.get(peer) ?? []).filter((x) => nowMonoMs - x.atMonoMs <= maxAge);
    if (fresh.length === 0) return undefined;
    fresh.sort((a, b) => a.offsetMs - b.offsetMs);
    const mid = fresh[Math.floor((fresh.length - 1) / 2)];
    return { offsetMs: mid.offsetMs, uncertaintyMs: mid.uncertaintyMs };
  }

  /**
   * The peer's latest fresh sample and its projection `projectionMs` after `nowMonoMs` at the
   * drift rate of the last three fresh samples (see the module comment), if any sample is fresh.
   */
  trend(peer: string, nowMonoMs: number): OffsetTrend | undefined {
    const maxAge = this.options.sampleMaxAgeMs ?? 10_000;
    const fresh = (this.samples.get(peer) ?? []).filter((x) => nowMonoMs - x.atMonoMs <= maxAge);
    const last = fresh.at(-1);
    if (last === undefined) return undefined;
    let driftRate = 0;
    if (fresh.length >= 3) {
      const [a, b, c] = fresh.slice(-3);
      const r1 = shrunkSlope(a, b);
      const r2 = shrunkSlope(b, c);
      if (r1 !== 0 && Math.sign(r1) === Math.sign(r2)) driftRate = r2;
    }
    const aheadMs = Math.max(0, nowMonoMs - last.atMonoMs) + (this.options.projectionMs ?? 1_000);
    return {
      latestMs: last.offsetMs,
      uncertaintyMs: last.uncertaintyMs,
      driftRate,
      projectedMs: last.offsetMs + driftRate * aheadMs,
    };
  }

  /**
   * How many peers vouch for our clock as read before `sinceMonoMs`: their latest sample arrived
   * after it and puts their offset certainly within the threshold (`|offset| + uncertainty`).
   */
  vouchers(sinceMonoMs: number): number {
    const thresholdMs = clockOffsetFenceRatio * this.options.maxClockOffsetMs;
    let n = 0;
    for (const list of this.samples.values()) {
      const last = list.at(-1);
      if (last === undefined || last.atMonoMs < sinceMonoMs) continue;
      if (Math.abs(last.offsetMs) + last.uncertaintyMs <= thresholdMs) n++;
    }
    return n;
  }

  /**
   * The verdict now, for a cluster of `voters` voters (this node included), given whether this
   * node is fenced already (the rule has hysteresis; see the module comment).
   */
  status(nowMonoMs: number, voters: number, wasFenced: boolean): ClockOffsetStatus {
    const thresholdMs = clockOffsetFenceRatio * this.options.maxClockOffsetMs;
    const peers: ClockOffsetStatus['peers'] = {};
    const offsets: number[] = [];
    let agreeing = 0;
    let disagreeing = 0;
    for (const peer of this.samples.keys()) {
      const e = this.estimate(peer, nowMonoMs);
      const trend = this.trend(peer, nowMonoMs);
      if (e === undefined || trend === undefined) continue;
      const alarm =
        Math.abs(trend.latestMs) - trend.uncertaintyMs > thresholdMs ||
        Math.abs(trend.projectedMs) - trend.uncertaintyMs > thresholdMs;
      const healthy = Math.abs(e.offsetMs) - e.uncertaintyMs <= thresholdMs && !alarm;
      peers[peer] = { ...e, healthy, trend };
      offsets.push(trend.latestMs); // as current as the alarm (the median lags a step by 3 rounds)
      if (healthy) agreeing++;
      else disagreeing++;
    }
    offsets.sort((a, b) => a - b);
    const median =
      offsets.length === 0
        ? 0
        : offsets.length % 2 === 1
          ? offsets[(offsets.length - 1) / 2]
          : (offsets[offsets.length / 2 - 1] + offsets[offsets.length / 2]) / 2;
    const majority = Math.floor(Math.max(1, voters) / 2) + 1;
    const fenced = wasFenced ? agreeing + 1 < majority : disagreeing >= majority;
    return { fenced, offsetFromPeersMs: median === 0 ? 0 : -median, peers, thresholdMs };
  }
}

/**
 * The drift rate between two samples (ms of offset per ms), shrunk towards 0 by what their
 * uncertainties allow: only a change the measurement cannot explain counts.
 */
function shrunkSlope(a: StoredSample, b: StoredSample): number {
  const dt = b.atMonoMs - a.atMonoMs;
  if (!(dt > 0)) return 0;
  const slope = (b.offsetMs - a.offsetMs) / dt;
  const slack = (a.uncertaintyMs + b.uncertaintyMs) / dt;
  return Math.abs(slope) <= slack ? 0 : slope - Math.sign(slope) * slack;
}
