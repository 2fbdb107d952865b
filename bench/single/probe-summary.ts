/**
 * Matches the probe's samples (probe.ts, one JSON line per 250 ms) to the time window of a cell
 * and summarises them: the worst event-loop delay p99 and max seen, and GC time per second of the
 * cell with the longest pause, by kind. Pure except for `readProbe`.
 */
import { existsSync, readFileSync } from 'node:fs';

/** One probe line. */
export interface ProbeSample {
  t: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  heapUsedMiB: number;
  rssMiB: number;
}

/** What the probe saw during one cell. */
export interface ProbeWindow {
  samples: number;
  /** Median over the cell's intervals of the interval's event-loop delay p99. */
  eldP99MedianMs: number;
  /** Worst interval p99 and the longest single delay. */
  eldP99MaxMs: number;
  eldMaxMs: number;
  /** GC pause time per second of the cell, and the longest pause, by kind. */
  gcMsPerSecond: Record<string, number>;
  gcMaxMs: Record<string, number>;
  gcCount: Record<string, number>;
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

/** Summarises the samples whose interval ended inside [startMs, endMs]. */
export function summarizeWindow(
  samples: readonly ProbeSample[],
  startMs: number,
  endMs: number,
): ProbeWindow {
  const inside = samples.filter((s) => s.t > startMs && s.t <= endMs);
  const seconds = Math.max((endMs - startMs) / 1000, 1e-9);
  const p99s = inside.map((s) => s.eldP99Ms).sort((a, b) => a - b);
  const gcTotal: Record<string, number> = {};
  const gcMaxMs: Record<string, number> = {};
  const gcCount: Record<string, number> = {};
  for (const s of inside) {
    for (const [kind, g] of Object.entries(s.gc)) {
      gcTotal[kind] = (gcTotal[kind] ?? 0) + g.totalMs;
      gcMaxMs[kind] = Math.max(gcMaxMs[kind] ?? 0, g.maxMs);
      gcCount[kind] = (gcCount[kind] ?? 0) + g.count;
    }
  }
  const gcMsPerSecond = Object.fromEntries(Object.entries(gcTotal).map(([k, ms]) => [k, ms / seconds]));
  return {
    samples: inside.length,
    eldP99MedianMs: p99s.length === 0 ? NaN : p99s[p99s.length >> 1],
    eldP99MaxMs: p99s.length === 0 ? NaN : p99s.at(-1)!,
    eldMaxMs: inside.reduce((m, s) => Math.max(m, s.eldMaxMs), 0),
    gcMsPerSecond,
    gcMaxMs,
    gcCount,
    heapUsedMaxMiB: inside.reduce((m, s) => Math.max(m, s.heapUsedMiB), 0),
  };
}
