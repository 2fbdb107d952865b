/**
 * Vault's duration input (parseutil.ParseDurationSecond): a number or numeric string is seconds;
 * otherwise a Go duration with units ns, us, µs, ms, s, m, h, plus d for days ("768h", "1h30m",
 * "1.5h", "5d"); "" is 0. Output to users is integer seconds, or Go's Duration.String() form where
 * Vault shows that ("1h0m0s").
 */
import { ArcaError } from './errors.js';

const unitSeconds: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const componentPattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/**
 * Parses a duration to whole seconds (fractions truncated toward zero, as Vault does).
 * Throws `invalid_field` naming `field` for malformed input. Negative values are allowed only
 * when `allowNegative` is set.
 */
export function parseDurationSeconds(input: unknown, field = 'duration', allowNegative = false): number {
  const fail = (): never => {
    throw new ArcaError('invalid_field', `invalid duration for field "${field}": ${JSON.stringify(input)}`);
  };
  let seconds: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) fail();
    seconds = input;
  } else if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return 0;
    if (/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
      seconds = Number(text);
    } else {
      seconds = parseGoDuration(text) ?? fail();
    }
  } else {
    return fail();
  }
  if (seconds < 0 && !allowNegative) fail();
  return Math.trunc(seconds);
}

/**
 * Like `parseDurationSeconds` but in whole milliseconds, for sub-second settings such as
 * `max_clock_offset = "500ms"` (a bare number is still seconds, as Vault reads durations).
 */
export function parseDurationMs(input: unknown, field = 'duration'): number {
  const fail = (): never => {
    throw new ArcaError('invalid_field', `invalid duration for field "${field}": ${JSON.stringify(input)}`);
  };
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : fail();
  if (text === '') return 0;
  const seconds = /^[+]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : (parseGoDuration(text) ?? fail());
  if (!Number.isFinite(seconds) || seconds < 0) fail();
  // Round to microseconds first so 0.5 s is 500 ms, not 499.99…
  return Math.trunc(Math.round(seconds * 1e6) / 1e3);
}

function parseGoDuration(text: string): number | undefined {
  let sign = 1;
  let rest = text;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  componentPattern.lastIndex = 0;
  while (componentPattern.lastIndex < rest.length) {
    const match = componentPattern.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (unitSeconds[match[2]] ?? NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/** Formats whole seconds the way Go's time.Duration.String() does: "1h0m0s", "90s" → "1m30s", 0 → "0s". */
export function formatGoDuration(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  const sign = totalSeconds < 0 ? '-' : '';
  let s = Math.abs(Math.trunc(totalSeconds));
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${s}s`;
  if (minutes > 0) return `${sign}${minutes}m${s}s`;
  return `${sign}${s}s`;
}
