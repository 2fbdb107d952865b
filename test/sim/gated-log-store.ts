/**
 * The production driver's `LogStore` under the simulator. Every write the driver issues (persist,
 * compact, stage a snapshot) is held by the gate until the simulator's agenda reaches its
 * completion event; the simulator then runs it on the backing store and AWAITS it before it
 * resolves the driver's promise and moves on. So storage operations complete in an order fixed by
 * the seed, even on a real LevelDB whose own I/O timing is not, and a crash can strike while writes
 * are in flight: the pending writes survive as a random prefix in issue order (the rest are lost),
 * as on a disk that made some of them durable before the process died but never acknowledged them.
 *
 * Backends: `MemoryBackend` (the simulated disk: a `LogImage`) and `LevelBackend`
 * (leveldb-backend.ts: the real `LevelLogStore` in a temp directory, checked against a `LogImage`).
 */
import type { Rng } from '../../src/lib/rng.js';
import type { LogStore, PersistedState } from '../../src/raft/ports.js';
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../../src/raft/types.js';
import { LogImage, type StoreOp } from './log-image.js';
import { chance } from './random.js';

/** Where the gated writes land. `image` is the content all completed writes left. */
export interface StoreBackend {
  readonly image: LogImage;
  open(): Promise<PersistedState>;
  loadSnapshot(): Promise<Snapshot | undefined>;
  run(op: StoreOp): Promise<void>;
  /** Releases the store after a crash or at the end (a real database must be closed to reopen). */
  close(): Promise<void>;
}

/** The simulated disk: completed writes are durable (every `LevelLogStore` write is synced). */
export class MemoryBackend implements StoreBackend {
  readonly image: LogImage;

  constructor(owner: string) {
    this.image = new LogImage(owner);
  }

  async open(): Promise<PersistedState> {
    const image = this.image.image();
    return { hardState: image.hardState, snapshotMeta: image.snapshot?.meta, entries: image.entries };
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    return this.image.snapshot;
  }

  async run(op: StoreOp): Promise<void> {
    this.image.apply(op);
  }

  async close(): Promise<void> {}
}

/** A write held by the gate until its completion event. */
export interface PendingWrite {
  readonly op: StoreOp;
  resolve(): void;
  reject(error: Error): void;
}

/** The driver's `LogStore`: writes wait for the simulator (see the module comment). */
export class GatedLogStore implements LogStore {
  private pending: PendingWrite[] = [];
  private dead = false;
  /** Writes complete at once, ungated (while the driver opens its log, see driver-node.ts). */
  direct = false;

  constructor(
    private readonly backend: StoreBackend,
    private readonly schedule: (write: PendingWrite) => void,
  ) {}

  /** A write is waiting for its completion event. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  open(): Promise<PersistedState> {
    return this.backend.open();
  }

  loadSnapshot(): Promise<Snapshot | undefined> {
    return this.backend.loadSnapshot();
  }

  persist(update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void> {
    return this.gate({ kind: 'persist', update });
  }

  compact(index: number): Promise<void> {
    return this.gate({ kind: 'compact', index });
  }

  stageSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    return this.gate({ kind: 'stage', meta, data });
  }

  /** The simulator closes the backend itself (a crashed process never closes anything). */
  async close(): Promise<void> {}

  /**
   * Runs `write` on the backend now (its completion event). Returns false when the store died
   * meanwhile. With `crashAfter` the write lands but the driver never hears of it.
   */
  async complete(write: PendingWrite, crashAfter: boolean): Promise<boolean> {
    const at = this.pending.indexOf(write);
    if (this.dead || at < 0) return false;
    this.pending.splice(at, 1);
    try {
      await this.backend.run(write.op);
    } catch (error) {
      write.reject(error instanceof Error ? error : new Error(String(error)));
      return true;
    }
    if (!crashAfter) write.resolve();
    return true;
  }

  /**
   * The process died: from now on nothing completes. Returns the pending writes that reached the
   * disk anyway: a prefix in issue order, each surviving with probability 1 - `tearProbability`.
   */
  kill(rng: Rng, tearProbability: number): StoreOp[] {
    this.dead = true;
    const landed: StoreOp[] = [];
    for (const write of this.pending) {
      if (chance(rng, tearProbability)) break;
      landed.push(write.op);
    }
    this.pending = [];
    return landed;
  }

  private gate(op: StoreOp): Promise<void> {
    // A dead process's calls never return (nothing awaits them any more).
    if (this.dead) return new Promise<void>(() => undefined);
    if (this.direct) return this.backend.run(op);
    return new Promise<void>((resolve, reject) => {
      const write: PendingWrite = { op, resolve, reject };
      this.pending.push(write);
      this.schedule(write);
    });
  }
}
