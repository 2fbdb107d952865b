/**
 * A node's own clock in the simulator: its monotonic reading runs at `rate` × virtual time
 * (drift), its wall reading adds an offset the nemesis can step, and the whole process can be
 * paused (no ticks, no message handling) until a virtual time. Raft only sees ticks, so drift
 * changes how fast a node's election and heartbeat timers fire relative to its peers.
 */
import type { Clock } from '../../src/lib/clock.js';

/** Per-node clock model over the simulator's global virtual time. */
export class SimClock implements Clock {
  /** Virtual time before which the node's process is frozen (0 = running). */
  pausedUntilMs = 0;
  wallOffsetMs = 0;
  private baseVirtualMs = 0;
  private baseMonotonicMs = 0;

  constructor(
    private readonly now: () => number,
    private rateValue: number,
  ) {}

  get rate(): number {
    return this.rateValue;
  }

  /** Changes the drift rate from now on (monotonic readings stay continuous). */
  setRate(rate: number): void {
    this.baseMonotonicMs = this.monotonicMs();
    this.baseVirtualMs = this.now();
    this.rateValue = rate;
  }

  monotonicMs(): number {
    return this.baseMonotonicMs + (this.now() - this.baseVirtualMs) * this.rateValue;
  }

  wallMs(): number {
    return Date.UTC(2026, 0, 1) + this.monotonicMs() + this.wallOffsetMs;
  }

  /** Virtual time after which `localMs` of this node's time will have elapsed. */
  virtualAfter(localMs: number): number {
    return this.now() + localMs / this.rateValue;
  }

  isPaused(): boolean {
    return this.now() < this.pausedUntilMs;
  }
}
