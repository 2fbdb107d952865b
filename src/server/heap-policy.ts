/**
 * The V8 heap policy of an `arca server` process.
 *
 * V8 starts the next full garbage collection when the old generation reaches the size that survived
 * the last one times a growing factor it picks itself, up to 4x for a small heap: a policy for
 * short-lived pages that favours throughput over footprint. A vault's live heap is small (tens of
 * MiB: its caches and tokens) while its caches churn under load, every miss inserting an entry that
 * lives long enough to be promoted and every eviction leaving one dead in the old generation. With
 * the default factor a node serving 5,000 requests/s carried 120-150 MiB of V8 heap around a live
 * heap of ~40 MiB, and its RSS peaked at 300-350 MiB (docs/benchmarks.md, "Fourth pass"). A fixed
 * factor of 2 keeps the old generation within ~2x of what is live: RSS peaks at 265-275 MiB in the
 * same run. Each full GC pauses the event loop for its final atomic phase (5-30 ms measured, most
 * of the marking runs on V8's helper thread), so a smaller factor trades tail latency for memory:
 * 1.5 peaked at ~245 MiB but spent 2-3x as long in full GCs under c64 writes.
 *
 * An operator who sets `--heap-growing-percent` on node's command line keeps their own value.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation may grow by this percentage of the live heap before the next full GC. */
export const heapGrowingPercent = 100;

/**
 * Applies the policy to this process, unless node was started with its own `--heap-growing-percent`.
 * Called once the listeners are open (loading `node:v8` is not on the way to the first request);
 * V8 reads the flag at each full GC, so it takes effect from the next one. Returns whether it applied.
 */
export function applyServerHeapPolicy(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
  return true;
}
