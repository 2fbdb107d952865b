/**
 * A diagnostic preloaded into an Arca node by `bench:single --probe DIR` (`node --import`): every
 * 250 ms it appends one JSON line to $ARCA_PROBE_OUT with the event-loop delay of the interval
 * (perf_hooks monitorEventLoopDelay, 10 ms resolution: p50/p99/max), the GC pauses that ended in
 * the interval (PerformanceObserver 'gc': count and total/max ms by kind), heap and RSS. The bench
 * records when each cell ran, so samples can be matched to cells (probe-summary.ts). It does not
 * change the server: one timer (unref'd) and one observer.
 */
import { appendFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const out = process.env['ARCA_PROBE_OUT'];

const kinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface GcKind {
  count: number;
  totalMs: number;
  maxMs: number;
}

if (out !== undefined) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gc: Record<string, GcKind> = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = kinds[detail?.kind ?? -1] ?? 'other';
      const k = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      k.count += 1;
      k.totalMs += entry.duration;
      k.maxMs = Math.max(k.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const mem = process.memoryUsage();
    const sample = {
      t: Date.now(),
      eldP50Ms: delay.percentile(50) / 1e6,
      eldP99Ms: delay.percentile(99) / 1e6,
      eldMaxMs: delay.max / 1e6,
      gc,
      heapUsedMiB: mem.heapUsed / 2 ** 20,
      rssMiB: mem.rss / 2 ** 20,
    };
    delay.reset();
    gc = {};
    appendFileSync(out, `${JSON.stringify(sample)}\n`);
  }, 250);
  timer.unref();
}
