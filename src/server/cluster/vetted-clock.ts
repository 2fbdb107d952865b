/**
 * The wall clock the core uses for expiries on a cluster member: the last wall reading the
 * clock-offset guard VETTED (a majority of the cluster, this node included, sampled it within the
 * bound), carried forward by the monotonic clock. A step of the host clock (forward or back, 2 s
 * or 2 h) or a drift is therefore invisible to the core until a sampling round that started after
 * it finds the new reading within the bound of a majority — and a clock that moved past the bound
 * is never adopted: the node is fenced and keeps running on the last vetted time. Without it a
 * stepped clock acts between the step and the guard's next verdict (a whole token table revoked by
 * a 2-hour forward step on the active node, Vault #11150's story). Monotonic time is the host's.
 */
import type { Clock } from '../../lib/clock.js';

/** One simultaneous reading of both clocks. */
export interface ClockReading {
  wallMs: number;
  monoMs: number;
}

/** The vetted wall clock (see the module comment). */
export class VettedClock implements Clock {
  private anchor: ClockReading;

  /** Starts from `raw`'s current reading (the guard has not sampled anyone yet). */
  constructor(private readonly raw: Clock) {
    this.anchor = { wallMs: raw.wallMs(), monoMs: raw.monotonicMs() };
  }

  /** A reading of the raw clock (for the guard: taken before its sampling round). */
  read(): ClockReading {
    return { wallMs: this.raw.wallMs(), monoMs: this.raw.monotonicMs() };
  }

  /** The guard vouches for `reading` (taken before a round whose samples agreed with it). */
  vet(reading: ClockReading): void {
    if (reading.monoMs >= this.anchor.monoMs) this.anchor = reading;
  }

  monotonicMs(): number {
    return this.raw.monotonicMs();
  }

  wallMs(): number {
    return this.anchor.wallMs + (this.raw.monotonicMs() - this.anchor.monoMs);
  }

  /** How far the raw wall clock is from the vetted one now (ms; positive = raw ahead). */
  rawDivergenceMs(): number {
    return this.raw.wallMs() - this.wallMs();
  }
}
