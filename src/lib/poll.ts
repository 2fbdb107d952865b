/**
 * Bounded polling for a condition nobody can notify us of (a remote node's API answer): the
 * launcher, the chaos harness and process tests use it. The bound is for a broken run, not a speed
 * target; a probe that throws counts as "not yet" and its last error is named in the timeout.
 */

/** Polls `probe` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
