/**
 * A diagnostic preloaded into an Arca node by `bench:single --probe DIR` (`node --import`). Every
 * 250 ms it appends one JSON line to $ARCA_PROBE_OUT describing the interval:
 * - event-loop stalls: the longest lateness of a 5 ms timer chain (`stallMaxMs`), and every tick
 *   late by more than 20 ms with what the main thread did meanwhile (schedstat: ran or waited);
 * - GC: pauses that ended in the interval (PerformanceObserver 'gc') by kind (count, total, max),
 *   and every pause of 10 ms or more with its start time (`pauses`);
 * - server-side latency: request start → response finish through the http diagnostics channels
 *   (count, p50, p99, max), the part of wrk's latency spent inside the process's JS;
 * - the main thread's CPU and run-queue wait from /proc/self/task/<pid>/schedstat (time it was
 *   runnable but not running: on a shared machine, stalls that are the scheduler's, not ours);
 * - process CPU (all threads), heap (used, total), external and ArrayBuffer memory, and RSS.
 * The bench records when each cell ran, so samples are matched to cells (probe-summary.ts).
 * It does not change the server's code path: one timer chain, one observer, two channel hooks.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync, readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

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

function schedstat(): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
}

/** Upper bounds (ms) of the server-side latency histogram; the last bucket is everything above. */
const bucketsMs = [0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000, 2000, 5000];

function histogram(sorted: number[]): number[] {
  const counts = new Array<number>(bucketsMs.length + 1).fill(0);
  let b = 0;
  for (const ms of sorted) {
    while (b < bucketsMs.length && ms > bucketsMs[b]) b += 1;
    counts[b] += 1;
  }
  return counts;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

if (out !== undefined) {
  let gc: Record<string, GcKind> = {};
  let pauses: { atMs: number; kind: string; ms: number }[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = kinds[detail?.kind ?? -1] ?? 'other';
      const k = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      k.count += 1;
      k.totalMs += entry.duration;
      k.maxMs = Math.max(k.maxMs, entry.duration);
      if (entry.duration >= 10)
        pauses.push({ atMs: performance.timeOrigin + entry.startTime, kind, ms: entry.duration });
    }
  }).observe({ entryTypes: ['gc'] });

  const started = new WeakMap<object, number>();
  let latencies: number[] = [];
  subscribe('http.server.request.start', (message) => {
    started.set((message as { response: object }).response, performance.now());
  });
  subscribe('http.server.response.finish', (message) => {
    const t0 = started.get((message as { response: object }).response);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });

  let stallMaxMs = 0;
  let stallsOver20 = 0;
  let stalls: { atMs: number; lateMs: number; runMs: number; waitMs: number }[] = [];
  const tickMs = 5;
  let expected = performance.now() + tickMs;
  let lastSched = schedstat();
  const chain = (): void => {
    const now = performance.now();
    const sched = schedstat();
    const late = now - expected;
    stallMaxMs = Math.max(stallMaxMs, late);
    if (late > 20) {
      stallsOver20 += 1;
      // What the main thread did while this tick was late: ran (our JS, GC, native) or waited
      // for a CPU in the run queue (the machine's other jobs).
      stalls.push({
        atMs: performance.timeOrigin + now,
        lateMs: late,
        runMs: (sched.runNs - lastSched.runNs) / 1e6,
        waitMs: (sched.waitNs - lastSched.waitNs) / 1e6,
      });
    }
    lastSched = sched;
    expected = now + tickMs;
    setTimeout(chain, tickMs).unref();
  };
  setTimeout(chain, tickMs).unref();

  let last = { wall: performance.now(), cpu: process.cpuUsage(), sched: schedstat() };
  const timer = setInterval(() => {
    const now = { wall: performance.now(), cpu: process.cpuUsage(), sched: schedstat() };
    const wallMs = now.wall - last.wall;
    const mem = process.memoryUsage();
    const sorted = latencies.sort((a, b) => a - b);
    const sample = {
      t: Date.now(),
      wallMs,
      stallMaxMs,
      stallsOver20,
      stalls,
      gc,
      pauses,
      requests: sorted.length,
      serverP50Ms: percentile(sorted, 50),
      serverP99Ms: percentile(sorted, 99),
      serverMaxMs: sorted.length === 0 ? NaN : sorted.at(-1)!,
      serverHistogram: histogram(sorted),
      mainRunMs: (now.sched.runNs - last.sched.runNs) / 1e6,
      mainWaitMs: (now.sched.waitNs - last.sched.waitNs) / 1e6,
      processCpuMs: (now.cpu.user - last.cpu.user + now.cpu.system - last.cpu.system) / 1000,
      heapUsedMiB: mem.heapUsed / 2 ** 20,
      heapTotalMiB: mem.heapTotal / 2 ** 20,
      externalMiB: mem.external / 2 ** 20,
      arrayBuffersMiB: mem.arrayBuffers / 2 ** 20,
      rssMiB: mem.rss / 2 ** 20,
    };
    last = now;
    gc = {};
    pauses = [];
    latencies = [];
    stallMaxMs = 0;
    stallsOver20 = 0;
    stalls = [];
    appendFileSync(out, `${JSON.stringify(sample)}\n`);
  }, 250);
  timer.unref();
}
