/**
 * A cheap `observe` for one fixed label set of a prom-client histogram. prom-client validates and
 * hashes the label object on EVERY observation (~0.5-0.7 µs; a KV read made three or four of them);
 * a child resolves its series once and then only adds to it (~0.05 µs). The series is prom-client's
 * own (`hashMap` entry), so scrapes, `reset()` and the exposition are unchanged: a child notices a
 * replaced or removed series and re-resolves it through the public `observe`. Tied to prom-client's
 * internal layout (pinned version); histogram-child.test.ts compares the output with prom-client's.
 */
import type { Histogram } from 'prom-client';

/** prom-client's per-series record (lib/histogram.js `createBaseValues`). */
interface Series {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

interface HistogramInternals {
  hashMap: Record<string, Series>;
  upperBounds: number[];
}

/** Observations of one histogram series (constant labels). */
export class HistogramChild {
  private series: Series | undefined;
  private seriesKey = '';

  constructor(
    private readonly histogram: Histogram,
    private readonly labels: Readonly<Record<string, string>>,
  ) {}

  /** Same effect as `histogram.observe(labels, value)`. */
  observe(value: number): void {
    const internals = this.histogram as unknown as HistogramInternals;
    const series = this.series;
    if (series === undefined || internals.hashMap[this.seriesKey] !== series || !Number.isFinite(value)) {
      this.histogram.observe(this.labels, value);
      this.resolve(internals);
      return;
    }
    series.sum += value;
    series.count += 1;
    const bounds = internals.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        series.bucketValues[bounds[i]] += 1;
        return;
      }
    }
  }

  /** Finds this child's series (after the public observe created it). */
  private resolve(internals: HistogramInternals): void {
    const names = Object.keys(this.labels);
    for (const [key, series] of Object.entries(internals.hashMap)) {
      const labels = series.labels;
      if (
        Object.keys(labels).length === names.length &&
        names.every((name) => String(labels[name]) === this.labels[name])
      ) {
        this.series = series;
        this.seriesKey = key;
        return;
      }
    }
    this.series = undefined;
  }
}

/** Children of one histogram by label values (the label sets must be few and bounded). */
export class HistogramChildren {
  private readonly children = new Map<string, HistogramChild>();

  constructor(private readonly histogram: Histogram) {}

  /** The child for `labels` (values joined as the key; created on first use). */
  child(labels: Readonly<Record<string, string>>): HistogramChild {
    let key = '';
    for (const name in labels) key += `${labels[name]}\u0000`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = new HistogramChild(this.histogram, { ...labels });
      this.children.set(key, child);
    }
    return child;
  }
}
