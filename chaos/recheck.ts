/**
 * `node dist/chaos/recheck.js DIR`: re-runs the checkers over a saved gameday (DIR/history.jsonl
 * with the bounds from DIR/results.json), e.g. after a checker fix. Exits 1 on any violation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkAll, type CheckBounds } from './checkers/check-all.js';
import { historyFromJsonl } from './history.js';

async function main(dir: string): Promise<number> {
  const history = historyFromJsonl(await readFile(join(dir, 'history.jsonl'), 'utf8'));
  const saved: unknown = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
  if (typeof saved !== 'object' || saved === null || !('bounds' in saved))
    throw new Error('results.json has no bounds');
  const bounds = saved.bounds as CheckBounds;
  const results = checkAll(history, bounds, () => performance.now());
  console.log(
    `${results.operations.total} ops; ${results.failover.faults} faults; ${results.violations.length} violations; undecided keys: ${results.registers.filter((r) => r.verdict === 'unknown').length}`,
  );
  for (const v of results.violations) console.log(`VIOLATION ${v.checker}/${v.rule}: ${v.detail}`);
  return results.valid ? 0 : 1;
}

main(process.argv[2] ?? 'chaos-out').then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
