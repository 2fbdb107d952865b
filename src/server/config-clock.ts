/**
 * The top-level `max_clock_offset` setting: ε, the bound on wall-clock offsets between nodes
 * (src/lib/clock-offset.ts). A Go duration ("500ms", "1s") or a number of seconds; default 500 ms.
 * Leases and tokens count as expired for use ε early, are revoked only ε late, and a node that
 * becomes active waits ε plus one election timeout before revoking anything.
 */
import { defaultMaxClockOffsetMs } from '../lib/clock-offset.js';
import { parseDurationMs } from '../lib/durations.js';

/** Parses `max_clock_offset` (undefined → the default); throws the duration error for bad input. */
export function parseMaxClockOffsetMs(value: unknown): number {
  return value === undefined ? defaultMaxClockOffsetMs : parseDurationMs(value, 'max_clock_offset');
}
