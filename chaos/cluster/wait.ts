/** Bounded polling for a condition the harness cannot be notified of (a remote API answer). */
import { pollUntil } from '../../src/lib/poll.js';

/** Polls `probe` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  return pollUntil(what, probe, timeoutMs, intervalMs);
}
