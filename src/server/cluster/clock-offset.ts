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
 * (CockroachDB's tolerance). With `M` the majority of the voters (this node included):
 * - a node is FENCED once its clock disagrees with at least `M` peers: the clocks that disagree
 *   with it form a majority of the cluster, so it is the odd one out (CockroachDB's rule);
 * - a fenced node is released only when, counting itself, `M` clocks agree with it again.
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

/** What the guard reports: the verdict and the numbers behind it. */
export interface ClockOffsetStatus {
  /** True when this node's clock is too far from a majority's: it must not lead. */
  fenced: boolean;
  /** Median of the peers' estimated offsets, negated: how far OUR clock is from theirs (ms). */
  offsetFromPeersMs: number;
  /** Per peer: estimated offset of the peer's clock from ours, and whether it is within the bound. */
  peers: Record<string, OffsetEstimate & { healthy: boolean }>;
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
      if (e === undefined) continue;
      const healthy = Math.abs(e.offsetMs) - e.uncertaintyMs <= thresholdMs;
      peers[peer] = { ...e, healthy };
      offsets.push(e.offsetMs);
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
