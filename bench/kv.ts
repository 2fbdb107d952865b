/**
 * Superseded for HTTP figures by `npm run bench:single` (bench/single/): this bench's load
 * generator runs in-process on the server's 2 cores and saturates before bare fastify does, so its
 * Arca/bare ratios are too flattering. Kept for the raw-LevelDB group-commit comparison.
 *
 * `npm run bench`: KV v2 write and read throughput and p50/p99 latency on a single LevelDB node at
 * concurrency 1, 16 and 64, measured side by side in ONE run with a bare fastify server doing the
 * same JSON work (bench/bare-fastify.ts), and the same Arca workload again with one file audit
 * device enabled (issue 6's overhead), and raw LevelDB doing the same synced writes at the same
 * concurrency (is a write bound by the disk's sync rate or by our code?). Each server runs in its own child process; the load
 * generator (bench/lib/load.ts) runs here. Every phase is bounded in time.
 *
 * Both servers first get an untimed warm-up (writes then reads at concurrency 16, `warmupMs` each):
 * a freshly started Node process needs a few thousand requests before V8 has optimised the hot
 * path, and without it the first cells (write at c=1) measured the JIT, not the steady state
 * (write c=1 was ~0.55x of the same server a few seconds later, measured on this host).
 *
 * Env: ARCA_BENCH_PHASE_MS (default 2000) per measurement; ARCA_BENCH_WARMUP_MS (default 2000) per
 * warm-up phase, 0 to skip; ARCA_BENCH_CONCURRENCY (default "1,16,64"); ARCA_BENCH_AUDIT=0 skips
 * the audited pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelPhysical } from '../src/storage/physical/leveldb.js';
import { startArca, startChild, stopChild, type Server } from './lib/arca-child.js';
import { runLoad, send, type LoadResult } from './lib/load.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 2000);
const warmupMs = Number(process.env['ARCA_BENCH_WARMUP_MS'] ?? 2000);
const levels = (process.env['ARCA_BENCH_CONCURRENCY'] ?? '1,16,64').split(',').map(Number);
const value = 'x'.repeat(200);
const readKeys = 64;
const withAudit = process.env['ARCA_BENCH_AUDIT'] !== '0';

async function startBare(): Promise<Server> {
  return startChild(['dist/bench/bare-fastify.js'], (line, acc) => {
    const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(line);
    if (m) {
      acc.port = Number(m[1]);
      acc.token = '';
    }
  });
}

async function api(server: Server, method: string, path: string, body?: unknown): Promise<void> {
  const agent = new Agent({ keepAlive: false });
  const status = await send(agent, server.port, {
    method,
    path,
    headers: { 'x-vault-token': server.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (status >= 400) throw new Error(`${method} ${path} answered ${status}`);
}

async function measure(
  server: Server,
  kind: 'write' | 'read',
  concurrency: number,
  durationMs = phaseMs,
): Promise<LoadResult> {
  const headers = { 'x-vault-token': server.token };
  const body = JSON.stringify({ data: { value } });
  const result = await runLoad({
    port: server.port,
    concurrency,
    durationMs,
    next: (worker, i) =>
      kind === 'write'
        ? { method: 'POST', path: `/v1/secret/data/bench/w${worker}-${i % 32}`, headers, body }
        : { method: 'GET', path: `/v1/secret/data/bench/r${(worker * 7 + i) % readKeys}`, headers },
  });
  if (result.errors > 0)
    throw new Error(`${result.errors} ${kind} requests failed at concurrency ${concurrency}`);
  return result;
}

async function seed(server: Server): Promise<void> {
  for (let i = 0; i < readKeys; i++)
    await api(server, 'POST', `/v1/secret/data/bench/r${i}`, { data: { value } });
}

/** Raw LevelDB under the same write pattern: synced, group-committed writes/s and fsyncs/s. */
interface DiskResult {
  writesPerSecond: number;
  syncsPerSecond: number;
}

/**
 * The disk's limit for Arca's writes, measured in this run: `concurrency` writers each doing what
 * one KV v2 write does to storage (one synced batch of two ~300-byte puts: metadata + version)
 * back to back through `LevelPhysical` (same group commit), in this process, for `phaseMs`.
 */
