/**
 * The two non-throughput parts of `bench:single`, each on a fresh Arca node: memory (RSS after
 * writing N distinct keys, then the peak while wrk drives puts and gets at 64 connections over
 * them) and startup (process spawn → first 200 on `GET /v1/sys/health`, several runs).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchOptions } from './options.js';
import { freePort, spawnTracked, stopProcess } from './processes.js';
import { cpuSeconds, memoryOf } from './proc.js';
import { arcaArgv, arcaEnv, startArca, startBoundMs, type ArcaSpec } from './servers.js';
import { summarize, type Summary } from './stats.js';
import { prefill, runWrk } from './wrk.js';

/** RSS figures of one Arca node. */
export interface MemoryResult {
  keys: number;
  rssAfterKeysMiB: number;
  /** Highest VmRSS sampled (every 100 ms) while wrk ran puts then gets at c64. */
  peakUnderLoadMiB: number;
  /** VmHWM at the end: the peak over the node's whole life (prefill included). */
  peakMiB: number;
  loadavg: number;
}

/** Writes `options.memoryKeys` keys into a fresh node, reads RSS, then loads it and samples RSS. */
export async function measureMemory(spec: ArcaSpec, options: BenchOptions): Promise<MemoryResult> {
  const target = await startArca(spec);
  try {
    const t0 = Date.now();
    await prefill(target, options.memoryKeys, Math.max(300, Math.ceil(options.memoryKeys / 20)));
    console.log(`memory: wrote ${options.memoryKeys} keys in ${Date.now() - t0} ms`);
    const rssAfterKeysMiB = memoryOf(target.pid).rssKiB / 1024;
    let peakKiB = 0;
    const sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, memoryOf(target.pid).rssKiB);
    }, 100);
    try {
      for (const op of ['put', 'get'] as const)
        await runWrk(target, {
          op,
          conns: 64,
          durationSeconds: options.durationSeconds,
          keys: options.memoryKeys,
        });
    } finally {
      clearInterval(sampler);
    }
    const mem = memoryOf(target.pid);
    return {
      keys: options.memoryKeys,
      rssAfterKeysMiB,
      peakUnderLoadMiB: Math.max(peakKiB, mem.rssKiB) / 1024,
      peakMiB: mem.hwmKiB / 1024,
      loadavg: loadavg()[0],
    };
  } finally {
    await target.stop();
  }
}

/** Startup times of fresh nodes of one build. */
export interface StartupResult {
  server: string;
  /** Spawn → first 200 on sys/health, wall clock. */
  runsMs: number[];
  summary: Summary;
  /** Process CPU (user + system, all threads) spent up to that first 200. */
  cpuMs: number[];
  cpuSummary: Summary;
  loadavg: number;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** One fresh node: spawn → first 200 on sys/health; wall and process CPU in ms. */
async function timeOneStartup(spec: ArcaSpec): Promise<{ wallMs: number; cpuMs: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(spec.baseDir, 'startup-'));
  const withPort = { ...spec, port };
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, arcaArgv(withPort), { env: arcaEnv(withPort, dir) });
  child.stdout!.resume();
  child.stderr!.resume();
  try {
    const deadline = t0 + startBoundMs;
    while (!(await healthy(`http://127.0.0.1:${port}`))) {
      if (child.exitCode !== null) throw new Error(`Arca exited with ${child.exitCode} during startup`);
      if (performance.now() > deadline)
        throw new Error(`Arca not healthy ${startBoundMs / 1000} s after spawn`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const wallMs = performance.now() - t0;
    return { wallMs, cpuMs: cpuSeconds(child.pid!) * 1000 };
  } finally {
    await stopProcess(child);
  }
}

/**
 * Spawns `runs` fresh nodes of each build, interleaved (A, B, A, B, ...: a load swing hits both),
 * and times each to its first 200 on sys/health.
 */
export async function measureStartup(specs: readonly ArcaSpec[], runs: number): Promise<StartupResult[]> {
  const load = loadavg()[0];
  const wall = specs.map((): number[] => []);
  const cpu = specs.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (let s = 0; s < specs.length; s++) {
      const { wallMs, cpuMs } = await timeOneStartup(specs[s]);
      wall[s].push(wallMs);
      cpu[s].push(cpuMs);
    }
  }
  return specs.map((spec, s) => ({
    server: spec.name,
    runsMs: wall[s],
    summary: summarize(wall[s]),
    cpuMs: cpu[s],
    cpuSummary: summarize(cpu[s]),
    loadavg: load,
  }));
}
