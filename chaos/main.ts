/**
 * `npm run chaos -- --nodes 3 --duration 60 --nemesis kill,pause,partition,clock --seed 7 --out DIR`
 * (`--each-once`: one fault of each nemesis instead of a schedule filling the duration)
 * Runs one gameday, writes DIR/history.jsonl, DIR/results.json and DIR/report.html, and exits 1
 * on any violation (printing the seed and the replay command), 2 when the harness itself failed.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runGameday } from './gameday.js';
import { historyToJsonl } from './history.js';
import { parseNemeses } from './nemesis/schedule.js';
import { renderReport } from './report/html.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '3' },
      duration: { type: 'string', default: '60' },
      nemesis: { type: 'string', default: 'kill,pause,partition,clock' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      out: { type: 'string', default: 'chaos-out' },
      'max-skew-ms': { type: 'string', default: '500' },
      clients: { type: 'string', default: '2' },
      keys: { type: 'string', default: '4' },
      'each-once': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const nodes = int('nodes', values.nodes);
  const seed = int('seed', values.seed);
  const durationSeconds = int('duration', values.duration);
  const out = resolve(values.out);
  const replay = `npm run chaos -- --nodes ${nodes} --duration ${durationSeconds} --nemesis ${values.nemesis} --seed ${seed} --max-skew-ms ${values['max-skew-ms']} --clients ${values.clients} --keys ${values.keys}${values['each-once'] ? ' --each-once' : ''} --out ${values.out}`;
  const outcome = await runGameday({
    nodes,
    durationSeconds,
    nemeses: parseNemeses(values.nemesis),
    seed,
    out,
    maxSkewMs: int('max-skew-ms', values['max-skew-ms']),
    clientsPerNode: int('clients', values.clients),
    keys: Math.max(1, int('keys', values.keys)),
    requestTimeoutMs: 5_000,
    eachNemesisOnce: values['each-once'],
    log: (line) => console.log(`[chaos] ${line}`),
  });
  const { results } = outcome;
  await writeFile(join(out, 'history.jsonl'), historyToJsonl(outcome.history));
  await writeFile(
    join(out, 'results.json'),
    `${JSON.stringify({ seed, replay, plan: outcome.plan, bounds: outcome.bounds, durationMs: Math.round(outcome.durationMs), proxy: outcome.proxy, ...results }, null, 2)}\n`,
  );
  await writeFile(
    join(out, 'report.html'),
    renderReport({
      title: `Arca gameday seed ${seed}`,
      replay,
      history: outcome.history,
      results,
      meta: { nodes, durationSeconds, nemeses: values.nemesis, seed, bounds: outcome.bounds },
    }),
  );
  const f = results.failover;
  console.log(
    `[chaos] ${results.operations.total} ops (ok ${results.operations.ok}, fail ${results.operations.fail}, unknown ${results.operations.unknown}); ${f.faults} faults; failover median ${f.medianWindowMs === null ? '—' : Math.round(f.medianWindowMs)} ms, max ${f.maxWindowMs === null ? '—' : Math.round(f.maxWindowMs)} ms; ${f.elections} elections; ${results.violations.length} violations`,
  );
  console.log(`[chaos] report: ${join(out, 'report.html')}`);
  if (!results.valid) {
    for (const v of results.violations.slice(0, 20))
      console.log(`[chaos] VIOLATION ${v.checker}/${v.rule}: ${v.detail}`);
    console.log(`[chaos] seed ${seed}; replay with:\n  ${replay}`);
    return 1;
  }
  if (results.undecided)
    console.log('[chaos] some keys could not be decided within the search budget (see results.json)');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `[chaos] harness failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(2);
  },
);
