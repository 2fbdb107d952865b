/**
 * The clock port. Durations are measured on the monotonic reading (never goes back, unaffected by
 * wall-clock steps); absolute times shown to users or stamped into the replicated log use the wall
 * reading. Everything that depends on time takes a `Clock` so tests and the simulator control it.
 */
export interface Clock {
  /** Milliseconds on a monotonic timeline with an arbitrary origin. */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch (may jump if the host clock is changed). */
  wallMs(): number;
}

/** The real clock of this process. */
export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
};

/**
 * A clock moved only by `advance` (both readings) or `setWall` (wall only, to model skew and steps).
 * Used by unit tests and the deterministic simulator.
 */
export class FakeClock implements Clock {
  private monotonic = 0;
  private wall: number;

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs;
  }

  monotonicMs(): number {
    return this.monotonic;
  }

  wallMs(): number {
    return this.wall;
  }

  /** Moves both readings forward by `ms` (must be ≥ 0: monotonic time never goes back). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance needs ms >= 0, got ${ms}`);
    this.monotonic += ms;
    this.wall += ms;
  }

  /** Sets only the wall reading, e.g. to skew or step it; the monotonic reading is unaffected. */
  setWall(ms: number): void {
    this.wall = ms;
  }
}
