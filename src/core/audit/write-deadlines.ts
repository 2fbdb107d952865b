/**
 * Bounded waits for audit writes with ONE timer per broker instead of one `setTimeout` (plus a
 * `Promise.race`) per device per entry. Every wait has the same timeout, so deadlines are in
 * arrival order: waiters sit in a FIFO, settled ones are dropped from its head as they complete,
 * and a single timer is armed for the oldest pending deadline. A wait still ends exactly at its
 * deadline (the timer fires then and expires every waiter whose deadline has passed). While no
 * wait is pending the timer is unref'd rather than cleared, so it never keeps the process alive
 * and is re-used (re-ref'd) by the next wait instead of being re-created.
 */

/** How a bounded write ended. */
export type WriteOutcome = 'ok' | 'error' | 'timeout';

interface Waiter {
  deadlineMs: number;
  settled: boolean;
  resolve: (outcome: WriteOutcome) => void;
}

/** Compact the FIFO once this many settled waiters sit before its head. */
const compactAfterWaiters = 1024;

/**
 * Bounds writes by `timeoutMs` on the monotonic reading `nowMs` (default `performance.now`),
 * sharing one timer. `nowMs` is injectable so tests drive it with the timers they fake.
 */
export class WriteDeadlines {
  private queue: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (monotonic ms); meaningful while `timer` is set. */
  private timerAtMs = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Resolves 'ok' or 'error' with `write`, or 'timeout' once `timeoutMs` has passed first. */
  bound(write: Promise<void>): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve) => {
      const waiter: Waiter = { deadlineMs: this.nowMs() + this.timeoutMs, settled: false, resolve };
      this.queue.push(waiter);
      this.ensureTimer(waiter.deadlineMs);
      write.then(
        () => this.settle(waiter, 'ok'),
        () => this.settle(waiter, 'error'),
      );
    });
  }

  private settle(waiter: Waiter, outcome: WriteOutcome): void {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.resolve(outcome);
    this.dropSettled();
  }

  /** Advances the head past settled waiters; unrefs the timer when nothing is pending. */
  private dropSettled(): void {
    while (this.head < this.queue.length && this.queue[this.head].settled) this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.timer?.unref();
    } else if (this.head >= compactAfterWaiters) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Makes sure a ref'd timer fires no later than `deadlineMs`. */
  private ensureTimer(deadlineMs: number): void {
    if (this.timer !== undefined && this.timerAtMs <= deadlineMs) {
      this.timer.ref();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.arm(deadlineMs);
  }

  private arm(deadlineMs: number): void {
    const delayMs = Math.max(1, Math.ceil(deadlineMs - this.nowMs()));
    this.timerAtMs = deadlineMs;
    this.timer = setTimeout(() => this.expire(), delayMs);
  }

  private expire(): void {
    this.timer = undefined;
    const nowMs = this.nowMs();
    for (let i = this.head; i < this.queue.length; i++) {
      const waiter = this.queue[i];
      if (waiter.settled) continue;
      if (waiter.deadlineMs > nowMs) break;
      waiter.settled = true;
      waiter.resolve('timeout');
    }
    this.dropSettled();
    if (this.head < this.queue.length) this.arm(this.queue[this.head].deadlineMs);
  }
}
