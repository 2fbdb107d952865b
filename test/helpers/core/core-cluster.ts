/**
 * In-process Arca clusters for core tests: one real RaftStorage (real LevelDB in a temp dir) and
 * one real Core per member, members connected by the in-memory Raft transport. `call` goes
 * through `handleRequest` as the HTTP layer would (a standby answers `standby`, nothing forwards).
 */
import { FakeClock } from '../../../src/lib/clock.js';
import { SeededRng } from '../../../src/lib/rng.js';
import type { Operation } from '../../../src/logical/request.js';
import { Core } from '../../../src/core/core.js';
import type { RaftStorage } from '../../../src/storage/raft/raft-storage.js';
import { eventually, startRaftCluster, type RaftCluster } from '../raft/raft-cluster.js';
import { callerFor, notesEngine, RecordingLogger, type Outcome } from './core-harness.js';

/** One member: its storage, its core, its clock. */
export interface CoreMember {
  id: string;
  storage: RaftStorage;
  core: Core;
  clock: FakeClock;
  logger: RecordingLogger;
  call(operation: Operation, path: string, data?: Record<string, unknown>, token?: string): Promise<Outcome>;
}

export interface CoreCluster {
  raft: RaftCluster;
  members: Map<string, CoreMember>;
  /** The member whose core is active (waits for one, bounded). */
  active(exclude?: string[]): Promise<CoreMember>;
  /** Closes a member's core (and with it its storage): a crash-stop. */
  kill(id: string): Promise<void>;
  close(): Promise<void>;
}

function makeCall(core: Core): CoreMember['call'] {
  const call = callerFor(core);
  return (operation, path, data = {}, token = '') => call(operation, path, data, token);
}

/** Starts a Raft cluster of `ids` and a Core over each member (all sealed, uninitialised). */
export async function startCoreCluster(
  ids: string[],
  opts: { readCache?: boolean; snapshotThresholdEntries?: number; snapshotTrailingEntries?: number } = {},
): Promise<CoreCluster> {
  const raft = await startRaftCluster(ids, {
    ...(opts.snapshotThresholdEntries !== undefined
      ? { snapshotThresholdEntries: opts.snapshotThresholdEntries }
      : {}),
    ...(opts.snapshotTrailingEntries !== undefined
      ? { snapshotTrailingEntries: opts.snapshotTrailingEntries }
      : {}),
  });
  const members = new Map<string, CoreMember>();
  for (const id of ids) {
    const storage = raft.nodes.get(id)!;
    const clock = new FakeClock();
    const logger = new RecordingLogger();
    const core = await Core.create({
      physical: storage,
      ha: storage,
      clock,
      rng: new SeededRng(100 + members.size),
      logger,
      engines: { notes: notesEngine },
      version: '1.19.0',
      storageType: 'raft',
      ...(opts.readCache === true
        ? { barrierReadCache: { entriesMax: 1024, bytesMax: 1 << 20, valueBytesMax: 4096 } }
        : {}),
    });
    members.set(id, { id, storage, core, clock, logger, call: makeCall(core) });
  }
  const active = async (exclude: string[] = []): Promise<CoreMember> => {
    let found: CoreMember | undefined;
    await eventually(() => {
      found = [...members.values()].find((m) => !exclude.includes(m.id) && m.core.haMode() === 'active');
      return found !== undefined;
    }, 'an active core');
    return found!;
  };
  return {
    raft,
    members,
    active,
    kill: async (id) => {
      const m = members.get(id);
      members.delete(id);
      raft.nodes.delete(id);
      raft.hub.setIsolated(id, true);
      await m?.core.close();
    },
    close: async () => {
      for (const m of members.values()) await m.core.close();
      members.clear();
      raft.nodes.clear();
      await raft.close();
    },
  };
}
