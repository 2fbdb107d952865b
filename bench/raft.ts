/**
 * Raft benchmark: three in-process `RaftNode`s, each on its own LevelDB log store (temp dirs,
 * synced batches), over an in-memory transport. For 1, 16 and 256 concurrent proposers it measures
 * committed entries per second, p50/p99 commit latency (propose → committed and applied on the
 * leader) and syncs per committed entry (LogStore.persist calls, all three nodes, per entry) —
 * group commit must make that far below one at high concurrency. In the same run it measures the
 * raw rate of sequential synced LevelDB batches on this disk: the ceiling a one-sync-at-a-time
 * leader can reach without batching, and prints the ratio.
 *
 *   npm run bench:raft [-- --seconds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { RaftNode, type StateMachine } from '../src/raft/node.js';
import { SeededRng } from '../src/lib/rng.js';
import type { LogStore } from '../src/raft/ports.js';
import type { Entry } from '../src/raft/types.js';
import { LevelLogStore } from '../src/storage/raft/log-store-leveldb.js';
import { MemoryHub } from '../test/sim/memory-transport.js';

const secondsFlag = process.argv.indexOf('--seconds');
const secondsPerLevel = secondsFlag >= 0 ? Number(process.argv[secondsFlag + 1]) : 3;
const concurrencyLevels = [1, 16, 256];
const payload = new Uint8Array(128).fill(7);

/** Counts persist calls on top of a real log store. */
class CountingLogStore implements LogStore {
  persists = 0;
  constructor(private readonly inner: LogStore) {}
  open: LogStore['open'] = () => this.inner.open();
  persist: LogStore['persist'] = (update) => {
    this.persists++;
    return this.inner.persist(update);
  };
  compact: LogStore['compact'] = (index) => this.inner.compact(index);
  loadSnapshot: LogStore['loadSnapshot'] = () => this.inner.loadSnapshot();
  close: LogStore['close'] = () => this.inner.close();
}

class CountingMachine implements StateMachine {
  applied = 0;
  apply(entry: Entry): void {
    this.applied = entry.index;
  }
  snapshot(): Uint8Array {
    return new Uint8Array(0);
  }
  restore(): void {}
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function rawSyncedBatchRate(dir: string, seconds: number): Promise<number> {
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
  await db.open();
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    await db.batch([{ type: 'put', key: `k${n % 1024}`, value: payload }], { sync: true });
    n++;
  }
  const rate = n / seconds;
  await db.close();
  return rate;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-bench-raft-'));
  const ids = ['n1', 'n2', 'n3'];
  const hub = new MemoryHub();
  const stores: CountingLogStore[] = [];
  const nodes: RaftNode[] = [];
  try {
    const rawBefore = await rawSyncedBatchRate(join(dir, 'raw-before'), secondsPerLevel);
    for (const [i, id] of ids.entries()) {
      const store = new CountingLogStore(await LevelLogStore.open(join(dir, id)));
      stores.push(store);
      nodes.push(
        new RaftNode({
          id,
          logStore: store,
          transport: hub.transport(id),
          stateMachine: new CountingMachine(),
          rng: new SeededRng(i + 1),
          tickIntervalMs: 10,
          electionTimeoutTicks: 10,
          heartbeatIntervalTicks: 1,
          raft: { preVote: true, checkQuorum: true, maxInflightMsgs: 256, maxSizePerMsgBytes: 1024 * 1024 },
          bootstrap: { voters: ids, learners: [] },
          proposalTimeoutMs: 10_000,
        }),
      );
    }
    await Promise.all(nodes.map((n) => n.start()));
    const electionDeadline = performance.now() + 10_000;
    let leader: RaftNode | undefined;
    while ((leader = nodes.find((n) => n.status().role === 'leader')) === undefined) {
      if (performance.now() > electionDeadline) throw new Error('no leader elected within 10 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    await leader.propose(payload); // warm-up: the leader has committed in its term

    const rows: {
      concurrency: number;
      rate: number;
      p50: number;
      p99: number;
      syncsPerEntry: number;
      leaderSyncsPerEntry: number;
    }[] = [];
    for (const concurrency of concurrencyLevels) {
      const latencies: number[] = [];
      const persistsBefore = stores.reduce((s, x) => s + x.persists, 0);
      const leaderStore = stores[nodes.indexOf(leader)];
      const leaderPersistsBefore = leaderStore.persists;
      const started = performance.now();
      const deadline = started + secondsPerLevel * 1000;
      const worker = async (): Promise<void> => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await leader.propose(payload);
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const elapsed = (performance.now() - started) / 1000;
      const syncs = stores.reduce((s, x) => s + x.persists, 0) - persistsBefore;
      latencies.sort((a, b) => a - b);
      const rate = latencies.length / elapsed;
      rows.push({
        concurrency,
        rate,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        syncsPerEntry: syncs / latencies.length,
        leaderSyncsPerEntry: (leaderStore.persists - leaderPersistsBefore) / latencies.length,
      });
    }
    // The nodes stop first, so their LevelDB compactions do not compete with the raw measurement.
    await Promise.all(nodes.map((n) => n.stop()));
    const rawAfter = await rawSyncedBatchRate(join(dir, 'raw-after'), secondsPerLevel);
    const ceiling = (rawBefore + rawAfter) / 2;
    console.log(
      `raw LevelDB synced batches/s on this disk (sequential, 1 put each), measured before and after: ${rawBefore.toFixed(0)} / ${rawAfter.toFixed(0)}; ceiling used = their mean ${ceiling.toFixed(0)}`,
    );
    console.log('');
    console.log(
      '| proposers | committed entries/s | p50 commit ms | p99 commit ms | syncs per entry (leader) | syncs per entry (3 nodes) | entries/s ÷ raw syncs/s |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.concurrency} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.leaderSyncsPerEntry.toFixed(3)} | ${r.syncsPerEntry.toFixed(3)} | ${(r.rate / ceiling).toFixed(2)} |`,
      );
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
