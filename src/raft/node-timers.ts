/**
 * Time for the async driver: the process's real timers (the only place in src/raft that calls
 * setTimeout) and the `Ticker` that turns the tick interval into Raft ticks for the loop.
 */
import type { Timers } from './node-options.js';

/** Real timers of this process. */
export const systemTimers: Timers = {
  schedule(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};

/**
 * Counts ticks for the driver loop every `intervalMs`, at most `pendingMax` of them between two
 * `take()` calls: ticks that pile up behind a slow sync beyond one heartbeat interval are dropped
 * (counted in `missed`, etcd's "tick missed to fire"). Replaying a stall's worth of ticks at once
 * would make a healthy follower campaign right after its disk recovered, though the leader was
 * there all along.
 */
export class Ticker {
  private pending = 0;
  private cancel: (() => void) | undefined;
  private stopped = false;
  /** Ticks dropped so far. */
  missed = 0;

  constructor(
    private readonly timers: Timers,
    private readonly intervalMs: number,
    private readonly pendingMax: number,
    private readonly onTick: () => void,
  ) {}

  /** Starts ticking (once). */
  start(): void {
    if (this.stopped || this.cancel !== undefined) return;
    this.schedule();
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** The ticks counted since the last call (and resets the count). */
  take(): number {
    const n = this.pending;
    this.pending = 0;
    return n;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = this.timers.schedule(this.intervalMs, () => {
      if (this.pending < this.pendingMax) this.pending++;
      else this.missed++;
      this.onTick();
      this.schedule();
    });
  }
}
