/**
 * Matches the probe's samples (probe.ts, one JSON line per 250 ms) to the time window of a cell
 * and summarises them: event-loop stalls, GC time per second and the longest pauses by kind,
 * server-side latency percentiles (from the merged histograms), and how much of the wall time the
 * main thread ran and waited in the run queue. Pure except for `readProbe`.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Upper bounds (ms) of the probe's latency histogram buckets (same as probe.ts). */
export const bucketsMs = [
  0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000, 2000, 5000,
];

/** One probe line. */
export interface ProbeSample {
  t: number;
  wallMs: number;
  stallMaxMs: number;
  stallsOver20: number;
  stalls: { atMs: number; lateMs: number; runMs: number; waitMs: number }[];
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  pauses: { atMs: number; kind: string; ms: number }[];
  requests: number;
  serverP99Ms: number;
  serverMaxMs: number;
  serverHistogram: number[];
  mainRunMs: number;
  mainWaitMs: number;
  processCpuMs: number;
  heapUsedMiB: number;
  rssMiB: number;
}

/** What the probe saw during one cell. */
export interface ProbeWindow {
  samples: number;
  stallMaxMs: number;
  /** 5 ms timer ticks late by more than 20 ms, per second. */
  stallsOver20PerSecond: number;
  /**
   * Stall time (ticks late by > 20 ms) per second of the cell, split by cause: overlapped by a GC
   * pause of 10 ms or more, else waiting for a CPU (run queue), else running (our code, native).
   */
  stallMsPerSecond: { gc: number; runQueue: number; running: number };
  gcMsPerSecond: Record<string, number>;
  gcMaxMs: Record<string, number>;
  gcCount: Record<string, number>;
  /** Server-side latency (request start → response finish), upper bucket bounds. */
  serverP50Ms: number;
  serverP99Ms: number;
  serverMaxMs: number;
  /** Main thread: share of wall time running on a CPU, and waiting in the run queue. */
  mainRunShare: number;
  mainWaitShare: number;
  /** All threads' CPU per wall second. */
  processCores: number;
  heapUsedMaxMiB: number;
}

/** Parses a probe file (missing file → no samples). */
export function readProbe(file: string): ProbeSample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ProbeSample);
}

/** The upper bound of the bucket holding the p-th percentile of a merged histogram. */
export function histogramPercentile(counts: readonly number[], p: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return bucketsMs[i] ?? Infinity;
  }
  return Infinity;
}

/** Splits each stall into GC (overlap with a ≥ 10 ms pause), run-queue wait, and running. */
export function attributeStalls(
  stalls: readonly ProbeSample['stalls'][number][],
  pauses: readonly ProbeSample['pauses'][number][],
  tickMs = 5,
): { gc: number; runQueue: number; running: number } {
  const out = { gc: 0, runQueue: 0, running: 0 };
  for (const s of stalls) {
    const from = s.atMs - s.lateMs - tickMs;
    let gc = 0;
    for (const p of pauses) gc += Math.max(0, Math.min(s.atMs, p.atMs + p.ms) - Math.max(from, p.atMs));
    gc = Math.min(gc, s.lateMs);
    const wait = Math.min(s.waitMs, s.lateMs - gc);
    out.gc += gc;
    out.runQueue += wait;
    out.running += s.lateMs - gc - wait;
  }
  return out;
}

/** Summarises the samples whose interval ended inside [startMs, endMs]. */
export function summarizeWindow(
  samples: readonly ProbeSample[],
  startMs: number,
  endMs: number,
): ProbeWindow {
  const inside = samples.filter((s) => s.t > startMs && s.t <= endMs);
  const seconds = Math.max((endMs - startMs) / 1000, 1e-9);
  const gcTotal: Record<string, number> = {};
  const gcMaxMs: Record<string, number> = {};
  const gcCount: Record<string, number> = {};
  const merged = new Array<number>(bucketsMs.length + 1).fill(0);
  let wall = 0;
  let run = 0;
  let wait = 0;
  let cpu = 0;
  for (const s of inside) {
    for (const [kind, g] of Object.entries(s.gc)) {
      gcTotal[kind] = (gcTotal[kind] ?? 0) + g.totalMs;
      gcMaxMs[kind] = Math.max(gcMaxMs[kind] ?? 0, g.maxMs);
      gcCount[kind] = (gcCount[kind] ?? 0) + g.count;
    }
    s.serverHistogram.forEach((n, i) => (merged[i] += n));
    wall += s.wallMs;
    run += s.mainRunMs;
    wait += s.mainWaitMs;
    cpu += s.processCpuMs;
  }
  const attributed = attributeStalls(
    inside.flatMap((s) => s.stalls ?? []),
    samples.flatMap((s) => s.pauses),
  );
  return {
    samples: inside.length,
    stallMsPerSecond: {
      gc: attributed.gc / seconds,
      runQueue: attributed.runQueue / seconds,
      running: attributed.running / seconds,
    },
    stallMaxMs: inside.reduce((m, s) => Math.max(m, s.stallMaxMs), 0),
    stallsOver20PerSecond: inside.reduce((n, s) => n + s.stallsOver20, 0) / seconds,
    gcMsPerSecond: Object.fromEntries(Object.entries(gcTotal).map(([k, ms]) => [k, ms / seconds])),
    gcMaxMs,
    gcCount,
    serverP50Ms: histogramPercentile(merged, 50),
    serverP99Ms: histogramPercentile(merged, 99),
    serverMaxMs: inside.reduce((m, s) => Math.max(m, Number.isNaN(s.serverMaxMs) ? 0 : s.serverMaxMs), 0),
    mainRunShare: wall > 0 ? run / wall : NaN,
    mainWaitShare: wall > 0 ? wait / wall : NaN,
    processCores: wall > 0 ? cpu / wall : NaN,
    heapUsedMaxMiB: inside.reduce((m, s) => Math.max(m, s.heapUsedMiB), 0),
  };
}
