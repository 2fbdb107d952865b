/**
 * One gameday run for the process-level chaos tests: skipped without libfaketime, and when the
 * test is gated (`skipReason` given) without ARCA_GAMEDAY=1; otherwise runs `runGameday` into a temporary
 * directory, hands the outcome to `check`, and keeps the history and the servers' logs when the
 * check fails (re-check them with chaos/recheck.ts), removing them when it passes.
 */
import type { TestContext } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGameday, type GamedayOptions, type GamedayOutcome } from '../../../chaos/gameday.js';
import { historyToJsonl } from '../../../chaos/history.js';
import { findFaketime } from '../../../chaos/cluster/node-process.js';

/**
 * Runs the gameday `options` (without `out`) unless gated off; `check` asserts on the outcome.
 * Resolves with the outcome when it ran (for the test's diagnostics).
 */
export async function runGatedGameday(
  t: TestContext,
  gate: { skipReason?: string; dirPrefix: string },
  options: Omit<GamedayOptions, 'out'>,
  check: (outcome: GamedayOutcome) => void,
): Promise<GamedayOutcome | undefined> {
  if (gate.skipReason !== undefined && process.env.ARCA_GAMEDAY !== '1') {
    t.skip(gate.skipReason);
    return undefined;
  }
  if (findFaketime() === undefined) {
    t.skip('libfaketime is not installed (.ci/run installs the faketime package)');
    return;
  }
  const out = await mkdtemp(join(tmpdir(), gate.dirPrefix));
  let passed = false;
  let outcome: GamedayOutcome | undefined;
  try {
    outcome = await runGameday({ ...options, out });
    check(outcome);
    passed = true;
    return outcome;
  } finally {
    if (passed) await rm(out, { recursive: true, force: true });
    else {
      if (outcome !== undefined) await writeFile(join(out, 'history.jsonl'), historyToJsonl(outcome.history));
      t.diagnostic(`gameday output kept in ${out}`);
    }
  }
}
