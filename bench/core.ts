/**
 * `npm run bench:core`: what Arca's core costs WITHOUT HTTP — KV v2 puts and gets of 256-byte
 * values over 10,000 keys handed straight to `core.handleRequest` (the same core a dev server
 * builds: LevelDB in a temp dir with every write synced, barrier, read cache, tokens, ACL, metrics,
 * KV v2 at `secret/`), at several concurrencies. Prints process CPU and main-thread busy time per
 * operation. Compared with `npm run bench:single` (the same operations over HTTP, wrk outside the
 * process) it splits a request's cost into core and everything around it.
 *
 * Each cell runs in a fresh child process (`--child`), rounds interleaved; `--compare DIST` runs
 * another build's `dist` directory the same way, for a before/after in one run.
 *
 * Usage: npm run bench:core -- [--ops put,get] [--conns 1,16,64] [--count 20000] [--rounds 3]
 *        [--compare ../other/dist]
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fmtSummary, perRoundRatios, summarize } from './single/stats.js';

const keys = 10_000;
const value = 'v'.repeat(256);

interface CellResult {
  cpuUsPerOp: number;
  mainBusyUsPerOp: number;
  opsPerSecond: number;
}

/** Child: one cell against the build whose `dist` is `distRoot`. */
async function runCell(
  distRoot: string,
  op: 'put' | 'get',
  conns: number,
  count: number,
): Promise<CellResult> {
  const main = (await import(
    pathToFileURL(join(distRoot, 'src/server/main.js')).href
  )) as typeof import('../src/server/main.js');
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const server = await main.startServer({
    dev: true,
    devListenAddress: '127.0.0.1:0',
    logDestination: discard,
    logLevel: 'error',
    print: () => undefined,
  });
  try {
    const token = server.devCredentials!.rootToken;
    const request = (i: number, operation: 'update' | 'read') => ({
      id: randomUUID(),
      operation,
      path: `secret/data/bench/k${i % keys}`,
      data: operation === 'read' ? {} : { data: { value } },
      clientToken: token,
      headers: {},
      remoteAddress: '127.0.0.1',
    });
    const run = async (n: number, concurrency: number, operation: 'update' | 'read'): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          const i = next++;
          const response = await server.core.handleRequest(request(i * 7919, operation));
          if (response.data === undefined) throw new Error(`${operation} ${i} answered no data`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };
    await run(keys, 16, 'update'); // every key exists
    const operation = op === 'put' ? 'update' : 'read';
    await run(Math.min(count, 10_000), conns, operation); // warm-up: the JIT, a full read cache
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const started = performance.now();
    await run(count, conns, operation);
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const elu = performance.eventLoopUtilization(eluBefore);
    return {
      cpuUsPerOp: (cpu.user + cpu.system) / count,
      mainBusyUsPerOp: (elu.active * 1000) / count,
      opsPerSecond: (count * 1000) / elapsedMs,
    };
  } finally {
    await server.stop();
  }
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  if (process.argv.includes('--child')) {
    const result = await runCell(
      option('root', ''),
      option('op', 'put') as 'put' | 'get',
      Number(option('conns', '16')),
      Number(option('count', '20000')),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const thisDist = resolve(dirname(self), '..');
  const builds: [string, string][] = [['arca', thisDist]];
  const compare = option('compare', '');
  if (compare !== '') builds.push(['arca-b', resolve(compare)]);
  const ops = option('ops', 'put,get').split(',') as ('put' | 'get')[];
  const conns = option('conns', '1,16,64').split(',').map(Number);
  const count = option('count', '20000');
  const rounds = Number(option('rounds', '3'));
  const results = new Map<string, CellResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const op of ops) {
      for (const c of conns) {
        const order = round % 2 === 0 ? builds : [...builds].reverse();
        for (const [name, root] of order) {
          const args = [self, '--child', '--root', root, '--op', op, '--conns', String(c), '--count', count];
          const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
          if (child.status !== 0) throw new Error(`${name} ${op} c${c} failed: ${child.stderr}`);
          const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as CellResult;
          const key = `${op}|${c}|${name}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          console.error(
            `round ${round + 1} ${op} c${c} ${name}: ${result.cpuUsPerOp.toFixed(1)} µs CPU, ` +
              `${result.mainBusyUsPerOp.toFixed(1)} µs main thread, ${Math.round(result.opsPerSecond)} ops/s`,
          );
        }
      }
    }
  }
  console.log('| op | conns | build | CPU µs/op | main-thread µs/op | ops/s |');
  console.log('|---|---|---|---|---|---|');
  const column = (cells: CellResult[], pick: (r: CellResult) => number): string =>
    fmtSummary(summarize(cells.map(pick)));
  for (const [key, cells] of results) {
    const [op, c, name] = key.split('|');
    console.log(
      `| ${op} | ${c} | ${name} | ${column(cells, (r) => r.cpuUsPerOp)} | ` +
        `${column(cells, (r) => r.mainBusyUsPerOp)} | ${column(cells, (r) => r.opsPerSecond)} |`,
    );
  }
  if (builds.length === 2) {
    console.log('\n| op | conns | arca-b / arca CPU per op (per round) |\n|---|---|---|');
    for (const op of ops) {
      for (const c of conns) {
        const a = (results.get(`${op}|${c}|arca`) ?? []).map((r) => r.cpuUsPerOp);
        const b = (results.get(`${op}|${c}|arca-b`) ?? []).map((r) => r.cpuUsPerOp);
        console.log(`| ${op} | ${c} | ${fmtSummary(summarize(perRoundRatios(b, a)))} |`);
      }
    }
  }
}

await main();
