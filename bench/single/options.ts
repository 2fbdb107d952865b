/**
 * Command-line options of `npm run bench:single -- ...` (pure: parsed from an argv array, so the
 * parsing is unit-tested). Every option has a default that runs the whole method of issue 16.
 */
import { parseArgs } from 'node:util';

/** Parts of the run that can be selected with `--only`. */
export const sections = ['writes', 'reads', 'memory', 'startup'] as const;
export type Section = (typeof sections)[number];

/**
 * Servers that can be selected with `--servers` (`arca-b` is added by `--compare`, and `audit-b`
 * — the other build with a file audit device — too when `audit` is selected; `floor-startup`,
 * bench/floor-startup.ts, is a row of the startup section only). `floor-writes` and
 * `floor-reads` are the floors (bench/floor-writes.ts, bench/floor-fastify.ts): not in the
 * default set, ask for them by name.
 */
export const serverNames = ['arca', 'fastify', 'etcd', 'audit', 'floor-writes', 'floor-reads'] as const;
/** The servers of the default run (issue 16's method). */
export const defaultServers: readonly ServerName[] = ['arca', 'fastify', 'etcd', 'audit'];
export type ServerName = (typeof serverNames)[number] | 'arca-b' | 'audit-b' | 'floor-startup';

/** The parsed options. */
export interface BenchOptions {
  only: Section[];
  servers: ServerName[];
  conns: number[];
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  keys: number;
  memoryKeys: number;
  startupRuns: number;
  /** Start every Arca node with `node --cpu-prof --cpu-prof-dir=<dir>/<server>`. */
  cpuProfDir?: string;
  /** Preload the event-loop/GC probe into every Arca node, samples to `<dir>/<server>.jsonl`. */
  probeDir?: string;
  /** Extra `node` flags for Arca nodes (e.g. `--max-semi-space-size=32`). */
  nodeArgs: string[];
  /** Another build's `dist/src/cli/main.js`, run as server `arca-b` (before/after in one run). */
  compare?: string;
  /** Extra `node` flags for `arca-b` only (with no `--compare`, arca-b is this build). */
  bNodeArgs: string[];
  out?: string;
  help: boolean;
}

/** The usage text for `--help`. */
export const usage = `npm run bench:single -- [options]
  --only LIST         sections: ${sections.join(',')} (default: all)
  --servers LIST      ${serverNames.join(',')} (default: all but the floors; audit = Arca with
                      a file audit device; floor-writes = fastify + JSON + AES-GCM + synced
                      LevelDB group commit and nothing else, bench/floor-writes.ts;
                      floor-reads = bench/floor-fastify.ts, the unavoidable part of a read)
  --conns LIST        connection counts (default 1,16,64)
  --rounds N          interleaved rounds (default 3)
  --duration S        seconds per cell (default 5)
  --warmup S          untimed warm-up seconds per server and op at 16 connections (default 3)
  --keys N            key space of the read/write cells (default 10000)
  --memory-keys N     keys written before the RSS reading (default 100000)
  --startup-runs N    startups timed to the first 200 on sys/health (default 5)
  --cpu-prof DIR      run Arca nodes with node --cpu-prof (one profile per node, written at stop)
  --probe DIR         event-loop delay and GC samples of Arca nodes (DIR/<server>.jsonl)
  --node-arg ARG      extra node flag for Arca nodes (repeatable)
  --compare MAIN_JS   also run another build (e.g. ../perf/dist/src/cli/main.js) as arca-b
                      (and, with audit selected, as audit-b with a file audit device)
  --b-node-arg ARG    extra node flag for arca-b only (repeatable; without --compare arca-b is
                      this build: an A/B of a runtime flag, e.g. --b-node-arg=--max-semi-space-size=64)
  --out FILE          JSON results (default: $TMPDIR/arca-bench-single-<time>.json)`;

function list<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items)
    if (!allowed.includes(item as T)) throw new Error(`--${what}: unknown "${item}" (${allowed.join(', ')})`);
  if (items.length === 0) throw new Error(`--${what}: empty list`);
  return items as T[];
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what}: expected a positive integer, got "${text}"`);
  return n;
}

function seconds(text: string, what: string, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${what}: expected seconds ≥ ${min}, got "${text}"`);
  return n;
}

/** Parses `argv` (without node and the script). Throws with a readable message on bad input. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: 'string' },
      servers: { type: 'string' },
      conns: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      keys: { type: 'string' },
      'memory-keys': { type: 'string' },
      'startup-runs': { type: 'string' },
      'cpu-prof': { type: 'string' },
      probe: { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      compare: { type: 'string' },
      'b-node-arg': { type: 'string', multiple: true },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const servers: ServerName[] =
    values.servers === undefined ? [...defaultServers] : list(values.servers, serverNames, 'servers');
  const bNodeArgs = values['b-node-arg'] ?? [];
  if (values.compare !== undefined || bNodeArgs.length > 0) {
    servers.push('arca-b');
    if (servers.includes('audit')) servers.push('audit-b');
  }
  return {
    only: values.only === undefined ? [...sections] : list(values.only, sections, 'only'),
    servers,
    conns:
      values.conns === undefined
        ? [1, 16, 64]
        : values.conns.split(',').map((c) => positiveInt(c.trim(), 'conns')),
    rounds: positiveInt(values.rounds ?? '3', 'rounds'),
    durationSeconds: seconds(values.duration ?? '5', 'duration', 1),
    warmupSeconds: seconds(values.warmup ?? '3', 'warmup', 0),
    keys: positiveInt(values.keys ?? '10000', 'keys'),
    memoryKeys: positiveInt(values['memory-keys'] ?? '100000', 'memory-keys'),
    startupRuns: positiveInt(values['startup-runs'] ?? '5', 'startup-runs'),
    cpuProfDir: values['cpu-prof'],
    probeDir: values.probe,
    nodeArgs: values['node-arg'] ?? [],
    compare: values.compare,
    bNodeArgs,
    out: values.out,
    help: values.help === true,
  };
}
