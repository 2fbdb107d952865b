/**
 * Storage and barrier benchmark: put and get per second through the AES-256-GCM barrier on
 * LevelPhysical vs raw LevelPhysical, side by side in one run, at concurrency 1 and 64; plus the
 * time to unseal a 5/3 Shamir vault (3 shares: combine, unwrap root key, open keyring).
 * Every phase is bounded in time. Run: `npm run bench:barrier` (ARCA_BENCH_PHASE_MS overrides).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/lib/clock.js';
import { secureRandomBytes } from '../src/lib/rng.js';
import { Barrier } from '../src/storage/barrier/barrier.js';
import { LevelPhysical } from '../src/storage/physical/leveldb.js';
import type { PhysicalBackend } from '../src/storage/physical/physical.js';
import { ShamirSeal } from '../src/storage/seal/shamir-seal.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 700);
/** Raw and barrier phases alternate this many times; the table shows medians (shared, noisy host). */
const rounds = 3;
const valueBytes = 256;
const readKeys = 2000;
const unsealRuns = 20;

interface Rate {
  opsPerSecond: number;
  syncs: number;
}

/** Runs `concurrency` workers calling `op` until `phaseMs` elapses; returns ops/s. */
async function measure(concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const deadline = start + phaseMs;
  let done = 0;
  const worker = async (id: number): Promise<void> => {
    for (let i = 0; performance.now() < deadline; i++) {
      await op(id * 1_000_000 + i);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  return done / ((performance.now() - start) / 1000);
}

async function withStore<T>(
  body: (level: LevelPhysical, store: PhysicalBackend) => Promise<T>,
  barrier: boolean,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-bench-barrier-'));
  const level = await LevelPhysical.open(dir);
  let store: PhysicalBackend = level;
  if (barrier) {
    const b = new Barrier(level, systemClock);
    await b.initialize(secureRandomBytes(32));
    store = b;
  }
  try {
    return await body(level, store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function putRate(barrier: boolean, concurrency: number): Promise<Rate> {
  return withStore(async (level, store) => {
    const value = secureRandomBytes(valueBytes);
    const before = level.counters.syncs;
    const opsPerSecond = await measure(concurrency, (i) => store.put(`bench/put/${i}`, value));
    return { opsPerSecond, syncs: level.counters.syncs - before };
  }, barrier);
}

async function getRate(barrier: boolean, concurrency: number): Promise<Rate> {
  return withStore(async (_level, store) => {
    const value = secureRandomBytes(valueBytes);
    await store.batch(
      Array.from({ length: readKeys }, (_, i) => ({ type: 'put' as const, key: `bench/get/${i}`, value })),
    );
    const opsPerSecond = await measure(concurrency, async (i) => {
      const got = await store.get(`bench/get/${(i * 7919) % readKeys}`);
      if (got === undefined) throw new Error('benchmark read missed');
    });
    return { opsPerSecond, syncs: 0 };
  }, barrier);
}

async function unsealMs(): Promise<{ medianMs: number; p90Ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-bench-unseal-'));
  const level = await LevelPhysical.open(dir);
  try {
    const barrier = new Barrier(level, systemClock);
    const seal = new ShamirSeal(level, barrier);
    const { shares } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
    barrier.seal();
    const times: number[] = [];
    for (let run = 0; run < unsealRuns; run++) {
      const start = performance.now();
      for (const share of shares.slice(run % 3, (run % 3) + 3)) await seal.submitShare(share);
      times.push(performance.now() - start);
      if (barrier.isSealed()) throw new Error('unseal failed');
      barrier.seal();
    }
    times.sort((a, b) => a - b);
    return { medianMs: times[Math.floor(times.length / 2)], p90Ms: times[Math.floor(times.length * 0.9)] };
  } finally {
    await level.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (rates: Rate[]): Rate =>
  [...rates].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor(rates.length / 2)];

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const [name, fn] of [
    ['put', putRate],
    ['get', getRate],
  ] as const) {
    for (const concurrency of [1, 64]) {
      const raws: Rate[] = [];
      const barriers: Rate[] = [];
      for (let round = 0; round < rounds; round++) {
        raws.push(await fn(false, concurrency));
        barriers.push(await fn(true, concurrency));
      }
      const raw = median(raws);
      const sealed = median(barriers);
      const syncs = name === 'put' ? ` (${fmt(raw.syncs)} / ${fmt(sealed.syncs)} syncs)` : '';
      rows.push(
        `| ${name} | ${concurrency} | ${fmt(raw.opsPerSecond)} | ${fmt(sealed.opsPerSecond)} | ${(sealed.opsPerSecond / raw.opsPerSecond).toFixed(2)}${syncs} |`,
      );
    }
  }
  const unseal = await unsealMs();
  console.log(
    `median of ${rounds} alternating ${phaseMs} ms phases, values ${valueBytes} B, node ${process.version}\n`,
  );
  console.log('| op | concurrency | raw LevelPhysical ops/s | barrier ops/s | barrier / raw |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `\nunseal 5/3 (3 shares → barrier unsealed), ${unsealRuns} runs: median ${unseal.medianMs.toFixed(2)} ms, p90 ${unseal.p90Ms.toFixed(2)} ms`,
  );
}

await main();
