/**
 * Parses what `wrk --latency` prints (wrk 4.x): request count, duration, req/s, the latency
 * distribution (50/75/90/99 %), socket errors and non-2xx answers. Pure, so it is unit-tested on
 * captured outputs; a line it cannot find makes it throw rather than report a zero.
 */

/** One wrk run's figures. */
export interface WrkResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
  timeouts: number;
  /** answers outside 2xx/3xx. */
  non2xx: number;
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const durationUnitSeconds: Record<string, number> = { us: 1e-6, ms: 0.001, s: 1, m: 60, h: 3600 };

/** "4.83ms" → 4.83; "1.02s" → 1020; "812.00us" → 0.812. */
export function parseLatencyMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot parse latency "${text}"`);
  return Number(m[1]) * unitMs[m[2]];
}

function pick(output: string, re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(output);
  if (!m) throw new Error(`wrk output has no ${what}:\n${output}`);
  return m;
}

/** Parses the full stdout of `wrk --latency`. */
export function parseWrkOutput(output: string): WrkResult {
  const total = pick(output, /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/, 'request count');
  const rate = pick(output, /Requests\/sec:\s+([\d.]+)/, 'Requests/sec');
  const percentile = (p: string): number =>
    parseLatencyMs(pick(output, new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency`)[1]);
  const latencyLine = pick(output, /^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)/m, 'latency line');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const timeouts = socket ? Number(socket[4]) : 0;
  return {
    requests: Number(total[1]),
    durationSeconds: Number(total[2]) * durationUnitSeconds[total[3]],
    requestsPerSecond: Number(rate[1]),
    p50Ms: percentile('50'),
    p75Ms: percentile('75'),
    p90Ms: percentile('90'),
    p99Ms: percentile('99'),
    maxMs: parseLatencyMs(latencyLine[3]),
    socketErrors: socket ? Number(socket[1]) + Number(socket[2]) + Number(socket[3]) + timeouts : 0,
    timeouts,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}
