/**
 * `npm run bench:leases`: the expiration manager with 100k leases (ARCA_BENCH_LEASES) over the
 * real barrier on LevelDB, with a fake engine whose revoke does nothing: issue rate (256 concurrent
 * registrations, so LevelDB group-commits), heap and RSS growth per lease, the cost of a tick with
 * every lease pending and none due, lookup rate, restore (what a new active node pays), and the
 * revocation rate once all are due (ticks of up to 10k revocations). The clock is a FakeClock so
 * expiry is instant; durations are measured with performance.now().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../src/lib/clock.js';
import { SeededRng, secureRandomBytes } from '../src/lib/rng.js';
import type { Backend } from '../src/logical/backend.js';
import { ExpirationManager } from '../src/core/expiration.js';
import { LeaseManager } from '../src/core/leases.js';
import { defaultLeaseTiming } from '../src/core/leases-timing.js';
import type { CoreLogger } from '../src/core/mounts.js';
import { PrefixedStorageView } from '../src/core/storage-view.js';
import { Barrier } from '../src/storage/barrier/barrier.js';
import { LevelPhysical } from '../src/storage/physical/leveldb.js';
import { Level } from 'level';
import { childEntry } from '../src/storage/physical/keys.js';
import { listLevelChildren } from '../src/storage/physical/level-list.js';

const leaseCount = Number(process.env['ARCA_BENCH_LEASES'] ?? 100_000);
const concurrency = 256;
const quietLogger: CoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let revoked = 0;
const engine: Backend = {
  type: 'fake',
  paths: [],
  secretTypes: { cred: { revoke: async () => void (revoked += 1) } },
};

/** The expiration manager with the lease manager as its `lease` kind (tokens are not exercised). */
function managerOver(
  barrier: Barrier,
  clock: FakeClock,
  seed: number,
): { expiration: ExpirationManager; manager: LeaseManager } {
  const mountStorage = new PrefixedStorageView(barrier, 'logical/fake/');
  const timing = { ...defaultLeaseTiming, maxRevocationsPerTick: 10_000 };
  const expiration = new ExpirationManager({ clock, logger: quietLogger, timing, isActive: () => true });
  const manager = new LeaseManager({
    storage: new PrefixedStorageView(barrier, 'sys/'),
    clock,
    rng: new SeededRng(seed),
    logger: quietLogger,
    timing,
    expiration,
    resolveMount: () => ({ backend: engine, storage: mountStorage, mountPoint: 'fake/' }),
    mountTtls: () => ({ defaultSeconds: 3600, maxSeconds: 86_400 }),
    tokenExists: async () => true,
  });
  return { expiration, manager };
}

