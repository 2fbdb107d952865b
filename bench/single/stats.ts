/**
 * Summaries of interleaved rounds: median and range of a series. Ratios are taken per round
 * (A and B measured back to back in the same round) and then summarised, so a load swing between
 * rounds moves both sides of each ratio together.
 */

/** Median, minimum and maximum of a series (NaN entries dropped). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The summary of `values`; all NaN when nothing is left after dropping NaN. */
export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, n: sorted.length };
}

/** Element-wise a[i] / b[i] for the rounds both have. */
export function perRoundRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, i) => a[i] / b[i]);
}

/** "1,234" for ≥ 100, else two decimals; "—" for NaN. */
export function fmt(n: number): string {
  if (Number.isNaN(n)) return '—';
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** "0.54 (0.49–0.61)": median and range. */
export function fmtSummary(s: Summary): string {
  if (s.n === 0) return '—';
  return s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}