async function measureDisk(concurrency: number): Promise<DiskResult> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-bench-disk-'));
  const physical = await LevelPhysical.open(dir);
  try {
    const value = new Uint8Array(300).fill(7);
    const syncs0 = physical.counters.syncs;
    let writes = 0;
    const started = performance.now();
    const deadline = started + phaseMs;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; performance.now() < deadline; i++) {
          await physical.batch([
            { type: 'put', key: `metadata/w${worker}-${i % 32}`, value },
            { type: 'put', key: `versions/w${worker}-${i % 32}/${i}`, value },
          ]);
          writes += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      writesPerSecond: writes / seconds,
      syncsPerSecond: (physical.counters.syncs - syncs0) / seconds,
    };
  } finally {
    await physical.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Row = {
  kind: string;
  concurrency: number;
  bare: LoadResult;
  arca: LoadResult;
  audited: LoadResult;
  disk?: DiskResult;
};

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

async function main(): Promise<void> {
  const auditDir = mkdtempSync(join(tmpdir(), 'arca-bench-audit-'));
  const bare = await startBare();
  const arca = await startArca();
  const rows: Row[] = [];
  try {
    await seed(bare);
    await seed(arca);
    if (warmupMs > 0) {
      for (const server of [bare, arca]) {
        await measure(server, 'write', 16, warmupMs);
        await measure(server, 'read', 16, warmupMs);
      }
    }
    const results = new Map<string, LoadResult>();
    const disk = new Map<number, DiskResult>();
    for (const kind of ['write', 'read'] as const) {
      for (const c of levels) {
        results.set(`bare-${kind}-${c}`, await measure(bare, kind, c));
        results.set(`arca-${kind}-${c}`, await measure(arca, kind, c));
        if (kind === 'write') disk.set(c, await measureDisk(c));
      }
    }
    if (withAudit) {
      await api(arca, 'PUT', '/v1/sys/audit/file', {
        type: 'file',
        options: { file_path: join(auditDir, 'audit.log') },
      });
      for (const kind of ['write', 'read'] as const) {
        for (const c of levels) results.set(`audited-${kind}-${c}`, await measure(arca, kind, c));
      }
    }
    for (const kind of ['write', 'read'] as const) {
      for (const c of levels) {
        rows.push({
          kind,
          concurrency: c,
          bare: results.get(`bare-${kind}-${c}`)!,
          arca: results.get(`arca-${kind}-${c}`)!,
          disk: kind === 'write' ? disk.get(c) : undefined,
          audited: results.get(`audited-${kind}-${c}`) ?? {
            requests: 0,
            errors: 0,
            perSecond: NaN,
            p50Ms: NaN,
            p99Ms: NaN,
          },
        });
      }
    }
  } finally {
    await stopChild(arca);
    await stopChild(bare);
    rmSync(auditDir, { recursive: true, force: true });
  }
  console.log(`KV v2 on one LevelDB node (synced writes), ${phaseMs} ms per cell, one run, same machine`);
  console.log(
    '| op | conc. | bare fastify req/s | Arca req/s | Arca / bare | Arca p50 ms | Arca p99 ms | raw LevelDB synced writes/s (fsyncs/s) | Arca / raw LevelDB | with file audit req/s | audit / no audit |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const disk = r.disk ? `${fmt(r.disk.writesPerSecond)} (${fmt(r.disk.syncsPerSecond)})` : '—';
    const diskRatio = r.disk ? (r.arca.perSecond / r.disk.writesPerSecond).toFixed(2) : '—';
    console.log(
      `| ${r.kind} | ${r.concurrency} | ${fmt(r.bare.perSecond)} | ${fmt(r.arca.perSecond)} | ${(r.arca.perSecond / r.bare.perSecond).toFixed(2)} | ${fmt(r.arca.p50Ms)} | ${fmt(r.arca.p99Ms)} | ${disk} | ${diskRatio} | ${fmt(r.audited.perSecond)} | ${(r.audited.perSecond / r.arca.perSecond).toFixed(2)} |`,
    );
  }
}

await main();
