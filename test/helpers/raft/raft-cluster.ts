/**
 * In-process Raft storage clusters for tests: real RaftStorages on real LevelDB in a temp dir,
 * connected by the in-memory transport (links can be cut). The first member bootstraps; the
 * others join as learners and are promoted, exactly as the join flow does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/lib/clock.js';
import type { ArcaMetrics } from '../../../src/lib/metrics.js';
import { SeededRng } from '../../../src/lib/rng.js';
import type { Transport } from '../../../src/raft/ports.js';
import type { Message } from '../../../src/raft/types.js';
import { RaftStorage, type MemberInfo } from '../../../src/storage/raft/raft-storage.js';
import { MemoryHub } from '../../sim/memory-transport.js';

export interface RaftCluster {
  dir: string;
  hub: MemoryHub;
  nodes: Map<string, RaftStorage>;
  info(id: string): MemberInfo;
  /** The current leader (waits for one, bounded). */
  leader(exclude?: string[]): Promise<RaftStorage>;
  /** Closes one member (a crash-stop from the cluster's point of view). */
  stop(id: string): Promise<void>;
  /** Reopens a stopped member on its directory. */
  restart(id: string): Promise<RaftStorage>;
  close(): Promise<void>;
}

/** Waits for `cond` (polled on a short timer), failing after `timeoutMs`. */
export async function eventually(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts `ids.length` members: ids[0] bootstraps, the rest join and become voters. */
export async function startRaftCluster(
  ids: string[],
  opts: {
    snapshotThresholdEntries?: number;
    snapshotTrailingEntries?: number;
    seed?: number;
    /** Election timeout in 10 ms ticks (default 10). */
    electionTimeoutTicks?: number;
    metrics?: (id: string) => ArcaMetrics | undefined;
    /** Observes every message delivered to member `id` (before its Raft sees it). */
    onDelivered?: (id: string, message: Message) => void;
    /** Observes member `id`'s snapshot stream events (see snapshot-stream.ts). */
    onSnapshotStream?: (id: string, event: { kind: string; peer: string; bytes?: number }) => void;
  } = {},
): Promise<RaftCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-raft-storage-'));
  const hub = new MemoryHub();
  const nodes = new Map<string, RaftStorage>();
  const info = (id: string): MemberInfo => ({
    nodeId: id,
    apiAddr: `http://${id}.test:8200`,
    clusterAddr: `${id}.test:8201`,
    publicKey: `pk-${id}`,
  });
  let seed = opts.seed ?? 1;
  const observed = (id: string, inner: Transport): Transport =>
    opts.onDelivered === undefined
      ? inner
      : {
          send: (messages) => inner.send(messages),
          setPeers: (peers) => inner.setPeers?.(peers),
          onMessage: (handler) =>
            inner.onMessage((message) => {
              opts.onDelivered!(id, message);
              handler(message);
            }),
        };
  const open = async (id: string, bootstrap: boolean): Promise<RaftStorage> => {
    const storage = await RaftStorage.open({
      dir: join(dir, id),
      self: info(id),
      transport: observed(id, hub.transport(id)),
      rng: new SeededRng(seed++),
      ...(opts.onSnapshotStream !== undefined
        ? { onSnapshotStream: (event) => opts.onSnapshotStream!(id, event) }
        : {}),
      clock: new FakeClock(),
      bootstrap,
      tickIntervalMs: 10,
      electionTimeoutTicks: opts.electionTimeoutTicks ?? 10,
      heartbeatIntervalTicks: 1,
      proposalTimeoutMs: 5_000,
      ...(opts.metrics?.(id) !== undefined ? { metrics: opts.metrics(id) } : {}),
      ...(opts.snapshotThresholdEntries !== undefined
        ? { snapshotThresholdEntries: opts.snapshotThresholdEntries }
        : {}),
      ...(opts.snapshotTrailingEntries !== undefined
        ? { snapshotTrailingEntries: opts.snapshotTrailingEntries }
        : {}),
    });
    nodes.set(id, storage);
    return storage;
  };
  const leader = async (exclude: string[] = []): Promise<RaftStorage> => {
    let found: RaftStorage | undefined;
    await eventually(() => {
      found = [...nodes.entries()].find(([id, n]) => !exclude.includes(id) && n.isLeader())?.[1];
      return found !== undefined;
    }, 'a leader');
    return found!;
  };
  const cluster: RaftCluster = {
    dir,
    hub,
    nodes,
    info,
    leader,
    stop: async (id) => {
      const n = nodes.get(id);
      nodes.delete(id);
      hub.setIsolated(id, true);
      await n?.close();
    },
    restart: async (id) => {
      hub.setIsolated(id, false);
      return open(id, false);
    },
    close: async () => {
      await Promise.all([...nodes.values()].map((n) => n.close()));
      nodes.clear();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    const first = await open(ids[0], true);
    await eventually(() => first.isLeader(), 'the bootstrap member to lead');
    await first.waitOwnTermApplied();
    for (const id of ids.slice(1)) {
      await open(id, false);
      const l = await leader();
      await l.addLearner(info(id));
      const joined = nodes.get(id)!;
      await eventually(() => joined.status().appliedIndex >= l.status().appliedIndex, `${id} to catch up`);
      await (await leader()).promote(id);
    }
    // Every member applies the final configuration before the test starts: a member that has not
    // yet learned it is a voter (or that the others are) cannot form the quorum a test's fault
    // (isolating the leader at once) relies on.
    const l = await leader();
    const target = l.status().appliedIndex;
    for (const n of nodes.values())
      await eventually(() => n.status().appliedIndex >= target, `${n.selfId()} to apply the configuration`);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
