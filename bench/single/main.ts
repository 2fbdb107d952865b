/**
 * `npm run bench:single`: issue 16's single-node method. Arca (LevelDB dev node), bare fastify
 * doing the same JSON work, a single-member etcd 3.4 and Arca with a file audit device, each its
 * own process on 127.0.0.1, driven by wrk (one thread, outside load generator) with 256-byte
 * values over 10k prefilled keys at 1/16/64 connections, in interleaved rounds (the server order
 * rotates each round). Per cell: req/s, p50/p99, server CPU per request (/proc/<pid>/stat delta).
 * Then RSS after 100k keys and peak under load, and startup to the first 200 on sys/health (with
 * the startup floor, bench/floor-startup.ts, timed the same way).
 * Prints Markdown tables and writes JSON results. See `--help` (options.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { parseBenchOptions, usage, type BenchOptions, type ServerName } from './options.js';
import { stopAll } from './processes.js';
import { cpuSeconds, memoryOf } from './proc.js';
import { readProbe, summarizeWindow } from './probe-summary.js';
import { printProbe, printReport, summarizeCells, computeRatios, type CellRecord } from './report.js';
import { startArca, startBareFastify, startEtcd, type ArcaSpec, type Target } from './servers.js';
import { measureMemory, measureStartup } from './phases.js';
import { prefill, runWrk, wrkVersion } from './wrk.js';
import { etcdVersion } from '../lib/etcd.js';

const distDir = fileURLToPath(new URL('../../', import.meta.url));
const mainJs = join(distDir, 'src/cli/main.js');
const bareJs = join(distDir, 'bench/bare-fastify.js');
const floorWritesJs = join(distDir, 'bench/floor-writes.js');
const floorReadsJs = join(distDir, 'bench/floor-fastify.js');
const floorStartupJs = join(distDir, 'bench/floor-startup.js');
const probeJs = join(distDir, 'bench/single/probe.js');

function arcaSpec(options: BenchOptions, baseDir: string, name: ServerName): ArcaSpec {
  const b = name === 'arca-b' || name === 'audit-b';
  return {
    name,
    mainJs: b ? (options.compare ?? mainJs) : mainJs,
    baseDir,
    nodeArgs: b ? [...options.nodeArgs, ...options.bNodeArgs] : options.nodeArgs,
    audit: name === 'audit' || name === 'audit-b',
    cpuProfDir: options.cpuProfDir,
    probe: options.probeDir
      ? { moduleJs: probeJs, outFile: join(options.probeDir, `${name}.jsonl`) }
      : undefined,
  };
}

async function startTarget(options: BenchOptions, baseDir: string, name: ServerName): Promise<Target> {
  if (name === 'fastify') return startBareFastify(bareJs, baseDir);
  if (name === 'floor-writes') return startBareFastify(floorWritesJs, baseDir, 'floor-writes');
  if (name === 'floor-reads') return startBareFastify(floorReadsJs, baseDir, 'floor-reads');
  if (name === 'etcd') return startEtcd(baseDir);
  return startArca(arcaSpec(options, baseDir, name));
}

async function measureCell(
  target: Target,
  round: number,
  op: 'put' | 'get',
  conns: number,
  options: BenchOptions,
): Promise<CellRecord> {
  const loadavgStart = loadavg()[0];
  const cpu0 = cpuSeconds(target.pid);
  const startMs = Date.now();
  const wrk = await runWrk(target, {
    op,
    conns,
    durationSeconds: options.durationSeconds,
    keys: options.keys,
  });
  const endMs = Date.now();
  const cpu = cpuSeconds(target.pid) - cpu0;
  const cell: CellRecord = {
    round,
    server: target.name,
    op,
    conns,
    startMs,
    endMs,
    loadavgStart,
    loadavgEnd: loadavg()[0],
    wrk,
    cpuUsPerRequest: wrk.requests > 0 ? (cpu * 1e6) / wrk.requests : NaN,
    cpuCores: cpu / ((endMs - startMs) / 1000),
    rssKiB: memoryOf(target.pid).rssKiB,
  };
  console.log(
    `round ${round} ${op} c${conns} ${target.name}: ${Math.round(wrk.requestsPerSecond)} req/s, p50 ${wrk.p50Ms.toFixed(2)} ms, p99 ${wrk.p99Ms.toFixed(2)} ms, ${Math.round(cell.cpuUsPerRequest)} µs CPU/req, errors ${wrk.non2xx + wrk.socketErrors}, load ${loadavgStart.toFixed(1)}`,
  );
  return cell;
}

/** The interleaved rounds: every server is started, prefilled and warmed, then measured cell by cell. */
async function runCells(options: BenchOptions, baseDir: string): Promise<CellRecord[]> {
  const ops = (['writes', 'reads'] as const)
    .filter((s) => options.only.includes(s))
    .map((s) => (s === 'writes' ? 'put' : 'get'));
  if (ops.length === 0) return [];
  const targets: Target[] = [];
  const cells: CellRecord[] = [];
  try {
    for (const name of options.servers) {
      const target = await startTarget(options, baseDir, name);
      targets.push(target);
      const t0 = Date.now();
      await prefill(target, options.keys, Math.max(120, Math.ceil(options.keys / 20)));
      console.log(
        `${name}: pid ${target.pid} at ${target.url}, prefilled ${options.keys} keys in ${Date.now() - t0} ms`,
      );
    }
    if (options.warmupSeconds > 0) {
      for (const target of targets)
        for (const op of ['put', 'get'] as const)
          await runWrk(target, { op, conns: 16, durationSeconds: options.warmupSeconds, keys: options.keys });
    }
    for (let round = 1; round <= options.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const op of ops)
        for (const conns of options.conns)
          for (const target of order) cells.push(await measureCell(target, round, op, conns, options));
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  if (options.probeDir) {
    for (const name of options.servers) {
      const samples = readProbe(join(options.probeDir, `${name}.jsonl`));
      for (const cell of cells)
        if (cell.server === name && samples.length > 0)
          cell.probe = summarizeWindow(samples, cell.startMs, cell.endMs);
    }
  }
  return cells;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: distDir }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const wrk = wrkVersion();
  if (wrk === undefined) {
    console.error('wrk is not installed. Install it with: apt-get install wrk');
    return 1;
  }
  const etcd = options.servers.includes('etcd') ? etcdVersion() : 'not used';
  if (etcd === undefined) {
    console.error(
      'etcd is not installed. Install it with: apt-get install etcd-server (or drop it: --servers arca,fastify,audit)',
    );
    return 1;
  }
  const baseDir = mkdtempSync(join(tmpdir(), 'arca-bench-single-'));
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedAt = new Date().toISOString();
  const commit = gitCommit();
  console.log(
    `bench:single ${startedAt} commit ${commit}, ${cpus().length} CPUs, node ${process.version}, ${wrk}, ${etcd}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    // Startup first: timed after the write cells and the memory phase, Arca and the floor both
    // started 25-40 % slower than alone (695 / 471 ms against 497 / 381 ms), likely the disk still
    // writing back what those phases wrote; a start on a fresh machine is what the target means.
    const startup = options.only.includes('startup')
      ? await measureStartup(
          [
            ...(['arca', 'arca-b'] as const)
              .filter((name) => name === 'arca' || options.servers.includes(name))
              .map((name) =>
                arcaSpec({ ...options, cpuProfDir: undefined, probeDir: undefined }, baseDir, name),
              ),
            // Same command line and timer; bench/floor-startup.ts reads only the listen address.
            { name: 'floor-startup', mainJs: floorStartupJs, baseDir, nodeArgs: [], audit: false },
          ],
          options.startupRuns,
        )
      : undefined;
    const cells = await runCells(options, baseDir);
    const memory = options.only.includes('memory')
      ? await measureMemory(arcaSpec({ ...options, cpuProfDir: undefined }, baseDir, 'arca'), options)
      : undefined;
    if (cells.length > 0) printReport(cells, options.conns);
    printProbe(cells);
    if (memory)
      console.log(
        `\nMemory (Arca): RSS ${memory.rssAfterKeysMiB.toFixed(0)} MiB after ${options.memoryKeys} keys; peak (VmHWM) ${memory.peakMiB.toFixed(0)} MiB under load (put+get c64); load ${memory.loadavg.toFixed(1)}`,
      );
    for (const s of startup ?? [])
      console.log(
        `Startup (${s.server}) to the first 200 on sys/health: median ${s.summary.median.toFixed(0)} ms (${s.summary.min.toFixed(0)}–${s.summary.max.toFixed(0)}, ${s.runsMs.length} runs), process CPU median ${s.cpuSummary.median.toFixed(0)} ms (${s.cpuSummary.min.toFixed(0)}–${s.cpuSummary.max.toFixed(0)}); load ${s.loadavg.toFixed(1)}`,
      );
    const out = options.out ?? join(tmpdir(), `arca-bench-single-${startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          startedAt,
          finishedAt: new Date().toISOString(),
          commit,
          host: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, wrk, etcd },
          options,
          summaries: summarizeCells(cells),
          ratios: computeRatios(cells, options.conns),
          memory,
          startup,
          cells,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nJSON results: ${out}`);
    return 0;
  } finally {
    await stopAll();
    rmSync(baseDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