async function inParallel(total: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function memoryMiB(): { heap: number; rss: number } {
  global.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}

/** The LIST loop LevelPhysical used before the range scan: one awaited iterator step per key. */
async function listPerKey(db: Level<string, Uint8Array>, prefix: string): Promise<string[]> {
  const names: string[] = [];
  const iterator = db.keys({ gte: prefix });
  try {
    for (;;) {
      const key = await iterator.next();
      if (key === undefined || !key.startsWith(prefix)) break;
      const name = childEntry(prefix, key);
      names.push(name);
      if (name.endsWith('/')) iterator.seek(prefix + name.slice(0, -1) + '0');
    }
  } finally {
    await iterator.close();
  }
  return names;
}

/**
 * Same-run before/after of the listing alone: the restore's lease-id walk (`fake/creds/roleN/…`,
 * 100 folders) over a separate LevelDB holding `count` lease-shaped keys, with the old per-key loop
 * and with the batched range scan, alternated three times; the best of each.
 */
async function listComparison(count: number): Promise<{ perKeyMs: number; rangeScanMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-bench-list-'));
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    for (let start = 0; start < count; start += 1000) {
      const batch = db.batch();
      for (let i = start; i < Math.min(count, start + 1000); i++)
        batch.put(
          `sys/expire/id/fake/creds/role${i % 100}/${String(i).padStart(24, 'x')}`,
          new Uint8Array(1),
        );
      await batch.write();
    }
    const walk = async (list: (prefix: string) => Promise<string[]>): Promise<number> => {
      const t = performance.now();
      let n = 0;
      for (const role of await list('sys/expire/id/fake/creds/'))
        n += (await list(`sys/expire/id/fake/creds/${role}`)).length;
      if (n !== count) throw new Error(`listed ${n} of ${count}`);
      return performance.now() - t;
    };
    let perKeyMs = Infinity;
    let rangeScanMs = Infinity;
    for (let round = 0; round < 3; round++) {
      perKeyMs = Math.min(perKeyMs, await walk((prefix) => listPerKey(db, prefix)));
      rangeScanMs = Math.min(rangeScanMs, await walk((prefix) => listLevelChildren(db, '', prefix)));
    }
    return { perKeyMs, rangeScanMs };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-bench-leases-'));
  const level = await LevelPhysical.open(dir);
  try {
    const barrier = new Barrier(level, new FakeClock());
    await barrier.initialize(secureRandomBytes(32));
    const clock = new FakeClock();
    const { expiration, manager } = managerOver(barrier, clock, 1);
    const before = memoryMiB();

    const ids: string[] = new Array<string>(leaseCount);
    let t = performance.now();
    await inParallel(leaseCount, async (i) => {
      ids[i] = await manager.register({
        path: `fake/creds/role${i % 100}`,
        ttlSeconds: 3600 + (i % 600),
        renewable: true,
        tokenAccessor: `accessor${i % 1000}`,
        secretType: 'cred',
        internalData: { username: `v-role-${i}` },
      });
    });
    const issueSeconds = (performance.now() - t) / 1000;
    const after = memoryMiB();

    clock.advance(defaultLeaseTiming.maxClockOffsetMs + 1); // past the activation grace
    const ticks = 1000;
    t = performance.now();
    for (let i = 0; i < ticks; i++) await expiration.expireDue();
    const tickMs = (performance.now() - t) / ticks;

    const lookups = Math.min(leaseCount, 20_000);
    t = performance.now();
    await inParallel(lookups, (i) => manager.lookupData(ids[(i * 7919) % leaseCount]));
    const lookupSeconds = (performance.now() - t) / 1000;

    const restored = managerOver(barrier, clock, 2);
    t = performance.now();
    await restored.expiration.restore();
    const restoreSeconds = (performance.now() - t) / 1000;
    const restoredCount = restored.manager.count();
    if (restoredCount !== leaseCount) throw new Error(`restored ${restoredCount} of ${leaseCount}`);

    clock.advance(2 * 3600_000);
    t = performance.now();
    let tickCount = 0;
    while (manager.count() > 0 && tickCount < 10_000) {
      await expiration.expireDue();
      tickCount += 1;
    }
    const expireSeconds = (performance.now() - t) / 1000;
    if (revoked !== leaseCount) throw new Error(`revoked ${revoked} of ${leaseCount}`);
    const listing = await listComparison(leaseCount);

    console.log(
      `bench:leases — ${leaseCount} leases, real barrier on LevelDB, fake engine (Node ${process.version})`,
    );
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(
      `| issue (register, ${concurrency} concurrent) | ${(leaseCount / issueSeconds).toFixed(0)} leases/s |`,
    );
    console.log(
      `| heap growth | ${(after.heap - before.heap).toFixed(1)} MiB (${(((after.heap - before.heap) * 2 ** 20) / leaseCount).toFixed(0)} B/lease) |`,
    );
    console.log(
      `| RSS growth | ${(after.rss - before.rss).toFixed(1)} MiB (RSS ${after.rss.toFixed(0)} MiB) |`,
    );
    console.log(`| tick with ${leaseCount} pending, none due | ${(tickMs * 1000).toFixed(1)} µs/tick |`);
    console.log(`| lookup (sys/leases/lookup data) | ${(lookups / lookupSeconds).toFixed(0)} lookups/s |`);
    console.log(`| restore on activation (load) | ${restoreSeconds.toFixed(2)} s |`);
    console.log(
      `| list the restore's ${leaseCount} lease ids: per-key iterator (before) / batched range scan (now) | ${listing.perKeyMs.toFixed(0)} ms / ${listing.rangeScanMs.toFixed(0)} ms |`,
    );
    console.log(
      `| expire all (engine revoke + delete) | ${(leaseCount / expireSeconds).toFixed(0)} revocations/s in ${tickCount} ticks |`,
    );
  } finally {
    await level.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
