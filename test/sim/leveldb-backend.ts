/**
 * The real `LevelLogStore` (src/storage/raft/log-store-leveldb.ts) as a simulated member's disk,
 * in a directory of its own under a per-seed temp directory. The simulator runs each write at its
 * completion event and awaits it, so the store sees the same calls in the same order on every run
 * of a seed. A `LogImage` follows the same writes, and every (re)open checks that what LevelDB
 * recovered is exactly what the model says the completed writes left: the store's recovery is
 * under test too.
 */
import { join } from 'node:path';
import type { PersistedState } from '../../src/raft/ports.js';
import type { Snapshot } from '../../src/raft/types.js';
import { LevelLogStore } from './core.js';
import type { StoreBackend } from './gated-log-store.js';
import { hashBytes } from './hash.js';
import { LogImage, type StoreOp } from './log-image.js';
import { SimInvariantError } from './sim-state-machine.js';

/** One member's LevelDB log store plus its model. */
export class LevelBackend implements StoreBackend {
  readonly image: LogImage;
  private store: LevelLogStore | undefined;
  private readonly path: string;

  constructor(
    private readonly owner: string,
    dir: string,
  ) {
    this.image = new LogImage(owner);
    this.path = join(dir, owner);
  }

  async open(): Promise<PersistedState> {
    if (this.store !== undefined) await this.close();
    this.store = await LevelLogStore.open(this.path);
    const state = await this.store.open();
    this.checkAgainstModel(state);
    return state;
  }

  loadSnapshot(): Promise<Snapshot | undefined> {
    return this.opened().loadSnapshot();
  }

  async run(op: StoreOp): Promise<void> {
    const store = this.opened();
    if (op.kind === 'persist') await store.persist(op.update);
    else if (op.kind === 'compact') await store.compact(op.index);
    else await store.stageSnapshot(op.meta, op.data);
    this.image.apply(op);
  }

  async close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    await store?.close();
  }

  private opened(): LevelLogStore {
    if (this.store === undefined) throw new Error(`${this.owner}: LevelDB log store not open`);
    return this.store;
  }

  private checkAgainstModel(state: PersistedState): void {
    const want = this.image.image();
    const got = describe(state.hardState, state.snapshotMeta?.index, state.snapshotMeta?.term, state.entries);
    const expected = describe(
      want.hardState,
      want.snapshot?.meta.index,
      want.snapshot?.meta.term,
      want.entries,
    );
    if (got !== expected) {
      throw new SimInvariantError(
        `${this.owner}: LevelDB recovered ${got}, but the completed writes left ${expected}`,
      );
    }
  }
}

function describe(
  hs: { term: number; vote: string; commit: number },
  snapIndex: number | undefined,
  snapTerm: number | undefined,
  entries: { index: number; term: number; data: Uint8Array }[],
): string {
  const ents = entries.map((e) => `${e.index}@${e.term}#${hashBytes(e.data)}`).join(',');
  return `hs t${hs.term} v${hs.vote || '-'} c${hs.commit} snap ${snapIndex ?? 0}@${snapTerm ?? 0} [${ents}]`;
}
